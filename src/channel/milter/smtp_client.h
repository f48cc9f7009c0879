// channel/milter/smtp_client.h — a small SMTP client (RFC 5321) for LeakGuard's own notification mail:
// one message per connection, EHLO (HELO when refused), MAIL, RCPT, DATA with dot-stuffing, QUIT;
// plain TCP to a relay the operator names (usually the local Postfix on 127.0.0.1:25). No AUTH, no
// STARTTLS: it is meant for a trusted relay on the same host or network.
//
// Every step has a timeout. A 4xx reply or a network error is temporary (SendResult::retry), a 5xx
// reply permanent. Recipients the server refuses are skipped while at least one is accepted.
//
// Threads: SendMail blocks the calling thread (the notifier's worker); SmtpReplyReader belongs to one
// connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::channel::milter {

struct SmtpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  std::string helo = "localhost";  // the name given in EHLO
  std::chrono::milliseconds timeout{30000};
};

struct SmtpMessage {
  std::string envelope_from;  // "" sends MAIL FROM:<> (RFC 3834: automatic messages)
  std::vector<std::string> recipients;
  std::string data;  // header block, blank line, body; LF or CRLF line ends
};

struct SendResult {
  Status status;                     // ok when the server took the message (250 after DATA)
  bool retry = false;                // failed for now (4xx, network): worth trying again
  std::vector<std::string> refused;  // recipients the server refused (the message went to the others)
};

SendResult SendMail(const SmtpOptions& options, const SmtpMessage& message);

// One SMTP reply, possibly multiline ("250-first\r\n250 last\r\n").
struct SmtpReply {
  int code = 0;
  std::string text;  // the lines' texts joined by '\n'
};

// Reads replies from the bytes a server sends. Feed() appends; Next() returns the next complete
// reply, nullopt when more bytes are needed, or an error for a malformed line (no 3-digit code,
// mixed codes in one reply) or one longer than kMaxReply.
class SmtpReplyReader {
 public:
  static constexpr std::size_t kMaxReply = 64 << 10;
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  Result<std::optional<SmtpReply>> Next();

 private:
  std::string buffer_;
};

// `data` ready for DATA: every line ending made CRLF, a '.' starting a line doubled, a CRLF added
// when the last line has none, and the closing ".\r\n".
std::string DotStuff(std::string_view data);

}  // namespace leakguard::channel::milter
