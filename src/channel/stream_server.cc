#include "channel/stream_server.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
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

constexpr std::size_t kReadBuffer = 16 << 10;  // per connection: 1,000 idle connections cost ~16 MB

}  // namespace

struct StreamServer::Impl {
  class Connection;

  Impl(StreamServerOptions o, SessionFactory f, std::function<std::string()> r)
      : options(std::move(o)), factory(std::move(f)), overload_reply(std::move(r)), acceptor(ioc) {}

  StreamServerOptions options;
  SessionFactory factory;
  std::function<std::string()> overload_reply;
  asio::io_context ioc;
  tcp::acceptor acceptor;
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
  Connection(Impl& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()), buffer_(kReadBuffer) {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    transaction_ = server_.factory(ec ? std::string() : peer.address().to_string());
    socket_.set_option(tcp::no_delay(true), ec);
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
  tcp::socket::executor_type executor() { return socket_.get_executor(); }

  // Closes the socket from any thread: pending operations end with an error and the connection goes away.
  void CloseSoon() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

  void Close() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
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
  tcp::socket socket_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;  // over socket_, when the server has TLS
  asio::steady_timer timer_;
  std::vector<char> buffer_;
  std::string pending_;
  std::string out_;
  std::unique_ptr<StreamSession> transaction_;
  std::atomic<bool> finished_{false};
};

void StreamServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
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
  auto address = asio::ip::make_address(s.options.address, ec);
  if (ec)
    return Status::InvalidArgument("bad " + s.options.protocol + " listen address '" + s.options.address +
                                   "'");
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Unavailable("cannot listen for " + s.options.protocol + " on " + s.options.address + ":" +
                               std::to_string(s.options.port) + ": " + ec.message());
  s.bound_port = s.acceptor.local_endpoint().port();
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
    std::lock_guard lock(s.mu);
    for (const auto& c : s.connections) c->CloseSoon();
  });
  // Connections close as their handlers see the closed sockets; then run() returns.
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.ioc.stop();
}

std::uint16_t StreamServer::port() const { return impl_->bound_port.load(); }
std::uint64_t StreamServer::open_connections() const { return impl_->open.load(); }

}  // namespace leakguard::channel
