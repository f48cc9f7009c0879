// multipart/form-data (multipart.h).

#include "server/multipart.h"

#include <algorithm>
#include <cctype>

namespace leakguard::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in "form-data; name=\"file\"; filename=\"a.zip\"".
std::optional<std::string> Param(std::string_view header, std::string_view key) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t semi = header.find(';', pos);
    std::string_view item =
        Trim(header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    pos = semi == std::string_view::npos ? header.size() : semi + 1;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (Lower(Trim(item.substr(0, eq))) != key) continue;
    std::string_view v = Trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"') {
      // Quoted: up to the closing quote (a ';' inside quotes is part of the value).
      std::string out;
      std::size_t start = static_cast<std::size_t>(v.data() - header.data());
      for (std::size_t i = start + 1; i < header.size(); ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) {
          out += header[++i];
        } else if (header[i] == '"') {
          return out;
        } else {
          out += header[i];
        }
      }
      return out;
    }
    return std::string(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  if (Lower(Trim(media)) != "multipart/form-data") return std::nullopt;
  std::optional<std::string> b =
      Param(content_type.substr(std::min(content_type.size(), media.size())), "boundary");
  if (!b || b->empty() || b->size() > 200) return std::nullopt;
  return b;
}

Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             std::size_t max_parts) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<FormPart> parts;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos)
    return Unexpected(Status::InvalidArgument("multipart body has no boundary line"));
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // closing boundary
    // The rest of the boundary line.
    std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos)
      return Unexpected(Status::InvalidArgument("multipart body is truncated"));
    pos = eol + 2;
    std::size_t headers_end = body.find("\r\n\r\n", pos);
    std::size_t next = body.find("\r\n" + delimiter, pos);
    if (next == std::string_view::npos)
      return Unexpected(Status::InvalidArgument("multipart body has no closing boundary"));
    FormPart part;
    std::size_t content_start;
    if (body.substr(pos, 2) == "\r\n") {
      content_start = pos + 2;  // no headers
    } else {
      if (headers_end == std::string_view::npos || headers_end > next)
        return Unexpected(Status::InvalidArgument("multipart part without the end of its headers"));
      std::string_view headers = body.substr(pos, headers_end - pos);
      content_start = headers_end + 4;
      std::size_t h = 0;
      while (h < headers.size()) {
        std::size_t end = headers.find("\r\n", h);
        std::string_view line =
            headers.substr(h, end == std::string_view::npos ? std::string_view::npos : end - h);
        h = end == std::string_view::npos ? headers.size() : end + 2;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string key = Lower(Trim(line.substr(0, colon)));
        std::string_view value = Trim(line.substr(colon + 1));
        if (key == "content-disposition") {
          part.name = Param(value, "name").value_or("");
          part.filename = Param(value, "filename");
        } else if (key == "content-type") {
          part.content_type = std::string(value);
        }
      }
    }
    part.content = body.substr(content_start, next - content_start);
    if (parts.size() >= max_parts)
      return Unexpected(
          Status::InvalidArgument("more than " + std::to_string(max_parts) + " multipart parts"));
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace leakguard::server
