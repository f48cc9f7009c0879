#include "incident/siem/exporter.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "unit/incident/siem_testing.h"

namespace leakguard::incident::siem {
namespace {

using namespace std::chrono_literals;
using testing::SampleEvent;
using testing::TempDir;

// A loopback TCP server on a fixed port that hands each connection's bytes to `on_data`, which
// returns what to answer (empty: nothing). Start/Stop may be repeated to take a receiver down and up.
class TestServer {
 public:
  using Handler = std::function<std::string(std::string& buffer)>;  // consumes what it understood
  explicit TestServer(Handler h, bool close_after_reply = true)
      : handler_(std::move(h)), close_after_reply_(close_after_reply) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::close(s);
  }
  ~TestServer() { Stop(); }
  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

  void Start() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    ASSERT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    ::listen(listen_fd_, 16);
    stop_ = false;
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

 private:
  void Loop() {
    std::vector<std::pair<int, std::string>> conns;
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : conns) fds.push_back({c.first, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        conns.emplace_back(::accept(listen_fd_, nullptr, nullptr), "");
        ++accepted_;
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        auto& [fd, buf] = conns[i - 1];
        char tmp[4096];
        ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) {
          ::close(fd);
          fd = -1;
          continue;
        }
        buf.append(tmp, static_cast<std::size_t>(n));
        std::string reply = handler_(buf);
        if (!reply.empty()) {
          (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
          if (close_after_reply_) {
            ::close(fd);
            fd = -1;
          }
        }
      }
      std::erase_if(conns, [](const auto& c) { return c.first < 0; });
    }
    for (auto& c : conns) ::close(c.first);
  }

  Handler handler_;
  const bool close_after_reply_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

SiemConfig BaseConfig(const TempDir& dir) {
  SiemConfig c;
  c.spool_dir = dir / "spool";
  c.hostname = "dlp01";
  c.retry_initial = 20ms;
  c.retry_max = 200ms;
  return c;
}

SinkConfig JsonlSink(const std::string& path, std::string name = "archive") {
  SinkConfig s;
  s.name = std::move(name);
  s.type = SinkType::kJsonl;
  s.path = path;
  return s;
}

std::vector<std::string> EventIds(const std::string& jsonl) {
  std::vector<std::string> ids;
  for (const auto& line : testing::Lines(jsonl)) ids.push_back(Json::parse(line)["event_id"]);
  return ids;
}

ExporterOptions Quiet(bool start = true) {
  ExporterOptions o;
  o.log = [](std::string_view) {};
  o.start_workers = start;
  return o;
}

TEST(SiemWebhookSignature, GoldenAndVerify) {
  // python3 -c "import
  // hmac,hashlib;print(hmac.new(b's3cret',b'1795450547.{\"a\":1}',hashlib.sha256).hexdigest())"
  EXPECT_EQ(WebhookSignature("s3cret", 1795450547, R"({"a":1})"),
            "t=1795450547,v1=016abfd107c2ac70fbd2913315ab1c500d5342bf9090f837c1bbb49b505c19e4");
  std::string h = WebhookSignature("s3cret", 1000, "body");
  EXPECT_TRUE(VerifyWebhookSignature(h, "s3cret", "body", 1000));
  EXPECT_TRUE(VerifyWebhookSignature(h, "s3cret", "body", 1299));
  EXPECT_FALSE(VerifyWebhookSignature(h, "s3cret", "body", 1301));   // replayed too late
  EXPECT_FALSE(VerifyWebhookSignature(h, "s3cret", "body!", 1000));  // body changed
  EXPECT_FALSE(VerifyWebhookSignature(h, "other", "body", 1000));
  EXPECT_FALSE(VerifyWebhookSignature("t=1000", "s3cret", "body", 1000));
  EXPECT_FALSE(VerifyWebhookSignature("v1=abc", "s3cret", "body", 1000));
  // A receiver accepts any of several v1 values (secret rotation).
  std::string two = "t=1000,v1=00," + h.substr(h.find("v1="));
  EXPECT_TRUE(VerifyWebhookSignature(two, "s3cret", "body", 1000));
}

TEST(SiemExporter, JsonlReceivesEveryEventInOrder) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  c.sinks.push_back(JsonlSink(dir / "out.jsonl"));
  auto ex = Exporter::Create(c, Quiet());
  ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Event e = SampleEvent(NewIncidentId(1795450547123 + i));
    ids.push_back(e.id);
    ASSERT_TRUE((*ex)->Publish(e).ok());
  }
  ASSERT_TRUE((*ex)->Flush(10s));
  EXPECT_EQ(EventIds(testing::ReadAll(dir / "out.jsonl")), ids);
  auto stats = (*ex)->Stats();
  EXPECT_EQ(stats[0].spooled, 20u);
  EXPECT_EQ(stats[0].delivered, 20u);
  EXPECT_EQ(stats[0].queued_events, 0u);
  EXPECT_NE((*ex)->RenderMetrics().find(
                "leakguard_siem_events_delivered_total{sink=\"archive\",type=\"jsonl\"} 20\n"),
            std::string::npos);
  (*ex)->Stop();
  EXPECT_EQ((*ex)->Publish(SampleEvent()).code(), StatusCode::kUnavailable);
}

// "Crash" before delivery: an exporter that only spooled goes away; the next one on the same spool
// (a new process would do the same) delivers everything.
TEST(SiemExporter, SpoolSurvivesRestart) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  c.sinks.push_back(JsonlSink(dir / "out.jsonl"));
  std::vector<std::string> ids;
  {
    auto ex = Exporter::Create(c, Quiet(/*start=*/false));
    ASSERT_TRUE(ex.has_value());
    for (int i = 0; i < 5; ++i) {
      Event e = SampleEvent(NewIncidentId(1795450547123 + i));
      ids.push_back(e.id);
      ASSERT_TRUE((*ex)->Publish(e).ok());
    }
    // While it lives, nobody else may deliver from its spool.
    EXPECT_EQ(Exporter::Create(c, Quiet()).error().code(), StatusCode::kUnavailable);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.jsonl"));
  std::vector<std::string> logs;
  ExporterOptions o = Quiet();
  std::mutex mu;
  o.log = [&](std::string_view l) {
    std::lock_guard lock(mu);
    logs.emplace_back(l);
  };
  auto ex = Exporter::Create(c, o);
  ASSERT_TRUE(ex.has_value());
  ASSERT_TRUE((*ex)->Flush(10s));
  EXPECT_EQ(EventIds(testing::ReadAll(dir / "out.jsonl")), ids);
  (*ex)->Stop();
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs[0].find("5 events left by a previous run"), std::string::npos);
}

TEST(SiemExporter, FullSpoolRefusesAndCounts) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  c.spool_max_events = 2;
  c.sinks.push_back(JsonlSink(dir / "out.jsonl"));
  auto ex = Exporter::Create(c, Quiet(false));
  EXPECT_TRUE((*ex)->Publish(SampleEvent()).ok());
  EXPECT_TRUE((*ex)->Publish(SampleEvent()).ok());
  Status s = (*ex)->Publish(SampleEvent());
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded);
  EXPECT_NE(s.message().find("sink archive"), std::string::npos) << s.message();
  auto st = (*ex)->Stats()[0];
  EXPECT_EQ(st.spooled, 2u);
  EXPECT_EQ(st.dropped, 1u);
  EXPECT_EQ(st.queued_events, 2u);
}

TEST(SiemExporter, Routing) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig soc;
  soc.name = "soc";
  soc.type = SinkType::kSyslog;
  soc.endpoint = {"udp", "127.0.0.1", 9, "/"};
  c.sinks.push_back(soc);
  SinkConfig high = JsonlSink(dir / "high.jsonl", "high-only");
  high.min_severity = Severity::kCritical;
  c.sinks.push_back(high);
  SinkConfig tickets;
  tickets.name = "tickets";
  tickets.type = SinkType::kWebhook;
  tickets.all = false;
  tickets.updates = false;
  tickets.endpoint = {"http", "127.0.0.1", 9, "/"};
  tickets.secret = "x";
  c.sinks.push_back(tickets);
  SinkConfig pager = JsonlSink(dir / "pager.jsonl", "pager");
  pager.all = false;
  c.sinks.push_back(pager);
  auto ex = Exporter::Create(c, Quiet(false));
  ASSERT_TRUE(ex.has_value()) << ex.error().ToString();

  Event e = SampleEvent();  // high; a rule notifies sink:tickets
  EXPECT_EQ((*ex)->Route(e), (std::vector<std::string>{"soc", "tickets"}));
  e.incident.verdict.severity = Severity::kCritical;
  EXPECT_EQ((*ex)->Route(e), (std::vector<std::string>{"soc", "high-only", "tickets"}));
  e.incident.verdict.notify.clear();
  e.incident.verdict.matched[1].notify = {"jsonl", "mailto:soc@corp.example"};  // every jsonl sink
  EXPECT_EQ((*ex)->Route(e), (std::vector<std::string>{"soc", "high-only", "pager"}));
  e.incident.verdict.matched[1].notify = {"webhook"};
  e.type = EventType::kIncidentUpdated;  // tickets takes no updates
  EXPECT_EQ((*ex)->Route(e), (std::vector<std::string>{"soc", "high-only"}));
  Event low = SampleEvent();
  low.incident.verdict.severity = Severity::kLow;
  low.incident.verdict.notify.clear();
  low.incident.verdict.matched.clear();
  EXPECT_EQ((*ex)->Route(low), (std::vector<std::string>{"soc"}));
}

TEST(SiemExporter, JsonlRotation) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig s = JsonlSink(dir / "out.jsonl");
  std::size_t line = FormatJsonLine(SampleEvent(), FormatOptions{.hostname = "dlp01"}).size() + 1;
  s.rotate_bytes = 2 * line + 10;  // two lines per file
  s.rotate_keep = 2;
  s.fsync = false;
  c.sinks.push_back(s);
  auto ex = Exporter::Create(c, Quiet());
  for (int i = 0; i < 7; ++i) ASSERT_TRUE((*ex)->Publish(SampleEvent()).ok());
  ASSERT_TRUE((*ex)->Flush(10s));
  (*ex)->Stop();
  EXPECT_EQ(testing::Lines(testing::ReadAll(dir / "out.jsonl")).size(), 1u);
  EXPECT_EQ(testing::Lines(testing::ReadAll(dir / "out.jsonl.1")).size(), 2u);
  EXPECT_EQ(testing::Lines(testing::ReadAll(dir / "out.jsonl.2")).size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.jsonl.3"));
}

// Octet-counted frames "LEN MSG" out of `buffer`, leaving a partial frame in it.
std::vector<std::string> TakeFrames(std::string& buffer) {
  std::vector<std::string> out;
  for (;;) {
    auto sp = buffer.find(' ');
    if (sp == std::string::npos) break;
    std::size_t len = std::stoul(buffer.substr(0, sp));
    if (buffer.size() < sp + 1 + len) break;
    out.push_back(buffer.substr(sp + 1, len));
    buffer.erase(0, sp + 1 + len);
  }
  return out;
}

// A TCP syslog receiver in the test: down while events are published, then up; then restarted
// (which closes the exporter's connection) while more are published. Every event arrives.
TEST(SiemExporter, TcpSyslogDownThenUp) {
  std::mutex mu;
  std::vector<std::string> got;
  TestServer server([&](std::string& buf) {
    auto frames = TakeFrames(buf);
    std::lock_guard lock(mu);
    got.insert(got.end(), frames.begin(), frames.end());
    return std::string();
  });
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig soc;
  soc.name = "soc";
  soc.type = SinkType::kSyslog;
  soc.transport = SyslogTransport::kTcp;
  soc.endpoint = {"tcp", "127.0.0.1", server.port(), "/"};
  soc.max_message = 65536;
  soc.timeout = 2s;
  c.sinks.push_back(soc);
  auto ex = Exporter::Create(c, Quiet());
  ASSERT_TRUE(ex.has_value());
  std::set<std::string> incident_ids;
  auto publish = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Event e = SampleEvent(NewIncidentId(NowMs()));
      incident_ids.insert(e.incident.id);
      ASSERT_TRUE((*ex)->Publish(e).ok());
    }
  };
  publish(5);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE((*ex)->Stats()[0].up);
  EXPECT_GT((*ex)->Stats()[0].failed_attempts, 0u);
  EXPECT_EQ((*ex)->Stats()[0].queued_events, 5u);
  server.Start();
  ASSERT_TRUE((*ex)->Flush(10s));
  // Syslog over TCP has no acknowledgement: let the receiver read before it goes away.
  ASSERT_TRUE(testing::Eventually([&] {
    std::lock_guard lock(mu);
    return got.size() >= 5;
  }));
  server.Stop();  // closes the connection the exporter keeps
  std::this_thread::sleep_for(50ms);
  server.Start();
  publish(5);
  ASSERT_TRUE((*ex)->Flush(10s));
  ASSERT_TRUE(testing::Eventually([&] {
    std::lock_guard lock(mu);
    return got.size() >= 10;
  }));
  server.Stop();
  std::lock_guard lock(mu);
  std::set<std::string> seen;
  for (const auto& m : got) {
    EXPECT_TRUE(m.starts_with("<131>1 2026-11-23T16:15:47.123Z dlp01 leakguard ")) << m;
    auto at = m.find("cs4=INC-");
    ASSERT_NE(at, std::string::npos);
    seen.insert(m.substr(at + 4, 30));
  }
  EXPECT_EQ(seen, incident_ids);
  EXPECT_TRUE((*ex)->Stats()[0].up);
}

TEST(SiemExporter, WebhookRetriesOn5xxAndRejectsOn400) {
  std::mutex mu;
  std::vector<std::string> bodies;
  std::atomic<int> answer{503};
  TestServer server([&](std::string& buf) -> std::string {
    auto end = buf.find("\r\n\r\n");
    if (end == std::string::npos) return {};
    auto cl = buf.find("Content-Length: ");
    std::size_t len = std::stoul(buf.substr(cl + 16));
    if (buf.size() < end + 4 + len) return {};
    std::string head = buf.substr(0, end), body = buf.substr(end + 4, len);
    auto sig = head.find("X-LeakGuard-Signature: ");
    std::string header = head.substr(sig + 23, head.find("\r\n", sig) - sig - 23);
    int code = answer.load();
    if (!VerifyWebhookSignature(header, "s3cret", body, NowMs() / 1000)) code = 401;
    if (code == 200) {
      std::lock_guard lock(mu);
      bodies.push_back(body);
    }
    return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Length: 0\r\n\r\n";
  });
  server.Start();
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig hook;
  hook.name = "hook";
  hook.type = SinkType::kWebhook;
  hook.endpoint = {"http", "127.0.0.1", server.port(), "/in"};
  hook.url = "http://127.0.0.1/in";
  hook.secret = "s3cret";
  hook.timeout = 2s;
  c.sinks.push_back(hook);
  auto ex = Exporter::Create(c, Quiet());
  Event first = SampleEvent();
  ASSERT_TRUE((*ex)->Publish(first).ok());
  std::this_thread::sleep_for(150ms);
  EXPECT_GT((*ex)->Stats()[0].failed_attempts, 0u);
  answer = 200;
  ASSERT_TRUE((*ex)->Flush(10s));
  answer = 400;
  ASSERT_TRUE((*ex)->Publish(SampleEvent()).ok());
  ASSERT_TRUE((*ex)->Flush(10s));
  auto st = (*ex)->Stats()[0];
  EXPECT_EQ(st.delivered, 1u);
  EXPECT_EQ(st.rejected, 1u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "spool/hook/rejected"),
                          std::filesystem::directory_iterator()),
            2);  // the event and its .reason
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(Json::parse(bodies[0])["event_id"], first.id);
}

// One request per complete message in `buf` (headers + Content-Length body), consumed; the body of
// each is appended to `bodies`.
std::vector<std::string> TakeRequests(std::string& buf) {
  std::vector<std::string> bodies;
  for (;;) {
    auto end = buf.find("\r\n\r\n");
    if (end == std::string::npos) break;
    auto cl = buf.find("Content-Length: ");
    std::size_t len = std::stoul(buf.substr(cl + 16));
    if (buf.size() < end + 4 + len) break;
    bodies.push_back(buf.substr(end + 4, len));
    buf.erase(0, end + 4 + len);
  }
  return bodies;
}

TEST(SiemExporter, WebhookKeepsTheConnectionAlive) {
  std::mutex mu;
  std::vector<std::string> bodies;
  TestServer server(
      [&](std::string& buf) -> std::string {
        auto got = TakeRequests(buf);
        std::lock_guard lock(mu);
        bodies.insert(bodies.end(), got.begin(), got.end());
        std::string reply;
        for (std::size_t i = 0; i < got.size(); ++i)
          reply += "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";
        return reply;
      },
      /*close_after_reply=*/false);
  server.Start();
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig hook;
  hook.name = "hook";
  hook.type = SinkType::kWebhook;
  hook.endpoint = {"http", "127.0.0.1", server.port(), "/in"};
  hook.secret = "s3cret";
  hook.timeout = 2s;
  c.sinks.push_back(hook);
  auto ex = Exporter::Create(c, Quiet());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*ex)->Publish(SampleEvent()).ok());
  ASSERT_TRUE((*ex)->Flush(10s));
  EXPECT_EQ((*ex)->Stats()[0].delivered, 10u);
  EXPECT_EQ((*ex)->Stats()[0].failed_attempts, 0u);
  EXPECT_EQ(server.accepted(), 1);
  std::lock_guard lock(mu);
  EXPECT_EQ(bodies.size(), 10u);
}

TEST(SiemExporter, SinkNamesAreChecked) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  c.sinks.push_back(JsonlSink(dir / "a.jsonl", "../escape"));
  EXPECT_EQ(Exporter::Create(c, Quiet(false)).error().code(), StatusCode::kInvalidArgument);
  c.sinks[0].name = "a";
  c.sinks.push_back(JsonlSink(dir / "b.jsonl", "a"));
  EXPECT_EQ(Exporter::Create(c, Quiet(false)).error().code(), StatusCode::kInvalidArgument);
  c.sinks.pop_back();
  c.spool_dir.clear();
  EXPECT_EQ(Exporter::Create(c, Quiet(false)).error().code(), StatusCode::kInvalidArgument);
}

TEST(SiemExporter, TlsFilesAreChecked) {
  TempDir dir;
  SiemConfig c = BaseConfig(dir);
  SinkConfig soc;
  soc.name = "soc";
  soc.type = SinkType::kSyslog;
  soc.transport = SyslogTransport::kTls;
  soc.tls_enabled = true;
  soc.tls.ca_file = dir / "missing-ca.pem";
  soc.endpoint = {"tls", "127.0.0.1", 6514, "/"};
  c.sinks.push_back(soc);
  auto ex = Exporter::Create(c, Quiet());
  ASSERT_FALSE(ex.has_value());
  EXPECT_EQ(ex.error().code(), StatusCode::kNotFound);
  EXPECT_NE(ex.error().message().find("missing-ca.pem"), std::string::npos);
  testing::WriteFile(dir / "bad.pem", "not a certificate");
  c.sinks[0].tls.ca_file = dir / "bad.pem";
  EXPECT_EQ(Exporter::Create(c, Quiet()).error().code(), StatusCode::kParseError);
}

}  // namespace
}  // namespace leakguard::incident::siem
