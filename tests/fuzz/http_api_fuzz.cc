// libFuzzer target for the HTTP API request handling (server/http_api.h).
//
// Each input is used three times:
//   0. as JSON for the request reader (server/json_reader.h), compared with nlohmann::json;
//   1. as the body of POST /v1/inspect (Content-Type: application/json), straight into HttpApi;
//   2. as a raw HTTP request, fed in pieces into Beast's request parser the way the server reads a
//      socket; a request the parser accepts is then handled by HttpApi like the server does.
// Invariants checked: every response has a status in [200, 599] and a content type; JSON responses
// parse and have the documented shape; error bodies never quote the request body.
//
// Builds with clang (-fsanitize=fuzzer) and with gcc (link a driver that calls LLVMFuzzerTestOneInput).
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "leakguard/engine.h"
#include "server/http_api.h"
#include "server/json_reader.h"

namespace {

namespace http = boost::beast::http;
using leakguard::server::HttpApi;
using leakguard::server::HttpRequest;
using leakguard::server::HttpResponse;
using leakguard::server::JsonValue;

constexpr std::uint64_t kMaxBody = 1 << 20;

// A marker type of our own, so findings are produced whatever the built-in catalog holds.
constexpr const char* kFuzzTypes = R"(
infotypes:
  - id: FUZZ_MARKER
    name: Fuzz marker
    category: custom
    patterns:
      - id: main
        regex: 'FUZZ-[0-9]{4}'
        confidence: medium
    context:
      words: [marker]
)";

HttpApi& Api() {
  static HttpApi* api = [] {
    leakguard::CompileOptions options;
    options.configs.push_back({"fuzz.yaml", kFuzzTypes});
    auto engine = leakguard::Engine::Compile(options);
    if (!engine) {
      // The HTTP layer is the target, not the catalog: go on with our own type alone.
      std::fprintf(stderr,
                   "http_api_fuzz: built-in catalog does not compile (%s); using the fuzz type only\n",
                   engine.error().ToString().c_str());
      options.include_builtin = false;
      engine = leakguard::Engine::Compile(options);
    }
    if (!engine) {
      std::fprintf(stderr, "http_api_fuzz: engine does not compile: %s\n", engine.error().ToString().c_str());
      std::abort();
    }
    // allow_reveal exercises the "value" path too.
    return new HttpApi(leakguard::server::ApiOptions{kMaxBody, /*allow_reveal=*/true}, *engine);
  }();
  return *api;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_api_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

void CheckResponse(const HttpRequest& request, const HttpResponse& r) {
  Check(r.status >= 200 && r.status <= 599, "status in range");
  Check(!r.content_type.empty(), "content type set");
  if (r.content_type != "application/json") return;
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  Check(j.is_object(), "JSON response is an object");
  if (r.status >= 400) {
    Check(j.contains("error") && j["error"].is_object(), "error object");
    Check(j["error"].contains("code") && j["error"]["code"].is_string(), "error code");
    Check(j["error"].contains("message") && j["error"]["message"].is_string(), "error message");
    // Error messages may quote a type id or a field name (at most 64 bytes), never the body itself.
    if (request.body.size() > 200) {
      Check(r.body.find(request.body) == std::string::npos, "error does not echo the body");
    }
    return;
  }
  if (HttpApi::PathOf(request.target) == "/v1/inspect") {
    Check(j.contains("findings") && j["findings"].is_array(), "findings array");
    Check(j.contains("count") && j["count"] == j["findings"].size(), "count matches");
    Check(j.contains("summary") && j["summary"].is_object(), "summary object");
    for (const auto& f : j["findings"]) {
      Check(f.contains("type") && f.contains("start") && f.contains("end") && f.contains("masked"),
            "finding fields");
      Check(f["start"].get<std::uint64_t>() <= f["end"].get<std::uint64_t>(), "start <= end");
    }
  }
}

// The request reader must agree with nlohmann::json on what is JSON and on the values it reads
// (except where it is stricter on purpose: nesting depth, value count, repeated member names).
nlohmann::json ToNlohmann(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      return nullptr;
    case JsonValue::Kind::kBool:
      return v.boolean;
    case JsonValue::Kind::kNumber:
      return nlohmann::json::parse(v.text, nullptr, false);
    case JsonValue::Kind::kString:
      return v.text;
    case JsonValue::Kind::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const JsonValue& item : v.items) a.push_back(ToNlohmann(item));
      return a;
    }
    case JsonValue::Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& m : v.members) o[m.name] = ToNlohmann(m.value);
      return o;
    }
  }
  return nullptr;
}

void CompareJsonReaders(std::string_view input) {
  const auto ours = leakguard::server::ParseJson(input);
  const nlohmann::json theirs = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (ours) {
    Check(!theirs.is_discarded(), "nlohmann accepts what ParseJson accepts");
    Check(ToNlohmann(*ours) == theirs, "same values as nlohmann");
  } else if (ours.error().code() == leakguard::StatusCode::kParseError &&
             input.find('\0') == std::string_view::npos) {  // nlohmann reads a NUL byte as end of input
    Check(theirs.is_discarded(), "nlohmann rejects what ParseJson rejects as malformed");
  }
}

void HandleAsBody(std::string_view input) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/v1/inspect";
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = input;
  CheckResponse(request, Api().Handle(request));
}

void HandleAsRawHttp(std::string_view input) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  parser.header_limit(16 * 1024);

  // Feed the bytes in pieces, as reads from a socket would arrive; the piece size comes from the
  // last byte so the fuzzer controls it. Unconsumed bytes stay in `pending`, as in a flat_buffer.
  const std::size_t step = input.empty() ? 1 : 1 + static_cast<unsigned char>(input.back()) % 97;
  std::string pending;
  std::size_t fed = 0;
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    if (fed < input.size()) {
      const std::size_t piece = std::min(step, input.size() - fed);
      pending.append(input.substr(fed, piece));
      fed += piece;
    }
    const std::size_t used = parser.put(boost::asio::buffer(pending.data(), pending.size()), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) {
      ec = {};
      if (fed == input.size()) {
        if (parser.got_some()) parser.put_eof(ec);  // the peer closed; put_eof needs some input first
        break;
      }
      continue;
    }
    if (ec) break;
    if (used == 0 && fed == input.size()) break;  // no progress possible
  }
  if (ec || !parser.is_done()) return;

  const auto& msg = parser.get();
  HttpRequest request;
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  for (const auto& field : msg) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = msg.body();
  CheckResponse(request, Api().Handle(request));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CompareJsonReaders(input);
  HandleAsBody(input);
  HandleAsRawHttp(input);
  return 0;
}
