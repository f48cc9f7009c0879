// channel/icap/icap_parser.h — an incremental parser of ICAP requests (RFC 3507) as a web proxy
// (Squid) sends them: OPTIONS, REQMOD and RESPMOD, with the encapsulated HTTP headers and a chunked
// body, preview ("0\r\n\r\n" ends a preview, "0; ieof\r\n\r\n" ends the whole body) included.
//
// Feed it bytes as they arrive in pieces of any size; it calls its Handler as parts of the message
// become known: OnHead once the ICAP headers and the encapsulated HTTP headers are in, OnBody with
// decoded body bytes (never buffered beyond one chunk-size line), OnPreviewEnd when a preview ended
// with more body to come (answer 100 Continue to get it, or a final response), OnEnd when the message
// is complete. Then the parser is ready for the next request on the same connection.
//
// Bounds: the ICAP header block, the encapsulated HTTP headers and a chunk-size line are limited
// (ParserLimits); a body is not (it is streamed). Anything malformed — a bad request line, a missing
// or inconsistent Encapsulated header, a bad chunk size, a header too large — is a Status with an
// ICAP status code for the reply (400, 404-style service errors are the server's business, 413 for a
// header over its bound, 505 for a version other than ICAP/1.0); the connection should then be
// closed, since the stream position is lost. Messages never quote more than a few bytes of input.
//
// Threads: one Parser per connection; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::channel::icap {

enum class Method : std::uint8_t { kOptions, kReqmod, kRespmod };
std::string_view MethodName(Method m);

struct Header {
  std::string name;
  std::string value;
};

// Offsets of the Encapsulated header (RFC 3507 §4.4.1); -1 when a part is absent.
struct Encapsulated {
  std::int64_t req_hdr = -1;
  std::int64_t res_hdr = -1;
  std::int64_t req_body = -1;
  std::int64_t res_body = -1;
  std::int64_t opt_body = -1;
  std::int64_t null_body = -1;

  bool has_body() const { return req_body >= 0 || res_body >= 0 || opt_body >= 0; }
  // Where the body (or the end of the headers, for null-body) starts: the length of the header part.
  std::int64_t headers_length() const;
};

// A parsed HTTP header block (the encapsulated request or response head).
struct HttpHead {
  std::string start_line;  // "POST /upload HTTP/1.1" or "HTTP/1.1 200 OK"
  std::vector<Header> headers;
  std::string raw;  // the block as received, CRLFs and final empty line included

  // First header called `name` (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
};

struct RequestHead {
  Method method = Method::kOptions;
  std::string uri;      // "icap://127.0.0.1:1344/reqmod?x"
  std::string service;  // the URI's path without the leading '/' and query: "reqmod"
  std::vector<Header> headers;
  Encapsulated encapsulated;
  std::optional<std::uint64_t> preview;  // Preview: N
  bool allow_204 = false;                // Allow: 204 (also implied inside a preview)
  bool allow_206 = false;
  std::optional<HttpHead> http_request;   // req-hdr
  std::optional<HttpHead> http_response;  // res-hdr

  const std::string* Find(std::string_view name) const;
};

struct ParserLimits {
  std::size_t max_icap_header = 64 << 10;  // request line + ICAP headers
  std::size_t max_http_header = 64 << 10;  // the encapsulated HTTP headers together
  std::size_t max_chunk_line = 4096;       // a chunk-size line with its extensions
  std::size_t max_trailer = 8 << 10;       // trailer lines after the last chunk
};

// A parse failure: the Status plus the ICAP status code to reply with.
struct ParseFailure {
  int icap_status = 400;
  Status status;
};

class Parser {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    // The request line, ICAP headers and encapsulated HTTP headers are parsed. A failed Status stops
    // parsing (Feed returns it).
    virtual Status OnHead(const RequestHead& head) = 0;
    virtual Status OnBody(std::string_view data) = 0;
    // The preview ended and the client will send the rest only after "ICAP/1.0 100 Continue".
    virtual Status OnPreviewEnd() = 0;
    // The message is complete (body fully received, or there was none).
    virtual Status OnEnd() = 0;
  };

  explicit Parser(Handler& handler, ParserLimits limits = {}) : handler_(handler), limits_(limits) {}

  // Parses as much of `data` as possible. Returns how many bytes were used: all of them, or fewer when
  // a message ended (OnEnd) or a preview ended (OnPreviewEnd) inside `data` — the rest belongs to what
  // follows, and the caller feeds it again after it has answered. A failure leaves the parser unusable.
  Result<std::size_t> Feed(std::string_view data, ParseFailure* failure = nullptr);

  // True between messages (nothing of a new request received yet).
  bool idle() const { return state_ == State::kRequestHead && buffer_.empty(); }
  // True while the body being read is a preview (until its last chunk).
  bool in_preview() const { return preview_active_; }
  // Bytes of the current body received so far (decoded).
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class State : std::uint8_t {
    kRequestHead,
    kHttpHeads,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kFailed,
  };

  Status ParseRequestHead(std::string_view block, ParseFailure& f);
  Status ParseHttpHeads(std::string_view block, ParseFailure& f);
  Status Fail(ParseFailure* out, int code, std::string message);
  void Reset();

  Handler& handler_;
  ParserLimits limits_;
  State state_ = State::kRequestHead;
  std::string buffer_;  // an incomplete header block or line
  RequestHead head_;
  std::uint64_t chunk_left_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool preview_active_ = false;  // the body being read is a preview
  bool last_chunk_ieof_ = false;
};

}  // namespace leakguard::channel::icap
