// channel/icap/icap_server.h — the ICAP listener of `leakguard serve` (127.0.0.1:1344 by default):
// TCP connections from the proxy, each driven by one icap::Transaction (icap_service.h), persistent
// (one request after the other on a connection, as Squid keeps them).
//
// Connections are handled asynchronously on a pool of threads (Boost.Asio); the inspection of a
// complete body runs on the thread that received its last byte, so at most `threads` bodies are
// inspected at once and further connections wait in the kernel's queues, not in memory. Output is
// written before more input is read, which makes a slow proxy slow down its own uploads only.
//
// Limits: more than `max_connections` open connections get "503 Service Overloaded" and are closed;
// a connection idle for `idle_timeout` between requests, or sending nothing for `read_timeout` in the
// middle of one, is closed.
//
// Threads: Start, Stop and port may be called from any thread. Stop closes the listener and every
// connection and joins the threads; a request being inspected finishes first.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "channel/icap/icap_service.h"
#include "leakguard/status.h"

namespace leakguard::channel::icap {

struct IcapServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 1344;  // 0: any free port (tests)
  unsigned threads = 0;       // 0: number of cores
  unsigned max_connections = 1000;
  std::chrono::seconds idle_timeout{120};
  std::chrono::seconds read_timeout{300};
};

class IcapServer {
 public:
  IcapServer(IcapServerOptions options, IcapService& service);
  ~IcapServer();  // Stop()
  IcapServer(const IcapServer&) = delete;
  IcapServer& operator=(const IcapServer&) = delete;

  // Binds and starts serving on its own threads.
  Status Start();
  void Stop();
  std::uint16_t port() const;
  std::uint64_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakguard::channel::icap
