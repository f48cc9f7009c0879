// The request JSON reader: RFC 8259 grammar, UTF-8 and escapes, limits, and agreement with
// nlohmann::json on what is valid.
#include "server/json_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace leakguard::server {
namespace {

// The same document as nlohmann::json, to compare values.
nlohmann::json ToNlohmann(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      return nullptr;
    case JsonValue::Kind::kBool:
      return v.boolean;
    case JsonValue::Kind::kNumber:
      return nlohmann::json::parse(v.text);
    case JsonValue::Kind::kString:
      return v.text;
    case JsonValue::Kind::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const JsonValue& item : v.items) a.push_back(ToNlohmann(item));
      return a;
    }
    case JsonValue::Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (const JsonMember& m : v.members) o[m.name] = ToNlohmann(m.value);
      return o;
    }
  }
  return nullptr;
}

TEST(JsonReaderTest, ParsesEveryKindOfValue) {
  auto r = ParseJson(R"( {"s": "a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": -12.5e+3, "z": 0, "t": true,
                          "f": false, "x": null, "a": [1, [], {}, "x"], "o": {"k": []}} )");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const JsonValue& v = *r;
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.members.size(), 8u);
  EXPECT_EQ(v.members[0].name, "s");
  EXPECT_EQ(v.members[0].value.text, "a\"b\\c/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v.members[1].value.kind, JsonValue::Kind::kNumber);
  EXPECT_EQ(v.members[1].value.text, "-12.5e+3");
  EXPECT_TRUE(v.members[3].value.is_bool());
  EXPECT_TRUE(v.members[3].value.boolean);
  EXPECT_FALSE(v.members[4].value.boolean);
  EXPECT_EQ(v.members[5].value.kind, JsonValue::Kind::kNull);
  EXPECT_EQ(v.members[6].value.items.size(), 4u);
  // Member order is kept.
  EXPECT_EQ(v.members[7].name, "o");
}

TEST(JsonReaderTest, KeepsRawUtf8AndNulEscapes) {
  auto r = ParseJson("\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \\u0000 end\"");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->text, std::string("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 ") + '\0' + " end");
}

TEST(JsonReaderTest, LongStringsCrossTheFastPathCorrectly) {
  // Specials at every position relative to the 8-byte steps.
  for (std::size_t at = 0; at < 24; ++at) {
    for (const std::string special : {"\\n", "\\\"", "\xc3\xa9", "\\u0041"}) {
      std::string body = std::string(at, 'a') + special + std::string(17, 'b');
      auto r = ParseJson("\"" + body + "\"");
      ASSERT_TRUE(r.has_value()) << at << " " << special;
      EXPECT_EQ(ToNlohmann(*r), nlohmann::json::parse("\"" + body + "\"")) << at << " " << special;
    }
  }
}

TEST(JsonReaderTest, RejectsMalformedJson) {
  const std::vector<std::string> bad = {"",
                                        " ",
                                        "{",
                                        "}",
                                        "[",
                                        "[1,]",
                                        "[,1]",
                                        "{\"a\"}",
                                        "{\"a\":}",
                                        "{\"a\":1,}",
                                        "{a:1}",
                                        "{'a':1}",
                                        "\"abc",
                                        "\"a\\x\"",
                                        "\"\\u12\"",
                                        "\"\\u12G4\"",
                                        "\"\\ud800\"",
                                        "\"\\udc00\"",
                                        "\"\\ud800\\u0041\"",
                                        "\"\t\"",
                                        "\"\n\"",
                                        std::string("\"\0\"", 3),
                                        "01",
                                        "1.",
                                        ".5",
                                        "-",
                                        "1e",
                                        "1e+",
                                        "+1",
                                        "0x10",
                                        "NaN",
                                        "tru",
                                        "nulll",
                                        "True",
                                        "{} {}",
                                        "[1] x",
                                        "\"\xff\"",
                                        "\"\xc0\xaf\"",
                                        "\"\xe0\x80\xaf\"",
                                        "\"\xed\xa0\x80\"",
                                        "\"\xf4\x90\x80\x80\"",
                                        "\"\xc3\"",
                                        "\"\xe4\xb8\"",
                                        "\"\x80\"",
                                        "\xef\xbb{}",
                                        "[1 2]",
                                        "{\"a\" 1}",
                                        "{\"a\":1 \"b\":2}",
                                        "/*c*/{}",
                                        "{}\x0b"};
  for (const std::string& text : bad) {
    auto r = ParseJson(text);
    EXPECT_FALSE(r.has_value()) << "accepted: '" << text << "'";
    if (!r) {
      EXPECT_EQ(r.error().code(), StatusCode::kParseError) << text;
      EXPECT_NE(r.error().message().find(" at byte "), std::string::npos) << r.error().message();
    }
    // nlohmann agrees that these are not JSON.
    EXPECT_TRUE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
  }
}

TEST(JsonReaderTest, AgreesWithNlohmannOnValidDocuments) {
  const std::vector<std::string> good = {
      "0",
      "-0",
      "1.5",
      "-1.5e-10",
      "1E5",
      "true",
      "null",
      "\"\"",
      "[]",
      "{}",
      " [ 1 , \"a\" , [ ] ] ",
      "{\"text\":\"x\",\"types\":[\"A\",\"B\"],\"reveal\":false}",
      "\"\\u00e9\\u4e2d\\ud83d\\ude00\"",
      "\"\xf4\x8f\xbf\xbf\"",
      "\"\xee\x80\x80\"",
      "{\"\":1}",
      "\r\n\t{}\r\n\t",
      "\xef\xbb\xbf{\"a\":1}"};  // a leading byte order mark is skipped, as nlohmann does
  for (const std::string& text : good) {
    auto r = ParseJson(text);
    ASSERT_TRUE(r.has_value()) << text << ": " << r.error().ToString();
    EXPECT_EQ(ToNlohmann(*r), nlohmann::json::parse(text)) << text;
  }
}

TEST(JsonReaderTest, LimitsDepthAndValueCount) {
  std::string deep = std::string(33, '[') + std::string(33, ']');
  auto r = ParseJson(deep);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kLimitExceeded);
  EXPECT_TRUE(ParseJson(std::string(32, '[') + std::string(32, ']')).has_value());
  EXPECT_FALSE(ParseJson(std::string(1000000, '[')).has_value());  // no stack overflow

  std::string many = "[";
  for (int i = 0; i < 200000; ++i) many += "0,";
  many += "0]";
  auto m = ParseJson(many);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), StatusCode::kLimitExceeded);
}

TEST(JsonReaderTest, RefusesNumbersOutsideDoubleRange) {
  for (const char* text : {"5e555", "-1e309", "1e-400", "[0.0000001e-999]", "88888e9888889"}) {
    auto r = ParseJson(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), StatusCode::kLimitExceeded) << text;
  }
  EXPECT_TRUE(ParseJson("1.7976931348623157e308").has_value());
  EXPECT_TRUE(ParseJson("123456789012345678901234567890").has_value());
}

TEST(JsonReaderTest, RejectsRepeatedMemberNames) {
  auto r = ParseJson(R"({"text": "harmless", "name": "x", "text": "secret"})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("'text'"), std::string::npos);
  EXPECT_EQ(r.error().message().find("secret"), std::string::npos);
  EXPECT_FALSE(ParseJson(R"({"o": {"a": 1, "a": 2}})").has_value());
  EXPECT_TRUE(ParseJson(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})").has_value());
}

TEST(JsonReaderTest, ErrorsDoNotQuoteTheInput) {
  auto r = ParseJson(R"({"text": "card 4111 1111 1111 1111" oops})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message().find("4111"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("oops"), std::string::npos) << r.error().message();
}

TEST(JsonReaderTest, IsFastOnLargeStrings) {
  const std::string body = "{\"text\": \"" + std::string(20 << 20, 'a') + "\"}";
  const auto start = std::chrono::steady_clock::now();
  auto r = ParseJson(body);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->members[0].value.text.size(), 20u << 20);
  // ~10 ms in a release build; generous for sanitizer builds on a busy machine.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

}  // namespace
}  // namespace leakguard::server
