#include "incident/siem/sink.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

namespace leakguard::incident::siem {
namespace {

std::string Hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::string HmacHex(std::string_view secret, std::int64_t t, std::string_view body) {
  std::string signed_text = std::to_string(t) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  return Hex(mac, len);
}

// --- syslog ----------------------------------------------------------------------------------------

class SyslogSink final : public Sink {
 public:
  SyslogSink(SinkConfig c, std::shared_ptr<TlsClientContext> tls) : c_(std::move(c)), tls_(std::move(tls)) {}

  Status Deliver(const SpooledEvent& ev) override {
    std::string_view msg = TruncateMessage(ev.payload, c_.max_message);
    if (c_.transport == SyslogTransport::kUdp) {
      if (!udp_) {
        auto u = UdpSender::Open(c_.endpoint.host, c_.endpoint.port);
        if (!u) return u.error();
        udp_ = std::move(*u);
      }
      Status s = udp_->Send(msg);  // RFC 5426: one message per datagram, no framing
      if (!s.ok()) udp_.reset();
      return s;
    }
    // A receiver that restarted closed our connection; writing into it would be accepted by the
    // kernel and lost.
    if (conn_ && conn_->PeerClosed()) conn_.reset();
    if (!conn_) {
      auto c =
          Connection::Connect(c_.endpoint.host, c_.endpoint.port, tls_.get(), c_.tls.server_name, c_.timeout);
      if (!c) return c.error();
      conn_ = std::move(*c);
    }
    // RFC 6587 octet counting (RFC 5425 for TLS): "<length> <message>".
    std::string frame = std::to_string(msg.size()) + " ";
    frame += msg;
    Status s = conn_->WriteAll(frame, c_.timeout);
    if (!s.ok()) conn_.reset();
    return s;
  }

 private:
  const SinkConfig c_;
  std::shared_ptr<TlsClientContext> tls_;
  std::unique_ptr<UdpSender> udp_;
  std::unique_ptr<Connection> conn_;
};

// --- JSON lines file -------------------------------------------------------------------------------

class JsonlSink final : public Sink {
 public:
  explicit JsonlSink(SinkConfig c) : c_(std::move(c)) {}
  ~JsonlSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Deliver(const SpooledEvent& ev) override {
    if (Status s = EnsureOpen(); !s.ok()) return s;
    std::string line = ev.payload;
    line += '\n';
    if (c_.rotate_bytes > 0 && size_ > 0 && size_ + line.size() > c_.rotate_bytes) {
      if (Status s = Rotate(); !s.ok()) return s;
    }
    std::string_view rest = line;
    while (!rest.empty()) {
      ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int e = errno;
        // Never leave half a line behind: the retry appends the whole line again.
        if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) Close();
        return Status::Unavailable("write " + c_.path + ": " + std::strerror(n < 0 ? e : EIO));
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (c_.fsync && ::fdatasync(fd_) != 0) {
      int e = errno;
      Close();
      return Status::Unavailable("fsync " + c_.path + ": " + std::strerror(e));
    }
    size_ += line.size();
    return Status::Ok();
  }

 private:
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Opens the file, or opens it again when it was moved away (logrotate) since the last line.
  Status EnsureOpen() {
    if (fd_ >= 0) {
      struct stat by_path {
      }, by_fd{};
      if (::stat(c_.path.c_str(), &by_path) == 0 && ::fstat(fd_, &by_fd) == 0 &&
          by_path.st_ino == by_fd.st_ino && by_path.st_dev == by_fd.st_dev)
        return Status::Ok();
      Close();
    }
    std::error_code ec;
    auto parent = std::filesystem::path(c_.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    fd_ = ::open(c_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) return Status::Unavailable("open " + c_.path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      Close();
      return Status::Unavailable("stat " + c_.path + ": " + std::strerror(errno));
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    return Status::Ok();
  }

  // PATH -> PATH.1 -> ... -> PATH.<keep>; the oldest falls off.
  Status Rotate() {
    Close();
    for (int k = c_.rotate_keep; k >= 1; --k) {
      std::string from = k == 1 ? c_.path : c_.path + "." + std::to_string(k - 1);
      std::string to = c_.path + "." + std::to_string(k);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
        return Status::Unavailable("rotate " + from + ": " + std::strerror(errno));
    }
    return EnsureOpen();
  }

  const SinkConfig c_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// --- webhook ---------------------------------------------------------------------------------------

class WebhookSink final : public Sink {
 public:
  WebhookSink(SinkConfig c, std::shared_ptr<TlsClientContext> tls, std::string user_agent)
      : c_(std::move(c)), tls_(std::move(tls)), user_agent_(std::move(user_agent)) {}

  Status Deliver(const SpooledEvent& ev) override {
    // The connection is kept between events (a backlog drains without a TLS handshake per event). A
    // server may close it while idle: when a reused connection fails before any response byte, the
    // event goes again at once on a fresh connection (the server cannot have acted on it... or, if it
    // did, the receiver sees it twice, which at-least-once allows).
    if (conn_ && conn_->PeerClosed()) conn_.reset();
    const bool reused = conn_ != nullptr;
    bool no_response = false;
    Status s = Attempt(ev, no_response);
    if (!s.ok() && reused && no_response) s = Attempt(ev, no_response);
    return s;
  }

 private:
  Status Attempt(const SpooledEvent& ev, bool& no_response) {
    no_response = false;
    if (!conn_) {
      auto conn =
          Connection::Connect(c_.endpoint.host, c_.endpoint.port, tls_.get(), c_.tls.server_name, c_.timeout);
      if (!conn) return conn.error();
      conn_ = std::move(*conn);
    }
    const std::int64_t now = NowMs() / 1000;
    std::string host =
        c_.endpoint.host.find(':') != std::string::npos ? "[" + c_.endpoint.host + "]" : c_.endpoint.host;
    const bool default_port = c_.endpoint.port == (tls_ ? 443 : 80);
    std::string req = "POST " + c_.endpoint.target + " HTTP/1.1\r\n";
    req += "Host: ";
    req += host;
    if (!default_port) {
      req += ':';
      req += std::to_string(c_.endpoint.port);
    }
    req += "\r\n";
    req += "User-Agent: " + user_agent_ + "\r\n";
    req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(ev.payload.size()) + "\r\n";
    req += "X-LeakGuard-Event: " + ev.event_type + "\r\n";
    req += "X-LeakGuard-Event-Id: " + ev.event_id + "\r\n";
    req += "X-LeakGuard-Signature: " + WebhookSignature(c_.secret, now, ev.payload) + "\r\n";
    for (const auto& [k, v] : c_.headers) req += k + ": " + v + "\r\n";
    req += "\r\n";
    req += ev.payload;
    if (Status s = conn_->WriteAll(req, c_.timeout); !s.ok()) {
      conn_.reset();
      no_response = true;
      return s;
    }

    std::string head;
    char buf[4096];
    std::size_t header_end;
    while ((header_end = head.find("\r\n\r\n")) == std::string::npos && head.size() < 65536) {
      auto n = conn_->Read(buf, sizeof buf, c_.timeout);
      if (!n || *n == 0) {
        conn_.reset();
        no_response = head.empty();
        if (!n) return n.error();
        break;
      }
      head.append(buf, *n);
    }
    // "HTTP/1.1 204 No Content"
    int code = 0;
    if (head.starts_with("HTTP/1.") && head.size() >= 12)
      std::from_chars(head.data() + 9, head.data() + 12, code);
    std::string line = head.substr(0, head.find("\r\n"));
    if (code == 0) {
      conn_.reset();
      return Status::Unavailable("webhook " + c_.url + ": no HTTP response");
    }
    if (conn_) KeepOrClose(head, header_end);
    if (code >= 200 && code < 300) return Status::Ok();
    if (code == 400 || code == 413 || code == 415 || code == 422)
      return Status::InvalidArgument("webhook " + c_.url + " refused the event: " + line);
    // 3xx (not followed), 401/403/404 (a configuration to fix, then every event is wanted), 408, 429, 5xx.
    return Status::Unavailable("webhook " + c_.url + ": " + line);
  }

  // Reads the rest of a response with a Content-Length so the connection can carry the next request;
  // anything else (chunked, read-until-close, "Connection: close", a large body) closes it.
  void KeepOrClose(const std::string& head, std::size_t header_end) {
    std::string lower = head.substr(0, header_end);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto header = [&](std::string_view name) -> std::optional<std::string> {
      std::string key = "\r\n" + std::string(name) + ":";
      auto at = lower.find(key);
      if (at == std::string::npos) return std::nullopt;
      auto begin = at + key.size(), end = lower.find("\r\n", begin);
      std::string v = lower.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      while (!v.empty() && v.back() == ' ') v.pop_back();
      return v;
    };
    auto length = header("content-length");
    std::size_t want = 0;
    const std::string connection = header("connection").value_or("");
    const bool http10 = head.starts_with("HTTP/1.0");
    if (header_end == std::string::npos || !length || header("transfer-encoding") ||
        connection.find("close") != std::string::npos ||
        (http10 && connection.find("keep-alive") == std::string::npos) ||
        std::from_chars(length->data(), length->data() + length->size(), want).ec != std::errc() ||
        want > (1u << 20)) {
      conn_.reset();
      return;
    }
    std::size_t have = head.size() - header_end - 4;
    char buf[4096];
    while (have < want) {
      auto n = conn_->Read(buf, std::min(sizeof buf, want - have), c_.timeout);
      if (!n || *n == 0) {
        conn_.reset();
        return;
      }
      have += *n;
    }
    if (have > want) conn_.reset();  // bytes we did not ask for: do not guess at framing
  }

  const SinkConfig c_;
  std::shared_ptr<TlsClientContext> tls_;
  const std::string user_agent_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace

std::string WebhookSignature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + HmacHex(secret, unix_seconds, body);
}

bool VerifyWebhookSignature(std::string_view header, std::string_view secret, std::string_view body,
                            std::int64_t now_seconds, std::int64_t tolerance_seconds) {
  std::int64_t t = -1;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (item.starts_with(' ')) item.remove_prefix(1);
    if (item.starts_with("t=")) {
      auto [p, ec] = std::from_chars(item.data() + 2, item.data() + item.size(), t);
      if (ec != std::errc() || p != item.data() + item.size()) return false;
    } else if (item.starts_with("v1=")) {
      v1.push_back(item.substr(3));
    }
  }
  if (t < 0 || v1.empty()) return false;
  if (t > now_seconds + tolerance_seconds || t < now_seconds - tolerance_seconds) return false;
  std::string expected = HmacHex(secret, t, body);
  for (std::string_view got : v1)
    if (got.size() == expected.size() && CRYPTO_memcmp(got.data(), expected.data(), expected.size()) == 0)
      return true;
  return false;
}

std::string RenderPayload(const SinkConfig& config, const Event& event, const FormatOptions& format) {
  switch (config.type) {
    case SinkType::kSyslog:
      return FormatSyslog(
          event, format,
          config.format == SyslogFormat::kCef ? FormatCef(event, format) : FormatJsonLine(event, format));
    case SinkType::kJsonl:
    case SinkType::kWebhook:
      return FormatJsonLine(event, format);
  }
  return {};
}

Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& config, const FormatOptions& format) {
  std::shared_ptr<TlsClientContext> tls;
  if (config.tls_enabled) {
    auto ctx = TlsClientContext::Create(config.tls);
    if (!ctx)
      return Unexpected(Status(ctx.error().code(), "sink " + config.name + ": " + ctx.error().message()));
    tls = std::move(*ctx);
  }
  switch (config.type) {
    case SinkType::kSyslog:
      return std::unique_ptr<Sink>(new SyslogSink(config, std::move(tls)));
    case SinkType::kJsonl:
      return std::unique_ptr<Sink>(new JsonlSink(config));
    case SinkType::kWebhook:
      return std::unique_ptr<Sink>(
          new WebhookSink(config, std::move(tls), "LeakGuard/" + format.product_version));
  }
  return Unexpected(Status::Internal("unknown sink type"));
}

}  // namespace leakguard::incident::siem
