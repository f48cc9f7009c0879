// incident/siem/net.h — client connections for the SIEM sinks: TCP, TLS (OpenSSL) and UDP.
//
// Owns: Url, TlsOptions, TlsClientContext, Connection (a TCP or TLS stream) and UdpSender.
// Every call takes a timeout and returns a Status: kUnavailable when the peer cannot be reached or
// the connection broke, kTimeout when the deadline passed, kInvalidArgument for a bad address.
// TLS always verifies the server: its chain against the configured CA file (or the system store) and
// its name (DNS name or IP address) against `server_name`. Writes never raise SIGPIPE.
//
// Threads: a TlsClientContext may be shared by any number of threads; a Connection or UdpSender is
// used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "leakguard/status.h"

struct ssl_ctx_st;
struct ssl_st;

namespace leakguard::incident::siem {

// scheme://host[:port][/target]; host may be an [IPv6] literal. The scheme is lower-cased.
struct Url {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;  // 0 when the URL has none
  std::string target = "/";
};
Result<Url> ParseUrl(std::string_view text);

// True for an IPv4 or IPv6 address literal (without brackets).
bool IsIpLiteral(std::string_view host);

struct TlsOptions {
  std::string ca_file;      // PEM CA bundle the server's chain must end in; empty = the system store
  std::string cert_file;    // client certificate chain (PEM), for servers that ask for one; optional
  std::string key_file;     // its private key (PEM); defaults to cert_file
  std::string server_name;  // name (or IP) the certificate must carry; empty = the URL's host
};

class TlsClientContext {
 public:
  // Loads the CA and the client certificate; TLS 1.2 or later. kNotFound / kParseError name the file.
  static Result<std::shared_ptr<TlsClientContext>> Create(const TlsOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }

 private:
  explicit TlsClientContext(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

class Connection {
 public:
  // Connects to host:port (every resolved address in turn) and, when `tls` is set, completes a TLS
  // handshake that verifies the server as `server_name` (the host when empty), all within `timeout`.
  static Result<std::unique_ptr<Connection>> Connect(const std::string& host, std::uint16_t port,
                                                     const TlsClientContext* tls,
                                                     const std::string& server_name,
                                                     std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Writes all of `data` or fails; on failure the connection is unusable.
  Status WriteAll(std::string_view data, std::chrono::milliseconds timeout);
  // Reads up to `n` bytes; 0 when the peer closed the stream.
  Result<std::size_t> Read(char* buf, std::size_t n, std::chrono::milliseconds timeout);
  // True when the peer has closed or reset the connection. Syslog receivers never write, so a
  // readable socket means closed; checking before a write catches a receiver that restarted (a
  // write into a half-closed connection would "succeed" and the message would be lost).
  bool PeerClosed();

 private:
  Connection(int fd, ssl_st* ssl) : fd_(fd), ssl_(ssl) {}
  int fd_;
  ssl_st* ssl_;
};

class UdpSender {
 public:
  static Result<std::unique_ptr<UdpSender>> Open(const std::string& host, std::uint16_t port);
  ~UdpSender();
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;

  // One datagram. kUnavailable when the kernel already knows the peer is not listening (ICMP port
  // unreachable from an earlier datagram); otherwise success says nothing about arrival.
  Status Send(std::string_view datagram);

 private:
  explicit UdpSender(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace leakguard::incident::siem
