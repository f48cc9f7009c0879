// incident/audit.h — the audit trail's hash chain: entry form, hashes, keys and verification.
//
// Owns: AuditEntry, AuditKey, AuditProblem, AuditReport and ChainVerifier. The entries live in the
// incident store (IncidentStore::AppendAudit / VerifyAudit, store.h) so every node appends to one
// chain; this header holds the parts that do not touch a database.
//
// The chain: entry n has hash_n = SHA-256(hash_{n-1} || "\n" || canonical_n) (hex), where hash_0 is
// 64 zeros and canonical_n is the compact JSON array [seq, time_ms, actor, action, object_id, details]
// — so changing, removing or reordering any entry breaks the link at that entry or the next.
// A plain hash chain does not stop someone with write access to the database from rewriting the whole
// chain after a change. When an audit key is configured (a 32-byte secret kept in a file outside the
// database, `incidents.audit.key`), each entry also carries mac_n = HMAC-SHA256(key, hash_n), which
// cannot be recomputed without the key. Verification with the key therefore detects a rewritten chain
// too. Removing entries from the end of the chain is caught by the store's cross-check against the
// incidents (each incident records the seq of its "incident.created" entry); against someone who also
// deletes those incidents, anchor the head (seq and hash printed by `leakguard audit verify`) outside.
//
// Threads: value types and free functions; a ChainVerifier is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::incident {

struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3... without gaps
  std::int64_t time_ms = 0;
  std::string actor;      // "leakguard" for the system, else the user or admin ("cli:alice")
  std::string action;     // "store.created", "incident.created", "incident.status", "evidence.open"...
  std::string object_id;  // incident id, or "" for store-wide actions
  std::string details;    // compact JSON object, no sensitive values (free text is kept as a SHA-256)
  std::string prev_hash;  // hex
  std::string hash;       // hex
  std::string mac;        // hex HMAC, "" when the chain was written without an audit key
};

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The JSON array the hash covers.
std::string CanonicalAuditEntry(const AuditEntry& e);
// SHA-256(prev_hash || "\n" || canonical) in lower-case hex.
std::string AuditChainHash(std::string_view prev_hash, std::string_view canonical);
std::string Sha256Hex(std::string_view data);

// The secret that keys the chain: 32 random bytes.
struct AuditKey {
  std::string bytes;
  // The first 16 hex digits of SHA-256 of the key, to tell keys apart in messages.
  std::string id() const;
  // HMAC-SHA256(bytes, hash) in hex.
  std::string Mac(std::string_view hash) const;
};

// Key file: one line "leakguard-audit-key-v1 <base64>". Written with mode 0600; refused when it
// exists already (a lost key cannot be replaced without losing the ability to verify).
Status WriteNewAuditKey(const std::string& path);
Result<AuditKey> LoadAuditKey(const std::string& path);

struct AuditProblem {
  std::int64_t seq = 0;  // the first entry affected
  std::string what;
};

struct AuditReport {
  std::int64_t entries = 0;
  std::int64_t head_seq = 0;
  std::string head_hash;
  bool macs_checked = false;           // a key was given and every MAC was compared
  std::int64_t unkeyed = 0;            // entries without a MAC (with no key given: informational)
  std::vector<AuditProblem> problems;  // at most kMaxProblems, in seq order
  static constexpr std::size_t kMaxProblems = 100;
  bool intact() const { return problems.empty(); }
  void Add(std::int64_t seq, std::string what);
};

// Checks a chain fed in seq order, one entry at a time (constant memory).
class ChainVerifier {
 public:
  explicit ChainVerifier(const AuditKey* key) : key_(key) { report_.macs_checked = key != nullptr; }
  void Feed(const AuditEntry& e);
  // The report so far (call after the last Feed).
  AuditReport& report() { return report_; }

 private:
  const AuditKey* key_;
  AuditReport report_;
  std::int64_t expected_seq_ = 1;
  std::string prev_hash_ = std::string(kGenesisHash);
};

}  // namespace leakguard::incident
