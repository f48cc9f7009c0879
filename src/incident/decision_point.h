// incident/decision_point.h — the decision point of a `leakguard serve` process: what every channel
// (REST API, ICAP, milter) calls once it has inspected a transfer. It composes the layers below it:
//
//   policy (PolicyWatcher: configuration, policy, directory, GeoIP; reloaded on SIGHUP and when a
//   file changes)  ->  Verdict
//   incident store (SQLite / PostgreSQL): TransferRecord, Incident, encrypted evidence, audit chain
//   SIEM exporter (syslog/CEF, JSON lines, webhook; spooled, at least once)
//
// Decide(transfer, summary, content): classifies the summary (label from findings and markings),
// enriches the transfer (groups, host, country), decides, records the transfer and its incident
// (returning only once that is durable) and publishes the incident to the SIEM sinks (durably
// spooled). The channel then enforces the verdict.
//
// Threads: Decide, ReloadPolicy, classifier, RenderMetrics may be called from any thread at any time.
// Failure: Create fails on a bad configuration, policy or store (naming the file and line). Decide
// fails with kUnavailable when the incident could not be made durable (store down past its retry
// deadline): the channel then applies its fail-open / fail-closed setting. A SIEM spool that refuses
// an event does not fail the decision (the incident is in the store; the refusal is counted and logged).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "leakguard/engine.h"
#include "leakguard/policy.h"
#include "leakguard/status.h"
#include "leakguard/transfer.h"
#include "leakguard/verdict.h"

namespace leakguard::incident {

class IncidentStore;
namespace siem {
class Exporter;
}

// One piece of inspected content: an upload, a mail, the request's text.
struct ContentItem {
  std::string_view name;
  std::string_view bytes;
};

// What the policy layer decided for a transfer and the incident recorded for it (empty when none).
struct Decision {
  Verdict verdict;
  std::string incident_id;
};

struct DecisionPointOptions {
  // The configuration file holding `organization:`, `classification:`, `policy:`, `incidents:` and
  // `siem:` ("" = defaults: built-in policy, default store, no SIEM).
  std::string config_path;
  std::string policy_path;  // overrides the configuration's `policy:` ("" = from the configuration)
  std::string store_url;    // overrides `incidents.store` ("" = from the configuration)
  bool watch_files = true;  // reload when the configuration, policy, directory or GeoIP file changes
  std::string product_version = "0.1.0";
  // Lines about reloads and SIEM sink state ("leakguard: policy reloaded: ..."). Default: stderr.
  std::function<void(std::string_view)> log;
};

class DecisionPoint {
 public:
  using EngineProvider = std::function<std::shared_ptr<const Engine>()>;

  static Result<std::unique_ptr<DecisionPoint>> Create(DecisionPointOptions options, EngineProvider engine);
  ~DecisionPoint();  // stops the watcher and the SIEM workers (undelivered events stay spooled)
  DecisionPoint(const DecisionPoint&) = delete;
  DecisionPoint& operator=(const DecisionPoint&) = delete;

  // See the file comment. `content` is kept as evidence when the verdict asks for it. `imposed`, when
  // given, is a decision the channel adds on its own (e.g. "icap/fail-closed" when inspection could
  // not finish): it joins the matched rules and wins when stricter, so it is recorded like a rule.
  Result<Decision> Decide(Transfer& transfer, FindingsSummary& summary,
                          const std::vector<ContentItem>& content, const RuleMatch* imposed = nullptr);

  // Loads the configuration and policy again; on failure the running ones stay and the error is
  // returned. Recorded in the audit chain either way.
  Status ReloadPolicy();
  std::shared_ptr<const PolicyBundle> policy() const;
  // The running bundle's classifier (for collecting markings during extraction).
  std::shared_ptr<const classify::Classifier> classifier() const;

  // --- justification (action `justify`) ---
  // A sender whose transfer got `justify` may give a business justification; it is recorded on the
  // incident (history and audit trail) and lets the same sender (user, or client address without a
  // user) send to the same destination host for `ttl` without being asked again. The ticket the
  // channel hands out binds the incident, the sender and the host, and expires; only this process
  // can check it (overrides are per node).
  std::string IssueJustifyTicket(const std::string& incident_id, const std::string& sender,
                                 const std::string& host,
                                 std::chrono::seconds valid_for = std::chrono::minutes(30));
  // Checks the ticket, records `reason` as the incident's justification (actor: the sender) and grants
  // the override. kInvalidArgument for a bad or expired ticket or an empty reason.
  struct Justified {
    std::string incident_id;
    std::string host;
    std::int64_t override_until_ms = 0;
  };
  Result<Justified> Justify(const std::string& incident_id, const std::string& ticket,
                            const std::string& reason, std::chrono::seconds ttl = std::chrono::hours(1));
  // Whether `sender` holds a live override for `host` (and until when, Unix ms; 0 when none).
  std::int64_t OverrideUntil(const std::string& sender, const std::string& host) const;

  // Prometheus lines for /metrics: decisions by action, incidents recorded, store failures, SIEM sinks.
  std::string RenderMetrics() const;

  IncidentStore& store() { return *store_; }

 private:
  DecisionPoint() = default;
  void Log(std::string_view line) const;
  void OnReload(const Status& outcome, const PolicyBundle* now);

  DecisionPointOptions options_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<siem::Exporter> exporter_;
  std::unique_ptr<PolicyWatcher> watcher_;
  struct Counters;
  std::unique_ptr<Counters> counters_;
  unsigned char ticket_key_[32] = {};  // random per process: tickets are checked by the node that issued them
  mutable std::mutex overrides_mu_;
  std::map<std::pair<std::string, std::string>, std::int64_t> overrides_;  // (sender, host) -> until (ms)
};

}  // namespace leakguard::incident
