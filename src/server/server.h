// The `leakguard serve` process: an HTTP API (POST /v1/inspect, GET /healthz, GET /metrics) on one
// event loop with a pool of worker threads, each with its own Scanner. Later channels (ICAP, milter)
// add listeners to this same process. The endpoints are documented in docs/api.md; the request
// handling itself lives in server/http_api.h, this class is the networking around it.
//
// Threads: Run blocks the calling thread until Stop() is called or SIGINT/SIGTERM arrives; it serves
// with `threads` worker threads running one io_context. Stop, SwapEngine and port may be called from
// any thread, also while Run is serving (Stop typically from another thread or a signal).
//
// Order of calls: construct, Start (binds), Run (serves), Stop (from anywhere). A server runs once:
// after Run returned, make a new one. Destroy the Server only after Run has returned (or if it never
// ran).
//
// Stopping is graceful: the listener closes at once, idle keep-alive connections are closed,
// requests in flight get their response (with "Connection: close"), and after `shutdown_grace` any
// connection still open is dropped.
//
// Failure: Start reports a bad address or a port that cannot be bound as a Status; network errors of
// single connections are handled (and logged) per connection and never end the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "extract/limits.h"
#include "leakguard/engine.h"
#include "leakguard/status.h"
#include "server/http_api.h"

namespace leakguard::server {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;            // 0 = pick a free port (tests)
  unsigned threads = 0;                        // 0 = number of cores
  std::uint64_t max_body_bytes = 32ull << 20;  // larger requests get 413
  bool allow_reveal = false;                   // whether a request may ask for full values (otherwise 403)
  std::chrono::seconds read_timeout{30};       // a request (header and body) must arrive within this;
                                               // also how long an idle keep-alive connection is kept
  std::chrono::seconds write_timeout{30};      // a response must be taken by the client within this
  std::chrono::seconds shutdown_grace{10};     // how long Stop waits for requests in flight
  bool access_log = true;                      // one line per request on stderr
  extract::Limits limits;                      // content extraction limits per request
  // Policy decisions and incidents for /v1/inspect (server/decision_point.h); see ApiOptions.
  DecideFn decide;
  std::function<std::shared_ptr<const classify::Classifier>()> classifier;
  std::function<std::string()> extra_metrics;  // appended to /metrics
  decltype(ApiOptions::justify) justify;       // POST /v1/justify
};

class Server {
 public:
  // `engine` must not be null.
  Server(ServerOptions options, std::shared_ptr<const Engine> engine);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listener. After success, port() is the bound port.
  Status Start();
  // Serves until Stop() (or a signal when handle_signals). Returns when all threads have exited.
  // Calls Start first if it has not been called.
  Status Run(bool handle_signals = true);
  void Stop();
  std::uint16_t port() const;

  // Atomically replaces the engine used for new requests (policy reload). Requests in flight finish
  // with the engine they started with. A null engine is ignored.
  void SwapEngine(std::shared_ptr<const Engine> engine);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakguard::server
