// Unit tests of the pure request handling (server/http_api.h): routing, every status code, the JSON
// shape of /v1/inspect, masking, filters, reveal, base64 and the access log format. No sockets.
#include "server/http_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/access_log.h"
#include "unit/server/test_engine.h"

namespace leakguard::server {
namespace {

using test_support::CompileTestEngine;
using test_support::kOneType;
using test_support::kTestTypes;

using nlohmann::json;

constexpr std::string_view kCard = "4111 1111 1111 1111";
constexpr std::string_view kCardDigits = "4111111111111111";
constexpr std::string_view kAwsKey = "AKIAZ7VQ3M2L4KTR8XWP";

HttpRequest Post(std::string_view body, std::string content_type = "application/json",
                 std::string target = "/v1/inspect") {
  HttpRequest r;
  r.method = "POST";
  r.target = std::move(target);
  if (!content_type.empty()) r.headers.push_back({"Content-Type", std::move(content_type)});
  r.body = body;
  return r;
}

HttpRequest Get(std::string target, std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string Header(const HttpResponse& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = CompileTestEngine();
    ASSERT_NE(engine_, nullptr);
    api_ = std::make_unique<HttpApi>(ApiOptions{}, engine_);
  }

  // POSTs `request` (a JSON value) to /v1/inspect.
  HttpResponse Inspect(const json& request, HttpApi* api = nullptr) {
    body_ = request.dump();
    return (api ? api : api_.get())->Handle(Post(body_));
  }

  // Checks the error shape and returns the error code.
  static std::string ErrorCode(const HttpResponse& r) {
    EXPECT_EQ(r.content_type, "application/json");
    json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.body;
    if (!j.is_object() || !j.contains("error")) return "<no error object>";
    EXPECT_TRUE(j["error"]["code"].is_string());
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
    return j["error"]["code"].get<std::string>();
  }

  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<HttpApi> api_;
  std::string body_;
};

// --- /v1/inspect: success -------------------------------------------------------------------------

TEST_F(HttpApiTest, InspectTextReturnsMaskedFindingsInTheDocumentedShape) {
  const std::string text = "Please charge card " + std::string(kCard) + " today.";
  HttpResponse r = Inspect({{"text", text}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");

  json j = json::parse(r.body);
  ASSERT_TRUE(j["findings"].is_array());
  ASSERT_EQ(j["findings"].size(), 1u) << r.body;
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["bytes"], text.size());
  EXPECT_TRUE(j["elapsed_ms"].is_number());
  EXPECT_GE(j["elapsed_ms"].get<double>(), 0.0);
  EXPECT_EQ(j["summary"], json({{"TEST_CARD", 1}}));
  EXPECT_FALSE(j.contains("name"));

  const json& f = j["findings"][0];
  EXPECT_EQ(f["type"], "TEST_CARD");
  EXPECT_EQ(f["start"], text.find(kCard));
  EXPECT_EQ(f["end"], text.find(kCard) + kCard.size());
  EXPECT_EQ(f["line"], 1);
  EXPECT_EQ(f["column"], text.find(kCard) + 1);
  EXPECT_EQ(f["confidence"], "high");  // "card" is a context word
  EXPECT_EQ(f["rule"], "TEST_CARD/grouped");
  EXPECT_TRUE(f["part"].is_string());
  EXPECT_FALSE(f.contains("value"));
  const std::string masked = f["masked"].get<std::string>();
  EXPECT_NE(masked, kCard);
  EXPECT_NE(masked.find('*'), std::string::npos) << masked;
  const json& ev = f["evidence"];
  for (const char* key : {"validator", "context_word", "note"}) EXPECT_TRUE(ev[key].is_string()) << key;
  EXPECT_EQ(ev["validator"], "luhn");
  EXPECT_EQ(ev["checksum_passed"], true);
  EXPECT_EQ(ev["context_word"], "card");
  EXPECT_TRUE(ev["context_distance"].is_number_integer());
  EXPECT_GE(ev["context_distance"].get<int>(), 0);
  EXPECT_TRUE(ev["entropy"].is_number());

  // The full value appears nowhere in the response, in any spelling.
  EXPECT_EQ(r.body.find(kCard), std::string::npos);
  EXPECT_EQ(r.body.find(kCardDigits), std::string::npos);
}

TEST_F(HttpApiTest, InspectWithoutFindingsReturnsEmptyList) {
  HttpResponse r = Inspect({{"text", "nothing to see here"}});
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["findings"], json::array());
  EXPECT_EQ(j["count"], 0);
  EXPECT_EQ(j["summary"], json::object());
  EXPECT_EQ(j["bytes"], 19);
}

TEST_F(HttpApiTest, InspectEmptyTextIsFine) {
  HttpResponse r = Inspect({{"text", ""}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["count"], 0);
}

TEST_F(HttpApiTest, InspectDataDecodesBase64) {
  // "card 4111 1111 1111 1111\nkey AKIAZ7VQ3M2L4KTR8XWP\n"
  const std::string b64 = "Y2FyZCA0MTExIDExMTEgMTExMSAxMTExCmtleSBBS0lBWjdWUTNNMkw0S1RSOFhXUAo=";
  HttpResponse r = Inspect({{"data", b64}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["bytes"], 50);
  EXPECT_EQ(j["summary"], json({{"TEST_AWS_KEY", 1}, {"TEST_CARD", 1}}));
  EXPECT_EQ(j["findings"][1]["type"], "TEST_AWS_KEY");
  EXPECT_EQ(j["findings"][1]["line"], 2);
  EXPECT_EQ(j["findings"][1]["column"], 5);
  EXPECT_EQ(r.body.find(kAwsKey), std::string::npos);
}

TEST_F(HttpApiTest, InspectBinaryDataStillAnswersValidJson) {
  std::string raw = "\xff\xfe\x80 card 4111 1111 1111 1111 \xc3\x28\x00\x01";
  raw.push_back('\0');
  // Base64 of the bytes above, computed by hand through the decoder round trip below.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(raw[i]) << 16;
    if (i + 1 < raw.size()) v |= static_cast<unsigned char>(raw[i + 1]) << 8;
    if (i + 2 < raw.size()) v |= static_cast<unsigned char>(raw[i + 2]);
    b64 += kAlphabet[(v >> 18) & 63];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += i + 1 < raw.size() ? kAlphabet[(v >> 6) & 63] : '=';
    b64 += i + 2 < raw.size() ? kAlphabet[v & 63] : '=';
  }
  ASSERT_EQ(DecodeBase64(b64).value(), raw);
  HttpResponse r = Inspect({{"data", b64}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["bytes"], raw.size());
}

TEST_F(HttpApiTest, InspectEchoesName) {
  HttpResponse r = Inspect({{"text", "x"}, {"name", "upload.txt"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["name"], "upload.txt");
}

TEST_F(HttpApiTest, InspectReportsLineAndColumn) {
  HttpResponse r = Inspect({{"text", "first line\nsecond\n   card " + std::string(kCard)}});
  ASSERT_EQ(r.status, 200);
  json f = json::parse(r.body)["findings"][0];
  EXPECT_EQ(f["line"], 3);
  EXPECT_EQ(f["column"], 9);
}

TEST_F(HttpApiTest, TypesFilterLimitsTheReportedTypes) {
  const std::string text = "card " + std::string(kCard) + " key " + std::string(kAwsKey);
  json all = json::parse(Inspect({{"text", text}}).body);
  EXPECT_EQ(all["count"], 2);

  HttpResponse r = Inspect({{"text", text}, {"types", {"TEST_AWS_KEY"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["type"], "TEST_AWS_KEY");
  EXPECT_EQ(j["summary"], json({{"TEST_AWS_KEY", 1}}));

  // An empty list means every type.
  EXPECT_EQ(json::parse(Inspect({{"text", text}, {"types", json::array()}}).body)["count"], 2);
}

TEST_F(HttpApiTest, MinConfidenceControlsWeakFindings) {
  const json text = "marker WEAK-1234 here";
  EXPECT_EQ(json::parse(Inspect({{"text", text}}).body)["count"], 0);  // default is medium
  HttpResponse low = Inspect({{"text", text}, {"min_confidence", "low"}});
  ASSERT_EQ(low.status, 200);
  json j = json::parse(low.body);
  ASSERT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["confidence"], "low");
  EXPECT_EQ(json::parse(Inspect({{"text", text}, {"min_confidence", "HIGH"}}).body)["count"], 0);

  // A medium card without context word is dropped at high.
  const std::string bare = "number " + std::string(kCard);
  EXPECT_EQ(json::parse(Inspect({{"text", bare}, {"min_confidence", "medium"}}).body)["count"], 1);
  EXPECT_EQ(json::parse(Inspect({{"text", bare}, {"min_confidence", "high"}}).body)["count"], 0);
}

// --- reveal --------------------------------------------------------------------------------------

TEST_F(HttpApiTest, RevealIsForbiddenUnlessAllowed) {
  HttpResponse r = Inspect({{"text", "card " + std::string(kCard)}, {"reveal", true}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "reveal_forbidden");
  EXPECT_EQ(r.body.find(kCard), std::string::npos);

  // reveal: false is always accepted.
  EXPECT_EQ(Inspect({{"text", "x"}, {"reveal", false}}).status, 200);
}

TEST_F(HttpApiTest, RevealReturnsFullValuesWhenAllowed) {
  HttpApi api(ApiOptions{.max_body_bytes = 1 << 20, .allow_reveal = true}, engine_);
  const std::string text = "card " + std::string(kCard);
  HttpResponse r = Inspect({{"text", text}, {"reveal", true}}, &api);
  ASSERT_EQ(r.status, 200) << r.body;
  json f = json::parse(r.body)["findings"][0];
  EXPECT_EQ(f["value"], kCard);
  EXPECT_NE(f["masked"], kCard);

  // Without asking, even an allowing server does not reveal.
  HttpResponse plain = Inspect({{"text", text}}, &api);
  ASSERT_EQ(plain.status, 200);
  EXPECT_FALSE(json::parse(plain.body)["findings"][0].contains("value"));
  EXPECT_EQ(plain.body.find(kCard), std::string::npos);
}

// --- /v1/inspect: client errors ------------------------------------------------------------------

TEST_F(HttpApiTest, InvalidJsonIs400WithoutEchoingTheBody) {
  const std::string body = "{\"text\": \"card 4111 1111 1111 1111\" oops";
  HttpResponse r = api_->Handle(Post(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_json");
  EXPECT_EQ(r.body.find("4111"), std::string::npos) << r.body;

  for (std::string_view bad : {"", "{", "nul", "{\"text\": \"a\",}", "\"\xff\""}) {
    HttpResponse e = api_->Handle(Post(bad));
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(ErrorCode(e), "invalid_json") << bad;
  }
}

TEST_F(HttpApiTest, DeeplyNestedJsonIsRefused) {
  std::string body =
      "{\"text\": \"x\", \"types\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  HttpResponse r = api_->Handle(Post(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_json");
  // Brackets inside strings do not count.
  EXPECT_EQ(Inspect({{"text", std::string(1000, '[')}}).status, 200);
}

TEST_F(HttpApiTest, BodyMustBeAnObject) {
  for (std::string_view body : {"[]", "\"text\"", "42", "null"}) {
    HttpResponse r = api_->Handle(Post(body));
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(ErrorCode(r), "invalid_request") << body;
  }
}

TEST_F(HttpApiTest, ExactlyOneOfTextAndData) {
  HttpResponse neither = Inspect({{"name", "x"}});
  EXPECT_EQ(neither.status, 400);
  EXPECT_EQ(ErrorCode(neither), "invalid_request");
  HttpResponse both = Inspect({{"text", "a"}, {"data", "YQ=="}});
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(ErrorCode(both), "invalid_request");
}

TEST_F(HttpApiTest, BadBase64Is400) {
  for (const char* bad : {"!!!!", "Y", "YQ==YQ==", "YQ===", "Y===", "YWJj\x01"}) {
    HttpResponse r = Inspect({{"data", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(ErrorCode(r), "invalid_base64") << bad;
  }
}

TEST_F(HttpApiTest, UnknownTypeIs400) {
  HttpResponse r = Inspect({{"text", "x"}, {"types", {"TEST_CARD", "NO_SUCH_TYPE"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "unknown_type");
  EXPECT_NE(r.body.find("NO_SUCH_TYPE"), std::string::npos);
}

TEST_F(HttpApiTest, WrongFieldTypesAre400) {
  const std::vector<json> bad = {
      {{"text", 42}},
      {{"data", json::array()}},
      {{"text", "x"}, {"types", "TEST_CARD"}},
      {{"text", "x"}, {"types", {1, 2}}},
      {{"text", "x"}, {"min_confidence", "very"}},
      {{"text", "x"}, {"min_confidence", 3}},
      {{"text", "x"}, {"reveal", "yes"}},
      {{"text", "x"}, {"name", 7}},
  };
  for (const json& request : bad) {
    HttpResponse r = Inspect(request);
    EXPECT_EQ(r.status, 400) << request.dump();
    EXPECT_EQ(ErrorCode(r), "invalid_request") << request.dump();
  }
}

TEST_F(HttpApiTest, UnknownFieldIs400) {
  HttpResponse r = Inspect({{"text", "x"}, {"min_confidnce", "low"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "unknown_field");
  EXPECT_NE(r.body.find("min_confidnce"), std::string::npos);
}

TEST_F(HttpApiTest, RepeatedFieldIs400) {
  // Two parsers could read this differently (first or last "text"): refused.
  const std::string body = R"({"text": "harmless", "text": "card 4111 1111 1111 1111"})";
  HttpResponse r = api_->Handle(Post(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_request");
  EXPECT_EQ(r.body.find("4111"), std::string::npos);
}

TEST_F(HttpApiTest, LargeTextIsScannedWhole) {
  std::string text(4 << 20, 'x');
  text.replace(3 << 20, 24, "card " + std::string(kCard));
  HttpResponse r = Inspect({{"text", text}});
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["bytes"], text.size());
  ASSERT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["start"], (3 << 20) + 5);
}

TEST_F(HttpApiTest, ContentTypeMustBeJson) {
  const std::string body = R"({"text": "x"})";
  for (std::string ct : {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
    HttpResponse r = api_->Handle(Post(body, ct));
    EXPECT_EQ(r.status, 415) << ct;
    EXPECT_EQ(ErrorCode(r), "unsupported_media_type") << ct;
  }
  for (std::string ct :
       {"application/json", "application/json; charset=utf-8", "Application/JSON ;charset=UTF-8"}) {
    EXPECT_EQ(api_->Handle(Post(body, ct)).status, 200) << ct;
  }
  // Header names are case-insensitive.
  HttpRequest lower = Post(body, "");
  lower.headers.push_back({"content-type", "application/json"});
  EXPECT_EQ(api_->Handle(lower).status, 200);
}

TEST_F(HttpApiTest, TooLargeBodyIs413) {
  HttpApi small(ApiOptions{.max_body_bytes = 64, .allow_reveal = false}, engine_);
  const std::string ok = R"({"text": "short"})";
  EXPECT_EQ(small.Handle(Post(ok)).status, 200);
  const std::string big = R"({"text": ")" + std::string(100, 'a') + "\"}";
  HttpResponse r = small.Handle(Post(big));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "payload_too_large");
}

// --- routing -------------------------------------------------------------------------------------

TEST_F(HttpApiTest, WrongMethodIs405WithAllow) {
  HttpResponse r = api_->Handle(Get("/v1/inspect"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(ErrorCode(r), "method_not_allowed");
  EXPECT_EQ(Header(r, "Allow"), "POST");

  for (std::string path : {"/healthz", "/metrics"}) {
    HttpResponse p = api_->Handle(Post("{}", "application/json", path));
    EXPECT_EQ(p.status, 405) << path;
    EXPECT_EQ(Header(p, "Allow"), "GET, HEAD");
    EXPECT_EQ(api_->Handle(Get(path, "DELETE")).status, 405);
  }
  // Methods are case-sensitive.
  EXPECT_EQ(api_->Handle(Get("/healthz", "get")).status, 405);
}

TEST_F(HttpApiTest, UnknownPathIs404) {
  for (std::string path : {"/", "/v1/inspect/", "/v2/inspect", "/healthz/x", "*", "", "/v1/INSPECT"}) {
    HttpResponse r = api_->Handle(Get(path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(ErrorCode(r), "not_found");
  }
  // Even with a body and the right content type.
  EXPECT_EQ(api_->Handle(Post(R"({"text":"x"})", "application/json", "/v1/scan")).status, 404);
}

TEST_F(HttpApiTest, QueryStringIsIgnoredForRouting) {
  EXPECT_EQ(api_->Handle(Get("/healthz?verbose=1")).status, 200);
  EXPECT_EQ(api_->Handle(Post(R"({"text":"x"})", "application/json", "/v1/inspect?x=1")).status, 200);
}

TEST_F(HttpApiTest, HealthzReportsEngine) {
  HttpResponse r = api_->Handle(Get("/healthz"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  json j = json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["engine"]["types"], 3);
  EXPECT_EQ(j["engine"]["custom_types"], 3);
  EXPECT_EQ(j["engine"]["builtin_types"], 0);
  EXPECT_EQ(api_->Handle(Get("/healthz", "HEAD")).status, 200);
}

// --- engine swap ---------------------------------------------------------------------------------

TEST_F(HttpApiTest, SwapEngineIsPickedUpByNewRequests) {
  // Warm the pool with a scanner of the first engine.
  ASSERT_EQ(Inspect({{"text", "card " + std::string(kCard)}}).status, 200);
  auto other = CompileTestEngine(kOneType);
  ASSERT_NE(other, nullptr);
  api_->SwapEngine(other);
  EXPECT_EQ(api_->engine(), other);
  EXPECT_EQ(json::parse(api_->Handle(Get("/healthz")).body)["engine"]["types"], 1);

  HttpResponse r = Inspect({{"text", "card " + std::string(kCard) + " OTHER-123456"}});
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  ASSERT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["type"], "TEST_OTHER");
  EXPECT_EQ(Inspect({{"text", "x"}, {"types", {"TEST_CARD"}}}).status, 400);
}

TEST(ScannerPoolTest, ReusesScannersAndDropsOldOnes) {
  auto a = CompileTestEngine();
  auto b = CompileTestEngine(kOneType);
  ASSERT_TRUE(a && b);
  ScannerPool pool(a);
  EXPECT_EQ(pool.idle(), 0u);
  {
    auto s1 = pool.Acquire();
    auto s2 = pool.Acquire();
    EXPECT_NE(&*s1, &*s2);
    EXPECT_EQ(&s1->engine(), a.get());
  }
  EXPECT_EQ(pool.idle(), 2u);
  {
    auto s = pool.Acquire();
    EXPECT_EQ(pool.idle(), 1u);
    pool.SwapEngine(b);
    EXPECT_EQ(pool.idle(), 0u);
  }  // a scanner of the old engine is not kept
  EXPECT_EQ(pool.idle(), 0u);
  auto s = pool.Acquire();
  EXPECT_EQ(&s->engine(), b.get());
  // The pool no longer holds the old engine.
  std::weak_ptr<const Engine> weak_a = a;
  a.reset();
  EXPECT_TRUE(weak_a.expired());
}

TEST_F(HttpApiTest, ConcurrentRequestsAndSwaps) {
  auto other = CompileTestEngine(kOneType);
  const std::string body = json({{"text", "card " + std::string(kCard) + " OTHER-123456"}}).dump();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        HttpResponse r = api_->Handle(Post(body));
        if (r.status != 200 || json::parse(r.body)["count"] != 1) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) api_->SwapEngine(i % 2 ? engine_ : other);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(api_->metrics().requests("/v1/inspect", 200), 200u);
}

// --- metrics through the handler ------------------------------------------------------------------

TEST_F(HttpApiTest, RequestsAreCountedByPathAndStatus) {
  api_->Handle(Get("/healthz"));
  api_->Handle(Get("/healthz"));
  api_->Handle(Get("/nope"));
  api_->Handle(Get("/v1/inspect"));
  Inspect({{"text", "card " + std::string(kCard)}});
  Inspect({{"text", "key " + std::string(kAwsKey) + " " + std::string(kAwsKey)}});
  EXPECT_EQ(api_->metrics().requests("/healthz", 200), 2u);
  EXPECT_EQ(api_->metrics().requests("other", 404), 1u);
  EXPECT_EQ(api_->metrics().requests("/v1/inspect", 405), 1u);
  EXPECT_EQ(api_->metrics().requests("/v1/inspect", 200), 2u);
  EXPECT_EQ(api_->metrics().findings("TEST_CARD"), 1u);
  EXPECT_EQ(api_->metrics().findings("TEST_AWS_KEY"), 2u);
  EXPECT_EQ(api_->metrics().inspected_bytes(), 5 + kCard.size() + 4 + 2 * kAwsKey.size() + 1);

  HttpResponse m = api_->Handle(Get("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("leakguard_requests_total{path=\"/healthz\",code=\"200\"} 2\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("leakguard_findings_total{type=\"TEST_AWS_KEY\"} 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("leakguard_engine_types 3\n"), std::string::npos);
  // Unknown paths never become label values.
  EXPECT_EQ(m.body.find("/nope"), std::string::npos);
}

// --- base64 --------------------------------------------------------------------------------------

TEST(Base64Test, DecodesStandardUrlSafeUnpaddedAndWrapped) {
  EXPECT_EQ(DecodeBase64("").value(), "");
  EXPECT_EQ(DecodeBase64("YQ==").value(), "a");
  EXPECT_EQ(DecodeBase64("YQ").value(), "a");
  EXPECT_EQ(DecodeBase64("YWI=").value(), "ab");
  EXPECT_EQ(DecodeBase64("YWJj").value(), "abc");
  EXPECT_EQ(DecodeBase64("aGVsbG8gd29ybGQ=").value(), "hello world");
  EXPECT_EQ(DecodeBase64("aGVs\r\nbG8g\nd29y bGQ=\n").value(), "hello world");
  EXPECT_EQ(DecodeBase64("-_8=").value(), "\xfb\xff");
  EXPECT_EQ(DecodeBase64("+/8=").value(), "\xfb\xff");
}

TEST(Base64Test, RejectsMalformedInput) {
  for (std::string_view bad :
       {"Y", "YQ=", "=", "==", "YQ===", "YQ==a", "YW=J", "Y$Q=", "YWJjY", "\xff\xff"}) {
    auto r = DecodeBase64(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    }
  }
}

// --- access log ----------------------------------------------------------------------------------

TEST(AccessLogTest, FormatsWithoutQueryOrControlBytes) {
  AccessLogEntry e{"127.0.0.1", "POST", "/v1/inspect?token=secret", 200, 10240, 512, 1.2345};
  EXPECT_EQ(AccessLog::Format(e), "127.0.0.1 POST /v1/inspect 200 in=10240 out=512 1.234ms");
  AccessLogEntry odd{"", "", "/a b\n\x01", 404, 0, 10, 0};
  EXPECT_EQ(AccessLog::Format(odd), "- - /a\\x20b\\x0a\\x01 404 in=0 out=10 0.000ms");
  const std::string longpath = "/" + std::string(1000, 'a');
  EXPECT_LT(AccessLog::Format({"", "GET", longpath, 404, 0, 0, 0}).size(), 320u);
}

}  // namespace
}  // namespace leakguard::server
