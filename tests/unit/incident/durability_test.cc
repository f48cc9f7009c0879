// Durability of the incident store: no acknowledged incident is lost when the writing process is
// killed with SIGKILL mid-burst (SQLite and PostgreSQL), or when PostgreSQL itself is stopped
// (pg_ctl stop -m immediate) and restarted mid-run; writes resume after the restart.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "incident/store.h"
#include "unit/incident/store_test_support.h"

namespace leakguard::incident {
namespace {

using testing::PgServer;
using testing::SampleRecord;

class DurabilityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      std::string why;
      PgServer* pg = PgServer::Get(&why);
      if (pg == nullptr) GTEST_SKIP() << why;
      url_ = pg->NewDatabaseUrl();
    } else {
      url_ = "sqlite:" + tmp_ / "incidents.db";
    }
  }
  testing::TempDir tmp_;
  std::string url_;
};

// The child records incidents from two threads as fast as it can and writes each id to the pipe only
// after Record returned it: every id the parent reads was acknowledged.
[[noreturn]] void WriterChild(const std::string& url, int fd) {
  auto store = IncidentStore::Open(url);
  if (!store) ::_exit(3);
  auto writer = [&](int t) {
    for (int i = 0;; ++i) {
      auto r = (*store)->Record(SampleRecord(t * 1'000'000 + i, Action::kBlock, 1'790'000'000'000 + i));
      if (!r) continue;
      std::string line = r->incident_id + "\n";
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(4);
    }
  };
  std::thread other(writer, 1);
  writer(0);
  ::_exit(0);  // not reached
}

TEST_P(DurabilityTest, KillNineMidBurstLosesNoAcknowledgedIncident) {
  { ASSERT_TRUE(IncidentStore::Open(url_)); }  // schema first, so the child only writes incidents
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    WriterChild(url_, fds[1]);
  }
  ::close(fds[1]);
  std::set<std::string> acked;
  std::string buf;
  auto read_some = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1))
      acked.insert(buf.substr(0, nl));
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (acked.size() < 300 && std::chrono::steady_clock::now() < deadline) read_some(1000);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the writer exited early with " << WEXITSTATUS(status);
  while (read_some(0)) {
  }
  ::close(fds[0]);
  ASSERT_GE(acked.size(), 300u) << "the writer acknowledged too few incidents before the deadline";

  auto store = IncidentStore::Open(url_);
  ASSERT_TRUE(store) << store.error().ToString();
  std::size_t missing = 0;
  for (const auto& id : acked) {
    auto inc = (*store)->Get(id);
    if (!inc) {
      ++missing;
      ADD_FAILURE() << "acknowledged incident lost: " << id << " (" << inc.error().ToString() << ")";
    }
  }
  EXPECT_EQ(missing, 0u);
  auto report = (*store)->VerifyAudit();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact()) << report->problems.front().what;
  EXPECT_GE(report->entries, static_cast<std::int64_t>(acked.size()) + 1);
  // The store takes writes again after the crash.
  EXPECT_TRUE((*store)->Record(SampleRecord(1)));
}

INSTANTIATE_TEST_SUITE_P(Backends, DurabilityTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// PostgreSQL stopped with -m immediate and restarted while a writer runs.
class PgRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    pg_ = PgServer::Get(&why);
    if (pg_ == nullptr) GTEST_SKIP() << why;
    url_ = pg_->NewDatabaseUrl();
  }

  // Runs a writer while the server is stopped for `outage` and started again; returns the ids it
  // acknowledged, and counts the writes refused with kUnavailable.
  void RunThroughRestart(std::chrono::milliseconds retry_for, std::set<std::string>& acked, int& unavailable,
                         int& acked_after_restart) {
    StoreOptions opt;
    opt.retry_for = retry_for;
    opt.connect_timeout_s = 2;
    auto store = IncidentStore::Open(url_, opt);
    ASSERT_TRUE(store) << store.error().ToString();
    std::mutex mu;
    std::atomic<bool> stop{false}, restarted{false};
    std::atomic<int> refused{0}, after{0}, other_errors{0};
    std::thread writer([&] {
      for (int i = 0; !stop; ++i) {
        auto r = (*store)->Record(SampleRecord(i));
        if (r) {
          std::lock_guard lock(mu);
          acked.insert(r->incident_id);
          if (restarted) ++after;
        } else if (r.error().code() == StatusCode::kUnavailable) {
          ++refused;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
          ++other_errors;
          ADD_FAILURE() << r.error().ToString();
        }
      }
    });
    auto wait_for = [&](auto pred) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!pred() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return pred();
    };
    EXPECT_TRUE(wait_for([&] {
      std::lock_guard lock(mu);
      return acked.size() >= 50;
    }));
    ASSERT_TRUE(pg_->StopImmediate());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(pg_->Start());
    restarted = true;
    EXPECT_TRUE(wait_for([&] { return after >= 50; })) << "writes did not resume after the restart";
    stop = true;
    writer.join();
    EXPECT_EQ(other_errors, 0);
    unavailable = refused;
    acked_after_restart = after;

    auto check = IncidentStore::Open(url_);
    ASSERT_TRUE(check);
    for (const auto& id : acked) EXPECT_TRUE((*check)->Get(id)) << "acknowledged incident lost: " << id;
    auto report = (*check)->VerifyAudit();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->intact());
  }

  PgServer* pg_ = nullptr;
  std::string url_;
};

TEST_F(PgRestartTest, WritesFailWithUnavailableDuringTheOutageAndNothingAcknowledgedIsLost) {
  std::set<std::string> acked;
  int unavailable = 0, after = 0;
  RunThroughRestart(std::chrono::milliseconds(0), acked, unavailable, after);
  EXPECT_GT(unavailable, 0) << "with no retry budget, writes during the outage must be refused";
  EXPECT_GE(after, 50);
}

TEST_F(PgRestartTest, WritesRetriedInternallyRideThroughTheRestart) {
  std::set<std::string> acked;
  int unavailable = 0, after = 0;
  RunThroughRestart(std::chrono::milliseconds(30'000), acked, unavailable, after);
  EXPECT_EQ(unavailable, 0) << "a 30 s retry budget covers a 1.5 s outage";
  EXPECT_GE(after, 50);
}

}  // namespace
}  // namespace leakguard::incident
