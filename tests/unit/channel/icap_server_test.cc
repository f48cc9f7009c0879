// The ICAP listener (channel/icap/icap_server.h) over real loopback sockets: persistent connections,
// preview with 100 Continue, the connection limit, and a clean stop with connections open.
#include "channel/icap/icap_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "test_support.h"

namespace leakguard::channel::icap {
namespace {

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }
  bool ok() const { return ok_; }
  void Send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until `until` has been seen (or the peer closes / 10 s pass); returns everything read.
  std::string ReadUntil(std::string_view until) {
    while (buf_.find(until) == std::string::npos) {
      char b[4096];
      ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) break;
      buf_.append(b, static_cast<std::size_t>(n));
    }
    std::size_t end = buf_.find(until);
    end = end == std::string::npos ? buf_.size() : end + until.size();
    std::string out = buf_.substr(0, end);
    buf_.erase(0, end);
    return out;
  }
  // The server closed (FIN) or reset (RST, when it closed with unread input) the connection.
  bool Closed() {
    char b;
    ssize_t n = ::recv(fd_, &b, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

class IcapServerTest : public ::testing::Test {
 protected:
  void Start(unsigned max_connections = 1000) {
    service_ = std::make_unique<IcapService>(IcapOptions{}, leakguard::testing::BuiltinEngine(), nullptr);
    IcapServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_connections = max_connections;
    server_ = std::make_unique<IcapServer>(o, *service_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::unique_ptr<IcapService> service_;
  std::unique_ptr<IcapServer> server_;
};

constexpr std::string_view kOptions = "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n";

TEST_F(IcapServerTest, PersistentConnectionWithPreview) {
  Start();
  Client c(server_->port());
  ASSERT_TRUE(c.ok());
  c.Send(kOptions);
  std::string r = c.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Methods: REQMOD"), std::string::npos);

  const std::string head =
      "POST http://x.example/u HTTP/1.1\r\nHost: x.example\r\nContent-Length: 10\r\n\r\n";
  c.Send(
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nAllow: 204\r\nPreview: 4\r\nEncapsulated: req-hdr=0, "
      "req-body=" +
      std::to_string(head.size()) + "\r\n\r\n" + head + "4\r\nhell\r\n0\r\n\r\n");
  EXPECT_EQ(c.ReadUntil("\r\n\r\n"), "ICAP/1.0 100 Continue\r\n\r\n");
  c.Send("6\r\no wrld\r\n0\r\n\r\n");
  r = c.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(r.starts_with("ICAP/1.0 204 No Content\r\n")) << r;
  // The same connection serves the next request.
  c.Send(kOptions);
  EXPECT_TRUE(c.ReadUntil("\r\n\r\n").starts_with("ICAP/1.0 200 OK"));
}

TEST_F(IcapServerTest, MalformedRequestGetsAnErrorAndTheConnectionCloses) {
  Start();
  Client c(server_->port());
  c.Send(
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, "
      "req-body=5\r\n\r\nxxxxx1\r\nzz\r\n");
  std::string r = c.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(r.starts_with("ICAP/1.0 400 Bad Request")) << r;
  EXPECT_TRUE(c.Closed());
}

TEST_F(IcapServerTest, ConnectionsOverTheLimitAreRefused) {
  Start(/*max_connections=*/2);
  Client a(server_->port()), b(server_->port());
  a.Send(kOptions);
  b.Send(kOptions);
  EXPECT_TRUE(a.ReadUntil("\r\n\r\n").starts_with("ICAP/1.0 200"));
  EXPECT_TRUE(b.ReadUntil("\r\n\r\n").starts_with("ICAP/1.0 200"));
  Client c(server_->port());
  std::string r = c.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(r.starts_with("ICAP/1.0 503 Service Overloaded")) << r;
}

TEST_F(IcapServerTest, StopsWithConnectionsOpen) {
  Start();
  Client a(server_->port());
  a.Send(kOptions);
  EXPECT_TRUE(a.ReadUntil("\r\n\r\n").starts_with("ICAP/1.0 200"));
  Client b(server_->port());
  b.Send("REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\n");  // half a request
  server_->Stop();
  EXPECT_TRUE(a.Closed());
  EXPECT_TRUE(b.Closed());
  server_.reset();
}

}  // namespace
}  // namespace leakguard::channel::icap

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <filesystem>

namespace leakguard::channel::icap {
namespace {

TEST(IcapServerTls, OptionsOverTls) {
  namespace fs = std::filesystem;
  namespace asio = boost::asio;
  const fs::path dir = fs::temp_directory_path() / ("lg-icaps-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cert = (dir / "icap.pem").string(), key = (dir / "icap.key").string();
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                          key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl is needed to make a test certificate";
  IcapService service(IcapOptions{}, leakguard::testing::BuiltinEngine(), nullptr);
  IcapServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.tls_cert = cert;
  o.tls_key = key;
  IcapServer server(o, service);
  ASSERT_TRUE(server.Start().ok());

  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> tls(ioc, ctx);
  tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
  tls.handshake(asio::ssl::stream_base::client);
  asio::write(tls, asio::buffer(std::string(kOptions)));
  asio::streambuf buf;
  asio::read_until(tls, buf, "\r\n\r\n");
  std::string reply(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
  EXPECT_TRUE(reply.starts_with("ICAP/1.0 200 OK")) << reply;
  // A plain-text client gets no ICAP answer from a TLS listener.
  Client plain(server.port());
  plain.Send(kOptions);
  EXPECT_FALSE(plain.ReadUntil("\r\n\r\n").starts_with("ICAP/1.0"));
  server.Stop();
  fs::remove_all(dir);
}

TEST(IcapServerTls, MissingKeyIsAnError) {
  IcapService service(IcapOptions{}, leakguard::testing::BuiltinEngine(), nullptr);
  IcapServerOptions o;
  o.port = 0;
  o.tls_cert = "/nonexistent/icap.pem";
  o.tls_key = "/nonexistent/icap.key";
  IcapServer server(o, service);
  Status s = server.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/icap.pem"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace leakguard::channel::icap
