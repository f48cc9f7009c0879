#include "channel/stream_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace leakguard::channel {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
// TCP or a unix-domain socket: connections look the same to the protocol code.
using stream = asio::generic::stream_protocol;
using acceptor_type = asio::basic_socket_acceptor<stream>;

constexpr std::size_t kReadBuffer = 16 << 10;  // per connection: 1,000 idle connections cost ~16 MB

bool IsInet(const stream::endpoint& e) {
  return e.protocol().family() == AF_INET || e.protocol().family() == AF_INET6;
}

tcp::endpoint AsTcp(const stream::endpoint& e) {
  tcp::endpoint t;
  if (!IsInet(e) || e.size() > t.capacity()) return t;
  std::memcpy(t.data(), e.data(), e.size());
  t.resize(e.size());
  return t;
}

std::string Errno(int e) { return std::strerror(e); }

// A group name or number -> its id.
Result<gid_t> GroupId(const std::string& name) {
  gid_t gid = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), gid);
  if (ec == std::errc() && p == name.data() + name.size()) return gid;
  std::vector<char> buffer(16 << 10);
  struct group g {};
  struct group* found = nullptr;
  int rc = getgrnam_r(name.c_str(), &g, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr)
    return Unexpected(Status::InvalidArgument("socket_group: no group '" + name + "'"));
  return found->gr_gid;
}

// Makes `path` free for a new socket: its folder must exist; a socket file nobody accepts on any more
// (a crashed run's) is removed; anything else is left alone and reported.
Status FreeSocketPath(const std::string& path, const std::string& what) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return Status::Unavailable(what + ": folder " + dir + " " +
                               (errno == ENOENT ? "does not exist" : "cannot be read: " + Errno(errno)));
  if (!S_ISDIR(st.st_mode)) return Status::Unavailable(what + ": " + dir + " is not a folder");
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Unavailable(what + ": " + Errno(errno));
  }
  if (!S_ISSOCK(st.st_mode)) return Status::Unavailable(what + ": " + path + " exists and is not a socket");
  // Still served by another process (a second `leakguard serve`)? Then it is not ours to remove.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    const bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (live) return Status::Unavailable(what + ": another process is listening on " + path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::Unavailable(what + ": cannot remove the stale socket " + path + ": " + Errno(errno));
  return Status::Ok();
}

}  // namespace

std::string StreamServerOptions::ListenName() const {
  if (!unix_path.empty()) return "unix:" + unix_path;
  const bool v6 = address.find(':') != std::string::npos;
  return "inet:" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

struct StreamServer::Impl {
  class Connection;

  Impl(StreamServerOptions o, SessionFactory f, std::function<std::string()> r)
      : options(std::move(o)), factory(std::move(f)), overload_reply(std::move(r)), acceptor(ioc) {}

  Status Listen();
  void RemoveSocketFile();

  StreamServerOptions options;
  SessionFactory factory;
  std::function<std::string()> overload_reply;
  asio::io_context ioc;
  acceptor_type acceptor;
  dev_t socket_dev = 0;  // the unix socket file this server created (removed by Stop)
  ino_t socket_ino = 0;
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> open{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint16_t> bound_port{0};
  std::mutex mu;
  std::set<std::shared_ptr<Connection>> connections;  // guarded by mu
  std::optional<asio::ssl::context> tls;              // set by Start when a certificate is configured

  void Accept();
};

// One proxy connection. Its socket lives on a strand of its own: the read/write handlers, the timeout
// and a Close from Stop never run at the same time.
class StreamServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, stream::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()), buffer_(kReadBuffer) {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    const bool inet = !ec && IsInet(peer);
    transaction_ = server_.factory(inet ? AsTcp(peer).address().to_string() : std::string());
    if (inet) socket_.set_option(tcp::no_delay(true), ec);
    if (server_.tls) tls_.emplace(socket_, *server_.tls);
  }

  void Start() {
    if (!tls_) return Pump();
    auto self = shared_from_this();
    timer_.expires_after(server_.options.read_timeout);
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->Close();
    });
    tls_->async_handshake(asio::ssl::stream_base::server, [self](boost::system::error_code ec) {
      self->timer_.cancel();
      if (ec) {
        self->Close();
        return self->Finish();
      }
      self->Pump();
    });
  }
  stream::socket::executor_type executor() { return socket_.get_executor(); }

  // Closes the socket from any thread: pending operations end with an error and the connection goes away.
  void CloseSoon() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

  void Close() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(stream::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  void Refuse() {
    auto self = shared_from_this();
    auto reply =
        std::make_shared<std::string>(server_.overload_reply ? server_.overload_reply() : std::string());
    auto done = [self, reply](boost::system::error_code, std::size_t) {
      self->Close();
      self->Finish();
    };
    if (tls_) {
      // Over TLS the refusal needs the handshake first; closing is the refusal.
      Close();
      return Finish();
    }
    asio::async_write(socket_, asio::buffer(*reply), done);
  }

 private:
  // Sends pending output, feeds pending input, or reads more — whichever comes first.
  void Pump() {
    for (;;) {
      if (transaction_->has_more_output()) {
        out_ = transaction_->TakeOutput();
        if (out_.empty()) continue;
        auto self = shared_from_this();
        auto done = [self](boost::system::error_code ec, std::size_t) {
          if (ec) return self->Finish();
          self->Pump();
        };
        if (tls_) {
          asio::async_write(*tls_, asio::buffer(out_), done);
        } else {
          asio::async_write(socket_, asio::buffer(out_), done);
        }
        return;
      }
      if (transaction_->close_after_output()) {
        Close();
        return Finish();
      }
      if (!pending_.empty()) {
        std::size_t used = transaction_->Feed(pending_);
        pending_.erase(0, used);
        continue;
      }
      Read();
      return;
    }
  }

  void Read() {
    if (server_.stopping.load()) {
      Close();
      return Finish();
    }
    auto self = shared_from_this();
    timer_.expires_after(transaction_->idle() ? server_.options.idle_timeout : server_.options.read_timeout);
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->Close();  // timed out: the pending read fails and ends the connection
    });
    auto got = [self](boost::system::error_code ec, std::size_t n) {
      self->timer_.cancel();
      if (ec) return self->Finish();
      self->pending_.append(self->buffer_.data(), n);
      self->Pump();
    };
    if (tls_) {
      tls_->async_read_some(asio::buffer(buffer_), got);
    } else {
      socket_.async_read_some(asio::buffer(buffer_), got);
    }
  }

  void Finish() {
    if (finished_.exchange(true)) return;
    boost::system::error_code ec;
    socket_.close(ec);
    --server_.open;
    std::lock_guard lock(server_.mu);
    server_.connections.erase(shared_from_this());
  }

  Impl& server_;
  stream::socket socket_;
  std::optional<asio::ssl::stream<stream::socket&>> tls_;  // over socket_, when the server has TLS
  asio::steady_timer timer_;
  std::vector<char> buffer_;
  std::string pending_;
  std::string out_;
  std::unique_ptr<StreamSession> transaction_;
  std::atomic<bool> finished_{false};
};

void StreamServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec, stream::socket socket) {
    if (stopping.load()) return;
    if (!ec) {
      auto c = std::make_shared<Connection>(*this, std::move(socket));
      {
        std::lock_guard lock(mu);
        connections.insert(c);
      }
      // Start on the connection's strand.
      const bool refuse = ++open > options.max_connections;
      asio::post(c->executor(), [c, refuse] { refuse ? c->Refuse() : c->Start(); });
    }
    Accept();
  });
}

Status StreamServer::Impl::Listen() {
  boost::system::error_code ec;
  if (options.unix_path.empty()) {
    auto address = asio::ip::make_address(options.address, ec);
    if (ec)
      return Status::InvalidArgument("bad " + options.protocol + " listen address '" + options.address + "'");
    stream::endpoint endpoint{tcp::endpoint(address, options.port)};
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::Unavailable("cannot listen for " + options.protocol + " on " + options.address + ":" +
                                 std::to_string(options.port) + ": " + ec.message());
    bound_port = AsTcp(acceptor.local_endpoint()).port();
    return Status::Ok();
  }
  const std::string& path = options.unix_path;
  const std::string what = "cannot listen for " + options.protocol + " on unix:" + path;
  if (!path.starts_with('/')) return Status::InvalidArgument(what + ": the socket path must be absolute");
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return Status::InvalidArgument(what + ": the socket path is longer than " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  if (options.socket_mode > 0777)
    return Status::InvalidArgument(what + ": socket_mode must be an octal mode up to 0777");
  std::optional<gid_t> gid;
  if (!options.socket_group.empty()) {
    auto g = GroupId(options.socket_group);
    if (!g) return Status::InvalidArgument(what + ": " + g.error().message());
    gid = *g;
  }
  if (Status freed = FreeSocketPath(path, what); !freed.ok()) return freed;
  stream::endpoint endpoint{asio::local::stream_protocol::endpoint(path)};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (ec) return Status::Unavailable(what + ": " + ec.message());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    socket_dev = st.st_dev;
    socket_ino = st.st_ino;
  }
  // The socket is created with the umask's mode (022: nobody else may connect) until these are set.
  std::string failed;
  if (gid && ::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0)
    failed = "cannot give the socket to group " + options.socket_group + ": " + Errno(errno);
  else if (::chmod(path.c_str(), options.socket_mode) != 0)
    failed = "cannot set the socket's mode: " + Errno(errno);
  if (failed.empty()) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (failed.empty() && ec) failed = ec.message();
  if (!failed.empty()) {
    acceptor.close(ec);
    RemoveSocketFile();
    return Status::Unavailable(what + ": " + failed);
  }
  return Status::Ok();
}

// Removes the socket file this server created, unless something else has taken its place since.
void StreamServer::Impl::RemoveSocketFile() {
  if (options.unix_path.empty() || socket_ino == 0) return;
  struct stat st {};
  if (::lstat(options.unix_path.c_str(), &st) == 0 && st.st_dev == socket_dev && st.st_ino == socket_ino)
    ::unlink(options.unix_path.c_str());
  socket_ino = 0;
}

StreamServer::StreamServer(StreamServerOptions options, SessionFactory factory,
                           std::function<std::string()> overload_reply)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(factory), std::move(overload_reply))) {}

StreamServer::~StreamServer() { Stop(); }

Status StreamServer::Start() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  if (!s.options.tls_cert.empty() || !s.options.tls_key.empty()) {
    if (s.options.tls_cert.empty() || s.options.tls_key.empty())
      return Status::InvalidArgument(s.options.protocol + " TLS needs both a certificate and a key");
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    s.tls->use_certificate_chain_file(s.options.tls_cert, ec);
    if (ec)
      return Status::NotFound(s.options.protocol + " TLS certificate " + s.options.tls_cert + ": " +
                              ec.message());
    s.tls->use_private_key_file(s.options.tls_key, asio::ssl::context::pem, ec);
    if (ec)
      return Status::NotFound(s.options.protocol + " TLS key " + s.options.tls_key + ": " + ec.message());
  }
  if (Status listening = s.Listen(); !listening.ok()) return listening;
  s.Accept();
  unsigned n = s.options.threads > 0 ? s.options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return Status::Ok();
}

void StreamServer::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.ioc, [&s] {
    boost::system::error_code ec;
    s.acceptor.close(ec);
    s.RemoveSocketFile();
    std::lock_guard lock(s.mu);
    for (const auto& c : s.connections) c->CloseSoon();
  });
  // Connections close as their handlers see the closed sockets; then run() returns.
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.ioc.stop();
  s.RemoveSocketFile();  // when Start never got to run the threads
}

std::uint16_t StreamServer::port() const { return impl_->bound_port.load(); }
std::uint64_t StreamServer::open_connections() const { return impl_->open.load(); }

std::string StreamServer::listen_name() const {
  StreamServerOptions o = impl_->options;
  if (o.unix_path.empty()) o.port = impl_->bound_port.load();
  return o.ListenName();
}

}  // namespace leakguard::channel
