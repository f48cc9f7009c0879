// channel/stream_server.h — the TCP listener the channels share (ICAP for web proxies, milter for
// mail servers): connections handled asynchronously on a pool of threads (Boost.Asio), each driven by
// a StreamSession of the channel's protocol, persistent (one request after the other).
//
// The work of a complete request (inspecting a body) runs on the thread that received its last byte,
// so at most `threads` requests are inspected at once and further connections wait in the kernel's
// queues, not in memory. Output is written before more input is read, which makes a slow peer slow
// down only itself.
//
// TLS: with a certificate and key every connection starts with a TLS handshake (TLS 1.2 or newer);
// a failed handshake closes that connection only.
//
// Unix socket: with `unix_path` set the server listens on that socket instead of TCP (Postfix's
// `unix:/path`). The folder must exist. A socket file left at the path by a previous run is removed
// (anything else there, or a socket some process still accepts on, is an error); the new socket gets
// `socket_mode` and, when given, `socket_group`; Stop removes it again (if it is still ours).
//
// Limits: more than `max_connections` open connections get the overload reply and are closed; a
// connection idle for `idle_timeout` between requests, or sending nothing for `read_timeout` in the
// middle of one, is closed.
//
// Threads: Start, Stop and port may be called from any thread. Stop closes the listener and every
// connection and joins the threads; a request being inspected finishes first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "leakguard/status.h"

namespace leakguard::channel {

// One connection's protocol state. Feed bytes with Feed(); after each call send what TakeOutput()
// returns, and keep calling it while has_more_output() (a large reply comes in pieces) before feeding
// more. close_after_output(): close the connection once the output is sent (after a protocol error
// or a QUIT).
class StreamSession {
 public:
  virtual ~StreamSession() = default;
  // Returns the bytes of `data` used; the rest is fed again after the output is sent.
  virtual std::size_t Feed(std::string_view data) = 0;
  virtual std::string TakeOutput() = 0;
  virtual bool has_more_output() const = 0;
  virtual bool close_after_output() const = 0;
  // Between requests (decides which timeout applies while waiting for input).
  virtual bool idle() const = 0;
};

struct StreamServerOptions {
  std::string protocol = "ICAP";  // for messages
  std::string address = "127.0.0.1";
  std::uint16_t port = 1344;  // 0: any free port (tests)
  unsigned threads = 0;       // 0: number of cores
  unsigned max_connections = 1000;
  std::chrono::seconds idle_timeout{120};
  std::chrono::seconds read_timeout{300};
  // TLS (e.g. ICAPS): PEM certificate chain and private key. Both empty: plain TCP.
  std::string tls_cert;
  std::string tls_key;
  // Unix-domain socket instead of address/port (an absolute path); see above.
  std::string unix_path;
  unsigned socket_mode = 0660;
  std::string socket_group;  // group name or number; "" keeps the process's group

  // "inet:127.0.0.1:8891" / "unix:/run/leakguard/milter.sock", for messages.
  std::string ListenName() const;
};

class StreamServer {
 public:
  // `factory` makes a session for a new connection from the peer's address ("" on a unix socket).
  // `overload_reply` is what a connection over max_connections gets before it is closed.
  using SessionFactory = std::function<std::unique_ptr<StreamSession>(std::string peer)>;
  StreamServer(StreamServerOptions options, SessionFactory factory,
               std::function<std::string()> overload_reply);
  ~StreamServer();  // Stop()
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // Binds and starts serving on its own threads. kInvalidArgument for a bad address, socket path or
  // group; kUnavailable when the address or path cannot be listened on (with the reason).
  Status Start();
  void Stop();
  std::uint16_t port() const;  // 0 on a unix socket
  // What it listens on, the bound port included: "inet:127.0.0.1:8891", "unix:/run/x.sock".
  std::string listen_name() const;
  std::uint64_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakguard::channel
