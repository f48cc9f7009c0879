// The `leakguard serve` process: an HTTP API (POST /v1/inspect, GET /healthz, GET /metrics) on one
// event loop with a pool of worker threads, each with its own Scanner. Later channels (ICAP, milter)
// add listeners to this same process.
//
// Threads: RunServer blocks the calling thread until Stop() is called or SIGINT/SIGTERM arrives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "leakguard/engine.h"
#include "leakguard/status.h"

namespace leakguard::server {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;  // 0 = pick a free port (tests)
  unsigned threads = 0;              // 0 = number of cores
  std::uint64_t max_body_bytes = 32ull << 20;  // larger requests get 413
  bool allow_reveal = false;         // whether a request may ask for full values
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const Engine> engine);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listener. After success, port() is the bound port.
  Status Start();
  // Serves until Stop() (or a signal when handle_signals). Returns when all threads have exited.
  Status Run(bool handle_signals = true);
  void Stop();
  std::uint16_t port() const;

  // Atomically replaces the engine used for new requests (policy reload).
  void SwapEngine(std::shared_ptr<const Engine> engine);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakguard::server
