// The engine's own behaviour: catalog loading and its errors, context and exclusions, merging of
// overlapping findings, masking, and the promise that block and stream scans agree.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "detect/byte_scan.h"
#include "detect/mask.h"
#include "detect/scan_state.h"
#include "leakguard/engine.h"

namespace leakguard {
namespace {

// A small custom catalog, independent of the built-in one, so these tests pin engine behaviour only.
constexpr const char* kCatalog = R"yaml(
infotypes:
  - id: TEST_CARD
    name: Test card
    category: financial
    specificity: 80
    patterns:
      - id: main
        regex: '(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])'
        trigger: digits
        validator: luhn
        confidence: medium
    context:
      words: [card, visa, "kartu kredit"]
    exclusions:
      test_values: ["4242424242424242"]
    mask: {keep_first: 4, keep_last: 4}
  - id: TEST_PHONE
    category: personal
    specificity: 20
    patterns:
      - id: digits
        regex: '(?<!\d)\d{10,16}(?!\d)'
        trigger: digits
        confidence: low
  - id: TEST_KEY
    category: credential
    patterns:
      - id: akia
        regex: '\b(?:AKIA|ASIA)[0-9A-Z]{16}\b'
        confidence: high
    exclusions: {values: [AKIAIOSFODNN7EXAMPLE]}
    mask: {keep_first: 4, keep_last: 0}
  - id: TEST_SECRET
    category: credential
    patterns:
      - id: kv
        assignment: {keywords: [password, secret], value: '[^\s''"]{8,64}'}
        min_entropy: 3.0
    stopwords: [changeme]
    exclusions: {words: [example]}
  - id: TEST_DOB
    category: personal
    patterns:
      - id: iso
        regex: '\b(?:19|20)\d\d-\d\d-\d\d\b'
        trigger: context
    context: {words: [dob, "date of birth"], window_before: 16, window_after: 8}
  - id: TEST_CITY
    category: personal
    patterns:
      - id: dict
        keywords: [Jakarta, Surabaya]
)yaml";

std::shared_ptr<const Engine> TestEngine() {
  auto engine = Engine::Compile({false, {{"test.yaml", kCatalog}}});
  EXPECT_TRUE(engine.has_value()) << engine.error().ToString();
  return engine ? *engine : nullptr;
}

std::vector<Finding> Scan(const std::shared_ptr<const Engine>& engine, std::string_view text,
                          Confidence min = Confidence::kLow) {
  Scanner scanner(engine);
  ScanOptions options;
  options.min_confidence = min;
  options.reveal = true;
  auto result = scanner.ScanBlock(text, options);
  EXPECT_TRUE(result.has_value());
  return result ? *result : std::vector<Finding>{};
}

TEST(EngineTest, FindsValidatedValueWithContextAndEvidence) {
  auto engine = TestEngine();
  auto f = Scan(engine, "my card is 4111 1111 1111 1111.");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].info_type, "TEST_CARD");
  EXPECT_EQ(f[0].value, "4111 1111 1111 1111");
  EXPECT_EQ(f[0].start, 11u);
  EXPECT_EQ(f[0].end, 30u);
  EXPECT_EQ(f[0].confidence, Confidence::kHigh);
  EXPECT_EQ(f[0].masked, "4111 **** **** 1111");
  EXPECT_EQ(f[0].rule, "TEST_CARD/main");
  EXPECT_EQ(f[0].evidence.validator, "luhn");
  EXPECT_TRUE(f[0].evidence.checksum_passed);
  EXPECT_EQ(f[0].evidence.context_word, "card");
  EXPECT_EQ(f[0].evidence.context_distance, 4);
}

TEST(EngineTest, ValidatorFailureDropsAndNoContextKeepsBaseConfidence) {
  auto engine = TestEngine();
  // Bad Luhn: not a card; the 16-digit run is still a (low) TEST_PHONE.
  auto bad = Scan(engine, "order 4111111111111112 shipped");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].info_type, "TEST_PHONE");
  auto plain = Scan(engine, "order 4111111111111111 shipped", Confidence::kMedium);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].info_type, "TEST_CARD");
  EXPECT_EQ(plain[0].confidence, Confidence::kMedium);
  EXPECT_TRUE(plain[0].evidence.context_word.empty());
  EXPECT_EQ(plain[0].evidence.context_distance, -1);
}

TEST(EngineTest, OverlapsMergeToMostSpecificType) {
  auto engine = TestEngine();
  auto f = Scan(engine, "4111111111111111");  // both TEST_CARD and TEST_PHONE match
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].info_type, "TEST_CARD");
}

TEST(EngineTest, TypeFilterAppliesAfterMerging) {
  auto engine = TestEngine();
  Scanner scanner(engine);
  ScanOptions options;
  options.min_confidence = Confidence::kLow;
  options.types = {"TEST_PHONE"};
  auto f = scanner.ScanBlock("card 4111111111111111", options);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->empty()) << "a card number must not be reported as a phone number";
}

TEST(EngineTest, ExclusionsStopwordsAndTestValues) {
  auto engine = TestEngine();
  EXPECT_TRUE(Scan(engine, "key AKIAIOSFODNN7EXAMPLE").empty());
  auto key = Scan(engine, "key AKIAZ7QWERTYUIOP1234");
  ASSERT_EQ(key.size(), 1u);
  EXPECT_EQ(key[0].masked, "AKIA****************");
  EXPECT_TRUE(Scan(engine, "password = changeme123456").empty());
  EXPECT_TRUE(Scan(engine, "example: password = Xk9#mQ2$vL7p").empty());
  auto secret = Scan(engine, "password = \"Xk9#mQ2$vL7p\";");
  ASSERT_EQ(secret.size(), 1u);
  EXPECT_EQ(secret[0].value, "Xk9#mQ2$vL7p");
  EXPECT_GT(secret[0].evidence.entropy, 3.0);
  // Low-entropy values are not secrets.
  EXPECT_TRUE(Scan(engine, "password = aaaaaaaaaaaa").empty());
  // Test values are reported with a note unless excluded.
  auto test_card = Scan(engine, "card 4242 4242 4242 4242");
  ASSERT_EQ(test_card.size(), 1u);
  EXPECT_EQ(test_card[0].evidence.note, "well-known test value");
  auto excluded = Engine::Compile(
      {false,
       {{"test.yaml", kCatalog},
        {"override.yaml", "overrides:\n  - id: TEST_CARD\n    exclusions: {exclude_test_values: true}\n"}}});
  ASSERT_TRUE(excluded.has_value()) << excluded.error().ToString();
  EXPECT_TRUE(Scan(*excluded, "card 4242 4242 4242 4242").empty());
}

TEST(EngineTest, ContextTriggeredTypesNeedTheirWord) {
  auto engine = TestEngine();
  auto f = Scan(engine, "DOB: 1990-01-02");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].info_type, "TEST_DOB");
  EXPECT_EQ(f[0].evidence.context_word, "dob");
  EXPECT_TRUE(Scan(engine, "released 1990-01-02").empty());
  EXPECT_TRUE(Scan(engine, "DOB: see below ..................... 1990-01-02").empty())
      << "outside the window";
}

TEST(EngineTest, ContextWordsStartAtWordBoundaries) {
  auto engine = TestEngine();
  auto camel = Scan(engine, "creditCard=4111111111111111");
  ASSERT_EQ(camel.size(), 1u);
  EXPECT_EQ(camel[0].evidence.context_word, "card");
  auto inside = Scan(engine, "discard 4111111111111111");
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_TRUE(inside[0].evidence.context_word.empty());
  auto plural = Scan(engine, "CARDS: 4111111111111111");
  ASSERT_EQ(plural.size(), 1u);
  EXPECT_EQ(plural[0].evidence.context_word, "card");
  auto longer = Scan(engine, "cardigan 4111111111111111 CARDIGAN");
  ASSERT_EQ(longer.size(), 1u);
  EXPECT_TRUE(longer[0].evidence.context_word.empty());
  auto snake = Scan(engine, "card_no=4111111111111111");
  ASSERT_EQ(snake.size(), 1u);
  EXPECT_EQ(snake[0].evidence.context_word, "card");
}

TEST(EngineTest, KeywordsAreWholeWords) {
  auto engine = TestEngine();
  auto f = Scan(engine, "from JAKARTA to Surabaya, not Jakartan");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].value, "JAKARTA");
  EXPECT_EQ(f[1].value, "Surabaya");
}

TEST(EngineTest, LineAndColumn) {
  auto engine = TestEngine();
  auto f = Scan(engine, "a\nbb\n  card 4111111111111111\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].line, 3u);
  EXPECT_EQ(f[0].column, 8u);
}

TEST(EngineTest, CompileErrorsNameFileLineAndType) {
  auto bad_validator = Engine::Compile({false,
                                        {{"my.yaml",
                                          "infotypes:\n  - id: EMPLOYEE_ID\n    patterns:\n      - id: "
                                          "main\n        regex: 'E\\d{6}'\n        validator: luhnn\n"}}});
  ASSERT_FALSE(bad_validator.has_value());
  EXPECT_EQ(bad_validator.error().message(),
            "my.yaml:4: info type EMPLOYEE_ID, pattern 'main': unknown validator 'luhnn'");

  auto bad_regex = Engine::Compile(
      {false,
       {{"my.yaml",
         "infotypes:\n  - id: EMPLOYEE_ID\n    patterns:\n      - id: main\n        regex: 'E(\\d{6}'\n"}}});
  ASSERT_FALSE(bad_regex.has_value());
  EXPECT_NE(
      bad_regex.error().message().find("my.yaml:4: info type EMPLOYEE_ID, pattern 'main': invalid regex"),
      std::string::npos)
      << bad_regex.error().message();

  auto bad_key = Engine::Compile({false, {{"my.yaml", "infotypes:\n  - id: X\n    paterns: []\n"}}});
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_NE(bad_key.error().message().find("my.yaml:2: info type X: unknown key 'paterns'"),
            std::string::npos)
      << bad_key.error().message();

  auto bad_yaml = Engine::Compile({false, {{"my.yaml", "infotypes:\n  - id: [unclosed\n"}}});
  ASSERT_FALSE(bad_yaml.has_value());
  EXPECT_EQ(bad_yaml.error().code(), StatusCode::kParseError);
  EXPECT_EQ(bad_yaml.error().message().rfind("my.yaml:", 0), 0u) << bad_yaml.error().message();

  auto empty_match = Engine::Compile(
      {false, {{"my.yaml", "infotypes:\n  - id: X\n    patterns:\n      - {id: a, regex: 'x*'}\n"}}});
  ASSERT_FALSE(empty_match.has_value());
  EXPECT_NE(empty_match.error().message().find("empty string"), std::string::npos);

  // Digits patterns are not checked by Vectorscan: PCRE2 says they can match nothing.
  auto empty_digits = Engine::Compile(
      {false,
       {{"my.yaml",
         "infotypes:\n  - id: X\n    patterns:\n      - {id: a, regex: '\\d*', trigger: digits}\n"}}});
  ASSERT_FALSE(empty_digits.has_value());
  EXPECT_NE(empty_digits.error().message().find("empty string"), std::string::npos);

  auto lead_alone = Engine::Compile(
      {false,
       {{"my.yaml",
         "infotypes:\n  - id: X\n    patterns:\n      - {id: a, regex: 'x@y', prefilter_lead: 4}\n"}}});
  ASSERT_FALSE(lead_alone.has_value());
  EXPECT_NE(lead_alone.error().message().find("prefilter_lead needs a prefilter"), std::string::npos)
      << lead_alone.error().message();

  for (const char* trigger : {"digits", "context"}) {
    auto ignored =
        Engine::Compile({false,
                         {{"my.yaml", std::string("infotypes:\n  - id: X\n    context: {words: [id]}\n"
                                                  "    patterns:\n      - {id: a, regex: '\\d{9}', "
                                                  "prefilter: '\\d', trigger: ") +
                                          trigger + "}\n"}}});
    ASSERT_FALSE(ignored.has_value()) << trigger;
    EXPECT_NE(ignored.error().message().find("only literal-trigger patterns take a prefilter"),
              std::string::npos)
        << ignored.error().message();
  }

  auto dup = Engine::Compile({false, {{"a.yaml", kCatalog}, {"b.yaml", kCatalog}}});
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().message().find("defined twice"), std::string::npos);

  auto unknown_override =
      Engine::Compile({false, {{"a.yaml", "overrides:\n  - id: NOPE\n    disabled: true\n"}}});
  ASSERT_FALSE(unknown_override.has_value());
  EXPECT_NE(unknown_override.error().message().find("unknown info type"), std::string::npos);
}

TEST(EngineTest, DisabledTypesAreNotReported) {
  auto engine = Engine::Compile(
      {false, {{"test.yaml", kCatalog}, {"o.yaml", "overrides:\n  - id: TEST_KEY\n    disabled: true\n"}}});
  ASSERT_TRUE(engine.has_value());
  EXPECT_TRUE(Scan(*engine, "AKIAZ7QWERTYUIOP1234").empty());
  EXPECT_EQ((*engine)->FindType("TEST_KEY"), nullptr);
}

TEST(EngineTest, TypesDescribeThemselves) {
  auto engine = TestEngine();
  const InfoTypeInfo* card = engine->FindType("TEST_CARD");
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->category, "financial");
  EXPECT_EQ(card->validators, std::vector<std::string>{"luhn"});
  EXPECT_EQ(card->source, "test.yaml:3");
  EXPECT_NE(card->confidence_rules.find("luhn"), std::string::npos);
}

TEST(MaskTest, KeepsShapeAndNeverTheWholeValue) {
  EXPECT_EQ(detect::MaskValue("4111 1111 1111 1111", 0, 4), "**** **** **** 1111");
  EXPECT_EQ(detect::MaskValue("123-45-6789", 0, 4), "***-**-6789");
  EXPECT_EQ(detect::MaskValue("abc", 2, 2), "***");
  EXPECT_EQ(detect::MaskValue("abcdefgh", 4, 4), "ab****gh");  // at most half readable
  std::string key =
      "-----BEGIN RSA PRIVATE KEY-----\n" + std::string(1600, 'A') + "\n-----END RSA PRIVATE KEY-----";
  std::string masked = detect::MaskValue(key, 18, 0);
  EXPECT_LT(masked.size(), 120u);
  EXPECT_EQ(masked.rfind("-----BEGIN RSA PRIVATE KEY----- ****", 0), 0u) << masked;
}

TEST(ByteScanTest, NumericTokensAndNewlines) {
  detect::NumericTokenRules rules;
  rules.max_group = 24;
  rules.overlap = 24;
  rules.max_length = 64;
  auto tokens = [&](const std::string& text) {
    std::vector<detect::NumericToken> out;
    detect::FindNumericTokens(text.data(), text.size(), rules, out);
    std::vector<std::string> spans;
    for (const auto& t : out)
      spans.push_back(text.substr(t.begin, t.end - t.begin) + "#" + std::to_string(t.digits) + "/" +
                      std::to_string(t.chain_digits));
    return spans;
  };
  // No trigger ("12", "1 2"), a trigger each: "1.5", "999".
  EXPECT_EQ(tokens("word 12 words 1 2 words 1.5 words 999"),
            (std::vector<std::string>{"1.5#2/2", "999#3/3"}));
  EXPECT_EQ(tokens("x 12 x 1.5"), (std::vector<std::string>{"x 12 x 1.5#4/2"}));
  // Groups joined by one or two separators; a letters-only group of 5+ letters ends the chain, one of
  // up to 4 letters does not (but breaks the digit run).
  EXPECT_EQ(tokens("call (021) 555-0100 today"), (std::vector<std::string>{"call (021) 555-0100#10/10"}));
  EXPECT_EQ(tokens("tel: (021) 555-0100"), (std::vector<std::string>{"(021) 555-0100#10/10"}));
  EXPECT_EQ(tokens("iban GB82 WEST 1234 5698 7654 32, ok"),
            (std::vector<std::string>{"iban GB82 WEST 1234 5698 7654 32#16/14"}));
  EXPECT_EQ(tokens("numbers 123, 456"), (std::vector<std::string>{"123#3/3", "456#3/3"}));
  EXPECT_EQ(tokens("a   123   b"), (std::vector<std::string>{"123#3/3"}));  // three spaces: no join
  // An alphanumeric run longer than max_group is clipped around the trigger, or next to the chain.
  EXPECT_EQ(tokens(std::string(30, 'a') + "123" + std::string(30, 'b')),
            (std::vector<std::string>{std::string(24, 'a') + "123" + std::string(21, 'b') + "#3/3"}));
  EXPECT_EQ(tokens("4111 1111" + std::string(30, 'x')),
            (std::vector<std::string>{"4111 1111" + std::string(20, 'x') + "#8/8"}));
  EXPECT_EQ(tokens("4111 1111 " + std::string(30, 'x')), (std::vector<std::string>{"4111 1111#8/8"}));
  // Long chains are cut into tokens of max_length that overlap by `overlap`.
  std::string chain;
  for (int i = 0; i < 20; ++i) chain += "1234 ";
  auto cut = tokens(chain);
  ASSERT_EQ(cut.size(), 2u);
  std::vector<detect::NumericToken> raw;
  detect::FindNumericTokens(chain.data(), chain.size(), rules, raw);
  for (std::size_t i = 1; i < raw.size(); ++i) EXPECT_GE(raw[i - 1].end, raw[i].begin + rules.overlap);
  EXPECT_EQ(raw.back().end, chain.size() - 1);

  // Whole groups by length, digits-only groups by digit count.
  std::vector<detect::NumericToken> grouped;
  std::string ids = "the id AB12345678C x-1234 here";
  detect::FindNumericTokens(ids.data(), ids.size(), rules, grouped);
  ASSERT_EQ(grouped.size(), 1u);
  EXPECT_EQ(ids.substr(grouped[0].begin, grouped[0].end - grouped[0].begin),
            "the id AB12345678C x-1234 here");
  EXPECT_EQ(grouped[0].groups, (std::uint64_t{1} << 11) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4));
  EXPECT_EQ(grouped[0].digit_runs, std::uint64_t{1} << 4);

  EXPECT_EQ(detect::CountNewlines("a\nb\n\n", 5), 3u);
  std::string many(100000, '\n');
  EXPECT_EQ(detect::CountNewlines(many.data(), many.size()), 100000u);
  many[77777] = 'x';
  EXPECT_EQ(detect::CountNewlines(many.data() + 1, many.size() - 1), 99998u);
}

// Input with values everywhere, including across the engine's segment borders.
std::string StreamInput() {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"card 4111 1111 1111 1111 ",
                                           "4111111111111111",
                                           "password = Xk9#mQ2$vL7p\n",
                                           "AKIAZ7QWERTYUIOP1234 ",
                                           "DOB: 1990-01-02\n",
                                           "Jakarta ",
                                           "1234567890123 ",
                                           "the quick brown fox\n",
                                           "v1.2.3 ",
                                           "x=12; ",
                                           std::string(300, 'z') + "\n"};
  std::string out;
  while (out.size() < 2 * detect::kSegmentSize + 5000) out += pieces[rng() % pieces.size()];
  // A card exactly across the first segment border, and a keyword across the second.
  out.replace(detect::kSegmentSize - 8, 16, "4111111111111111");
  out[detect::kSegmentSize - 9] = ' ';
  out[detect::kSegmentSize + 8] = ' ';
  out.replace(2 * detect::kSegmentSize - 3, 7, "Jakarta");
  out[2 * detect::kSegmentSize - 4] = ' ';
  out[2 * detect::kSegmentSize + 4] = ' ';
  return out;
}

TEST(EngineTest, StreamInAnyChunkSizeEqualsBlock) {
  auto engine = TestEngine();
  const std::string input = StreamInput();
  Scanner scanner(engine);
  ScanOptions options;
  options.min_confidence = Confidence::kLow;
  options.reveal = true;
  auto block = scanner.ScanBlock(input, options);
  ASSERT_TRUE(block.has_value());
  ASSERT_GT(block->size(), 1000u);
  bool border_card = false, border_city = false;
  for (const auto& f : *block) {
    border_card |= f.start == detect::kSegmentSize - 8 && f.info_type == "TEST_CARD";
    border_city |= f.start == 2 * detect::kSegmentSize - 3 && f.info_type == "TEST_CITY";
  }
  EXPECT_TRUE(border_card);
  EXPECT_TRUE(border_city);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, input.size()}) {
    std::vector<Finding> streamed;
    ASSERT_TRUE(scanner.Open(options, [&](Finding&& f) { streamed.push_back(std::move(f)); }).ok());
    for (std::size_t i = 0; i < input.size(); i += chunk)
      ASSERT_TRUE(scanner.Write(std::string_view(input).substr(i, chunk)).ok());
    ASSERT_TRUE(scanner.Close().ok());
    ASSERT_EQ(streamed.size(), block->size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < streamed.size(); ++i) {
      const Finding& a = streamed[i];
      const Finding& b = (*block)[i];
      ASSERT_TRUE(a.info_type == b.info_type && a.start == b.start && a.end == b.end && a.line == b.line &&
                  a.column == b.column && a.confidence == b.confidence && a.masked == b.masked &&
                  a.rule == b.rule && a.value == b.value &&
                  a.evidence.context_word == b.evidence.context_word)
          << "chunk " << chunk << ", finding " << i << " at " << b.start;
    }
    EXPECT_EQ(scanner.bytes_scanned(), input.size());
  }
}

TEST(EngineTest, MisuseIsAnError) {
  auto engine = TestEngine();
  Scanner scanner(engine);
  EXPECT_FALSE(scanner.Write("x").ok());
  EXPECT_FALSE(scanner.Close().ok());
  ASSERT_TRUE(scanner.Open({}, nullptr).ok());
  EXPECT_FALSE(scanner.Open({}, nullptr).ok());
  EXPECT_FALSE(scanner.ScanBlock("x").has_value());
  EXPECT_TRUE(scanner.Close().ok());
  EXPECT_TRUE(scanner.ScanBlock("").has_value());
}

}  // namespace
}  // namespace leakguard
