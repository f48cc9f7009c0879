// channel/icap/icap_response.h — ICAP responses (RFC 3507) written by the ICAP service: OPTIONS
// capabilities, 100 Continue, 204 No Content, 200 OK with an encapsulated HTTP request or response
// (a rewritten upload, a block page), and errors.
//
// The functions return the bytes to send. A body is written with chunked transfer coding: the
// head (OkHead) first, then any number of Chunk() pieces, then LastChunk(). Header values are
// checked: a CR or LF in a value (from configuration or a request) would split the response, so it is
// replaced by a space.
//
// Threads: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channel/icap/icap_parser.h"

namespace leakguard::channel::icap {

struct OptionsInfo {
  Method method = Method::kReqmod;  // the service's method (Methods: header)
  std::string istag;                // ISTag: changes when the policy or the engine changes (quoted here)
  std::string service = "LeakGuard DLP";
  std::uint64_t preview = 4096;              // Preview: bytes the client should send first
  bool transfer_preview_all = true;          // Transfer-Preview: *
  std::vector<std::string> transfer_ignore;  // Transfer-Ignore: extensions never worth inspecting
  unsigned max_connections = 1000;
  unsigned options_ttl = 60;  // seconds the client may cache this answer
};

std::string OptionsResponse(const OptionsInfo& info);
std::string ContinueResponse();                         // "ICAP/1.0 100 Continue"
std::string NoContentResponse(std::string_view istag);  // 204: use the message unchanged
// An error with no encapsulated message (400, 404, 405, 413, 500, 501, 505...).
std::string ErrorResponse(int status, std::string_view istag, std::string_view reason = {});

// The head of a 200 response carrying an HTTP message: `http_head` is a complete HTTP request or
// response head (start line, headers, empty line); `request` says which (req-hdr or res-hdr);
// `has_body` adds req-body/res-body (follow with Chunk/LastChunk), else null-body.
// `extra_headers` ("X-LeakGuard-Incident: INC-...") go in the ICAP head.
std::string OkHead(std::string_view istag, bool request, std::string_view http_head, bool has_body,
                   const std::vector<Header>& extra_headers = {});
std::string Chunk(std::string_view data);  // "" gives "" (a zero chunk would end the body)
std::string LastChunk();                   // "0\r\n\r\n"

// A header line value with CR/LF (and other control characters) replaced by spaces.
std::string SafeHeaderValue(std::string_view value);

// The reason phrase of an ICAP status code ("Bad Request", "No Content"...).
std::string_view ReasonPhrase(int status);

}  // namespace leakguard::channel::icap
