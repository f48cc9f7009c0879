// The anchor finders (anchor_scan.h) stand in for two built-in prefilters: they must be used for the
// built-in patterns, and an engine that uses them must find exactly what the Vectorscan prefilter and a
// window search find.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "detect/anchor_scan.h"
#include "detect/builtin_data.h"
#include "detect/byte_scan.h"
#include "detect/catalog.h"
#include "leakguard/engine.h"

namespace leakguard::detect {
namespace {

const PatternSpec& BuiltinPattern(const Catalog& catalog, std::string_view type, std::string_view id) {
  for (const auto& t : catalog.types)
    if (t.id == type)
      for (const auto& p : t.patterns)
        if (p.id == id) return p;
  ADD_FAILURE() << "no built-in pattern " << type << "/" << id;
  static PatternSpec none;
  return none;
}

Catalog Builtin() {
  Catalog catalog;
  for (const auto& file : BuiltinFiles()) {
    if (!file.name.starts_with("infotypes/")) continue;
    EXPECT_TRUE(LoadCatalogYaml("builtin:" + std::string(file.name), file.text, true, catalog).ok());
  }
  return catalog;
}

std::string Quote(std::string_view s) {  // a YAML single-quoted scalar
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A one-type catalog with the pattern's regex and the given prefilter.
std::string OneType(const PatternSpec& p, std::string_view prefilter) {
  std::string y = "infotypes:\n  - id: T\n    category: personal\n    patterns:\n      - id: p\n";
  y += "        regex: " + Quote(p.regex) + "\n";
  y += "        prefilter: " + Quote(prefilter) + "\n";
  if (p.prefilter_lead != 0) y += "        prefilter_lead: " + std::to_string(p.prefilter_lead) + "\n";
  y += "        max_length: " + std::to_string(p.max_length) + "\n";
  y += "        confidence: medium\n";
  return y;
}

using Spans = std::set<std::tuple<std::uint64_t, std::uint64_t>>;

Spans Scan(const std::shared_ptr<const Engine>& engine, const std::string& text) {
  Scanner scanner(engine);
  ScanOptions options;
  options.min_confidence = Confidence::kLow;
  auto findings = scanner.ScanBlock(text, options);
  EXPECT_TRUE(findings.has_value());
  Spans out;
  for (const auto& f : *findings) out.emplace(f.start, f.end);
  return out;
}

// Text made of the bytes these patterns care about, with real-looking pieces mixed in.
std::string Noise(std::mt19937& rng, std::size_t size) {
  static const std::vector<std::string> kPieces = {
      "a",     "Z",         "0",        "9",      "f",        "E",    ".",     "-",         "_",
      "%",     "+",         "@",        ":",      "::",       " ",    "\n",    "'",         "xn--",
      "std::", "user.name", "@mail.ex", ".co.id", "fe80",     "::1",  "%eth0", "2001:db8:", "1.2.3.4",
      "x@y.z", "a@b.cd",    "<",        ">",      "Foo::Bar", "abcd:"};
  std::string out;
  while (out.size() < size) out += kPieces[rng() % kPieces.size()];
  return out;
}

TEST(AnchorScan, BuiltinPatternsUseTheFinders) {
  Catalog catalog = Builtin();
  const PatternSpec& email = BuiltinPattern(catalog, "EMAIL_ADDRESS", "address");
  const PatternSpec& ipv6 = BuiltinPattern(catalog, "IP_ADDRESS", "ipv6");
  EXPECT_EQ(AnchorFinderFor(email.regex, email.prefilter, email.case_insensitive, email.prefilter_lead),
            AnchorFinder::kEmail);
  EXPECT_EQ(AnchorFinderFor(ipv6.regex, ipv6.prefilter, ipv6.case_insensitive, ipv6.max_length),
            AnchorFinder::kIpv6);
  EXPECT_EQ(AnchorFinderFor(email.regex + "x", email.prefilter, false, email.prefilter_lead),
            AnchorFinder::kNone);
  EXPECT_EQ(AnchorFinderFor(email.regex, email.prefilter, true, email.prefilter_lead), AnchorFinder::kNone);
}

TEST(AnchorScan, FindsWhatTheWindowSearchFinds) {
  Catalog catalog = Builtin();
  struct Case {
    const PatternSpec* pattern;
    std::string same_prefilter_spelled_otherwise;
  };
  const PatternSpec& email = BuiltinPattern(catalog, "EMAIL_ADDRESS", "address");
  const PatternSpec& ipv6 = BuiltinPattern(catalog, "IP_ADDRESS", "ipv6");
  for (const Case& c : {Case{&email, "@[A-Za-z0-9\\-]+[.]"},
                        Case{&ipv6, "::(?:[0-9a-fA-F]|[^\\w:]|$)|(?:[0-9a-fA-F]{1,4}:){6}[0-9a-fA-F]"}}) {
    SCOPED_TRACE(c.pattern->id);
    auto anchored = Engine::Compile({false, {{"a.yaml", OneType(*c.pattern, c.pattern->prefilter)}}});
    auto windowed =
        Engine::Compile({false, {{"w.yaml", OneType(*c.pattern, c.same_prefilter_spelled_otherwise)}}});
    ASSERT_TRUE(anchored.has_value()) << anchored.error().message();
    ASSERT_TRUE(windowed.has_value()) << windowed.error().message();
    std::mt19937 rng(7);
    std::size_t found = 0;
    for (int round = 0; round < 40; ++round) {
      std::string text = Noise(rng, 4096);
      Spans a = Scan(*anchored, text), w = Scan(*windowed, text);
      EXPECT_EQ(a, w) << "round " << round;
      found += a.size();
    }
    EXPECT_GT(found, 20u);
  }
}

TEST(AnchorScan, Anchors) {
  std::vector<Anchor> out;
  std::vector<std::uint32_t> scratch;
  std::string text = "mail a.b+c@example.com, not @home. x_y@z.io";
  FindAnchors(AnchorFinder::kEmail, text.data(), text.size(), 130, scratch, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(text.substr(out[0].start, 5), "a.b+c");
  EXPECT_EQ(text.substr(out[1].start, 3), "x_y");
  out.clear();
  text = "std::vector Foo::Bar fe80::1%eth0 a:b:c:d:e:f:1 1:2";
  FindAnchors(AnchorFinder::kIpv6, text.data(), text.size(), 64, scratch, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(text.substr(out[0].start, 4), "fe80");
  EXPECT_EQ(text.substr(out[1].start, 3), "a:b");
}

}  // namespace
}  // namespace leakguard::detect

namespace leakguard::detect {
namespace {

TEST(ByteScan, FindByteMatchesALoop) {
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    std::string text(rng() % 300, 'a');
    for (char& c : text) c = ":a@\n"[rng() % 4];
    std::size_t from = text.empty() ? 0 : rng() % text.size();
    std::vector<std::uint32_t> got, want;
    FindByte(text.data() + from, text.size() - from, ':', got);
    for (std::size_t i = from; i < text.size(); ++i)
      if (text[i] == ':') want.push_back(static_cast<std::uint32_t>(i - from));
    ASSERT_EQ(got, want) << "round " << round;
  }
}

TEST(ByteScan, NumericTokensMatchThePlainLoop) {
  // The vector trigger search and the packed counters give the tokens of the plain C++ loop, on text
  // dense in digits, separators and letters of both cases, at every alignment and length.
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789012345678901234567890123456789 .-/()+aZ\n:_";
  for (int round = 0; round < 400; ++round) {
    std::string text(rng() % 1200, 'a');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    if (round % 4 == 0)  // long chains: cut into overlapping tokens, some longer than 255 bytes
      for (std::size_t i = 0; i + 1 < text.size(); i += 2) text[i] = static_cast<char>('0' + rng() % 10);
    NumericTokenRules rules;
    if (round % 3 == 0) {
      rules.max_group = 200;
      rules.overlap = 200;
      rules.max_length = 464;
    }
    const std::size_t from = text.empty() ? 0 : rng() % std::min<std::size_t>(text.size(), 64);
    std::vector<NumericToken> got, want;
    FindNumericTokens(text.data() + from, text.size() - from, rules, got);
    FindNumericTokensScalar(text.data() + from, text.size() - from, rules, want);
    ASSERT_EQ(got.size(), want.size()) << "round " << round;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const NumericToken &g = got[i], &w = want[i];
      ASSERT_EQ(std::tie(g.begin, g.end, g.digits, g.chain_digits, g.separators, g.upper, g.lower,
                         g.digit_runs, g.groups),
                std::tie(w.begin, w.end, w.digits, w.chain_digits, w.separators, w.upper, w.lower,
                         w.digit_runs, w.groups))
          << "round " << round << ", token " << i;
      std::size_t longest = 0, run = 0;  // digit_run: the longest run of digits in the span
      for (std::size_t k = g.begin; k < g.end; ++k) {
        run = text[from + k] >= '0' && text[from + k] <= '9' ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      ASSERT_EQ(g.digit_run, longest) << "round " << round << ", token " << i;
    }
  }
}

}  // namespace
}  // namespace leakguard::detect
