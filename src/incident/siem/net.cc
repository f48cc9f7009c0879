#include "incident/siem/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace leakguard::incident::siem {
namespace {

using Clock = std::chrono::steady_clock;

std::string Errno(int e) { return std::strerror(e); }

// The OpenSSL error queue of this thread as text, emptied.
std::string SslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Waits until `fd` is ready for `events`; kTimeout at the deadline.
Status WaitFd(int fd, short events, Clock::time_point deadline, std::string_view what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ms = RemainingMs(deadline);
    int r = ::poll(&p, 1, ms);
    if (r > 0) return Status::Ok();
    if (r == 0) return Status::Timeout(std::string(what) + " timed out");
    if (errno != EINTR) return Status::Unavailable(std::string(what) + ": poll: " + Errno(errno));
  }
}

// Blocks SIGPIPE in this thread while OpenSSL writes to a socket a peer may have closed, and
// swallows a SIGPIPE raised meanwhile (the pattern of libpq's pq_block_sigpipe): a library must not
// change the process's signal handling, and must not die of a receiver going away.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        timespec zero{0, 0};
        while (sigtimedwait(&pipe, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

Result<std::unique_ptr<addrinfo, AddrInfoDeleter>> Resolve(const std::string& host, std::uint16_t port,
                                                           int socktype) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_ADDRCONFIG;
  if (IsIpLiteral(host)) hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) return Unexpected(Status::Unavailable("cannot resolve " + host + ": " + gai_strerror(rc)));
  return std::unique_ptr<addrinfo, AddrInfoDeleter>(res);
}

std::string Where(const std::string& host, std::uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

bool IsIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

Result<Url> ParseUrl(std::string_view text) {
  Url u;
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return Unexpected(Status::InvalidArgument("URL '" + std::string(text) + "' has no scheme://"));
  for (char c : text.substr(0, sep))
    u.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = text.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view target = rest.substr(slash);
    u.target = target.front() == '/' ? std::string(target) : std::string("/").append(target);
    if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  }
  if (authority.find('@') != std::string_view::npos)
    return Unexpected(Status::InvalidArgument("URL '" + std::string(text) +
                                              "': credentials in the URL are not supported (use headers)"));
  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return Unexpected(Status::InvalidArgument("URL '" + std::string(text) + "': unclosed '['"));
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return Unexpected(Status::InvalidArgument("URL '" + std::string(text) + "': junk after ']'"));
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty())
    return Unexpected(Status::InvalidArgument("URL '" + std::string(text) + "' has no host"));
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      return Unexpected(
          Status::InvalidArgument("URL '" + std::string(text) + "': bad port '" + std::string(port) + "'"));
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
}

// --- TLS context ---------------------------------------------------------------------------------

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::Create(const TlsOptions& o) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Unexpected(Status::Internal("SSL_CTX_new: " + SslErrors()));
  std::shared_ptr<TlsClientContext> out(new TlsClientContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  auto exists = [](const std::string& path, std::string_view what) -> Status {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      return Status::NotFound(std::string(what) + " '" + path + "' not found");
    return Status::Ok();
  };
  if (!o.ca_file.empty()) {
    if (Status s = exists(o.ca_file, "TLS CA file"); !s.ok()) return Unexpected(s);
    if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1)
      return Unexpected(Status::ParseError("TLS CA file '" + o.ca_file + "': " + SslErrors()));
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return Unexpected(Status::Internal("cannot load the system CA store: " + SslErrors()));
  }
  if (!o.cert_file.empty()) {
    const std::string& key = o.key_file.empty() ? o.cert_file : o.key_file;
    if (Status s = exists(o.cert_file, "TLS certificate"); !s.ok()) return Unexpected(s);
    if (Status s = exists(key, "TLS key"); !s.ok()) return Unexpected(s);
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1)
      return Unexpected(Status::ParseError("TLS certificate '" + o.cert_file + "': " + SslErrors()));
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
      return Unexpected(Status::ParseError("TLS key '" + key + "': " + SslErrors()));
    if (SSL_CTX_check_private_key(ctx) != 1)
      return Unexpected(Status::ParseError("TLS key '" + key + "' does not match the certificate"));
  } else if (!o.key_file.empty()) {
    return Unexpected(Status::InvalidArgument("TLS key given without a certificate"));
  }
  return out;
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(ctx_); }

// --- TCP / TLS connection ------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Connect(const std::string& host, std::uint16_t port,
                                                        const TlsClientContext* tls,
                                                        const std::string& server_name,
                                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto addrs = Resolve(host, port, SOCK_STREAM);
  if (!addrs) return Unexpected(addrs.error());
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* a = addrs->get(); a != nullptr && fd < 0; a = a->ai_next) {
    int s = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      last = "socket: " + Errno(errno);
      continue;
    }
    if (::connect(s, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Errno(errno);
      ::close(s);
      continue;
    }
    Status w = WaitFd(s, POLLOUT, deadline, "connect");
    int err = 0;
    socklen_t len = sizeof err;
    if (w.ok() && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      fd = s;
      break;
    }
    last = w.ok() ? Errno(err) : w.message();
    ::close(s);
  }
  if (fd < 0) return Unexpected(Status::Unavailable("connect to " + Where(host, port) + ": " + last));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (tls == nullptr) return std::unique_ptr<Connection>(new Connection(fd, nullptr));

  ERR_clear_error();
  SSL* ssl = SSL_new(tls->native());
  if (ssl == nullptr) {
    ::close(fd);
    return Unexpected(Status::Internal("SSL_new: " + SslErrors()));
  }
  std::unique_ptr<Connection> conn(new Connection(fd, ssl));
  SSL_set_fd(ssl, fd);
  const std::string& name = server_name.empty() ? host : server_name;
  if (IsIpLiteral(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, name.c_str());
    SSL_set1_host(ssl, name.c_str());
  }
  SigpipeGuard guard;
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(ssl);
    if (r == 1) break;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      Status w = WaitFd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "TLS handshake");
      if (!w.ok())
        return Unexpected(Status(w.code(), "TLS handshake with " + Where(host, port) + ": " + w.message()));
      continue;
    }
    long verify = SSL_get_verify_result(ssl);
    std::string why = verify != X509_V_OK ? std::string("certificate verification failed: ") +
                                                X509_verify_cert_error_string(verify)
                                          : SslErrors();
    return Unexpected(Status::Unavailable("TLS handshake with " + Where(host, port) + ": " + why));
  }
  return conn;
}

Connection::~Connection() {
  if (ssl_ != nullptr) {
    SigpipeGuard guard;
    // Best-effort close_notify after a finished handshake; the socket is non-blocking, so this never waits.
    if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
}

Status Connection::WriteAll(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  if (ssl_ == nullptr) {
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (Status w = WaitFd(fd_, POLLOUT, deadline, "send"); !w.ok()) return w;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return Status::Unavailable("send: " + Errno(errno));
      }
    }
    return Status::Ok();
  }
  SigpipeGuard guard;
  while (done < data.size()) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data.data() + done,
                      static_cast<int>(std::min<std::size_t>(data.size() - done, 1 << 20)));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
      if (Status w = WaitFd(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "TLS send"); !w.ok())
        return w;
      continue;
    }
    return Status::Unavailable("TLS send: " + (e == SSL_ERROR_SYSCALL ? Errno(errno) : SslErrors()));
  }
  return Status::Ok();
}

Result<std::size_t> Connection::Read(char* buf, std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (ssl_ == nullptr) {
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        return Unexpected(Status::Unavailable("recv: " + Errno(errno)));
      if (Status w = WaitFd(fd_, POLLIN, deadline, "receive"); !w.ok()) return Unexpected(w);
      continue;
    }
    ERR_clear_error();
    int r = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(n, 1 << 20)));
    if (r > 0) return static_cast<std::size_t>(r);
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (Status w = WaitFd(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "TLS receive");
          !w.ok())
        return Unexpected(w);
      continue;
    }
    // A peer that closes without close_notify (common for HTTP servers after the response).
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return std::size_t{0};
    return Unexpected(Status::Unavailable("TLS receive: " + SslErrors()));
  }
}

bool Connection::PeerClosed() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLERR | POLLHUP)) != 0) return true;
  char scratch[512];
  if (ssl_ == nullptr) {
    ssize_t r = ::recv(fd_, scratch, sizeof scratch, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }
  // TLS 1.3 servers send session tickets after the handshake: read records until none is left, and
  // only a close (or an error) counts.
  SigpipeGuard guard;
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(ssl_, scratch, sizeof scratch);
    if (r > 0) continue;
    int e = SSL_get_error(ssl_, r);
    return e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
  }
}

// --- UDP -----------------------------------------------------------------------------------------

Result<std::unique_ptr<UdpSender>> UdpSender::Open(const std::string& host, std::uint16_t port) {
  auto addrs = Resolve(host, port, SOCK_DGRAM);
  if (!addrs) return Unexpected(addrs.error());
  std::string last = "no address";
  for (addrinfo* a = addrs->get(); a != nullptr; a = a->ai_next) {
    int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      last = Errno(errno);
      continue;
    }
    // Connected, so the kernel reports ICMP port unreachable as ECONNREFUSED on a later send.
    if (::connect(s, a->ai_addr, a->ai_addrlen) != 0) {
      last = Errno(errno);
      ::close(s);
      continue;
    }
    return std::unique_ptr<UdpSender>(new UdpSender(s));
  }
  return Unexpected(Status::Unavailable("udp " + Where(host, port) + ": " + last));
}

UdpSender::~UdpSender() { ::close(fd_); }

Status UdpSender::Send(std::string_view datagram) {
  for (;;) {
    ssize_t n = ::send(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(datagram.size())) return Status::Ok();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EMSGSIZE)
      return Status::InvalidArgument("datagram of " + std::to_string(datagram.size()) + " bytes too large");
    return Status::Unavailable("udp send: " + Errno(n < 0 ? errno : EIO));
  }
}

}  // namespace leakguard::incident::siem
