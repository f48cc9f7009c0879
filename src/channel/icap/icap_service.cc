#include "channel/icap/icap_service.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "channel/body_spool.h"
#include "channel/icap/icap_response.h"
#include "channel/inspect.h"
#include "core/ascii.h"
#include "core/url.h"
#include "policy/content_summary.h"

namespace leakguard::channel::icap {
namespace {

constexpr std::size_t kEchoPiece = 256 << 10;

// "multipart/form-data; boundary=x" -> "multipart/form-data".
std::string MediaType(const std::string* content_type) {
  if (content_type == nullptr) return {};
  std::string m = content_type->substr(0, content_type->find(';'));
  while (!m.empty() && m.back() == ' ') m.pop_back();
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return m;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Squid sends the user base64-encoded (icap_client_username_encode on) and sometimes with a scheme
// ("Local://alice", "WinNT://CORP\\alice"). Plain values are taken as they are.
std::string DecodeUser(std::string_view v) {
  auto decoded = [&]() -> std::optional<std::string> {
    static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (v.empty() || v.size() % 4 != 0) return std::nullopt;
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : v) {
      if (c == '=') break;
      auto p = kAlphabet.find(c);
      if (p == std::string::npos) return std::nullopt;
      acc = (acc << 6) | static_cast<std::uint32_t>(p);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((acc >> bits) & 0xff);
      }
    }
    if (out.empty() || !std::all_of(out.begin(), out.end(), [](char c) { return c >= 32 && c < 127; }))
      return std::nullopt;
    return out;
  }();
  std::string user = decoded.value_or(std::string(v));
  if (auto scheme = user.find("://"); scheme != std::string::npos) user = user.substr(scheme + 3);
  return user;
}

}  // namespace

// --- the body spool ----------------------------------------------------------------------------------

namespace {

// An application/x-www-form-urlencoded body as text for the engine: one "name: value" line per field,
// '+' and %XX decoded, so "card=4111+1111+1111+1111" reads as "card: 4111 1111 1111 1111" (the field
// name becomes a context word). Decodes as it reads; a %XX split across reads is carried over.
class FormDecodingSource : public extract::Source {
 public:
  explicit FormDecodingSource(extract::Source& raw) : raw_(raw) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    while (out_.size() - out_pos_ < size && !eof_) {
      char in[16384];
      auto n = raw_.Read(in, sizeof in);
      if (!n) return n;
      if (*n == 0) {
        eof_ = true;
        out_ += pending_;  // an unfinished %X at the very end stays as it was
        pending_.clear();
        break;
      }
      Decode(std::string_view(in, *n));
    }
    const std::size_t n = std::min(size, out_.size() - out_pos_);
    std::memcpy(buffer, out_.data() + out_pos_, n);
    out_pos_ += n;
    if (out_pos_ == out_.size()) {
      out_.clear();
      out_pos_ = 0;
    }
    return n;
  }

 private:
  void Decode(std::string_view in) {
    for (char c : in) {
      if (!pending_.empty()) {
        pending_ += c;
        if (pending_.size() < 3) continue;
        if (std::isxdigit(static_cast<unsigned char>(pending_[1])) &&
            std::isxdigit(static_cast<unsigned char>(pending_[2]))) {
          out_ += static_cast<char>(std::stoi(pending_.substr(1), nullptr, 16));
        } else {
          out_ += pending_;
        }
        pending_.clear();
        continue;
      }
      switch (c) {
        case '%':
          pending_.assign(1, '%');  // (not = "%": GCC 12 warns a false -Wrestrict on that)
          break;
        case '+':
          out_ += ' ';
          break;
        case '&':
          out_ += '\n';
          in_value_ = false;
          break;
        case '=':
          if (!in_value_) {
            out_ += ": ";
            in_value_ = true;
          } else {
            out_ += '=';
          }
          break;
        default:
          out_ += c;
      }
    }
  }

  extract::Source& raw_;
  std::string out_;
  std::size_t out_pos_ = 0;
  std::string pending_;
  bool in_value_ = false;
  bool eof_ = false;
};

}  // namespace

// --- IcapService -------------------------------------------------------------------------------------

IcapService::IcapService(IcapOptions options, std::shared_ptr<const Engine> engine,
                         incident::DecisionPoint* decisions)
    : options_(std::move(options)), scanners_(std::move(engine)), decisions_(decisions) {}

std::unique_ptr<Transaction> IcapService::NewTransaction(std::string client_address) {
  return std::make_unique<Transaction>(*this, std::move(client_address));
}

void IcapService::SwapEngine(std::shared_ptr<const Engine> engine) {
  scanners_.SwapEngine(std::move(engine));
  ++engine_generation_;
}

std::string IcapService::istag() const {
  std::string policy = "inspect";
  if (decisions_ != nullptr) {
    policy = decisions_->policy()->policy->version();
    if (auto colon = policy.find(':'); colon != std::string::npos) policy = policy.substr(colon + 1);
    policy = policy.substr(0, 16);
  }
  return "LG-" + policy + "-" + std::to_string(engine_generation_.load() % 100000);
}

std::string IcapService::RenderMetrics() const {
  std::string out;
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t v) {
    AppendPrometheusCounter(out, name, help, v);
  };
  counter("leakguard_icap_requests_total", "ICAP REQMOD/RESPMOD requests answered.", stats_.requests.load());
  counter("leakguard_icap_options_total", "ICAP OPTIONS requests answered.", stats_.options.load());
  counter("leakguard_icap_no_content_total", "ICAP 204 answers (message unchanged).",
          stats_.no_content.load());
  counter("leakguard_icap_blocked_total", "Messages replaced by a block page.", stats_.blocked.load());
  counter("leakguard_icap_redacted_total", "Messages rewritten with masked values.", stats_.redacted.load());
  counter("leakguard_icap_errors_total", "ICAP error responses (bad requests, failures).",
          stats_.errors.load());
  counter("leakguard_icap_unfinished_total",
          "Messages whose inspection could not finish (fail mode applied).", stats_.unfinished.load());
  counter("leakguard_icap_body_bytes_total", "Encapsulated body bytes received.", stats_.body_bytes.load());
  return out;
}

// --- Transaction -------------------------------------------------------------------------------------

Transaction::Transaction(IcapService& service, std::string client_address)
    : service_(service), client_(std::move(client_address)), parser_(*this) {}

Transaction::~Transaction() = default;

std::size_t Transaction::Feed(std::string_view data) {
  if (close_) return data.size();  // after an error nothing more is read
  ParseFailure failure;
  auto used = parser_.Feed(data, &failure);
  if (!used) {
    if (output_.empty() && !echoing_) Fail(failure.icap_status, failure.status.message());
    close_ = true;
    return data.size();
  }
  return *used;
}

void Transaction::Fail(int status, std::string_view reason) {
  ++service_.stats_.errors;
  output_ += ErrorResponse(status, service_.istag(), status == 500 ? std::string_view() : std::string_view());
  (void)reason;  // the reason phrase stays generic: messages may quote request bytes
  close_ = true;
}

std::string Transaction::TakeOutput() {
  std::string out = std::move(output_);
  output_.clear();
  if (echoing_ && out.empty()) {
    // The next piece of an echoed body, read with pread (a mapping would keep the pages of a large
    // file-backed body resident).
    const std::uint64_t body_size = spool_->size - spool_->prefix;
    std::string piece(static_cast<std::size_t>(std::min<std::uint64_t>(kEchoPiece, body_size - echo_offset_)),
                      '\0');
    auto n = spool_->ReadAt(spool_->prefix + echo_offset_, piece.data(), piece.size());
    if (!n || *n == 0) {
      // The spool cannot be read back: the message cannot be completed; drop the connection.
      echoing_ = false;
      close_ = true;
      spool_.reset();
      return out;
    }
    piece.resize(*n);
    out = Chunk(piece);
    echo_offset_ += *n;
    if (echo_offset_ >= body_size) {
      out += LastChunk();
      echoing_ = false;
      spool_.reset();
    }
  }
  return out;
}

bool Transaction::has_more_output() const { return !output_.empty() || echoing_; }

Status Transaction::OnHead(const RequestHead& head) {
  head_ = head;
  const IcapOptions& o = service_.options_;
  const bool reqmod_service = head.service == o.reqmod_service;
  const bool respmod_service = head.service == o.respmod_service;
  if (!reqmod_service && !respmod_service) {
    Fail(404, "no such ICAP service");
    return Status::NotFound("no such ICAP service");
  }
  if ((head.method == Method::kReqmod && !reqmod_service) ||
      (head.method == Method::kRespmod && !respmod_service)) {
    Fail(405, "method not allowed for this service");
    return Status::InvalidArgument("method not allowed for this service");
  }
  unfinished_ = false;
  unfinished_reason_.clear();
  continued_ = false;
  spool_.reset();
  if (head.method == Method::kOptions || !head.encapsulated.has_body()) return Status::Ok();
  spool_ = std::make_unique<BodySpool>(o.spool_memory, o.spool_dir);
  // A multipart upload becomes a MIME entity for the extractor: its Content-Type header first.
  const HttpHead* http = BodyHead();
  const std::string* ct = http != nullptr ? http->Find("Content-Type") : nullptr;
  if (MediaType(ct).starts_with("multipart/")) {
    std::string prefix = "MIME-Version: 1.0\r\nContent-Type: " + SafeHeaderValue(*ct) + "\r\n\r\n";
    if (Status s = spool_->Append(prefix); !s.ok()) return s;
    spool_->prefix = prefix.size();
  }
  return Status::Ok();
}

Status Transaction::OnBody(std::string_view data) {
  service_.stats_.body_bytes += data.size();
  if (unfinished_ || !spool_) return Status::Ok();
  const std::uint64_t max = service_.options_.max_body;
  if (max > 0 && spool_->size - spool_->prefix + data.size() > max) {
    unfinished_ = true;
    unfinished_reason_ = "body larger than the ICAP max_body limit (" + std::to_string(max) + " bytes)";
    return Status::Ok();  // the rest is read and dropped; the fail mode decides
  }
  if (Status s = spool_->Append(data); !s.ok()) {
    unfinished_ = true;
    unfinished_reason_ = s.message();
  }
  return Status::Ok();
}

Status Transaction::OnPreviewEnd() {
  // The whole body is needed to inspect it.
  continued_ = true;
  output_ += ContinueResponse();
  return Status::Ok();
}

Status Transaction::OnEnd() {
  Respond();
  return Status::Ok();
}

const HttpHead* Transaction::BodyHead() const {
  const auto& h = head_.method == Method::kRespmod ? head_.http_response : head_.http_request;
  return h ? &*h : nullptr;
}

Transfer Transaction::BuildTransfer() const {
  Transfer t;
  t.channel = Channel::kWeb;
  t.direction = head_.method == Method::kRespmod ? "in" : "out";
  if (const std::string* ip = head_.Find("X-Client-IP")) t.identity.client_ip = *ip;
  for (const char* h : {"X-Authenticated-User", "X-Client-Username"})
    if (const std::string* u = head_.Find(h); u != nullptr && t.identity.user.empty())
      t.identity.user = DecodeUser(*u);
  t.attributes["icap_service"] = head_.service;
  if (head_.http_request) {
    const std::string& line = head_.http_request->start_line;
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.rfind(' ');
    std::string method = line.substr(0, sp1);
    std::string target = sp1 != std::string::npos && sp2 > sp1 ? line.substr(sp1 + 1, sp2 - sp1 - 1) : "";
    t.attributes["http_method"] = method;
    std::string url = target;
    if (!target.starts_with("http://") && !target.starts_with("https://")) {
      const std::string* host = head_.http_request->Find("Host");
      if (method == "CONNECT") {
        url = "https://" + target + "/";
      } else if (host != nullptr) {
        url = "http://" + *host + target;
      }
    }
    if (!url.empty()) {
      if (t.direction == "out") {
        t.destinations.push_back(DestinationFromString(url));
      } else {
        t.source = url;
      }
      std::string path = url.substr(0, url.find_first_of("?#"));
      if (auto slash = path.rfind('/'); slash != std::string::npos && slash + 1 < path.size())
        t.name = path.substr(slash + 1);
    }
  }
  const HttpHead* http = head_.method == Method::kRespmod && head_.http_response ? &*head_.http_response
                         : head_.http_request                                    ? &*head_.http_request
                                                                                 : nullptr;
  if (http != nullptr)
    if (const std::string* ct = http->Find("Content-Type")) t.content_type = *ct;
  return t;
}

void Transaction::SendUnchanged(bool allow_204) {
  if (allow_204) {
    ++service_.stats_.no_content;
    output_ += NoContentResponse(service_.istag());
    spool_.reset();
    return;
  }
  const bool request = head_.method == Method::kReqmod;
  const HttpHead* http = BodyHead();
  const std::string raw = http != nullptr ? http->raw : std::string();
  const bool body = spool_ != nullptr && spool_->size > spool_->prefix;
  output_ += OkHead(service_.istag(), request, raw, body);
  if (body) {
    echo_offset_ = 0;
    echoing_ = true;
  } else if (spool_ != nullptr && head_.encapsulated.has_body()) {
    output_ += LastChunk();
  }
}

void Transaction::SendBlockPage(const Verdict& verdict, const std::string& incident_id,
                                std::string_view reason, std::string_view form_html) {
  ++service_.stats_.blocked;
  std::string rules;
  for (const RuleMatch& m : verdict.matched)
    if (m.action == verdict.action) rules += "<li>" + HtmlEscape(m.rule) + "</li>";
  const std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Upload blocked</title>"
      "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;color:#222}"
      "code{background:#eee;padding:.1em .3em}</style></head><body>\n"
      "<h1>This upload was blocked</h1>\n<p>" +
      HtmlEscape(reason.empty() ? "It contains data that may not be sent to this destination." : reason) +
      "</p>\n" + (rules.empty() ? "" : "<p>Policy rule:</p><ul>" + rules + "</ul>\n") +
      (incident_id.empty() ? "" : "<p>Incident: <code>" + HtmlEscape(incident_id) + "</code></p>\n") +
      std::string(form_html) + "<p>" + HtmlEscape(service_.options_.help) +
      "</p>\n<p><small>LeakGuard data leakage prevention</small></p>\n</body></html>\n";
  const std::string head =
      "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
      std::to_string(page.size()) +
      "\r\nCache-Control: no-store\r\nX-LeakGuard-Action: " + std::string(ActionName(verdict.action)) +
      (incident_id.empty() ? "" : "\r\nX-LeakGuard-Incident: " + incident_id) + "\r\n\r\n";
  std::vector<Header> extra;
  if (!incident_id.empty()) extra.push_back({"X-LeakGuard-Incident", incident_id});
  output_ += OkHead(service_.istag(), /*request=*/false, head, true, extra) + Chunk(page) + LastChunk();
  spool_.reset();
}

namespace {
// Who an override belongs to and where it applies.
std::string SenderOf(const Transfer& t) {
  return !t.identity.user.empty() ? t.identity.user : t.identity.client_ip;
}
std::string HostOf(const Transfer& t) {
  if (t.destinations.empty()) return {};
  return !t.destinations.front().host.empty() ? t.destinations.front().host : t.destinations.front().ip;
}
}  // namespace

void Transaction::SendJustifyPage(const Verdict& verdict, const std::string& incident_id,
                                  const Transfer& transfer) {
  std::string form;
  incident::DecisionPoint* decisions = service_.decisions_;
  if (!service_.options_.justify_url.empty() && decisions != nullptr && !incident_id.empty()) {
    const std::string ticket =
        decisions->IssueJustifyTicket(incident_id, SenderOf(transfer), HostOf(transfer));
    form = "<form method=\"post\" action=\"" + HtmlEscape(service_.options_.justify_url) +
           "\">\n<input type=\"hidden\" name=\"incident\" value=\"" + HtmlEscape(incident_id) +
           "\">\n<input type=\"hidden\" name=\"ticket\" value=\"" + HtmlEscape(ticket) +
           "\">\n<p><label>Business justification:<br><textarea name=\"reason\" rows=\"4\" cols=\"60\" "
           "required></textarea></label></p>\n<p><button type=\"submit\">Submit and allow for one "
           "hour</button></p>\n"
           "</form>\n<p>After submitting, send your upload again.</p>\n";
  }
  SendBlockPage(verdict, incident_id,
                verdict.message.empty() ? "This upload needs a business justification before it may be sent."
                                        : verdict.message,
                form);
}

bool Transaction::TryRedact() {
  if (!spool_ || !head_.http_request || spool_->prefix > 0) return false;
  std::string_view body = spool_->Body();
  if (body.size() > service_.options_.max_redact_bytes) return false;
  const std::string media = MediaType(head_.http_request->Find("Content-Type"));
  const bool form = media == "application/x-www-form-urlencoded";
  const bool text = media.empty() || media.starts_with("text/") || media == "application/json" ||
                    media.ends_with("+json") || media == "application/xml" || media.ends_with("+xml");
  if (!form && !text) return false;

  auto lease = service_.scanners_.Acquire();
  // Masks every finding of medium confidence or more in `s`.
  auto mask = [&](std::string_view s, std::string& out) -> bool {
    ScanOptions so;
    so.min_confidence = Confidence::kMedium;
    auto found = lease->ScanBlock(s, so);
    if (!found) return false;
    std::size_t pos = 0;
    for (const Finding& f : *found) {
      if (f.start < pos || f.end > s.size()) continue;  // overlapping: the first one wins
      out.append(s.substr(pos, f.start - pos));
      out += f.masked;
      pos = f.end;
    }
    out.append(s.substr(pos));
    return true;
  };
  std::string rewritten;
  if (form) {
    std::string_view rest = body;
    bool first = true;
    while (true) {
      std::size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      if (!first) rewritten += '&';
      first = false;
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        rewritten.append(pair);
      } else {
        std::string masked;
        if (!mask(FormDecode(pair.substr(eq + 1)), masked)) return false;
        rewritten.append(pair.substr(0, eq + 1));
        rewritten += FormEncode(masked);
      }
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  } else if (!mask(body, rewritten)) {
    return false;
  }
  // The request head with Content-Length fixed (and no Transfer-Encoding: the body is now sized).
  const HttpHead& h = *head_.http_request;
  std::string head = h.start_line + "\r\n";
  for (const Header& hd : h.headers) {
    if (EqualsIgnoreCase(hd.name, "Content-Length") || EqualsIgnoreCase(hd.name, "Transfer-Encoding"))
      continue;
    head += hd.name + ": " + hd.value + "\r\n";
  }
  head += "Content-Length: " + std::to_string(rewritten.size()) + "\r\n\r\n";
  ++service_.stats_.redacted;
  output_ += OkHead(service_.istag(), /*request=*/true, head, true) + Chunk(rewritten) + LastChunk();
  spool_.reset();
  return true;
}

void Transaction::Respond() {
  switch (head_.method) {
    case Method::kOptions: {
      ++service_.stats_.options;
      OptionsInfo info;
      info.method = head_.service == service_.options_.respmod_service ? Method::kRespmod : Method::kReqmod;
      info.istag = service_.istag();
      info.preview = service_.options_.preview;
      info.max_connections = service_.options_.max_connections;
      info.transfer_ignore = service_.options_.transfer_ignore;
      output_ += OptionsResponse(info);
      return;
    }
    case Method::kReqmod:
    case Method::kRespmod:
      ++service_.stats_.requests;
      // 204 is allowed when the client offered it, or as the answer to a preview (RFC 3507 4.6): a
      // message whose whole body came in the preview (ieof) — not after a 100 Continue.
      RespondReqmod(head_.allow_204 || (head_.preview.has_value() && !continued_));
      return;
  }
}

void Transaction::RespondReqmod(bool allow_204) {
  // Nothing to inspect: a request without a body (GET) or an empty one.
  if (!spool_ || spool_->size == spool_->prefix) {
    if (!unfinished_) {
      SendUnchanged(allow_204);
      return;
    }
  }
  const IcapOptions& o = service_.options_;
  incident::DecisionPoint* decisions = service_.decisions_;
  std::shared_ptr<const classify::Classifier> classifier = decisions ? decisions->classifier() : nullptr;
  policy::SummaryBuilder builder(classifier.get());
  Transfer transfer = BuildTransfer();
  Status inspected = Status::Ok();
  if (!unfinished_ && spool_) {
    BodySpool* spool = spool_.get();
    SpoolSource source(*spool);
    FormDecodingSource form(source);
    const HttpHead* http = BodyHead();
    const bool urlencoded =
        http != nullptr && MediaType(http->Find("Content-Type")) == "application/x-www-form-urlencoded";
    inspected =
        InspectForPolicy(service_.scanners_, urlencoded ? static_cast<extract::Source&>(form) : source,
                         transfer.name, o.limits, builder);
    if (!inspected.ok()) {
      unfinished_ = true;
      unfinished_reason_ = inspected.ToString();
    }
  }
  FindingsSummary summary = builder.Finish();
  if (unfinished_) {
    summary.complete = false;
    if (summary.incomplete_reason.empty()) summary.incomplete_reason = unfinished_reason_;
  }
  const bool fail_mode = !summary.complete;
  if (fail_mode) ++service_.stats_.unfinished;
  if (decisions == nullptr) {
    if (fail_mode && !o.fail_open) {
      SendBlockPage(Verdict{}, "", "The upload could not be inspected completely.");
      return;
    }
    SendUnchanged(allow_204);
    return;
  }

  transfer.bytes = spool_ ? spool_->size - spool_->prefix : 0;
  std::optional<RuleMatch> imposed;
  if (fail_mode) {
    imposed = RuleMatch{o.fail_open ? "icap/fail-open" : "icap/fail-closed",
                        o.fail_open ? Action::kAudit : Action::kBlock,
                        Severity::kMedium,
                        "inspection did not finish (" + summary.incomplete_reason + "); " +
                            (o.fail_open ? "let through (fail-open)" : "blocked (fail-closed)"),
                        {},
                        false};
  }
  // A justification given earlier lets the same sender send to the same host for a while.
  const std::int64_t override_until = decisions->OverrideUntil(SenderOf(transfer), HostOf(transfer));
  if (override_until > 0) transfer.attributes["justified_until_ms"] = std::to_string(override_until);
  std::vector<incident::ContentItem> content;
  if (spool_) content.push_back({transfer.name, spool_->Body()});
  auto decided = decisions->Decide(transfer, summary, content, imposed ? &*imposed : nullptr);
  if (!decided) {
    // Not recorded: the incident store is down. Apply the fail mode without a record.
    ++service_.stats_.unfinished;
    if (o.fail_open) {
      SendUnchanged(allow_204);
    } else {
      SendBlockPage(Verdict{}, "", "The upload could not be checked right now; try again later.");
    }
    return;
  }
  const Verdict& v = decided->verdict;
  switch (v.action) {
    case Action::kAllow:
    case Action::kAudit:
    case Action::kAlert:
      SendUnchanged(allow_204);
      return;
    case Action::kRedact:
      if (head_.method == Method::kReqmod && TryRedact()) return;
      SendBlockPage(
          v, decided->incident_id,
          "It contains data that must be masked before it is sent, and this kind of upload cannot be "
          "rewritten.");
      return;
    case Action::kJustify:
      if (override_until > 0) {
        SendUnchanged(allow_204);
      } else {
        SendJustifyPage(v, decided->incident_id, transfer);
      }
      return;
    case Action::kEncrypt:
    case Action::kQuarantine:
    case Action::kBlock:
      SendBlockPage(v, decided->incident_id, v.message);
      return;
  }
}

}  // namespace leakguard::channel::icap
