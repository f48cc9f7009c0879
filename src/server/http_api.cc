#include "server/http_api.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "classify/classify.h"
#include "core/ascii.h"
#include "core/url.h"
#include "extract/inspect.h"
#include "policy/content_summary.h"
#include "server/json_reader.h"
#include "server/multipart.h"

namespace leakguard::server {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
// The request schema nests two levels ({"types": [...]}); anything much deeper is not a request.
constexpr int kMaxJsonDepth = 32;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json; charset=utf-8" → true.
bool IsJsonContentType(std::optional<std::string_view> value) {
  if (!value) return false;
  std::string_view media = *value;
  if (auto semi = media.find(';'); semi != std::string_view::npos) media = media.substr(0, semi);
  return EqualsIgnoreCase(Trim(media), kJsonType);
}

std::string Dump(const OrderedJson& j) {
  // Masked values and evidence come from arbitrary bytes (base64 "data"); never fail on bad UTF-8.
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

HttpResponse JsonResponse(int status, const OrderedJson& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::string(kJsonType);
  r.body = Dump(body);
  r.body += '\n';
  return r;
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kParseError:
      return 400;
    case StatusCode::kLimitExceeded:
    case StatusCode::kTimeout:
      return 503;
    default:
      return 500;
  }
}

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

OrderedJson FindingJson(const Finding& f, bool reveal) {
  OrderedJson j;
  j["type"] = f.info_type;
  j["start"] = f.start;
  j["end"] = f.end;
  j["line"] = f.line;
  j["column"] = f.column;
  j["confidence"] = std::string(ConfidenceName(f.confidence));
  j["masked"] = f.masked;
  if (reveal) j["value"] = f.value;
  j["rule"] = f.rule;
  OrderedJson ev;
  ev["validator"] = f.evidence.validator;
  ev["checksum_passed"] = f.evidence.checksum_passed;
  ev["context_word"] = f.evidence.context_word;
  ev["context_distance"] = f.evidence.context_distance;
  ev["entropy"] = std::isfinite(f.evidence.entropy) ? Round3(f.evidence.entropy) : 0.0;
  ev["note"] = f.evidence.note;
  j["evidence"] = std::move(ev);
  j["part"] = f.part;
  return j;
}

}  // namespace

// --- HttpRequest ---------------------------------------------------------------------------------

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

// --- base64 --------------------------------------------------------------------------------------

Result<std::string> DecodeBase64(std::string_view in) {
  static constexpr std::array<std::int8_t, 256> kTable = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < kStd.size(); ++i)
      t[static_cast<unsigned char>(kStd[i])] = static_cast<std::int8_t>(i);
    t['-'] = 62;  // URL-safe alphabet
    t['_'] = 63;
    return t;
  }();

  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const std::int8_t v = kTable[c];
    if (v < 0 || padding > 0) {
      return Unexpected(Status::InvalidArgument(
          "field 'data' is not valid base64: unexpected character at offset " + std::to_string(i)));
    }
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  const std::size_t rem = symbols % 4;
  if (rem == 1 || padding > 2 || (padding > 0 && (rem == 0 || rem + padding != 4))) {
    return Unexpected(Status::InvalidArgument("field 'data' is not valid base64: bad length or padding"));
  }
  return out;
}

// --- transfer ------------------------------------------------------------------------------------

Result<Transfer> TransferFromRequest(const JsonValue& value) {
  auto bad = [](std::string_view field, std::string_view what) {
    return Unexpected(
        Status::InvalidArgument("field 'transfer." + std::string(field) + "' must be " + std::string(what)));
  };
  if (!value.is_object()) return Unexpected(Status::InvalidArgument("field 'transfer' must be an object"));
  Transfer t;
  t.channel = Channel::kApi;
  auto strings = [](const JsonValue& v, std::vector<std::string>& out) {
    if (!v.is_array()) return false;
    for (const JsonValue& item : v.items) {
      if (!item.is_string()) return false;
      out.push_back(item.text);
    }
    return true;
  };
  for (const JsonMember& m : value.members) {
    const std::string& key = m.name;
    const JsonValue& v = m.value;
    std::string* text_field = key == "user"           ? &t.identity.user
                              : key == "client_ip"    ? &t.identity.client_ip
                              : key == "host"         ? &t.identity.host
                              : key == "source"       ? &t.source
                              : key == "name"         ? &t.name
                              : key == "content_type" ? &t.content_type
                                                      : nullptr;
    if (text_field != nullptr) {
      if (!v.is_string()) return bad(key, "a string");
      *text_field = v.text;
    } else if (key == "channel") {
      std::optional<Channel> c;
      if (v.is_string()) c = ParseChannel(v.text);
      if (!c) return bad(key, "one of \"web\", \"mail\", \"endpoint\", \"discover\", \"api\"");
      t.channel = *c;
    } else if (key == "direction") {
      if (!v.is_string() || (v.text != "out" && v.text != "in")) return bad(key, "\"out\" or \"in\"");
      t.direction = v.text;
    } else if (key == "groups") {
      if (!strings(v, t.identity.groups)) return bad(key, "an array of strings");
    } else if (key == "destination" || key == "destinations") {
      std::vector<const JsonValue*> items;
      if (key == "destination") {
        items.push_back(&v);
      } else {
        if (!v.is_array()) return bad(key, "an array");
        for (const JsonValue& item : v.items) items.push_back(&item);
      }
      for (const JsonValue* item : items) {
        if (item->is_string()) {
          t.destinations.push_back(DestinationFromString(item->text));
          continue;
        }
        if (!item->is_object()) return bad(key, "a URL, mail address or host name, or an object");
        Destination d;
        for (const JsonMember& dm : item->members) {
          std::string* f = dm.name == "address"   ? &d.address
                           : dm.name == "url"     ? &d.url
                           : dm.name == "host"    ? &d.host
                           : dm.name == "ip"      ? &d.ip
                           : dm.name == "country" ? &d.country
                           : dm.name == "device"  ? &d.device
                                                  : nullptr;
          if (f == nullptr || !dm.value.is_string())
            return bad(key, "objects of strings: address, url, host, ip, country, device");
          *f = dm.value.text;
        }
        // Fill the host from the URL or address when only those were given.
        if (d.host.empty() && (!d.url.empty() || !d.address.empty()))
          d.host = DestinationFromString(!d.url.empty() ? d.url : d.address).host;
        t.destinations.push_back(std::move(d));
      }
    } else if (key == "attributes") {
      if (!v.is_object()) return bad(key, "an object of strings");
      for (const JsonMember& a : v.members) {
        if (!a.value.is_string()) return bad(key, "an object of strings");
        t.attributes[a.name] = a.value.text;
      }
    } else {
      return Unexpected(Status::InvalidArgument(
          "unknown field 'transfer." + key.substr(0, 64) +
          "'; expected channel, user, groups, client_ip, host, source, destination(s), direction, name, "
          "content_type, attributes"));
    }
  }
  return t;
}

// --- HttpApi -------------------------------------------------------------------------------------

HttpApi::HttpApi(ApiOptions options, std::shared_ptr<const Engine> engine)
    : options_(options), scanners_(std::move(engine)) {}

void HttpApi::SwapEngine(std::shared_ptr<const Engine> engine) { scanners_.SwapEngine(std::move(engine)); }

HttpResponse HttpApi::Error(int status, std::string_view code, std::string_view message) {
  OrderedJson j;
  j["error"]["code"] = code;
  j["error"]["message"] = message;
  return JsonResponse(status, j);
}

std::string_view HttpApi::PathOf(std::string_view target) {
  if (auto q = target.find_first_of("?#"); q != std::string_view::npos) target = target.substr(0, q);
  return target;
}

HttpResponse HttpApi::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse response = Route(request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.RecordRequest(Metrics::PathLabel(PathOf(request.target)), response.status, seconds);
  return response;
}

HttpResponse HttpApi::Route(const HttpRequest& request) {
  const std::string_view path = PathOf(request.target);
  auto not_allowed = [](std::string_view allow) {
    HttpResponse r = Error(405, "method_not_allowed", "method not allowed; allowed: " + std::string(allow));
    r.headers.push_back({"Allow", std::string(allow)});
    return r;
  };
  if (path == "/v1/inspect") {
    if (request.method != "POST") return not_allowed("POST");
    return Inspect(request);
  }
  if (path == "/v1/justify" && options_.justify) {
    if (request.method != "POST") return not_allowed("POST");
    return Justify(request);
  }
  if (path == "/healthz" || path == "/metrics") {
    // HEAD gets the same headers; the network layer drops the body.
    if (request.method != "GET" && request.method != "HEAD") return not_allowed("GET, HEAD");
    return path == "/healthz" ? Healthz() : MetricsText();
  }
  return Error(404, "not_found", "no such endpoint; see /v1/inspect, /healthz, /metrics");
}

HttpResponse HttpApi::Justify(const HttpRequest& request) {
  if (request.body.size() > 64 * 1024)
    return Error(413, "payload_too_large", "a justification is at most 64 KiB");
  std::string incident, ticket, reason;
  const bool json = IsJsonContentType(request.Header("Content-Type"));
  if (json) {
    Result<JsonValue> doc = ParseJson(request.body, kMaxJsonDepth);
    if (!doc || !doc->is_object())
      return Error(400, "invalid_json", "expected {\"incident\", \"ticket\", \"reason\"}");
    for (const JsonMember& m : doc->members) {
      std::string* field = m.name == "incident" ? &incident
                           : m.name == "ticket" ? &ticket
                           : m.name == "reason" ? &reason
                                                : nullptr;
      if (field == nullptr || !m.value.is_string())
        return Error(400, "invalid_request", "expected string fields incident, ticket, reason");
      *field = m.value.text;
    }
  } else {
    for (auto& [name, value] : ParseForm(request.body)) {
      if (name == "incident") incident = value;
      if (name == "ticket") ticket = value;
      if (name == "reason") reason = value;
    }
  }
  auto html = [](int status, std::string_view title, std::string_view text) {
    auto esc = [](std::string_view v) {
      std::string o;
      for (char c : v)
        o += c == '<'   ? "&lt;"
             : c == '>' ? "&gt;"
             : c == '&' ? "&amp;"
             : c == '"' ? "&quot;"
                        : std::string(1, c);
      return o;
    };
    HttpResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
             "</title></head><body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\n<h1>" +
             esc(title) + "</h1>\n<p>" + esc(text) + "</p>\n</body></html>\n";
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  };
  auto done = options_.justify(incident, ticket, reason);
  if (!done) {
    if (json)
      return Error(done.error().code() == StatusCode::kInvalidArgument ? 400 : 503, "justify_failed",
                   done.error().message());
    return html(done.error().code() == StatusCode::kInvalidArgument ? 400 : 503, "Justification not recorded",
                done.error().message());
  }
  if (json) {
    OrderedJson j;
    j["incident_id"] = done->incident_id;
    j["host"] = done->host;
    j["override_until_ms"] = done->override_until_ms;
    return JsonResponse(200, j);
  }
  return html(
      200, "Justification recorded",
      "Your justification is recorded on incident " + done->incident_id + ". You may send your upload to " +
          (done->host.empty() ? std::string("that destination") : done->host) + " again for the next hour.");
}

HttpResponse HttpApi::Healthz() const {
  const std::shared_ptr<const Engine> engine = scanners_.engine();
  std::size_t builtin = 0;
  for (const InfoTypeInfo& t : engine->types()) builtin += t.builtin ? 1 : 0;
  OrderedJson j;
  j["status"] = "ok";
  j["engine"]["types"] = engine->types().size();
  j["engine"]["builtin_types"] = builtin;
  j["engine"]["custom_types"] = engine->types().size() - builtin;
  return JsonResponse(200, j);
}

HttpResponse HttpApi::MetricsText() const {
  HttpResponse r;
  r.status = 200;
  r.content_type = std::string(kMetricsType);
  r.body = metrics_.Render(scanners_.engine()->types().size());
  if (options_.extra_metrics) r.body += options_.extra_metrics();
  return r;
}

HttpResponse HttpApi::Inspect(const HttpRequest& request) {
  if (request.body.size() > options_.max_body_bytes) {
    return Error(413, "payload_too_large",
                 "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  const std::optional<std::string_view> content_type = request.Header("Content-Type");
  const std::optional<std::string> boundary = content_type ? MultipartBoundary(*content_type) : std::nullopt;
  if (!boundary && !IsJsonContentType(content_type)) {
    return Error(415, "unsupported_media_type",
                 "Content-Type must be application/json or multipart/form-data (with a boundary)");
  }

  auto bad_field = [](std::string_view field, std::string_view what) {
    return Error(400, "invalid_request", "field '" + std::string(field) + "' must be " + std::string(what));
  };

  // What to inspect: one buffer per upload, named after its file (the root of its parts' paths).
  struct Upload {
    std::string name;
    std::string_view bytes;
  };
  std::vector<Upload> uploads;
  ScanOptions scan;
  bool reveal = false;
  std::optional<std::string> name;
  std::optional<Transfer> transfer;
  // The scanner is taken now so that "types" is checked against the engine that will scan, even when
  // SwapEngine runs meanwhile.
  ScannerPool::Lease scanner = scanners_.Acquire();
  const Engine& engine = scanner->engine();
  auto add_type = [&](const std::string& id) -> std::optional<HttpResponse> {
    bool problem_type = false;
    for (const extract::ProblemTypeInfo& p : extract::ProblemTypes()) problem_type |= p.id == id;
    if (!problem_type && engine.FindType(id) == nullptr) {
      // Type ids are short upper-case names; cap what is echoed back.
      return Error(400, "unknown_type",
                   "unknown info type '" + id.substr(0, 64) + (id.size() > 64 ? "...'" : "'"));
    }
    scan.types.push_back(id);
    return std::nullopt;
  };

  std::optional<JsonValue> doc_storage;
  std::string decoded;
  if (boundary) {
    Result<std::vector<FormPart>> parts = ParseMultipart(request.body, *boundary);
    if (!parts) return Error(400, "invalid_multipart", parts.error().message());
    for (const FormPart& part : *parts) {
      if (part.filename) {
        uploads.push_back({*part.filename, part.content});
        continue;
      }
      const std::string value(part.content);
      if (part.name == "file" || part.name == "text") {
        uploads.push_back({"", part.content});
      } else if (part.name == "types") {
        std::size_t pos = 0;
        while (pos <= value.size()) {
          std::size_t comma = value.find(',', pos);
          std::string id(Trim(std::string_view(value).substr(
              pos, comma == std::string::npos ? std::string::npos : comma - pos)));
          if (!id.empty())
            if (auto e = add_type(id)) return *e;
          if (comma == std::string::npos) break;
          pos = comma + 1;
        }
      } else if (part.name == "min_confidence") {
        std::optional<Confidence> c = ParseConfidence(Trim(value));
        if (!c) return bad_field("min_confidence", "one of \"low\", \"medium\", \"high\"");
        scan.min_confidence = *c;
      } else if (part.name == "reveal") {
        std::string_view v = Trim(value);
        if (v != "true" && v != "false") return bad_field("reveal", "true or false");
        reveal = v == "true";
      } else if (part.name == "name") {
        name = value;
      } else if (part.name == "transfer") {
        Result<JsonValue> parsed = ParseJson(value, kMaxJsonDepth);
        if (!parsed)
          return Error(400, "invalid_json",
                       "form field 'transfer' is not valid JSON: " + parsed.error().message());
        Result<Transfer> t = TransferFromRequest(*parsed);
        if (!t) return Error(400, "invalid_request", t.error().message());
        transfer = std::move(*t);
      } else {
        return Error(400, "unknown_field",
                     "unknown form field '" + part.name.substr(0, 64) +
                         (part.name.size() > 64 ? "...'" : "'") +
                         "; expected file parts and types, min_confidence, reveal, name, transfer");
      }
    }
    if (uploads.empty()) {
      return Error(400, "invalid_request", "the multipart body has no file (a part with a filename)");
    }
  } else {
    Result<JsonValue> parsed = ParseJson(request.body, kMaxJsonDepth);
    if (!parsed) {
      const Status& e = parsed.error();
      if (e.code() == StatusCode::kInvalidArgument) return Error(400, "invalid_request", e.message());
      return Error(400, "invalid_json", "request body is not valid JSON: " + e.message());
    }
    doc_storage = std::move(*parsed);
    const JsonValue& doc = *doc_storage;
    if (!doc.is_object()) return Error(400, "invalid_request", "request body must be a JSON object");

    const std::string* text = nullptr;
    const std::string* data = nullptr;
    for (const JsonMember& member : doc.members) {
      const std::string& key = member.name;
      const JsonValue& value = member.value;
      if (key == "text") {
        if (!value.is_string()) return bad_field("text", "a string");
        text = &value.text;
      } else if (key == "data") {
        if (!value.is_string()) return bad_field("data", "a base64 string");
        data = &value.text;
      } else if (key == "types") {
        if (!value.is_array()) return bad_field("types", "an array of info type ids");
        for (const JsonValue& t : value.items) {
          if (!t.is_string()) return bad_field("types", "an array of info type ids");
          if (auto e = add_type(t.text)) return *e;
        }
      } else if (key == "min_confidence") {
        std::optional<Confidence> c;
        if (value.is_string()) c = ParseConfidence(value.text);
        if (!c) return bad_field("min_confidence", "one of \"low\", \"medium\", \"high\"");
        scan.min_confidence = *c;
      } else if (key == "reveal") {
        if (!value.is_bool()) return bad_field("reveal", "a boolean");
        reveal = value.boolean;
      } else if (key == "name") {
        if (!value.is_string()) return bad_field("name", "a string");
        name = value.text;
      } else if (key == "transfer") {
        Result<Transfer> t = TransferFromRequest(value);
        if (!t) return Error(400, "invalid_request", t.error().message());
        transfer = std::move(*t);
      } else {
        return Error(400, "unknown_field",
                     "unknown field '" + key.substr(0, 64) + (key.size() > 64 ? "...'" : "'") +
                         "; expected text or data, types, min_confidence, reveal, name, transfer");
      }
    }
    if ((text == nullptr) == (data == nullptr)) {
      return Error(400, "invalid_request", "exactly one of 'text' and 'data' is required");
    }
    if (text != nullptr) {
      uploads.push_back({"", *text});
    } else {
      Result<std::string> bytes = DecodeBase64(*data);
      if (!bytes) return Error(400, "invalid_base64", bytes.error().message());
      decoded = std::move(*bytes);
      uploads.push_back({name.value_or(""), decoded});
    }
  }
  if (reveal && !options_.allow_reveal) {
    return Error(403, "reveal_forbidden", "this server does not reveal full values (started without reveal)");
  }
  scan.reveal = reveal;
  // A decision weighs every finding (any type, low confidence and up), whatever the request reports.
  const bool deciding = static_cast<bool>(options_.decide);
  ScanOptions reported = scan;
  if (deciding) {
    scan.types.clear();
    scan.min_confidence = Confidence::kLow;
  }

  // Parts nest (a base64 run inside a text): deeper levels borrow more scanners from the pool.
  std::vector<ScannerPool::Lease> extra;
  extract::Inspector inspector([&](std::size_t level) -> Scanner& {
    if (level == 0) return *scanner;
    while (extra.size() < level) extra.push_back(scanners_.Acquire());
    return *extra[level - 1];
  });
  // The policy's view of the content (policy/content_summary.h): every finding, markings seen in the
  // text parts, Office sensitivity labels of uploaded documents.
  std::shared_ptr<const classify::Classifier> classifier;
  if (deciding && options_.classifier) classifier = options_.classifier();
  std::optional<policy::SummaryBuilder> builder;
  if (deciding) {
    builder.emplace(classifier.get());
    if (extract::PartSink* observer = builder->observer()) inspector.set_observer(observer);
  }
  std::uint64_t total_bytes = 0;
  std::uint64_t parts = 0;
  std::vector<Finding> found;
  const auto scan_start = std::chrono::steady_clock::now();
  Status status;
  for (const Upload& upload : uploads) {
    extract::ExtractStats stats;
    status = inspector.InspectBuffer(
        upload.bytes, upload.name, scan, options_.limits, [&](Finding&& f) { found.push_back(std::move(f)); },
        &stats);
    total_bytes += upload.bytes.size();
    parts += stats.parts;
    if (!status.ok()) break;
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - scan_start).count();
  if (!status.ok()) {
    const int http_status = HttpStatusFor(status);
    const char* code = http_status == 503   ? "scan_unfinished"
                       : http_status == 400 ? "invalid_request"
                                            : "internal";
    // Engine messages name the failing item (limit, type), never the content.
    return Error(http_status, code, status.ToString());
  }
  std::vector<Finding> filtered;
  const std::vector<Finding>* findings = &found;
  std::optional<Decision> decision;
  if (deciding) {
    for (const Finding& f : found) builder->Add(f);
    for (const Upload& u : uploads) builder->AddDocumentLabels(u.bytes);
    FindingsSummary summary = builder->Finish();
    Transfer t = transfer.value_or(Transfer{});
    if (t.name.empty() && name) t.name = *name;
    if (t.name.empty() && uploads.size() == 1) t.name = uploads.front().name;
    t.bytes = total_bytes;
    std::vector<ContentItem> content;
    for (const Upload& u : uploads) content.push_back({u.name, u.bytes});
    Result<Decision> d = options_.decide(t, summary, content);
    if (!d) {
      const Status& e = d.error();
      return Error(e.code() == StatusCode::kInvalidArgument ? 400 : 503, "decision_failed", e.ToString());
    }
    decision = std::move(*d);
    for (Finding& f : found) {
      if (f.confidence < reported.min_confidence) continue;
      if (!reported.types.empty() &&
          std::find(reported.types.begin(), reported.types.end(), f.info_type) == reported.types.end())
        continue;
      filtered.push_back(std::move(f));
    }
    findings = &filtered;
  }

  metrics_.AddInspectedBytes(total_bytes);
  OrderedJson out;
  if (name) out["name"] = *name;
  OrderedJson list = OrderedJson::array();
  std::map<std::string, std::uint64_t> summary;
  for (const Finding& f : *findings) {
    list.push_back(FindingJson(f, reveal));
    ++summary[f.info_type];
  }
  out["findings"] = std::move(list);
  out["count"] = findings->size();
  out["bytes"] = total_bytes;
  out["parts"] = parts;
  out["elapsed_ms"] = Round3(elapsed_ms);
  out["summary"] = OrderedJson::object();
  for (const auto& [type, n] : summary) {
    out["summary"][type] = n;
    metrics_.AddFindings(type, n);
  }
  if (decision) {
    const Verdict& v = decision->verdict;
    OrderedJson vj;
    vj["action"] = ActionName(v.action);
    vj["severity"] = SeverityName(v.severity);
    vj["label"] = LabelName(v.label);
    vj["message"] = v.message;
    vj["rules"] = OrderedJson::array();
    for (const RuleMatch& m : v.matched)
      vj["rules"].push_back({{"rule", m.rule},
                             {"action", ActionName(m.action)},
                             {"severity", SeverityName(m.severity)},
                             {"reason", m.reason}});
    vj["policy_version"] = v.policy_version;
    out["verdict"] = std::move(vj);
    out["incident_id"] = decision->incident_id;
  }
  HttpResponse r = JsonResponse(200, out);
  // The response describes sensitive content: keep it out of caches.
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

}  // namespace leakguard::server
