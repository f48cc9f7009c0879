#include "detect/regex_shape.h"

#include "detect/regex_syntax.h"

#include <gtest/gtest.h>

namespace leakguard::detect {
namespace {

std::string Describe(const std::bitset<256>& s) {
  if (s.count() == 10 && s['0'] && s['9']) return "d";
  if (s.count() == 26 && s['A'] && s['Z']) return "A";
  if (s.count() == 52 && s['a'] && s['Z']) return "a";
  std::string out;
  for (int c = 32; c < 127; ++c)
    if (s[static_cast<std::size_t>(c)]) out += static_cast<char>(c);
  return s.count() > 64 ? "*" : "[" + out + "]";
}

std::string Prefix(const RegexShape& shape) {
  std::string out;
  for (const auto& s : shape.prefix) out += Describe(s);
  return out;
}

TEST(RegexShapeTest, DigitsLettersAndPrefix) {
  RegexShape card =
      AnalyzeRegexShape(R"((?<![\w+])(?<!\d[.-])\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{1,3}(?![\w]))", false);
  EXPECT_EQ(card.min_digits, 13u);
  EXPECT_FALSE(card.letters);
  EXPECT_EQ(Prefix(card), "dddd");
  EXPECT_TRUE(card.word_start);

  RegexShape iban = AnalyzeRegexShape(R"((?<![\w])[A-Z]{2}\d{2}(?:[ -][A-Z0-9]{4}){2,7}(?![\w]))", false);
  EXPECT_EQ(iban.min_digits, 2u);
  EXPECT_TRUE(iban.letters);
  EXPECT_EQ(Prefix(iban), "AAdd");

  // Separators every match holds: [ .-] counts only as "any separator".
  EXPECT_EQ(card.min_separators.back(), 3u);
  EXPECT_EQ(card.min_separators[kTokenSeparators.find('-')], 0u);
  RegexShape ipv4 = AnalyzeRegexShape(
      R"((?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]))",
      false);
  EXPECT_EQ(ipv4.min_digits, 4u);
  EXPECT_EQ(ipv4.min_separators[kTokenSeparators.find('.')], 3u);
  RegexShape ssn = AnalyzeRegexShape(R"(\d{3}-\d{2}-\d{4})", false);
  EXPECT_EQ(ssn.min_separators[kTokenSeparators.find('-')], 2u);
  EXPECT_EQ(ssn.min_separators[kTokenSeparators.find(' ')], 0u);

  // Runs of digits only, and the guards around them.
  RegexShape nik16 = AnalyzeRegexShape(R"((?<![\w+])(?<!\d[.-])\d{16}(?![\w])(?![.-]\d))", false);
  EXPECT_EQ(nik16.digit_run_min, 16u);
  EXPECT_EQ(nik16.digit_run_max, 16u);
  EXPECT_TRUE(nik16.word_start);
  EXPECT_TRUE(nik16.word_end);
  RegexShape tckn = AnalyzeRegexShape(R"((?<![\w])[1-9]\d{10,}(?!\w))", false);
  EXPECT_EQ(tckn.digit_run_min, 11u);
  EXPECT_EQ(tckn.digit_run_max, SIZE_MAX);
  EXPECT_TRUE(tckn.word_end);
  EXPECT_EQ(card.digit_run_min, 0u);  // separators inside
  RegexShape phone = AnalyzeRegexShape(R"((?<![\w+])\d{9,12}(?:(?![\w])|(?=x\d))(?![.-]\d))", false);
  EXPECT_EQ(phone.digit_run_min, 9u);
  EXPECT_FALSE(phone.word_end);  // "x12" may follow
  RegexShape nif = AnalyzeRegexShape(R"((?<![\w])(?<!\d[.-])\d{7,8}-?[A-Z](?![\w]))", false);
  EXPECT_EQ(nif.min_upper, 1u);
  EXPECT_EQ(nif.min_lower, 0u);
  EXPECT_EQ(AnalyzeRegexShape(R"((?i)\d{7}[a-z])", false).min_upper, 0u);
  EXPECT_EQ(nif.alnum_run_min, 0u);  // '-' may be inside
  // Runs of letters and digits only: a whole group of a numeric token between word guards.
  RegexShape uen = AnalyzeRegexShape(R"((?<![\w])(?<!\d[.-])\d{8,9}[A-Z](?![\w]))", false);
  EXPECT_EQ(uen.alnum_run_min, 9u);
  EXPECT_EQ(uen.alnum_run_max, 10u);
  EXPECT_EQ(uen.digit_run_min, 0u);
  EXPECT_EQ(nik16.alnum_run_min, 16u);
  EXPECT_EQ(AnalyzeRegexShape(R"(\w{4})", false).alnum_run_min, 0u);  // '_' is not a token letter

  // Alternation: the fewest digits of any branch; the prefix positions all branches share.
  RegexShape nik = AnalyzeRegexShape(
      R"((?:\d{6}[ .-]\d{6}[ .-]\d{4}|\d{2}[ .-]\d{2}[ .-]\d{2}[ .-]\d{6}[ .-]\d{4}))", false);
  EXPECT_EQ(nik.min_digits, 16u);
  EXPECT_EQ(Prefix(nik), "dd[ -.0123456789]d");  // per position, the union over the branches
  EXPECT_FALSE(nik.word_start);

  // Optional and variable parts end the prefix; lookarounds count for nothing.
  RegexShape nanp =
      AnalyzeRegexShape(R"((?:(?:1|001)[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?=x\d)?)", false);
  EXPECT_EQ(nanp.min_digits, 10u);
  EXPECT_TRUE(nanp.prefix.empty());
  EXPECT_EQ(AnalyzeRegexShape(R"(\d{2,5}(?: \d{2,8}){1,4})", false).min_digits, 4u);
  EXPECT_EQ(Prefix(AnalyzeRegexShape(R"(\d{2,5}x)", false)), "dd");

  // Case-insensitive letters, classes with ranges and escapes.
  RegexShape nie = AnalyzeRegexShape(R"((?i)[xyz]-?\d{7}-?[a-z])", false);
  EXPECT_EQ(nie.min_digits, 7u);
  EXPECT_EQ(Prefix(nie), "[XYZxyz]");
  EXPECT_EQ(Prefix(AnalyzeRegexShape(R"([2-6]\d{3} \d)", false)), "[23456]ddd");
  EXPECT_EQ(AnalyzeRegexShape(R"([0-9A-F]{8})", false).min_digits, 0u);
  EXPECT_EQ(AnalyzeRegexShape(R"(0604\d{8})", false).min_digits, 12u);

  // What the analysis cannot read gives the empty shape: no filtering.
  RegexShape unknown = AnalyzeRegexShape(R"((\d{4})\1)", false);
  EXPECT_EQ(unknown.min_digits, 0u);
  EXPECT_TRUE(unknown.letters);
  EXPECT_TRUE(unknown.prefix.empty());
  EXPECT_EQ(AnalyzeRegexShape(R"(\d{3)", false).min_digits, 2u);  // "{3" is two literals
}

TEST(RegexShapeTest, ConsecutiveDigitsEveryMatchHolds) {
  auto run = [](std::string_view re) { return AnalyzeRegexShape(re, false).min_digit_run; };
  EXPECT_EQ(run(R"((?<![\w])(?<!\d[.-])\d{7,8}-?[a-z](?![\w]))"), 7u);
  EXPECT_EQ(run(R"(\d{3}-\d{2}-\d{4})"), 4u);
  EXPECT_EQ(run(R"(\d{6}[-+A-F]\d{3}[0-9A-Y])"), 6u);  // [0-9A-Y] may be a letter
  EXPECT_EQ(run(R"(\d{3}[0-9]\d)"), 5u);               // runs join across items
  EXPECT_EQ(run(R"(\d{2}(?=\d)\d{2})"), 4u);           // a lookahead takes no byte
  EXPECT_EQ(run(R"((?:\d{2})?\d{6}[-+]\d{4})"), 6u);   // an optional part adds nothing
  EXPECT_EQ(run(R"((?:18|19|20)\d{10}|\d{10})"), 10u);
  EXPECT_EQ(run(R"((?:\d{3}|[A-Z]\d)\d{2})"), 3u);  // the shorter branch: one digit, then two
  EXPECT_EQ(run(R"((?:\d\d){3})"), 6u);
  EXPECT_EQ(run(R"((?:a\d\d)+)"), 2u);
  EXPECT_EQ(run(R"((?:\d{2}a\d)+)"), 2u);
  EXPECT_EQ(run(R"((?:\d{2}a\d){2})"), 3u);  // the second repeat's two digits follow the first's last
  EXPECT_EQ(run(R"([A-Z]{2} ?\d{2} ?\d{2})"), 2u);
  EXPECT_EQ(run(R"(\d{4}\s?\d{4})"), 4u);
}

TEST(RegexSyntaxTest, QuantifiersHexEscapesAndGroups) {
  auto quant = [](std::string_view re) {
    std::size_t pos = 0, min = 0, max = 0;
    if (!ParseQuantifier(re, pos, min, max)) return std::string("none");
    return std::to_string(min) + "," + (max == SIZE_MAX ? "inf" : std::to_string(max)) + "@" +
           std::to_string(pos);
  };
  EXPECT_EQ(quant("*"), "0,inf@1");
  EXPECT_EQ(quant("+?"), "1,inf@2");
  EXPECT_EQ(quant("{3}"), "3,3@3");
  EXPECT_EQ(quant("{2,}+"), "2,inf@5");
  EXPECT_EQ(quant("{2,5}x"), "2,5@5");
  EXPECT_EQ(quant("{,5}"), "none");  // a literal '{'
  EXPECT_EQ(quant("{3"), "none");
  EXPECT_EQ(quant("{99999999999}"), "100000,100000@13");  // saturates
  auto hex = [](std::string_view re) {
    std::size_t pos = 0;
    auto b = ParseHexEscape(re, pos);
    return b ? std::to_string(*b) + "@" + std::to_string(pos) : std::string("bad");
  };
  EXPECT_EQ(hex("41"), "65@2");
  EXPECT_EQ(hex("7zz"), "7@1");
  EXPECT_EQ(hex("{5f}"), "95@4");
  EXPECT_EQ(hex("{zz}"), "bad");  // (a std::stoi here used to throw)
  EXPECT_EQ(hex("{100}"), "bad");
  EXPECT_EQ(hex("g"), "bad");
  std::size_t pos = 1;
  GroupOpen g = ParseGroupOpen("(?i:ab)", pos, false);
  EXPECT_EQ(g.kind, GroupOpen::Kind::kGroup);
  EXPECT_TRUE(g.caseless);
  EXPECT_EQ(pos, 4u);
  pos = 1;
  EXPECT_EQ(ParseGroupOpen("(?<!\\w)", pos, false).kind, GroupOpen::Kind::kLookaround);
  pos = 1;
  EXPECT_EQ(ParseGroupOpen("(?<name>x)", pos, false).kind, GroupOpen::Kind::kGroup);
  EXPECT_EQ(pos, 8u);
  pos = 1;
  EXPECT_EQ(ParseGroupOpen("(?x)", pos, false).kind, GroupOpen::Kind::kError);
  pos = 1;
  EXPECT_EQ(ParseGroupOpen("(?# note )x", pos, false).kind, GroupOpen::Kind::kComment);
  EXPECT_EQ(pos, 10u);
}

}  // namespace
}  // namespace leakguard::detect
