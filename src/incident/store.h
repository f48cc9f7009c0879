// incident/store.h — where decided transfers, incidents, encrypted evidence and the audit chain live.
//
// Owns: IncidentStore, opened from a URL, and the value types of its operations.
//   sqlite:/var/lib/leakguard/incidents.db  (or a plain path)  embedded default, one host
//   postgresql://user@host:5432/leakguard?sslmode=...          several LeakGuard nodes sharing one store
// Both run the same logic (this class) over a backend (database.h); one conformance suite
// (tests/unit/incident/store_test.cc) runs against both. The schema is created on first open and
// migrated forward (table schema_version); a store written by a newer LeakGuard is refused.
//
// What is kept:
//   - transfers: a TransferRecord for every recorded transfer with findings, a label above public or
//     an incident, for `policy replay`;
//   - incidents: one per transfer whose verdict is not allow, with history (every change, by whom);
//   - evidence: the full content, only when the verdict asks (Verdict::keep_evidence) and a public key
//     is configured, encrypted (evidence.h) and cut at StoreOptions::evidence_max_bytes;
//   - audit: a hash chain of every incident, change and administrative action (audit.h).
// Nothing stored holds a full sensitive value in clear: summaries hold masked samples (the model's
// rule), evidence is ciphertext, and free text in audit details (notes, root cause, justification)
// is kept there only as its SHA-256.
//
// Threads: every method may be called concurrently from any thread. Connections come from a pool
// (SQLite: one connection per concurrent caller, WAL, busy timeout; PostgreSQL: one connection per
// concurrent caller, dropped and reopened when the server went away). Writers to the audit chain are
// serialised (SQLite's write lock; a PostgreSQL advisory lock), also across nodes.
//
// Failure: methods return Status/Result and throw nothing. kUnavailable means the database could not
// be reached (or stayed locked) until StoreOptions::retry_for ran out: nothing was acknowledged and
// the caller may retry or spool. An operation is retried internally on kUnavailable until that
// deadline; Record is idempotent per transfer id, so a retry after a commit whose answer was lost
// returns the incident that was committed. kNotFound for an unknown incident id.
// Durability: Record returns only once the transaction is durable (SQLite: WAL with
// synchronous=FULL, fsynced at commit; PostgreSQL: COMMIT returned, synchronous_commit untouched).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident/audit.h"
#include "incident/evidence.h"
#include "incident/incident.h"
#include "incident/incident_json.h"
#include "leakguard/status.h"

namespace leakguard::incident {

struct StoreOptions {
  // Evidence is kept only with a public key; without one, a keep_evidence verdict is recorded with
  // "evidence not kept: no public key configured" in the incident's creation audit entry.
  std::optional<EvidencePublicKey> evidence_key;
  std::uint64_t evidence_max_bytes = 16ull << 20;  // content beyond is cut; the cut is recorded
  std::size_t evidence_chunk_bytes = 64 << 10;     // plaintext bytes per encrypted chunk
  // When set, every audit entry carries an HMAC under this key (audit.h), and VerifyAudit checks it.
  std::optional<AuditKey> audit_key;
  std::string system_actor = "leakguard";  // actor of entries written by Record
  // How long an operation keeps retrying while the database is unreachable or locked; 0: one attempt.
  std::chrono::milliseconds retry_for{10000};
  int busy_timeout_ms = 5000;  // SQLite: wait for another writer's lock
  int connect_timeout_s = 5;   // PostgreSQL: per connection attempt
  std::size_t max_idle_connections = 8;
};

// What Record did.
struct RecordResult {
  bool recorded = false;    // false: nothing worth keeping (no findings, public, allowed)
  bool duplicate = false;   // this transfer id was recorded before; ids below are that record's
  std::string transfer_id;  // assigned when the transfer had none
  std::string incident_id;  // empty when the verdict was allow
  std::string evidence_id;  // empty when no evidence was kept
  bool evidence_truncated = false;
  std::int64_t audit_seq = 0;  // the "incident.created" entry, 0 without an incident
};

// Filters of List; unset fields match everything. Results are newest first.
struct IncidentFilter {
  std::vector<IncidentStatus> statuses;  // any of these
  std::optional<Severity> min_severity;
  std::optional<Action> action;
  std::optional<Channel> channel;
  std::string user;                      // exact, case-insensitive
  std::string info_type;                 // the summary holds this info type
  std::optional<std::string> assignee;   // exact; "" = unassigned
  std::optional<std::int64_t> since_ms;  // time_ms >= since
  std::optional<std::int64_t> until_ms;  // time_ms < until
  std::string text;  // substring of a matched rule name or a destination, case-insensitive
  std::int64_t limit = 100;
  std::int64_t offset = 0;
};

// One call to Update: every set field that differs from the incident's current value is changed,
// appended to its history and to the audit chain, in one transaction.
struct IncidentUpdate {
  std::string actor;  // required: who does it
  std::optional<IncidentStatus> status;
  std::optional<std::string> assignee;
  std::optional<Severity> severity;
  std::optional<std::string> root_cause;
  std::optional<std::string> justification;
  std::optional<std::string> note;  // appended to notes
};

struct TransferFilter {
  std::optional<std::int64_t> since_ms;
  std::optional<std::int64_t> until_ms;
  std::int64_t limit = 1000;
  std::int64_t offset = 0;
};

struct EvidenceInfo {
  std::string id;
  std::string incident_id;
  std::int64_t created_ms = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t original_bytes = 0;  // 0 when unknown
  bool truncated = false;            // the content was cut at evidence_max_bytes
  std::string name;
  std::string content_type;
};

class IncidentStore {
 public:
  // Opens (creating or migrating the schema) the store at `url`: "sqlite:PATH", "sqlite://PATH",
  // a plain path, or "postgresql://..." / "postgres://...". kUnavailable when PostgreSQL cannot be
  // reached within options.retry_for.
  static Result<std::unique_ptr<IncidentStore>> Open(std::string_view url, StoreOptions options = {});
  ~IncidentStore();
  IncidentStore(const IncidentStore&) = delete;
  IncidentStore& operator=(const IncidentStore&) = delete;

  // Records one decided transfer atomically: its TransferRecord and, when the verdict is not allow,
  // its Incident (new id, status new, history "created") and an "incident.created" audit entry.
  // `record.transfer.id` is assigned when empty; time_ms defaults to now. `evidence` is read (once)
  // only when the verdict keeps evidence and a public key is configured; it is written and committed
  // before the incident (an incident never points at missing evidence). Returns once durable.
  Result<RecordResult> Record(const TransferRecord& record, const EvidenceSource* evidence = nullptr);

  Result<Incident> Get(std::string_view incident_id);
  Result<std::vector<Incident>> List(const IncidentFilter& filter);
  // kInvalidArgument without an actor; kNotFound for an unknown id. Returns the updated incident.
  Result<Incident> Update(std::string_view incident_id, const IncidentUpdate& update);

  // Recorded transfers, oldest first, for `policy replay`.
  Result<std::vector<TransferRecord>> ListTransfers(const TransferFilter& filter);

  // Appends an administrative action ("policy.reload", "config.change"...) to the audit chain.
  // `details` must hold no sensitive value. Returns the entry's seq.
  Result<std::int64_t> AppendAudit(std::string_view actor, std::string_view action,
                                   std::string_view object_id, const Json& details);
  // Entries with seq >= from_seq, in order.
  Result<std::vector<AuditEntry>> ListAudit(std::int64_t from_seq, std::int64_t limit);
  // Walks the whole chain (constant memory) and cross-checks the incidents against it. With `key`
  // (default: options' audit key) every MAC is checked too.
  Result<AuditReport> VerifyAudit(const AuditKey* key = nullptr);

  // Evidence of an incident: kNotFound when it has none.
  Result<EvidenceInfo> GetEvidence(std::string_view incident_id);
  // Appends "evidence.open" by `actor` to the audit chain and the incident's history (before any
  // decryption, so a failed attempt is on record too), then decrypts the content chunk by chunk
  // into `sink`. kInvalidArgument for the wrong key or damaged evidence.
  Status OpenEvidence(std::string_view incident_id, const EvidenceSecretKey& key, std::string_view actor,
                      const std::function<Status(std::string_view)>& sink);

  // "sqlite:/path" or "postgresql://user@host:port/db" (never a password).
  std::string display_name() const;
  std::string_view dialect() const;
  static constexpr int kSchemaVersion = 1;

 private:
  struct Impl;
  explicit IncidentStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The store URL when none is configured: "sqlite:" + $LEAKGUARD_DATA_DIR/incidents.db when that is
// set; else /var/lib/leakguard/incidents.db when /var/lib/leakguard exists or can be created
// (root); else $XDG_DATA_HOME/leakguard/incidents.db or ~/.local/share/leakguard/incidents.db.
std::string DefaultStoreUrl();

}  // namespace leakguard::incident
