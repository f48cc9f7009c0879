#include "incident/decision_point.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>

#include <sodium.h>

#include "classify/classify.h"
#include "core/ascii.h"
#include "incident/config.h"
#include "incident/siem/exporter.h"
#include "incident/store.h"

namespace leakguard::incident {

struct DecisionPoint::Counters {
  std::array<std::atomic<std::uint64_t>, 8> decisions{};  // by Action
  std::atomic<std::uint64_t> incidents{0};
  std::atomic<std::uint64_t> store_failures{0};
  std::atomic<std::uint64_t> siem_refused{0};
  std::atomic<std::uint64_t> reloads_ok{0};
  std::atomic<std::uint64_t> reloads_failed{0};
};

namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The content to keep as evidence: one item as it is; several one after another, each after a
// header line naming it, so a responder can tell the uploads of one request apart.
struct EvidenceContent {
  std::string framed;  // several items only
  std::string_view bytes;
  std::string name;
};

EvidenceContent EvidenceOf(const std::vector<ContentItem>& content) {
  EvidenceContent e;
  if (content.size() == 1) {
    e.bytes = content.front().bytes;
    e.name = std::string(content.front().name);
    return e;
  }
  for (const ContentItem& c : content) {
    e.framed += "--- leakguard evidence part: " + std::string(c.name.empty() ? "(text)" : c.name) + " (" +
                std::to_string(c.bytes.size()) + " bytes) ---\n";
    e.framed.append(c.bytes);
    e.framed += '\n';
    if (!e.name.empty()) e.name += ", ";
    e.name += c.name.empty() ? "(text)" : std::string(c.name);
  }
  e.bytes = e.framed;
  return e;
}

}  // namespace

DecisionPoint::~DecisionPoint() {
  watcher_.reset();  // no reload callback after this point
  if (exporter_) exporter_->Stop();
}

void DecisionPoint::Log(std::string_view line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "leakguard: " << line << std::endl;
  }
}

Result<std::unique_ptr<DecisionPoint>> DecisionPoint::Create(DecisionPointOptions options,
                                                             EngineProvider engine) {
  std::unique_ptr<DecisionPoint> dp(new DecisionPoint());
  dp->options_ = std::move(options);
  if (sodium_init() < 0) return Unexpected(Status::Internal("libsodium initialisation failed"));
  randombytes_buf(dp->ticket_key_, sizeof dp->ticket_key_);
  dp->counters_ = std::make_unique<Counters>();
  const DecisionPointOptions& o = dp->options_;

  // The incident store first: a policy reload is recorded in its audit chain.
  IncidentConfig incidents;
  if (!o.config_path.empty()) {
    auto cfg = LoadIncidentConfig(o.config_path);
    if (!cfg) return Unexpected(cfg.error());
    incidents = std::move(*cfg);
  }
  if (!o.store_url.empty()) incidents.store = o.store_url;
  auto store = OpenConfiguredStore(incidents);
  if (!store) {
    return Unexpected(Status(store.error().code(), "incident store: " + store.error().message()));
  }
  dp->store_ = std::move(*store);

  if (!o.config_path.empty()) {
    auto siem = siem::LoadSiemConfig(o.config_path);
    if (!siem) return Unexpected(siem.error());
    if (*siem) {
      siem::ExporterOptions eo;
      eo.product_version = o.product_version;
      DecisionPoint* self = dp.get();
      eo.log = [self](std::string_view line) { self->Log("siem: " + std::string(line)); };
      auto exporter = siem::Exporter::Create(std::move(**siem), eo);
      if (!exporter) return Unexpected(exporter.error());
      dp->exporter_ = std::move(*exporter);
    }
  }

  PolicyWatcher::Options wo;
  wo.poll = o.watch_files;
  DecisionPoint* self = dp.get();
  wo.on_reload = [self](const Status& outcome, const PolicyBundle* now) { self->OnReload(outcome, now); };
  auto watcher = PolicyWatcher::Start(PolicyFiles{o.config_path, o.policy_path}, std::move(engine), wo);
  if (!watcher) return Unexpected(watcher.error());
  dp->watcher_ = std::move(*watcher);
  const auto bundle = dp->watcher_->current();
  (void)dp->store_->AppendAudit(
      "leakguard", "policy.load", bundle->policy->name(),
      {{"source", bundle->policy->source()}, {"version", bundle->policy->version()}});
  return dp;
}

void DecisionPoint::OnReload(const Status& outcome, const PolicyBundle* now) {
  if (outcome.ok()) {
    ++counters_->reloads_ok;
    Log("policy reloaded: " + now->policy->source() + " " + now->policy->version());
    (void)store_->AppendAudit("leakguard", "policy.reload", now->policy->name(),
                              {{"source", now->policy->source()}, {"version", now->policy->version()}});
  } else {
    ++counters_->reloads_failed;
    Log("error: policy reload refused, keeping " +
        (now ? now->policy->version() : std::string("the running policy")) + ": " + outcome.message());
    (void)store_->AppendAudit("leakguard", "policy.reload_refused", now ? now->policy->name() : "",
                              {{"error", outcome.message()}});
  }
}

Status DecisionPoint::ReloadPolicy() { return watcher_->Reload(); }

std::shared_ptr<const PolicyBundle> DecisionPoint::policy() const { return watcher_->current(); }

std::shared_ptr<const classify::Classifier> DecisionPoint::classifier() const {
  return watcher_->current()->org.classifier;
}

Result<Decision> DecisionPoint::Decide(Transfer& transfer, FindingsSummary& summary,
                                       const std::vector<ContentItem>& content, const RuleMatch* imposed) {
  const std::shared_ptr<const PolicyBundle> bundle = watcher_->current();
  if (transfer.time_ms == 0) transfer.time_ms = NowMs();
  if (bundle->org.classifier) bundle->org.classifier->Classify(summary);

  Decision decision;
  decision.verdict = bundle->Decide(transfer, summary);
  if (imposed != nullptr) {
    Verdict& v = decision.verdict;
    v.matched.push_back(*imposed);
    if (imposed->action > v.action) {
      v.action = imposed->action;
      v.message = imposed->reason;
    }
    v.severity = std::max(v.severity, imposed->severity);
    v.keep_evidence |= imposed->keep_evidence;
    for (const std::string& n : imposed->notify)
      if (std::find(v.notify.begin(), v.notify.end(), n) == v.notify.end()) v.notify.push_back(n);
  }
  ++counters_->decisions[static_cast<std::size_t>(decision.verdict.action)];

  TransferRecord record;
  record.transfer = transfer;
  record.summary = summary;
  record.verdict = decision.verdict;
  EvidenceContent evidence;
  std::optional<EvidenceSource> source;
  if (decision.verdict.keep_evidence && !content.empty()) {
    evidence = EvidenceOf(content);
    source = EvidenceFromMemory(evidence.bytes, evidence.name, transfer.content_type);
  }
  auto recorded = store_->Record(record, source ? &*source : nullptr);
  if (!recorded) {
    ++counters_->store_failures;
    return Unexpected(Status(recorded.error().code(), "incident store: " + recorded.error().message()));
  }
  transfer.id = recorded->transfer_id;
  decision.incident_id = recorded->incident_id;
  if (decision.incident_id.empty()) return decision;
  if (!recorded->duplicate) ++counters_->incidents;

  if (exporter_ && !recorded->duplicate) {
    auto incident = store_->Get(decision.incident_id);
    if (!incident) {
      ++counters_->siem_refused;
      Log("error: incident " + decision.incident_id + " not exported: " + incident.error().message());
    } else if (Status s = exporter_->Publish(siem::IncidentCreated(std::move(*incident))); !s.ok()) {
      ++counters_->siem_refused;
      Log("error: incident " + decision.incident_id + " not exported: " + s.message());
    }
  }
  return decision;
}

namespace {

std::string Hex(const unsigned char* p, std::size_t n) {
  std::string out;
  static const char* d = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out += d[p[i] >> 4];
    out += d[p[i] & 15];
  }
  return out;
}

// Ticket: "<expiry ms>.<hex(sender)>.<hex(host)>.<hex hmac>", the MAC over incident|expiry|sender|host.
std::string HexOf(std::string_view s) {
  return Hex(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::optional<std::string> Unhex(std::string_view h) {
  if (h.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    auto v = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int a = v(h[i]), b = v(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

}  // namespace

std::string DecisionPoint::IssueJustifyTicket(const std::string& incident_id, const std::string& sender,
                                              const std::string& host, std::chrono::seconds valid_for) {
  const std::int64_t expiry =
      NowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(valid_for).count();
  const std::string signed_text = incident_id + "|" + std::to_string(expiry) + "|" + sender + "|" + host;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(),
                         ticket_key_);
  return std::to_string(expiry) + "." + HexOf(sender) + "." + HexOf(host) + "." + Hex(mac, sizeof mac);
}

Result<DecisionPoint::Justified> DecisionPoint::Justify(const std::string& incident_id,
                                                        const std::string& ticket, const std::string& reason,
                                                        std::chrono::seconds ttl) {
  auto bad = [] {
    return Unexpected(Status::InvalidArgument("the justification link is not valid or has expired"));
  };
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (parts.size() < 4) {
    std::size_t dot = ticket.find('.', pos);
    parts.push_back(ticket.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (parts.size() != 4) return bad();
  auto sender = Unhex(parts[1]);
  auto host = Unhex(parts[2]);
  auto mac = Unhex(parts[3]);
  std::int64_t expiry = 0;
  try {
    expiry = std::stoll(parts[0]);
  } catch (...) {
    return bad();
  }
  if (!sender || !host || !mac || mac->size() != crypto_auth_hmacsha256_BYTES || expiry < NowMs())
    return bad();
  const std::string signed_text = incident_id + "|" + parts[0] + "|" + *sender + "|" + *host;
  if (crypto_auth_hmacsha256_verify(reinterpret_cast<const unsigned char*>(mac->data()),
                                    reinterpret_cast<const unsigned char*>(signed_text.data()),
                                    signed_text.size(), ticket_key_) != 0)
    return bad();
  std::string why = reason;
  while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back()))) why.pop_back();
  if (why.empty()) return Unexpected(Status::InvalidArgument("a justification is required"));
  if (why.size() > 2000) why.resize(2000);
  IncidentUpdate update;
  update.actor = sender->empty() ? "unknown sender" : *sender;
  update.justification = why;
  if (auto updated = store_->Update(incident_id, update); !updated) return Unexpected(updated.error());
  Justified j;
  j.incident_id = incident_id;
  j.host = *host;
  j.override_until_ms = NowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  std::lock_guard lock(overrides_mu_);
  overrides_[{*sender, *host}] = j.override_until_ms;
  return j;
}

std::int64_t DecisionPoint::OverrideUntil(const std::string& sender, const std::string& host) const {
  std::lock_guard lock(overrides_mu_);
  auto it = overrides_.find({sender, host});
  if (it == overrides_.end() || it->second < NowMs()) return 0;
  return it->second;
}

std::string DecisionPoint::RenderMetrics() const {
  std::string out;
  out += "# HELP leakguard_decisions_total Transfers decided, by action.\n";
  out += "# TYPE leakguard_decisions_total counter\n";
  for (std::size_t i = 0; i < counters_->decisions.size(); ++i)
    out += "leakguard_decisions_total{action=\"" + std::string(ActionName(static_cast<Action>(i))) + "\"} " +
           std::to_string(counters_->decisions[i].load()) + "\n";
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t v) {
    AppendPrometheusCounter(out, name, help, v);
  };
  counter("leakguard_incidents_recorded_total", "Incidents written to the incident store.",
          counters_->incidents.load());
  counter("leakguard_incident_store_failures_total",
          "Decisions that could not be recorded (store unavailable).", counters_->store_failures.load());
  counter("leakguard_siem_publish_failures_total", "Incidents a SIEM spool refused.",
          counters_->siem_refused.load());
  counter("leakguard_policy_reloads_total", "Policy reloads that took effect.", counters_->reloads_ok.load());
  counter("leakguard_policy_reload_failures_total", "Policy reloads refused (the running policy stayed).",
          counters_->reloads_failed.load());
  if (exporter_) out += exporter_->RenderMetrics();
  return out;
}

}  // namespace leakguard::incident
