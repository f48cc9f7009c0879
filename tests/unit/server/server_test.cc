// End-to-end tests of `leakguard serve`'s HTTP server: a Server on an ephemeral loopback port, run
// in-process on a thread, spoken to with a Beast client over real sockets.
#include "server/server.h"
#include "unit/server/test_engine.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace leakguard::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

using test_support::CompileTestEngine;
using test_support::kOneType;
using test_support::kTestTypes;

constexpr std::string_view kCard = "4111 1111 1111 1111";

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Request MakeRequest(http::verb method, std::string target, std::string body = "",
                    std::string content_type = "application/json") {
  Request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty() || method == http::verb::post) {
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

Request InspectRequest(const json& j) { return MakeRequest(http::verb::post, "/v1/inspect", j.dump()); }

// A blocking HTTP client on its own io_context; every operation gives up after 10 s.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(ioc_) {
    beast::error_code ec;
    stream_.socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
  }

  bool connected() const { return connected_; }

  template <class Message>
  beast::error_code Write(Message& msg) {
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(10s);
    http::async_write(stream_, msg, [&](beast::error_code ec, std::size_t) { result = ec; });
    RunIo();
    return result;
  }

  beast::error_code WriteRaw(std::string_view bytes) {
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(10s);
    asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                      [&](beast::error_code ec, std::size_t) { result = ec; });
    RunIo();
    return result;
  }

  template <class Parser>
  beast::error_code ReadInto(Parser& parser) {
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(10s);
    http::async_read(stream_, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
    RunIo();
    return result;
  }

  beast::error_code Read(Response& res) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code ec = ReadInto(parser);
    if (!ec) res = parser.release();
    return ec;
  }

  // Sends `req` and reads the response; fails the test on a network error.
  Response Send(Request req) {
    Response res;
    beast::error_code ec = Write(req);
    EXPECT_FALSE(ec) << "write: " << ec.message();
    if (ec) return res;
    ec = Read(res);
    EXPECT_FALSE(ec) << "read: " << ec.message();
    return res;
  }

  // Reads raw bytes up to and including `delim`.
  std::string ReadUntil(std::string_view delim) {
    std::string out;
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(10s);
    asio::async_read_until(stream_, asio::dynamic_buffer(raw_), std::string(delim),
                           [&](beast::error_code ec, std::size_t n) {
                             result = ec;
                             if (!ec) {
                               out = raw_.substr(0, n);
                               raw_.erase(0, n);
                             }
                           });
    RunIo();
    return result ? "" : out;
  }

  // True when the server closed the connection (EOF or reset) within `wait`.
  bool ClosedByServer(std::chrono::seconds wait = 10s) {
    char byte;
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(wait);
    stream_.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) { result = ec; });
    RunIo();
    return result == asio::error::eof || result == asio::error::connection_reset;
  }

 private:
  void RunIo() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string raw_;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = CompileTestEngine();
    ASSERT_NE(engine_, nullptr);
  }

  void TearDown() override { StopServer(); }

  ServerOptions DefaultOptions() {
    ServerOptions o;
    o.listen_port = 0;
    o.threads = 2;
    o.access_log = false;
    o.shutdown_grace = 5s;
    return o;
  }

  void StartServer(ServerOptions options, bool handle_signals = false) {
    server_ = std::make_unique<Server>(options, engine_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_NE(server_->port(), 0);
    run_ = std::async(std::launch::async, [this, handle_signals] { return server_->Run(handle_signals); });
  }
  void StartServer() { StartServer(DefaultOptions()); }

  // Stops the server and waits for Run to return; true if it returned within `wait`.
  bool StopServer(std::chrono::seconds wait = 20s) {
    if (!server_) return true;
    server_->Stop();
    bool returned = true;
    if (run_.valid()) {
      returned = run_.wait_for(wait) == std::future_status::ready;
      if (returned) {
        Status s = run_.get();
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    }
    if (returned) server_.reset();
    return returned;
  }

  std::uint16_t port() const { return server_->port(); }

  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<Server> server_;
  std::future<Status> run_;
};

TEST_F(ServerTest, HealthzOverHttp) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.connected());
  Response res = c.Send(MakeRequest(http::verb::get, "/healthz"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::server], "leakguard");
  json j = json::parse(res.body());
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["engine"]["types"], 3);
}

TEST_F(ServerTest, InspectOverHttpMasksValues) {
  StartServer();
  Client c(port());
  Response res = c.Send(InspectRequest({{"text", "card " + std::string(kCard)}, {"name", "a.txt"}}));
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  json j = json::parse(res.body());
  EXPECT_EQ(j["name"], "a.txt");
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["type"], "TEST_CARD");
  EXPECT_EQ(res.body().find(kCard), std::string::npos);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.connected());
  struct Step {
    Request req;
    int status;
  };
  std::vector<Step> steps = {
      {InspectRequest({{"text", "card " + std::string(kCard)}}), 200},
      {MakeRequest(http::verb::get, "/healthz"), 200},
      {MakeRequest(http::verb::get, "/nowhere"), 404},
      {MakeRequest(http::verb::get, "/v1/inspect"), 405},
      {MakeRequest(http::verb::post, "/v1/inspect", "{not json"), 400},
      {MakeRequest(http::verb::post, "/v1/inspect", R"({"text":"x"})", "text/plain"), 415},
      {InspectRequest({{"text", "x"}, {"reveal", true}}), 403},
      {MakeRequest(http::verb::get, "/metrics"), 200},
      {InspectRequest({{"text", "key AKIAZ7VQ3M2L4KTR8XWP"}}), 200},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Response res = c.Send(steps[i].req);
    EXPECT_EQ(res.result_int(), steps[i].status) << "step " << i << ": " << res.body();
    EXPECT_TRUE(res.keep_alive()) << "step " << i;
  }
  EXPECT_EQ(c.Send(MakeRequest(http::verb::get, "/v1/inspect"))[http::field::allow], "POST");

  // The metrics count every one of them.
  Response m = c.Send(MakeRequest(http::verb::get, "/metrics"));
  ASSERT_EQ(m.result_int(), 200);
  EXPECT_EQ(m[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body().find("leakguard_requests_total{path=\"/v1/inspect\",code=\"200\"} 2\n"),
            std::string::npos)
      << m.body();
  EXPECT_NE(m.body().find("leakguard_requests_total{path=\"other\",code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body().find("leakguard_findings_total{type=\"TEST_CARD\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body().find("leakguard_engine_types 3\n"), std::string::npos);
}

TEST_F(ServerTest, ConnectionCloseAndHttp10AreHonoured) {
  StartServer();
  {
    Client c(port());
    Request req = MakeRequest(http::verb::get, "/healthz");
    req.keep_alive(false);
    Response res = c.Send(req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.ClosedByServer());
  }
  {
    Client c(port());
    Request req = MakeRequest(http::verb::get, "/healthz");
    req.version(10);
    Response res = c.Send(req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.version(), 10);
    EXPECT_TRUE(c.ClosedByServer());
  }
}

TEST_F(ServerTest, ConcurrentClients) {
  ServerOptions o = DefaultOptions();
  o.threads = 4;
  StartServer(o);
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      Client c(port());
      if (!c.connected()) return;
      for (int r = 0; r < kRequests; ++r) {
        const std::string text = "client " + std::to_string(i) + " card " + std::string(kCard);
        Response res = c.Send(InspectRequest({{"text", text}}));
        if (res.result_int() == 200 && json::parse(res.body())["count"] == 1) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);

  Client c(port());
  Response m = c.Send(MakeRequest(http::verb::get, "/metrics"));
  EXPECT_NE(m.body().find("leakguard_requests_total{path=\"/v1/inspect\",code=\"200\"} " +
                          std::to_string(kClients * kRequests) + "\n"),
            std::string::npos)
      << m.body();
  EXPECT_NE(
      m.body().find("leakguard_findings_total{type=\"TEST_CARD\"} " + std::to_string(kClients * kRequests)),
      std::string::npos);
}

TEST_F(ServerTest, TooLargeBodyIs413AndClosesTheConnection) {
  ServerOptions o = DefaultOptions();
  o.max_body_bytes = 1024;
  StartServer(o);

  Client small(port());
  EXPECT_EQ(small.Send(InspectRequest({{"text", std::string(900, 'a')}})).result_int(), 200);

  Client c(port());
  Response res = c.Send(InspectRequest({{"text", std::string(4096, 'a')}}));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(json::parse(res.body())["error"]["code"], "payload_too_large");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, TooLargeChunkedBodyIs413) {
  ServerOptions o = DefaultOptions();
  o.max_body_bytes = 1024;
  StartServer(o);
  Client c(port());
  std::string chunk = std::string(600, 'a');
  std::string raw =
      "POST /v1/inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) raw += "258\r\n" + chunk + "\r\n";  // 0x258 = 600
  raw += "0\r\n\r\n";
  ASSERT_FALSE(c.WriteRaw(raw));
  Response res;
  ASSERT_FALSE(c.Read(res));
  EXPECT_EQ(res.result_int(), 413);
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  ServerOptions o = DefaultOptions();
  o.max_body_bytes = 1024;
  StartServer(o);
  const std::string body = json({{"text", "card " + std::string(kCard)}}).dump();
  {
    Client c(port());
    ASSERT_FALSE(
        c.WriteRaw("POST /v1/inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Expect: 100-continue\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n"));
    EXPECT_EQ(c.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_FALSE(c.WriteRaw(body));
    Response res;
    ASSERT_FALSE(c.Read(res));
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(json::parse(res.body())["count"], 1);
  }
  {
    // Too large: refused from the header alone, before the client sends the body.
    Client c(port());
    ASSERT_FALSE(
        c.WriteRaw("POST /v1/inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n"));
    Response res;
    ASSERT_FALSE(c.Read(res));
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_TRUE(c.ClosedByServer());
  }
}

TEST_F(ServerTest, MalformedHttpIs400) {
  StartServer();
  Client c(port());
  ASSERT_FALSE(c.WriteRaw("THIS IS NOT HTTP\r\n\r\n"));
  Response res;
  ASSERT_FALSE(c.Read(res));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(json::parse(res.body())["error"]["code"], "bad_request");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, HugeHeaderIs431) {
  StartServer();
  Client c(port());
  Request req = MakeRequest(http::verb::get, "/healthz");
  for (int i = 0; i < 8; ++i) req.set("X-Big-" + std::to_string(i), std::string(4096, 'x'));
  ASSERT_FALSE(c.Write(req));
  Response res;
  ASSERT_FALSE(c.Read(res));
  EXPECT_EQ(res.result_int(), 431);
}

TEST_F(ServerTest, HeadHasHeadersOnly) {
  StartServer();
  Client c(port());
  Request req = MakeRequest(http::verb::head, "/healthz");
  ASSERT_FALSE(c.Write(req));
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  ASSERT_FALSE(c.ReadInto(parser));
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_GT(std::stoul(std::string(parser.get()[http::field::content_length])), 0u);
  // The connection is still usable: no stray body bytes were sent.
  Response res = c.Send(MakeRequest(http::verb::get, "/healthz"));
  EXPECT_EQ(res.result_int(), 200);
}

TEST_F(ServerTest, IdleConnectionTimesOut) {
  ServerOptions o = DefaultOptions();
  o.read_timeout = 1s;
  StartServer(o);
  Client c(port());
  EXPECT_EQ(c.Send(MakeRequest(http::verb::get, "/healthz")).result_int(), 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.ClosedByServer(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(ServerTest, RequestNotCompletedInTimeIsDropped) {
  ServerOptions o = DefaultOptions();
  o.read_timeout = 1s;
  StartServer(o);
  Client c(port());
  ASSERT_FALSE(c.WriteRaw("POST /v1/inspect HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"te"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.ClosedByServer(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndRunReturns) {
  ServerOptions o = DefaultOptions();
  o.shutdown_grace = 30s;
  StartServer(o);
  Client idle(port());
  EXPECT_EQ(idle.Send(MakeRequest(http::verb::get, "/healthz")).result_int(), 200);
  Client never_sent(port());
  ASSERT_TRUE(never_sent.connected());
  const std::uint16_t old_port = port();

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(StopServer(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // well before the grace period
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_TRUE(never_sent.ClosedByServer());
  Client late(old_port);
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  StartServer();
  Client c(port());
  const std::string body = json({{"text", "card " + std::string(kCard)}}).dump();
  const std::string head =
      "POST /v1/inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_FALSE(c.WriteRaw(head + body.substr(0, 5)));
  std::this_thread::sleep_for(200ms);  // let the server read the header
  server_->Stop();
  std::this_thread::sleep_for(200ms);
  ASSERT_FALSE(c.WriteRaw(body.substr(5)));
  Response res;
  ASSERT_FALSE(c.Read(res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());  // no further requests on a stopping server
  EXPECT_TRUE(StopServer(10s));
}

TEST_F(ServerTest, StopBeforeRunReturnsAtOnce) {
  server_ = std::make_unique<Server>(DefaultOptions(), engine_);
  ASSERT_TRUE(server_->Start().ok());
  server_->Stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(server_->Run(false).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(server_->Run(false).ok());  // a server runs once
}

TEST_F(ServerTest, RunStartsTheListenerItself) {
  server_ = std::make_unique<Server>(DefaultOptions(), engine_);
  run_ = std::async(std::launch::async, [this] { return server_->Run(false); });
  for (int i = 0; i < 200 && server_->port() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_NE(server_->port(), 0);
  Client c(server_->port());
  EXPECT_EQ(c.Send(MakeRequest(http::verb::get, "/healthz")).result_int(), 200);
}

TEST_F(ServerTest, SigtermStopsRun) {
  StartServer(DefaultOptions(), /*handle_signals=*/true);
  {
    Client c(port());  // Run is serving, so its signal set is installed
    EXPECT_EQ(c.Send(MakeRequest(http::verb::get, "/healthz")).result_int(), 200);
  }
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  ASSERT_EQ(run_.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(run_.get().ok());
}

TEST_F(ServerTest, SwapEngineWhileServing) {
  StartServer();
  Client c(port());
  EXPECT_EQ(json::parse(c.Send(MakeRequest(http::verb::get, "/healthz")).body())["engine"]["types"], 3);
  auto other = CompileTestEngine(kOneType);
  ASSERT_NE(other, nullptr);
  server_->SwapEngine(other);
  server_->SwapEngine(nullptr);  // ignored
  EXPECT_EQ(json::parse(c.Send(MakeRequest(http::verb::get, "/healthz")).body())["engine"]["types"], 1);
  Response res = c.Send(InspectRequest({{"text", "OTHER-123456 card " + std::string(kCard)}}));
  json j = json::parse(res.body());
  ASSERT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["type"], "TEST_OTHER");
}

TEST_F(ServerTest, StartReportsBadAddressAndBusyPort) {
  ServerOptions bad = DefaultOptions();
  bad.listen_address = "not-an-address";
  Server s1(bad, engine_);
  Status st = s1.Start();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();

  StartServer();
  ServerOptions busy = DefaultOptions();
  busy.listen_port = port();
  Server s2(busy, engine_);
  st = s2.Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find(std::to_string(port())), std::string::npos);
}

TEST_F(ServerTest, AccessLogHasOneLinePerRequestAndNoContent) {
  ServerOptions o = DefaultOptions();
  o.access_log = true;
  testing::internal::CaptureStderr();
  StartServer(o);
  {
    Client c(port());
    Request req = InspectRequest({{"text", "card " + std::string(kCard)}});
    req.target("/v1/inspect?token=hunter2");
    EXPECT_EQ(c.Send(req).result_int(), 200);
    EXPECT_EQ(c.Send(MakeRequest(http::verb::get, "/nowhere")).result_int(), 404);
  }
  StopServer();
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("127.0.0.1 POST /v1/inspect 200 in="), std::string::npos) << log;
  EXPECT_NE(log.find("127.0.0.1 GET /nowhere 404 in=0 out="), std::string::npos) << log;
  EXPECT_EQ(log.find("4111"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
}

}  // namespace
}  // namespace leakguard::server
