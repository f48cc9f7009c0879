#include "detect/literal_prefilter.h"

#include <gtest/gtest.h>

namespace leakguard::detect {
namespace {

std::vector<std::string> Lits(std::string_view re, bool caseless = false) {
  auto p = DeriveLiteralPrefilter(re, caseless);
  return p ? p->literals : std::vector<std::string>{};
}

TEST(LiteralPrefilterTest, PrefixesAndAlternations) {
  EXPECT_EQ(Lits(R"(\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)"), (std::vector<std::string>{"AKIA", "ASIA"}));
  EXPECT_EQ(Lits(R"((?<![A-Za-z0-9_])(?:ghp|gho)_[A-Za-z0-9]{36})"),
            (std::vector<std::string>{"gho_", "ghp_"}));
  EXPECT_EQ(Lits(R"(xox[baprs]-[0-9]{10})"),
            (std::vector<std::string>{"xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"}));
  // Literals are cut at 32 bytes: selective enough, and cheaper to match.
  EXPECT_EQ(Lits(R"(https://hooks\.slack\.com/services/T\w+)"),
            std::vector<std::string>{"https://hooks.slack.com/services"});
}

TEST(LiteralPrefilterTest, CaselessPartsMakeTheWholeSetCaseless) {
  auto p = DeriveLiteralPrefilter(R"((?i:adafruit)[\w.-]{0,20}=\s*(?<secret>[a-z0-9]{32}))", false);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->caseless);
  EXPECT_EQ(p->literals, std::vector<std::string>{"adafruit"});
}

TEST(LiteralPrefilterTest, NeverJoinsAcrossOptionalOrRepeatedParts) {
  // "foo" and "bar" are both required, but not "foobar".
  EXPECT_EQ(Lits(R"(foo[\w]{0,20}bar)").size(), 1u);
  EXPECT_NE(Lits(R"(foo[\w]{0,20}bar)")[0], "foobar");
  EXPECT_EQ(Lits(R"(https?://x)"), std::vector<std::string>{"http"});
  EXPECT_EQ(Lits(R"(ab(?:cd)?efg)"), std::vector<std::string>{"efg"});
}

TEST(LiteralPrefilterTest, GivesUpWithoutAUsableLiteral) {
  EXPECT_FALSE(DeriveLiteralPrefilter(R"(\d{3}-\d{2}-\d{4})", false).has_value());
  EXPECT_FALSE(DeriveLiteralPrefilter(R"([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7})", false).has_value());
  EXPECT_FALSE(DeriveLiteralPrefilter(R"(abc|d)", false).has_value()) << "one branch too short";
  EXPECT_FALSE(DeriveLiteralPrefilter(R"((a)\1bcd)", false).has_value()) << "backreference";
  EXPECT_FALSE(DeriveLiteralPrefilter(R"(ab(c)", false).has_value()) << "unbalanced";
}

TEST(LiteralPrefilterTest, EscapesClassesAndAssertions) {
  EXPECT_EQ(Lits(R"(-----BEGIN[ ]?(?:RSA |EC )?PRIVATE KEY-----)"),
            std::vector<std::string>{"PRIVATE KEY-----"});
  EXPECT_EQ(Lits(R"(\x41\x42C[D])"), std::vector<std::string>{"ABCD"});
  EXPECT_EQ(Lits(R"(^sk_live_(?=\w))"), std::vector<std::string>{"sk_live_"});
  auto p = DeriveLiteralPrefilter("a.b|c-d", false);
  EXPECT_FALSE(p.has_value());
  auto e = DeriveLiteralPrefilter(R"(x\.y\.z)", false);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->Expression(), "x\\x2ey\\x2ez");
}

}  // namespace
}  // namespace leakguard::detect
