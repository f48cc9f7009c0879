// ScanOptions::context: structure context (a CSV column header, a JSON key) counts as a context word
// at distance 0 for every value of the scanned part (docs/extraction.md).

#include <gtest/gtest.h>

#include "leakguard/engine.h"
#include "test_support.h"

namespace leakguard {
namespace {

const Finding* FindType(const std::vector<Finding>& findings, std::string_view type) {
  for (const Finding& f : findings)
    if (f.info_type == type) return &f;
  return nullptr;
}

std::vector<Finding> Scan(std::string_view text, std::vector<std::string> context) {
  Scanner scanner(testing::BuiltinEngine());
  ScanOptions options;
  options.context = std::move(context);
  auto r = scanner.ScanBlock(text, options);
  EXPECT_TRUE(r.has_value());
  return r ? *r : std::vector<Finding>{};
}

TEST(StructureContext, HeaderRaisesConfidenceAtDistanceZero) {
  // A bare 9-digit SSN is low confidence: not reported at the default (medium).
  EXPECT_EQ(FindType(Scan("536904399", {}), "US_SOCIAL_SECURITY_NUMBER"), nullptr);
  for (const char* header :
       {"ssn", "SSN", "customer_ssn", "customerSsn", "Social Security", "social-security"}) {
    auto findings = Scan("536904399", {header});
    const Finding* f = FindType(findings, "US_SOCIAL_SECURITY_NUMBER");
    ASSERT_NE(f, nullptr) << header;
    EXPECT_EQ(f->confidence, Confidence::kMedium) << header;
    EXPECT_EQ(f->evidence.context_distance, 0) << header;
    EXPECT_FALSE(f->evidence.context_word.empty());
  }
  // Not a whole word: "lessn" does not contain the word "ssn".
  EXPECT_EQ(FindType(Scan("536904399", {"lessn"}), "US_SOCIAL_SECURITY_NUMBER"), nullptr);
}

TEST(StructureContext, EnablesContextTriggeredPatterns) {
  // SWIFT/BIC codes are searched only near a context word; a column named "swift" is one.
  EXPECT_EQ(FindType(Scan("DEUTDEFF500", {}), "SWIFT_BIC"), nullptr);
  EXPECT_NE(FindType(Scan("DEUTDEFF500", {"swift_code"}), "SWIFT_BIC"), nullptr);
}

TEST(StructureContext, StreamAndBlockAgree) {
  Scanner scanner(testing::BuiltinEngine());
  ScanOptions options;
  options.context = {"NIK"};
  std::vector<Finding> streamed;
  ASSERT_TRUE(scanner.Open(options, [&](Finding&& f) { streamed.push_back(std::move(f)); }).ok());
  ASSERT_TRUE(scanner.Write("34040210").ok());
  ASSERT_TRUE(scanner.Write("11880001").ok());
  ASSERT_TRUE(scanner.Close().ok());
  auto block = scanner.ScanBlock("3404021011880001", options);
  ASSERT_TRUE(block.has_value());
  ASSERT_EQ(streamed.size(), 1u);
  ASSERT_EQ(block->size(), 1u);
  EXPECT_EQ(streamed[0].confidence, (*block)[0].confidence);
  EXPECT_EQ(streamed[0].evidence.context_word, "nik");
  // The next scan without context forgets it.
  auto plain = scanner.ScanBlock("3404021011880001", {});
  ASSERT_TRUE(plain.has_value());
  ASSERT_EQ(plain->size(), 1u);
  EXPECT_EQ((*plain)[0].evidence.context_distance, -1);
}

}  // namespace
}  // namespace leakguard
