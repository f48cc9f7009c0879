// A real HTTP(S) receiver (tests/integration/siem_webhook_receiver.py, Python's http.server) verifies
// the HMAC signature of every webhook POST and records it. Events published while it is down are
// spooled and arrive once it is back; so do events acknowledged by an exporter process killed with
// SIGKILL before it could deliver them, once a new exporter opens the same spool.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "incident/siem/exporter.h"
#include "unit/incident/siem_testing.h"

namespace leakguard::incident::siem {
namespace {

using namespace std::chrono_literals;
using testing::SampleEvent;
using testing::TempDir;

std::string Python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

class SiemWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::Shell(Python() + " -c 'import http.server' >/dev/null 2>&1"))
      GTEST_SKIP() << "python3 missing";
    ASSERT_TRUE(testing::MakeCertificates(dir_.path()));
    testing::WriteFile(dir_ / "hook.secret", "0123456789abcdef-webhook-secret\n");
    port_ = testing::FreePort();
  }

  bool StartReceiver(int fail_first = 0, bool https = true) {
    std::vector<std::string> argv = {
        Python(),        std::string(LEAKGUARD_SOURCE_DIR) + "/tests/integration/siem_webhook_receiver.py",
        "--port",        std::to_string(port_),
        "--secret-file", dir_ / "hook.secret",
        "--out",         dir_ / "received.jsonl",
        "--fail",        std::to_string(fail_first)};
    if (https) argv.insert(argv.end(), {"--cert", dir_ / "server.pem", "--key", dir_ / "server.key"});
    return receiver_.Start(argv, dir_ / "receiver.log") && testing::WaitForTcp(port_, 10s);
  }

  std::vector<Json> Received() const {
    std::vector<Json> out;
    for (const auto& l : testing::Lines(testing::ReadAll(dir_ / "received.jsonl")))
      out.push_back(Json::parse(l));
    return out;
  }
  std::set<std::string> ReceivedIncidents() const {
    std::set<std::string> ids;
    for (const auto& r : Received())
      if (r.contains("incident_id")) ids.insert(r["incident_id"].get<std::string>());
    return ids;
  }

  SiemConfig Config(bool https = true, const std::string& secret = "0123456789abcdef-webhook-secret") {
    SiemConfig c;
    c.spool_dir = dir_ / "spool";
    c.hostname = "dlp01";
    c.retry_initial = 50ms;
    c.retry_max = 300ms;
    SinkConfig s;
    s.name = "hook";
    s.type = SinkType::kWebhook;
    s.url = (https ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_) + "/hook";
    s.endpoint = {https ? "https" : "http", "127.0.0.1", port_, "/hook"};
    s.tls_enabled = https;
    s.tls.ca_file = dir_ / "ca.pem";
    s.secret = secret;
    s.timeout = 3s;
    c.sinks.push_back(s);
    return c;
  }

  static ExporterOptions Quiet() {
    ExporterOptions o;
    o.log = [](std::string_view) {};
    return o;
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
  testing::Process receiver_;
};

TEST_F(SiemWebhook, DownUpAndKilledExporter) {
  std::set<std::string> ids;
  // 1. Receiver down: events spool; it comes back answering 503 twice, then takes them.
  {
    auto ex = Exporter::Create(Config(), Quiet());
    ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
    for (int i = 0; i < 5; ++i) {
      Event e = SampleEvent(NewIncidentId(NowMs()));
      ids.insert(e.incident.id);
      ASSERT_TRUE((*ex)->Publish(e).ok());
    }
    ASSERT_TRUE(testing::Eventually([&] { return (*ex)->Stats()[0].failed_attempts > 0; }));
    EXPECT_EQ((*ex)->Stats()[0].queued_events, 5u);
    ASSERT_TRUE(StartReceiver(/*fail_first=*/2));
    ASSERT_TRUE((*ex)->Flush(20s));
    EXPECT_EQ(ReceivedIncidents(), ids);
    EXPECT_EQ((*ex)->Stats()[0].delivered, 5u);
    EXPECT_GE((*ex)->Stats()[0].failed_attempts, 3u);  // down at least once, then two 503s
    receiver_.Stop();
  }

  // 2. A separate process publishes while the receiver is down and is killed (SIGKILL) after its
  //    Publish calls returned: what it acknowledged must not be lost.
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipefd[0]);
    auto ex = Exporter::Create(Config(), Quiet());
    if (!ex) ::_exit(2);
    for (int i = 0; i < 5; ++i) {
      Event e = SampleEvent(NewIncidentId(NowMs()));
      if (!(*ex)->Publish(e).ok()) ::_exit(3);
      std::string line = e.incident.id + "\n";
      if (::write(pipefd[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(4);
    }
    for (;;) ::pause();
  }
  ::close(pipefd[1]);
  std::string acked;
  char buf[256];
  while (std::count(acked.begin(), acked.end(), '\n') < 5) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipefd[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto child_ids = testing::Lines(acked);
  ASSERT_EQ(child_ids.size(), 5u);
  ids.insert(child_ids.begin(), child_ids.end());

  // 3. A new exporter on the same spool, receiver back: every event is there, each signed correctly.
  ASSERT_TRUE(StartReceiver());
  auto ex = Exporter::Create(Config(), Quiet());
  ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
  ASSERT_TRUE((*ex)->Flush(20s));
  EXPECT_EQ(ReceivedIncidents(), ids);
  for (const auto& r : Received()) {
    EXPECT_FALSE(r.contains("bad_signature")) << r.dump();
    if (r.contains("body_event_id")) {
      EXPECT_EQ(r["event_id"], r["body_event_id"]);
      EXPECT_EQ(r["type"], "incident.created");
    }
  }
}

TEST_F(SiemWebhook, WrongSecretIsRetriedNotDropped) {
  ASSERT_TRUE(StartReceiver(0, /*https=*/false));
  {
    auto ex = Exporter::Create(Config(/*https=*/false, "not-the-secret"), Quiet());
    ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
    ASSERT_TRUE((*ex)->Publish(SampleEvent()).ok());
    ASSERT_TRUE(testing::Eventually([&] { return (*ex)->Stats()[0].failed_attempts >= 2; }));
    auto st = (*ex)->Stats()[0];
    EXPECT_EQ(st.delivered, 0u);
    EXPECT_EQ(st.rejected, 0u);
    EXPECT_EQ(st.queued_events, 1u);
    EXPECT_NE(st.last_error.find("401"), std::string::npos) << st.last_error;
  }
  // The operator fixes the secret: the waiting event goes out.
  auto ex = Exporter::Create(Config(/*https=*/false), Quiet());
  ASSERT_TRUE((*ex)->Flush(20s));
  EXPECT_EQ(ReceivedIncidents().size(), 1u);
}

}  // namespace
}  // namespace leakguard::incident::siem
