#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/access_log.h"
#include "server/http_api.h"

namespace leakguard::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// After an error response that closes the connection, the rest of the request (a body the client is
// still sending) is read and dropped for up to this long, so that closing does not reset the
// connection before the client has read the response.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

class Session;

// Everything shared by the listener and the sessions. Declaration order matters: the io_context is
// destroyed before the members above it, and destroying it destroys pending sessions, which
// unregister themselves from `sessions_`.
class Core {
 public:
  Core(ServerOptions options, std::shared_ptr<const Engine> engine)
      : options_(std::move(options)),
        log_(options_.access_log ? 2 : -1),
        api_(ApiOptions{options_.max_body_bytes, options_.allow_reveal, options_.limits, options_.decide,
                        options_.classifier, options_.extra_metrics, options_.justify},
             std::move(engine)),
        ioc_(static_cast<int>(ThreadCount())),
        control_(asio::make_strand(ioc_)),
        acceptor_(control_),
        accept_retry_(control_) {}

  unsigned ThreadCount() const {
    if (options_.threads > 0) return options_.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  Status Start();
  Status Run(bool handle_signals);
  void Stop();

  std::uint16_t port() const { return port_.load(); }
  HttpApi& api() { return api_; }
  const ServerOptions& options() const { return options_; }
  const AccessLog& log() const { return log_; }
  bool stopping() const { return stopping_.load(); }

  void Unregister(std::uint64_t id) {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(id);
  }

 private:
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void WaitSignal();

  const ServerOptions options_;
  const AccessLog log_;
  HttpApi api_;

  std::mutex sessions_mu_;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::uint64_t next_session_id_ = 0;  // guarded by sessions_mu_

  std::atomic<bool> started_{false};
  std::atomic<bool> ran_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint16_t> port_{0};

  // Run waits on this for Stop and for its workers.
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  unsigned workers_done_ = 0;  // guarded by run_mu_

  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> control_;  // listener, signals, accept retry
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::optional<asio::signal_set> signals_;
};

// One client connection: reads requests one after the other (keep-alive), answers each through
// HttpApi. All of its handlers run on its own strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Core& core, tcp::socket socket, std::uint64_t id)
      : core_(core), stream_(std::move(socket)), id_(id) {
    beast::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  ~Session() { core_.Unregister(id_); }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

  // Called (through the strand) when the server stops: an idle connection is closed now, a busy one
  // after its current response.
  void OnStop() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_ && self->buffer_.size() == 0) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  void ReadHeader() {
    if (core_.stopping()) return Close();
    idle_ = true;
    parser_.emplace();
    parser_->body_limit(core_.options().max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(core_.options().read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    idle_ = false;
    start_ = Clock::now();
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    if (!parser_->is_done() && req.version() >= 11) {
      auto expect = req.find(http::field::expect);
      if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
        stream_.expires_after(core_.options().write_timeout);
        asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return;  // the client went away
                            self->ReadBody();
                          });
        return;
      }
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Respond();
    stream_.expires_after(core_.options().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Respond();
                     });
  }

  // A read failed: the client closed, timed out, or sent something that is not HTTP.
  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      // An idle keep-alive connection or a request not completed in time. The stream has already
      // closed the socket, so there is no answer to send.
      return Close();
    }
    if (ec == http::error::body_limit) {
      return SendError(
          413, "payload_too_large",
          "request body exceeds the limit of " + std::to_string(core_.options().max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return SendError(431, "header_too_large",
                       "request header exceeds " + std::to_string(kHeaderLimit) + " bytes");
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() ||
        parser_->got_some()) {
      return SendError(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    return Close();
  }

  // An error found by the network layer; the connection is closed after it.
  void SendError(int status, std::string_view code, std::string message) {
    HttpResponse r = HttpApi::Error(status, code, message);
    std::string target;
    std::string method;
    if (parser_ && parser_->got_some()) {  // the request line may have been read before the error
      target = std::string(parser_->get().target());
      method = std::string(parser_->get().method_string());
    }
    core_.api().metrics().RecordRequest(Metrics::PathLabel(HttpApi::PathOf(target)), status,
                                        MillisSince(start_) / 1000);
    Write(std::move(r), method, target, /*head=*/false, /*keep_alive=*/false, 11, /*bytes_in=*/0);
  }

  void Respond() {
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = req.body();
    HttpResponse response = core_.api().Handle(request);
    const bool keep_alive = req.keep_alive() && !core_.stopping();
    Write(std::move(response), request.method, request.target, req.method() == http::verb::head, keep_alive,
          req.version(), req.body().size());
  }

  void Write(HttpResponse response, std::string_view method, std::string_view target, bool head,
             bool keep_alive, unsigned version, std::uint64_t bytes_in) {
    auto& res = response_;
    res = {};
    res.version(version);
    res.result(static_cast<unsigned>(response.status));
    res.set(http::field::server, "leakguard");
    res.set(http::field::content_type, response.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    for (const HttpHeader& h : response.headers) res.set(h.name, h.value);
    const std::uint64_t bytes_out = response.body.size();
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length still announces the GET body

    core_.log().Write(
        AccessLogEntry{remote_, method, target, response.status, bytes_in, bytes_out, MillisSince(start_)});
    parser_.reset();  // the request body is no longer needed

    stream_.expires_after(core_.options().write_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      if (self->response_.need_eof()) return self->Linger();
      self->response_ = {};
      self->ReadHeader();
    });
  }

  // Half-closes, then drops whatever the client still sends until it closes or kLingerTime passes.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    linger_buffer_.resize(16 * 1024);
    stream_.expires_after(kLingerTime);
    DrainOnce();
  }

  void DrainOnce() {
    stream_.async_read_some(asio::buffer(linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->Close();
                              self->DrainOnce();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  Core& core_;
  beast::tcp_stream stream_;
  const std::uint64_t id_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::vector<char> linger_buffer_;
  bool idle_ = true;  // waiting for the first byte of the next request
  Clock::time_point start_ = Clock::now();
};

Status Core::Start() {
  if (started_.exchange(true)) return Status::Ok();
  if (api_.engine() == nullptr) {
    started_ = false;
    return Status::InvalidArgument("no engine to serve with");
  }
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.listen_address, ec);
  if (ec) {
    started_ = false;
    return Status::InvalidArgument("bad listen address '" + options_.listen_address + "': " + ec.message());
  }
  const tcp::endpoint endpoint(address, options_.listen_port);
  const std::string where = options_.listen_address + ":" + std::to_string(options_.listen_port);
  auto fail = [&](std::string_view what) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    started_ = false;
    return Status::Unavailable(std::string(what) + " " + where + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open a socket for");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("set options for");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen on");
  const tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return fail("read the bound address of");
  port_ = bound.port();
  asio::dispatch(control_, [this] { Accept(); });
  return Status::Ok();
}

void Core::Accept() {
  if (stopping_) return;
  acceptor_.async_accept(asio::make_strand(ioc_),
                         asio::bind_executor(control_, [this](beast::error_code ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         }));
}

void Core::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE/ENFILE: wait a little instead of spinning, keep the listener.
    log_.Message("leakguard: accept failed: " + ec.message());
    accept_retry_.expires_after(kAcceptRetry);
    accept_retry_.async_wait([this](beast::error_code ec) {
      if (!ec) Accept();
    });
    return;
  }
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mu_);
    const std::uint64_t id = next_session_id_++;
    session = std::make_shared<Session>(*this, std::move(socket), id);
    sessions_.emplace(id, session);
  }
  session->Start();
  Accept();
}

void Core::WaitSignal() {
  signals_->async_wait(asio::bind_executor(control_, [this](beast::error_code ec, int signal) {
    if (ec) return;  // cancelled by Stop
    log_.Message(std::string("leakguard: ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    Stop();
  }));
}

Status Core::Run(bool handle_signals) {
  if (Status s = Start(); !s.ok()) return s;
  if (ran_.exchange(true)) return Status::InvalidArgument("a server runs only once; create a new one");
  if (handle_signals) {
    signals_.emplace(control_, SIGINT, SIGTERM);
    WaitSignal();
    // A Stop that came before the signal set existed must still cancel it.
    if (stopping_) asio::post(control_, [this] { signals_->cancel(); });
  }

  const unsigned n = ThreadCount();
  std::vector<std::thread> workers;
  workers.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    workers.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          break;
        } catch (const std::exception& e) {
          // Exceptions end at this edge: log, keep the worker serving.
          log_.Message(std::string("leakguard: internal error in server thread: ") + e.what());
        }
      }
      std::lock_guard lock(run_mu_);
      ++workers_done_;
      run_cv_.notify_all();
    });
  }

  {
    std::unique_lock lock(run_mu_);
    run_cv_.wait(lock, [&] { return stopping_.load() || workers_done_ == n; });
    if (workers_done_ != n &&
        !run_cv_.wait_for(lock, options_.shutdown_grace, [&] { return workers_done_ == n; })) {
      log_.Message("leakguard: connections still open after the shutdown grace period; closing them");
      ioc_.stop();
    }
  }
  for (std::thread& t : workers) t.join();
  signals_.reset();
  return Status::Ok();
}

void Core::Stop() {
  if (stopping_.exchange(true)) return;
  asio::dispatch(control_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
    if (signals_) signals_->cancel(ec);
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto& [id, weak] : sessions_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->OnStop();
  {
    std::lock_guard lock(run_mu_);
    run_cv_.notify_all();
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, std::shared_ptr<const Engine> engine)
      : core(std::move(options), std::move(engine)) {}
  Core core;
};

Server::Server(ServerOptions options, std::shared_ptr<const Engine> engine)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(engine))) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->core.Start(); }
Status Server::Run(bool handle_signals) { return impl_->core.Run(handle_signals); }
void Server::Stop() { impl_->core.Stop(); }
std::uint16_t Server::port() const { return impl_->core.port(); }

void Server::SwapEngine(std::shared_ptr<const Engine> engine) {
  if (engine) impl_->core.api().SwapEngine(std::move(engine));
}

}  // namespace leakguard::server
