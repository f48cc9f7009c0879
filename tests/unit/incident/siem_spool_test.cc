#include "incident/siem/spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "unit/incident/siem_testing.h"

namespace leakguard::incident::siem {
namespace {

using testing::TempDir;

SpoolOptions Options(const TempDir& dir) {
  SpoolOptions o;
  o.dir = dir / "soc";
  return o;
}

std::vector<std::string> Drain(Spool& spool) {
  std::vector<std::string> out;
  for (;;) {
    auto f = spool.Front();
    EXPECT_TRUE(f.has_value());
    if (!f || !*f) break;
    out.push_back((*f)->event_id + "=" + (*f)->payload);
    EXPECT_TRUE(spool.Remove((*f)->seq).ok());
  }
  return out;
}

TEST(SiemSpool, FifoAndRemove) {
  TempDir dir;
  auto spool = Spool::Open(Options(dir));
  ASSERT_TRUE(spool.has_value()) << spool.error().ToString();
  auto empty = (*spool)->Front();
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->has_value());
  ASSERT_TRUE((*spool)->Append("EVT-1", "incident.created", "one").ok());
  ASSERT_TRUE((*spool)->Append("EVT-2", "incident.updated", "two\nlines").ok());
  EXPECT_EQ((*spool)->events(), 2u);
  auto f = (*spool)->Front();
  ASSERT_TRUE(f.has_value() && f->has_value());
  EXPECT_EQ((*f)->event_id, "EVT-1");
  EXPECT_EQ((*f)->event_type, "incident.created");
  EXPECT_EQ((*f)->payload, "one");
  EXPECT_EQ(Drain(**spool), (std::vector<std::string>{"EVT-1=one", "EVT-2=two\nlines"}));
  EXPECT_EQ((*spool)->events(), 0u);
  EXPECT_EQ((*spool)->bytes(), 0u);
}

// "Crash": the spool goes away without delivering; a new one on the same folder (as a new process
// would) finds every acknowledged event, in order, and continues the sequence after them.
TEST(SiemSpool, SurvivesReopen) {
  TempDir dir;
  {
    auto spool = Spool::Open(Options(dir));
    ASSERT_TRUE(spool.has_value());
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(
          (*spool)->Append("EVT-" + std::to_string(i), "incident.created", "p" + std::to_string(i)).ok());
    auto f = (*spool)->Front();
    ASSERT_TRUE((*spool)->Remove((*f)->seq).ok());  // EVT-0 delivered before the crash
  }
  // A half-written file of an Append that never returned.
  testing::WriteFile(dir / "soc/tmp-00000000000000000099.ev", "LGSPOOL1 EVT-X incident.created 100\nabc");
  auto spool = Spool::Open(Options(dir));
  ASSERT_TRUE(spool.has_value()) << spool.error().ToString();
  EXPECT_EQ((*spool)->events(), 4u);
  EXPECT_FALSE(std::filesystem::exists(dir / "soc/tmp-00000000000000000099.ev"));
  ASSERT_TRUE((*spool)->Append("EVT-5", "incident.created", "p5").ok());
  EXPECT_EQ(Drain(**spool),
            (std::vector<std::string>{"EVT-1=p1", "EVT-2=p2", "EVT-3=p3", "EVT-4=p4", "EVT-5=p5"}));
}

TEST(SiemSpool, SecondOpenerIsRefused) {
  TempDir dir;
  auto first = Spool::Open(Options(dir));
  ASSERT_TRUE(first.has_value());
  auto second = Spool::Open(Options(dir));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
  first->reset();
  EXPECT_TRUE(Spool::Open(Options(dir)).has_value());
}

TEST(SiemSpool, BoundedByEventsAndBytes) {
  TempDir dir;
  SpoolOptions o = Options(dir);
  o.max_events = 2;
  auto spool = Spool::Open(o);
  ASSERT_TRUE((*spool)->Append("a", "t", "x").ok());
  ASSERT_TRUE((*spool)->Append("b", "t", "x").ok());
  Status full = (*spool)->Append("c", "t", "x");
  EXPECT_EQ(full.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ((*spool)->events(), 2u);
  auto f = (*spool)->Front();
  ASSERT_TRUE((*spool)->Remove((*f)->seq).ok());
  EXPECT_TRUE((*spool)->Append("c", "t", "x").ok());

  spool->reset();
  SpoolOptions b = Options(dir);
  b.dir = dir / "bytes";
  b.max_bytes = 100;
  auto small = Spool::Open(b);
  EXPECT_EQ((*small)->Append("a", "t", std::string(200, 'x')).code(), StatusCode::kLimitExceeded);
  EXPECT_TRUE((*small)->Append("a", "t", std::string(20, 'x')).ok());
  EXPECT_LE((*small)->bytes(), 100u);
}

TEST(SiemSpool, RejectAndCorrupt) {
  TempDir dir;
  {
    auto spool = Spool::Open(Options(dir));
    ASSERT_TRUE((*spool)->Append("EVT-1", "t", "one").ok());
    ASSERT_TRUE((*spool)->Append("EVT-2", "t", "two").ok());
    auto f = (*spool)->Front();
    ASSERT_TRUE((*spool)->Reject((*f)->seq, "HTTP/1.1 400 Bad Request").ok());
    EXPECT_EQ((*spool)->events(), 1u);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "soc/rejected/00000000000000000001.ev"));
  EXPECT_EQ(testing::ReadAll(dir / "soc/rejected/00000000000000000001.ev.reason"),
            "HTTP/1.1 400 Bad Request\n");
  // A damaged file is set aside, and the next one comes out.
  testing::WriteFile(dir / "soc/00000000000000000002.ev", "LGSPOOL1 EVT-2 t 99\ntw");
  testing::WriteFile(dir / "soc/00000000000000000003.ev", "LGSPOOL1 EVT-3 t 5\nthree");
  auto spool = Spool::Open(Options(dir));
  EXPECT_EQ(Drain(**spool), (std::vector<std::string>{"EVT-3=three"}));
  EXPECT_TRUE(std::filesystem::exists(dir / "soc/rejected/00000000000000000002.ev.corrupt"));
}

TEST(SiemSpool, ConcurrentAppendsAllLand) {
  TempDir dir;
  SpoolOptions o = Options(dir);
  o.sync = false;
  auto spool = Spool::Open(o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        EXPECT_TRUE((*spool)->Append("E" + std::to_string(t * 100 + i), "t", "x").ok());
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ((*spool)->events(), 200u);
  EXPECT_EQ(Drain(**spool).size(), 200u);
}

}  // namespace
}  // namespace leakguard::incident::siem
