// PolicyWatcher: reload swaps the bundle, a bad policy is refused and the running one stays, file
// changes are detected by content (mtime + size, then hash).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "leakguard/policy.h"

namespace leakguard {
namespace {

namespace fs = std::filesystem;

std::string PolicyText(const std::string& action) {
  return "name: w\nrules:\n  - id: r\n    when: {content: {types: [CREDIT_CARD_NUMBER]}}\n    action: " +
         action + "\n";
}

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("watcher-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("config.yaml", "organization: {internal_domains: [corp.example]}\npolicy: policy.yaml\n");
    Write("policy.yaml", PolicyText("audit"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    // Write a new file and rename it over the old one, as editors and config management do.
    std::ofstream(dir_ / (name + ".tmp")) << text;
    fs::rename(dir_ / (name + ".tmp"), dir_ / name);
  }
  Action Decide(const PolicyWatcher& w) {
    FindingsSummary s;
    Finding f;
    f.info_type = "CREDIT_CARD_NUMBER";
    f.confidence = Confidence::kHigh;
    s.Add(f);
    Transfer t;
    return w.current()->policy->Decide(t, s).action;
  }
  PolicyFiles Files() { return {(dir_ / "config.yaml").string(), ""}; }
  fs::path dir_;
};

TEST_F(WatcherTest, ReloadSwapsAndABadPolicyKeepsTheRunningOne) {
  std::vector<std::string> outcomes;
  PolicyWatcher::Options options;
  options.on_reload = [&](const Status& s, const PolicyBundle* b) {
    outcomes.push_back(s.ok() ? "ok " + b->policy->version() : s.message());
  };
  auto w = PolicyWatcher::Start(Files(), nullptr, options);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(Decide(**w), Action::kAudit);
  const std::string v1 = (*w)->current()->policy->version();
  EXPECT_EQ((*w)->current()->files.size(), 2u);

  Write("policy.yaml", PolicyText("block"));
  ASSERT_TRUE((*w)->Reload().ok());
  EXPECT_EQ(Decide(**w), Action::kBlock);
  EXPECT_NE((*w)->current()->policy->version(), v1);

  Write("policy.yaml", PolicyText("blok"));
  Status bad = (*w)->Reload();
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("policy.yaml:5: rule 'r': unknown action 'blok'"), std::string::npos)
      << bad.message();
  EXPECT_EQ(Decide(**w), Action::kBlock);  // the running policy stays

  fs::remove(dir_ / "policy.yaml");
  EXPECT_FALSE((*w)->Reload().ok());
  EXPECT_EQ(Decide(**w), Action::kBlock);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].starts_with("ok sha256:"));
}

TEST_F(WatcherTest, StartFailsOnABadPolicy) {
  Write("policy.yaml", "name: w\nrules: 3\n");
  auto w = PolicyWatcher::Start(Files(), nullptr, {});
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("policy.yaml:2: rules: must be a list"), std::string::npos)
      << w.error().message();
}

TEST_F(WatcherTest, ChangesAreDetectedByContent) {
  auto w = PolicyWatcher::Start(Files(), nullptr, {});
  ASSERT_TRUE(w);
  EXPECT_FALSE((*w)->CheckForChanges());
  // Same content rewritten (new mtime): no reload.
  Write("policy.yaml", PolicyText("audit"));
  fs::last_write_time(dir_ / "policy.yaml", fs::file_time_type::clock::now() + std::chrono::seconds(5));
  EXPECT_FALSE((*w)->CheckForChanges());
  // New content: reload.
  Write("policy.yaml", PolicyText("quarantine"));
  Status outcome;
  EXPECT_TRUE((*w)->CheckForChanges(&outcome));
  EXPECT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(Decide(**w), Action::kQuarantine);
  // A broken edit is tried once and refused; the running policy stays, and it is not retried until
  // the file changes again.
  Write("policy.yaml", "name: w\nrules: [\n");
  EXPECT_TRUE((*w)->CheckForChanges(&outcome));
  EXPECT_FALSE(outcome.ok());
  EXPECT_FALSE((*w)->CheckForChanges());
  EXPECT_EQ(Decide(**w), Action::kQuarantine);
  // The configuration is watched too.
  Write("config.yaml", "organization: {internal_domains: [corp.example]}\npolicy: other.yaml\n");
  std::ofstream(dir_ / "other.yaml") << PolicyText("alert");
  EXPECT_TRUE((*w)->CheckForChanges(&outcome));
  EXPECT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(Decide(**w), Action::kAlert);
}

TEST_F(WatcherTest, BackgroundPollingReloads) {
  std::atomic<int> reloads{0};
  PolicyWatcher::Options options;
  options.poll = true;
  options.poll_interval = std::chrono::milliseconds(20);
  options.on_reload = [&](const Status& s, const PolicyBundle*) {
    if (s.ok()) ++reloads;
  };
  auto w = PolicyWatcher::Start(Files(), nullptr, options);
  ASSERT_TRUE(w);
  Write("policy.yaml", PolicyText("block"));
  for (int i = 0; i < 250 && reloads.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(reloads.load(), 1);
  EXPECT_EQ(Decide(**w), Action::kBlock);
  // Readers on other threads while reloading.
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop)
      if (auto b = (*w)->current(); !b || !b->policy) ADD_FAILURE();
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*w)->Reload().ok());
  stop = true;
  reader.join();
  w->reset();  // stops the poll thread
}

TEST(PolicyBundleTest, DefaultsWithoutConfiguration) {
  auto b = LoadPolicyBundle({});
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ((*b)->policy->name(), "default");
  EXPECT_TRUE((*b)->files.empty());
  Transfer t;
  Destination d;
  d.url = "https://pastebin.com/x";
  t.destinations.push_back(d);
  FindingsSummary s;
  Finding f;
  f.info_type = "PRIVATE_KEY";
  f.confidence = Confidence::kHigh;
  s.Add(f);
  EXPECT_EQ((*b)->Decide(t, s).action, Action::kBlock);
  EXPECT_EQ(t.destinations[0].host, "pastebin.com");  // enriched
}

}  // namespace
}  // namespace leakguard
