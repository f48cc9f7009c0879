#include "channel/milter/smtp_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace leakguard::channel::milter {
namespace {

using Clock = std::chrono::steady_clock;

// One connection to the relay: every operation gives up after `timeout`.
class Connection {
 public:
  explicit Connection(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Connect(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) return Status::Unavailable("smtp " + host + ": " + ::gai_strerror(rc));
    std::string last = "no address";
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
        last = std::strerror(errno);
        ::close(fd);
        continue;
      }
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, static_cast<int>(timeout_.count())) != 1) {
        last = "connection timed out";
      } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        last = std::strerror(err != 0 ? err : errno);
      } else {
        fd_ = fd;
        break;
      }
      ::close(fd);
    }
    ::freeaddrinfo(list);
    if (fd_ < 0) return Status::Unavailable("smtp " + host + ":" + service + ": " + last);
    return Status::Ok();
  }

  Status Write(std::string_view data) {
    const auto deadline = Clock::now() + timeout_;
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return Status::Unavailable(std::string("smtp send: ") + std::strerror(errno));
      if (Status s = Wait(POLLOUT, deadline); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Result<SmtpReply> Reply() {
    const auto deadline = Clock::now() + timeout_;
    for (;;) {
      auto next = reader_.Next();
      if (!next) return Unexpected(next.error());
      if (*next) return **next;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        reader_.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
        continue;
      }
      if (n == 0) return Unexpected(Status::Unavailable("smtp: the server closed the connection"));
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return Unexpected(Status::Unavailable(std::string("smtp receive: ") + std::strerror(errno)));
      if (Status s = Wait(POLLIN, deadline); !s.ok()) return Unexpected(s);
    }
  }

 private:
  Status Wait(short events, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::Timeout("smtp: no answer from the server in time");
    pollfd p{fd_, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc == 0) return Status::Timeout("smtp: no answer from the server in time");
    if (rc < 0 && errno != EINTR)
      return Status::Unavailable(std::string("smtp poll: ") + std::strerror(errno));
    return Status::Ok();
  }

  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  SmtpReplyReader reader_;
};

// Addresses go inside <>; CR, LF, NUL and the brackets themselves are dropped.
std::string Path(std::string_view address) {
  std::string out = "<";
  for (char c : address)
    if (c != '\r' && c != '\n' && c != '\0' && c != '<' && c != '>') out += c;
  return out + ">";
}

}  // namespace

Result<std::optional<SmtpReply>> SmtpReplyReader::Next() {
  SmtpReply reply;
  std::size_t pos = 0;
  for (;;) {
    std::size_t eol = buffer_.find('\n', pos);
    if (eol == std::string::npos) {
      if (buffer_.size() > kMaxReply) return Unexpected(Status::LimitExceeded("smtp: reply too long"));
      return std::optional<SmtpReply>();
    }
    if (eol - pos > kMaxReply || eol > kMaxReply)
      return Unexpected(Status::LimitExceeded("smtp: reply too long"));
    std::string_view line(buffer_.data() + pos, eol - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9' || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      return Unexpected(Status::ParseError("smtp: malformed reply line"));
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply.code != 0 && code != reply.code)
      return Unexpected(Status::ParseError("smtp: reply lines with different codes"));
    reply.code = code;
    if (!reply.text.empty()) reply.text += '\n';
    if (line.size() > 4) reply.text.append(line.substr(4));
    pos = eol + 1;
    if (line.size() == 3 || line[3] == ' ') {
      buffer_.erase(0, pos);
      return std::optional<SmtpReply>(std::move(reply));
    }
  }
}

std::string DotStuff(std::string_view data) {
  std::string out;
  out.reserve(data.size() + data.size() / 40 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') continue;  // the LF below writes CRLF
    if (c == '\n' || c == '\r') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

SendResult SendMail(const SmtpOptions& options, const SmtpMessage& message) {
  SendResult result;
  auto fail = [&](Status s, bool retry) {
    result.status = std::move(s);
    result.retry = retry;
    return result;
  };
  if (message.recipients.empty()) return fail(Status::InvalidArgument("smtp: no recipients"), false);
  Connection c(options.timeout);
  if (Status s = c.Connect(options.host, options.port); !s.ok()) return fail(s, true);
  // Sends `command` (unless empty) and reads the reply; a reply of another class than `expect` fails.
  // `code` keeps the last reply's code (0 when the connection failed).
  int code = 0;
  auto step = [&](const std::string& command, int expect, std::string_view what) -> Status {
    code = 0;
    if (!command.empty())
      if (Status s = c.Write(command + "\r\n"); !s.ok()) return s;
    auto r = c.Reply();
    if (!r) return r.error();
    code = r->code;
    if (r->code / 100 == expect / 100) return Status::Ok();
    std::string text = r->text.substr(0, 200);
    for (char& ch : text)
      if (ch == '\n') ch = ' ';
    return Status::Unavailable("smtp " + std::string(what) + ": " + std::to_string(r->code) + " " + text);
  };
  // 4xx replies and network trouble are temporary; a 5xx reply is final.
  auto failed = [&](const Status& s) { return fail(s, code / 100 != 5); };
  if (Status s = step("", 220, "greeting"); !s.ok()) return failed(s);
  if (Status s = step("EHLO " + options.helo, 250, "EHLO"); !s.ok()) {
    if (code == 0) return failed(s);
    if (Status h = step("HELO " + options.helo, 250, "HELO"); !h.ok()) return failed(h);
  }
  if (Status s = step("MAIL FROM:" + Path(message.envelope_from), 250, "MAIL FROM"); !s.ok())
    return failed(s);
  std::size_t accepted = 0;
  Status last_refusal = Status::Ok();
  int refusal_code = 0;
  for (const std::string& rcpt : message.recipients) {
    Status s = step("RCPT TO:" + Path(rcpt), 250, "RCPT TO");
    if (s.ok()) {
      ++accepted;
      continue;
    }
    if (code == 0) return failed(s);  // the connection broke
    result.refused.push_back(rcpt);
    last_refusal = s;
    refusal_code = code;
  }
  code = refusal_code;
  if (accepted == 0) return failed(last_refusal);
  if (Status s = step("DATA", 354, "DATA"); !s.ok()) return failed(s);
  if (Status s = c.Write(DotStuff(message.data)); !s.ok()) return fail(s, true);
  if (Status s = step("", 250, "end of data"); !s.ok()) return failed(s);
  (void)step("QUIT", 221, "QUIT");  // the message is taken; how the server says goodbye does not matter
  result.status = Status::Ok();
  return result;
}

}  // namespace leakguard::channel::milter
