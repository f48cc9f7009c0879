// The HTTP API of `leakguard serve` as a pure function of a request: no sockets, no Beast. The
// networking (server.cc) parses HTTP and writes responses; everything between — routing, JSON,
// base64, scanning, masking, metrics — happens here, so it is unit-tested and fuzzed directly.
//
// Endpoints (docs/api.md):
//   POST /v1/inspect  JSON request {"text"|"data", "types", "min_confidence", "reveal", "name",
//                     "transfer"}, or a multipart/form-data upload (file parts plus the same fields as
//                     form fields); content is extracted (archives, documents, mail, encoded runs)
//                     before scanning; with a decider (ApiOptions::decide) the answer also holds the
//                     policy's verdict and the incident recorded for it
//   POST /v1/justify  a business justification for a `justify` verdict (the form of the ICAP justify
//                     page, or JSON {"incident","ticket","reason"}); recorded on the incident
//   GET  /healthz     {"status":"ok","engine":{"types":N,...}}
//   GET  /metrics     Prometheus text exposition
// Errors are JSON {"error":{"code":"...","message":"..."}} with a 4xx/5xx status.
//
// Threads: HttpApi::Handle and SwapEngine may be called concurrently from any number of threads.
// Each call borrows a Scanner from a pool, so each thread scans with scratch of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/scanner_pool.h"
#include "extract/limits.h"
#include "incident/decision_point.h"
#include "leakguard/engine.h"
#include "leakguard/status.h"
#include "leakguard/transfer.h"
#include "leakguard/verdict.h"
#include "server/metrics.h"

namespace leakguard::server {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // "POST"
  std::string target;  // "/v1/inspect?x=y" (origin form)
  std::vector<HttpHeader> headers;
  std::string_view body;  // not owned; must outlive Handle

  // Value of the first header called `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<HttpHeader> headers;  // extra headers, e.g. Allow on a 405
};

using incident::ContentItem;
using incident::Decision;

// Decides on an inspected request and records it: `serve` wires the policy engine and the incident
// store here. Called once per /v1/inspect request after extraction and scanning, with the request's
// transfer (channel "api" unless the request names another), the summary of ALL its findings (every
// type, confidence low and up, whatever the request's filters) and its content (for evidence). May be
// called from several threads at once. An error answers the request with 503 (the decision or the
// incident could not be made durable: the caller may retry).
using DecideFn = std::function<Result<Decision>(Transfer& transfer, FindingsSummary& summary,
                                                const std::vector<ContentItem>& content)>;

}  // namespace leakguard::server
namespace leakguard::classify {
class Classifier;
}
namespace leakguard::server {

struct ApiOptions {
  std::uint64_t max_body_bytes = 32ull << 20;  // larger bodies get 413
  bool allow_reveal = false;                   // otherwise "reveal": true gets 403
  extract::Limits limits;                      // content extraction limits per request
  DecideFn decide;                             // empty: /v1/inspect reports findings only
  // With `decide`: the classifier whose markings ("CONFIDENTIAL", Office sensitivity labels) are
  // collected from the extracted text into FindingsSummary::markings. Empty: none collected.
  std::function<std::shared_ptr<const classify::Classifier>()> classifier;
  std::function<std::string()> extra_metrics;  // appended to /metrics (decisions, SIEM sinks)
  // POST /v1/justify (incident::DecisionPoint::Justify). Empty: 404.
  std::function<Result<incident::DecisionPoint::Justified>(
      const std::string& incident, const std::string& ticket, const std::string& reason)>
      justify;
};

// Reads the "transfer" object of a request (docs/api.md): channel, user, groups, client_ip, host,
// source, destination / destinations (URLs, mail addresses, host names or objects), direction, name,
// content_type, attributes. Errors name the field.
struct JsonValue;
Result<Transfer> TransferFromRequest(const JsonValue& value);

using detect::ScannerPool;

class HttpApi {
 public:
  HttpApi(ApiOptions options, std::shared_ptr<const Engine> engine);
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Routes and answers one request and records it in the metrics. Never throws.
  HttpResponse Handle(const HttpRequest& request);

  // New requests use `engine`; requests in flight finish with the engine they started with.
  void SwapEngine(std::shared_ptr<const Engine> engine);
  std::shared_ptr<const Engine> engine() const { return scanners_.engine(); }

  Metrics& metrics() { return metrics_; }
  const ApiOptions& options() const { return options_; }

  // A JSON error response: {"error":{"code":code,"message":message}}.
  static HttpResponse Error(int status, std::string_view code, std::string_view message);
  // The path of a request target: query string and fragment removed.
  static std::string_view PathOf(std::string_view target);

 private:
  HttpResponse Route(const HttpRequest& request);
  HttpResponse Inspect(const HttpRequest& request);
  HttpResponse Justify(const HttpRequest& request);
  HttpResponse Healthz() const;
  HttpResponse MetricsText() const;

  ApiOptions options_;
  ScannerPool scanners_;
  Metrics metrics_;
};

// Decodes standard (RFC 4648 §4) or URL-safe (§5) base64. Padding is optional; ASCII whitespace is
// skipped (line-wrapped MIME style input). Anything else is an InvalidArgument error.
Result<std::string> DecodeBase64(std::string_view in);

}  // namespace leakguard::server
