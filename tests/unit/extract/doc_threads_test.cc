// The mail and document extractors run on many threads at once (server, milter, discover): GMime,
// libxml2 and poppler are initialised once, poppler's error callback is per thread, and the answers
// do not depend on what runs beside them.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Fixture;
using testing::RecordingEmitter;

struct Case {
  const char* fixture;
  void (*fn)(std::string_view, Emitter&, const Limits&);
};

const Case kCases[] = {
    {"mail_basic.eml", &ExtractMime}, {"report.docx", &ExtractOoxml}, {"customers.xlsx", &ExtractOoxml},
    {"deck.pptx", &ExtractOoxml},     {"letter.odt", &ExtractOdf},    {"customers.ods", &ExtractOdf},
    {"payroll.pdf", &ExtractPdf},     {"truncated.pdf", &ExtractPdf}, {"locked.pdf", &ExtractPdf},
    {"letter.rtf", &ExtractRtf},
};

std::string Extracted(const Case& c, const std::string& bytes) {
  RecordingEmitter out;
  c.fn(bytes, out, Limits{});
  std::string all = out.Dump();
  for (const auto& t : out.texts) all += t.text;  // Dump() shortens texts
  return all;
}

TEST(DocThreadsTest, ConcurrentExtractionsGiveTheSequentialAnswers) {
  std::vector<std::string> inputs, expected;
  for (const Case& c : kCases) {
    inputs.push_back(Fixture(c.fixture));
    expected.push_back(Extracted(c, inputs.back()));
    ASSERT_FALSE(expected.back().empty()) << c.fixture;
  }
  constexpr int kThreads = 4, kRounds = 5;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round)
        for (std::size_t i = 0; i < std::size(kCases); ++i) {
          std::size_t k =
              (i + static_cast<std::size_t>(t)) % std::size(kCases);  // different order per thread
          std::string r = Extracted(kCases[k], inputs[k]);
          if (r != expected[k]) got[t].push_back(kCases[k].fixture);
        }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_TRUE(got[t].empty()) << "thread " << t << " differs on " << got[t][0];
}

}  // namespace
}  // namespace leakguard::extract
