#include "channel/icap/icap_response.h"

#include <cstdio>

namespace leakguard::channel::icap {
namespace {

std::string StatusLine(int status, std::string_view reason = {}) {
  std::string line = "ICAP/1.0 " + std::to_string(status) + " ";
  line += reason.empty() ? std::string(ReasonPhrase(status)) : SafeHeaderValue(reason);
  line += "\r\n";
  return line;
}

std::string IstagLine(std::string_view istag) { return "ISTag: \"" + SafeHeaderValue(istag) + "\"\r\n"; }

}  // namespace

std::string SafeHeaderValue(std::string_view value) {
  std::string out(value);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 32 && c != '\t') c = ' ';
  // A quote would end the quoted ISTag early.
  for (char& c : out)
    if (c == '"') c = '\'';
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "ICAP Service Not Found";
    case 405:
      return "Method Not Allowed For Service";
    case 408:
      return "Request Timeout";
    case 413:
      return "Request Entity Too Large";
    case 500:
      return "Server Error";
    case 501:
      return "Method Not Implemented";
    case 503:
      return "Service Overloaded";
    case 505:
      return "ICAP Version Not Supported";
    default:
      return "Error";
  }
}

std::string OptionsResponse(const OptionsInfo& info) {
  std::string r = StatusLine(200);
  r += "Methods: " + std::string(MethodName(info.method)) + "\r\n";
  r += "Service: " + SafeHeaderValue(info.service) + "\r\n";
  r += IstagLine(info.istag);
  r += "Max-Connections: " + std::to_string(info.max_connections) + "\r\n";
  r += "Options-TTL: " + std::to_string(info.options_ttl) + "\r\n";
  r += "Allow: 204\r\n";
  r += "Preview: " + std::to_string(info.preview) + "\r\n";
  if (info.transfer_preview_all) r += "Transfer-Preview: *\r\n";
  if (!info.transfer_ignore.empty()) {
    std::string list;
    for (const auto& e : info.transfer_ignore) list += (list.empty() ? "" : ", ") + SafeHeaderValue(e);
    r += "Transfer-Ignore: " + list + "\r\n";
  }
  r += "Encapsulated: null-body=0\r\n\r\n";
  return r;
}

std::string ContinueResponse() { return "ICAP/1.0 100 Continue\r\n\r\n"; }

std::string NoContentResponse(std::string_view istag) {
  return StatusLine(204) + IstagLine(istag) + "Encapsulated: null-body=0\r\n\r\n";
}

std::string ErrorResponse(int status, std::string_view istag, std::string_view reason) {
  std::string r = StatusLine(status, reason);
  if (!istag.empty()) r += IstagLine(istag);
  r += "Encapsulated: null-body=0\r\n\r\n";
  return r;
}

std::string OkHead(std::string_view istag, bool request, std::string_view http_head, bool has_body,
                   const std::vector<Header>& extra_headers) {
  std::string r = StatusLine(200) + IstagLine(istag);
  for (const Header& h : extra_headers)
    r += SafeHeaderValue(h.name) + ": " + SafeHeaderValue(h.value) + "\r\n";
  r += "Encapsulated: ";
  r += request ? "req-hdr=0, " : "res-hdr=0, ";
  r += has_body ? (request ? "req-body=" : "res-body=") : "null-body=";
  r += std::to_string(http_head.size()) + "\r\n\r\n";
  r += http_head;
  return r;
}

std::string Chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string r(size);
  r += data;
  r += "\r\n";
  return r;
}

std::string LastChunk() { return "0\r\n\r\n"; }

}  // namespace leakguard::channel::icap
