// One line per HTTP request on stderr, e.g.
//   2024-05-01T12:00:00.123Z 127.0.0.1 POST /v1/inspect 200 in=10240 out=512 1.234ms
//
// Only the method, the path (query string dropped, non-printable bytes escaped, length capped),
// status, sizes and time are logged: never a header value, a query or a byte of the body, so no
// inspected content can reach the log.
//
// Threads: Write may be called from any thread; each line is emitted with one write(2) call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leakguard::server {

struct AccessLogEntry {
  std::string_view remote;  // peer address, may be empty
  std::string_view method;
  std::string_view target;  // raw request target; the query string is removed before logging
  int status = 0;
  std::uint64_t bytes_in = 0;   // request body bytes
  std::uint64_t bytes_out = 0;  // response body bytes
  double ms = 0;
};

class AccessLog {
 public:
  // fd = -1 disables logging.
  explicit AccessLog(int fd = 2) : fd_(fd) {}

  void Write(const AccessLogEntry& entry) const;
  // A free-form server message ("listening on 127.0.0.1:8080"); must not contain inspected content.
  void Message(std::string_view text) const;

  // The line Write would emit, without the timestamp and the trailing newline (for tests).
  static std::string Format(const AccessLogEntry& entry);
  // `s` with bytes outside printable ASCII escaped as \xHH and cut to `max` bytes.
  static std::string Sanitize(std::string_view s, std::size_t max);

 private:
  void Emit(std::string line) const;
  int fd_;
};

}  // namespace leakguard::server
