#include <gtest/gtest.h>

#include <string>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Fixture;
using testing::RecordingEmitter;

std::string Rtf(std::string_view rtf) {
  RecordingEmitter out;
  ExtractRtf(rtf, out, Limits{});
  EXPECT_LE(out.texts.size(), 1u);
  return out.texts.empty() ? std::string() : out.texts[0].text;
}

TEST(RtfTest, FixtureText) {
  RecordingEmitter out;
  ExtractRtf(Fixture("letter.rtf"), out, Limits{});
  ASSERT_EQ(out.texts.size(), 1u) << out.Dump();
  EXPECT_EQ(out.texts[0].path, "");
  EXPECT_EQ(out.texts[0].text,
            "Ren\xC3\xA9"
            "e Dupont\nSSN: 078-05-1120\tcard: 4111 1111 1111 1111\n"
            "Euro \xE2\x82\xAC price, smile \xF0\x9F\x98\x80\n"
            "visible result textEscaped {braces} and \\backslash");
  EXPECT_TRUE(out.reports.empty());
}

TEST(RtfTest, SkipsTablesPicturesAndIgnorableDestinations) {
  std::string t = Rtf(R"({\rtf1{\fonttbl{\f0 Arial;}}{\colortbl;\red0;}{\stylesheet{\s0 Normal;}})"
                      R"({\*\unknowndest hidden 123}{\pict\wmetafile8 0102}visible})");
  EXPECT_EQ(t, "visible");
}

TEST(RtfTest, UnicodeFallbackCountFollowsUc) {
  EXPECT_EQ(Rtf(R"({\rtf1\uc2 a\u233XYb})"),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(Rtf(R"({\rtf1\uc0 a\u233 b})"),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(Rtf(R"({\rtf1 a\u233\'e9b})"),
            "a\xC3\xA9"
            "b")
      << "a \\'hh fallback is one character";
  EXPECT_EQ(Rtf(R"({\rtf1 {\uc3 x}\u233?b})"),
            "x\xC3\xA9"
            "b")
      << "\\uc is scoped to its group";
}

TEST(RtfTest, CodePages) {
  EXPECT_EQ(Rtf(R"({\rtf1\ansi\ansicpg1252 \'80 \'93q\'94})"), "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D");
  // Windows-1251 (Cyrillic) through iconv: "Привет".
  EXPECT_EQ(Rtf(R"({\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2})"),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  // Shift-JIS double-byte pairs: "日本".
  EXPECT_EQ(Rtf(R"({\rtf1\ansi\ansicpg932 \'93\'fa\'96\'7b})"), "\xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(RtfTest, BinarySkippedAndBounded) {
  EXPECT_EQ(Rtf(std::string("{\\rtf1 a{\\bin3 }}}b}")), "ab");
  EXPECT_EQ(Rtf("{\\rtf1 a\\bin999999999 xyz"), "a");
}

TEST(RtfTest, DeepNestingAndUnbalancedBracesAreBounded) {
  std::string deep = "{\\rtf1 ";
  deep += std::string(100000, '{') + "deep" + std::string(100000, '}') + std::string(1000, '}') + " tail}";
  EXPECT_EQ(Rtf(deep), "deep tail");
  EXPECT_EQ(Rtf("{\\rtf1 \\'"), "");
  EXPECT_EQ(Rtf("{\\rtf1 \\u"), "");
  EXPECT_EQ(Rtf("{\\rtf1 \\u-99999999999999999999x"), "\xEF\xBF\xBD");
}

TEST(RtfTest, NotRtfIsUnreadable) {
  RecordingEmitter out;
  ExtractRtf("hello", out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u);
  EXPECT_EQ(out.reports[0].problem, Problem::kUnreadable);
}

TEST(RtfTest, LargeTextIsSplitIntoBoundedPieces) {
  std::string rtf = "{\\rtf1 ";
  for (int i = 0; i < 2000; ++i) rtf += "line " + std::to_string(i) + " with some words in it\\par\n";
  rtf += "}";
  Limits limits;
  limits.max_buffered_bytes = 4096;
  RecordingEmitter out;
  ExtractRtf(rtf, out, limits);
  ASSERT_GT(out.texts.size(), 5u);
  std::string all;
  for (const auto& t : out.texts) {
    EXPECT_LE(t.text.size(), 4096u + 64u);
    all += t.text;
  }
  EXPECT_NE(all.find("line 1999 with some words in it"), std::string::npos);
  EXPECT_NE(all.find("line 0 with"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::extract
