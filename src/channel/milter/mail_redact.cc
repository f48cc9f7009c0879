#include "channel/milter/mail_redact.h"

#include <memory>
#include <optional>

#include "core/ascii.h"
#include "extract/mime_walk.h"

namespace leakguard::channel::milter {
namespace {

template <typename T>
using GPtr = std::unique_ptr<T, extract::GObjectUnref>;

// Top-level headers whose values a user writes and a mail client shows; values found in them are
// masked in place. Address headers are left alone (a masked address would not deliver).
constexpr std::string_view kMaskedHeaders[] = {"Subject", "Comments", "Keywords", "Thread-Topic"};

std::string StreamBytes(GMimeStream* stream) {
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  if (arr == nullptr || arr->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

// A leaf's content with the transfer encoding removed (charset untouched).
std::string Decoded(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  return StreamBytes(mem.get());
}

// Replaces a leaf's content; it is written out again in the part's own transfer encoding.
void SetDecoded(GMimePart* part, const std::string& bytes) {
  GMimeContentEncoding encoding = g_mime_part_get_content_encoding(part);
  GPtr<GMimeStream> mem(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(mem.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
  g_mime_part_set_content_encoding(part, encoding);
}

bool Ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// The text/plain notice that takes a removed part's place.
GPtr<GMimeTextPart> NoticePart(const std::string& text) {
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype("plain"));
  g_mime_text_part_set_text(part.get(), text.c_str());
  g_mime_text_part_set_charset(part.get(), "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), Ascii(text)
                                                               ? GMIME_CONTENT_ENCODING_7BIT
                                                               : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_object_set_disposition(GMIME_OBJECT(part.get()), "inline");
  g_mime_object_set_header(GMIME_OBJECT(part.get()), "X-LeakGuard-Removed", "yes", nullptr);
  return part;
}

std::string FileNameOf(const extract::MimeNode& node) {
  const char* name = nullptr;
  if (GMIME_IS_PART(node.object)) name = g_mime_part_get_filename(GMIME_PART(node.object));
  if (name == nullptr) name = g_mime_object_get_content_disposition_parameter(node.object, "filename");
  if (name == nullptr) name = g_mime_object_get_content_type_parameter(node.object, "name");
  if (name != nullptr && *name != '\0') return name;
  // No name: say which part it was.
  return "An attachment (" + node.name + ")";
}

struct FormatFree {
  void operator()(GMimeFormatOptions* o) const { g_mime_format_options_free(o); }
};

}  // namespace

std::string PartKeyOf(std::string_view part, std::string_view root) {
  if (!root.empty()) {
    if (!part.starts_with(root) || part.size() <= root.size() || part[root.size()] != '/') return "";
    part.remove_prefix(root.size() + 1);
  }
  for (std::string_view kind : {"attachment[", "body["}) {
    if (!part.starts_with(kind)) continue;
    std::size_t close = part.find(']');
    if (close == std::string_view::npos || close == kind.size()) return "";
    for (std::size_t i = kind.size(); i < close; ++i)
      if (part[i] < '0' || part[i] > '9') return "";
    if (close + 1 < part.size() && part[close + 1] != ':' && part[close + 1] != '/') return "";
    return std::string(part.substr(0, close + 1));
  }
  return "";
}

Result<std::string> MaskText(std::string_view text, const RedactTypes& types, Scanner& scanner,
                             std::uint64_t& masked) {
  ScanOptions so;
  so.min_confidence = Confidence::kLow;
  for (const auto& [type, confidence] : types) so.types.push_back(type);
  auto found = scanner.ScanBlock(text, so);
  if (!found) return Unexpected(found.error());
  std::string out;
  std::size_t pos = 0;
  for (const Finding& f : *found) {
    auto it = types.find(f.info_type);
    if (it == types.end() || f.confidence < it->second) continue;
    if (f.start < pos || f.end > text.size() || f.end <= f.start) continue;  // overlaps one masked already
    out.append(text.substr(pos, f.start - pos));
    out += f.masked;
    pos = f.end;
    ++masked;
  }
  if (pos == 0) return std::string(text);
  out.append(text.substr(pos));
  return out;
}

std::string FillNotice(std::string_view notice, std::string_view file,
                       const std::map<std::string, std::uint32_t>& types, std::string_view incident) {
  std::string clean_file;
  for (char c : file)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean_file += c;
  if (clean_file.size() > 200) clean_file = clean_file.substr(0, 200) + "...";
  std::string type_list;
  for (const auto& [type, count] : types) {
    if (!type_list.empty()) type_list += ", ";
    type_list += type + " x" + std::to_string(count);
  }
  if (type_list.empty()) type_list = "sensitive content";
  std::string out;
  for (std::size_t i = 0; i < notice.size();) {
    auto take = [&](std::string_view key, std::string_view value) {
      if (notice.substr(i, key.size()) != key) return false;
      out += value;
      i += key.size();
      return true;
    };
    if (take("{file}", clean_file) || take("{types}", type_list) ||
        take("{incident}", incident.empty() ? "not recorded" : incident))
      continue;
    out += notice[i++];
  }
  return out;
}

Result<MailRedaction> RedactMessage(const RedactRequest& request, Scanner& scanner) {
  extract::InitGmime();
  MailRedaction result;
  // Values in the user-written top-level headers.
  std::map<std::string_view, std::uint32_t> seen;  // occurrences so far of each masked header
  for (const auto& [name, value] : request.headers) {
    const std::string_view* which = nullptr;
    for (const std::string_view& h : kMaskedHeaders)
      if (EqualsIgnoreCase(h, name)) which = &h;
    if (which == nullptr) continue;
    const std::uint32_t index = ++seen[*which];
    std::uint64_t n = 0;
    auto v = MaskText(value, request.types, scanner, n);
    if (!v) return Unexpected(v.error());
    if (n == 0) continue;
    result.masked += n;
    result.header_changes.push_back({name, index, *v});
  }

  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(request.message.data(), request.message.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return Unexpected(Status::ParseError("redact: not a mail message"));
  GMimeObject* top = g_mime_message_get_mime_part(message.get());
  if (top == nullptr) return Unexpected(Status::ParseError("redact: the message has no body part"));

  // Collect first, change after: replacing a part while walking would free what the walk holds.
  struct Replace {
    GMimeMultipart* parent;
    int index;
    std::string text;
    std::string file;
  };
  std::vector<Replace> replacements;
  std::optional<std::string> top_notice;
  Status failed = Status::Ok();
  extract::WalkMime(top, [&](const extract::MimeNode& node) {
    const std::string key = node.name.substr(0, node.name.find(':'));
    if (node.kind == extract::MimeNode::Kind::kBody) {
      GMimePart* part = GMIME_PART(node.object);
      std::string bytes = Decoded(part);
      std::uint64_t n = 0;
      auto masked = MaskText(bytes, request.types, scanner, n);
      if (!masked) {
        failed = masked.error();
        return false;
      }
      if (n > 0) {
        SetDecoded(part, *masked);
        result.masked += n;
      }
      return true;
    }
    auto it = request.parts.find(key);
    if (it == request.parts.end() || it->second.empty()) return true;
    std::string file = FileNameOf(node);
    std::string text = FillNotice(request.notice, file, it->second, request.incident);
    result.removed.push_back(file);
    if (node.parent == nullptr) {
      top_notice = text;
    } else {
      replacements.push_back({node.parent, node.index, text, file});
    }
    return true;
  });
  if (!failed.ok()) return Unexpected(failed);

  std::unique_ptr<GMimeFormatOptions, FormatFree> format(g_mime_format_options_new());
  const bool crlf = request.message.find("\r\n") != std::string_view::npos;
  g_mime_format_options_set_newline_format(format.get(),
                                           crlf ? GMIME_NEWLINE_FORMAT_DOS : GMIME_NEWLINE_FORMAT_UNIX);
  for (const Replace& r : replacements) {
    GPtr<GMimeTextPart> notice = NoticePart(r.text);
    GPtr<GMimeObject> old(g_mime_multipart_replace(r.parent, r.index, GMIME_OBJECT(notice.get())));
  }
  GMimeObject* body_object = top;
  GPtr<GMimeTextPart> top_part(nullptr);
  if (top_notice) {
    // The whole body was the attachment: the notice becomes the body, and the top-level Content-*
    // headers say so.
    top_part = NoticePart(*top_notice);
    body_object = GMIME_OBJECT(top_part.get());
    auto change = [&](std::string_view name, std::string value) {
      std::uint32_t index = 0;
      for (const auto& [n, v] : request.headers)
        if (EqualsIgnoreCase(n, name)) index = 1;
      result.header_changes.push_back({std::string(name), index, std::move(value)});
    };
    const bool ascii = Ascii(*top_notice);
    change("Content-Type", "text/plain; charset=utf-8");
    change("Content-Transfer-Encoding", ascii ? "7bit" : "quoted-printable");
    change("Content-Disposition", "inline");
  }
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  if (g_mime_object_write_content_to_stream(body_object, format.get(), out.get()) < 0)
    return Unexpected(Status::Internal("redact: the new body could not be written"));
  result.body = StreamBytes(out.get());
  if (crlf) {
    // GMime writes some lines it keeps raw (a multipart's epilogue) with a bare LF.
    std::string fixed;
    fixed.reserve(result.body.size() + 64);
    for (std::size_t i = 0; i < result.body.size(); ++i) {
      if (result.body[i] == '\n' && (i == 0 || result.body[i - 1] != '\r')) fixed += '\r';
      fixed += result.body[i];
    }
    result.body = std::move(fixed);
  }
  return result;
}

}  // namespace leakguard::channel::milter
