// incident/config.h — the `incidents:` section of the LeakGuard configuration file.
//
//   incidents:
//     store: postgresql://leakguard@db.corp:5432/leakguard   # or sqlite:/var/lib/leakguard/incidents.db
//     evidence:
//       public_key: /etc/leakguard/evidence.pub   # from `leakguard evidence keygen`; no key: no evidence
//       max_bytes: 16MiB                          # content beyond is cut (the cut is recorded)
//     audit:
//       key: /etc/leakguard/audit.key             # from `leakguard audit keygen`; keys the hash chain
//     retry_seconds: 10                           # how long a write retries while the store is down
//
// Other top-level sections (infotypes:, policy:, siem:...) are ignored here. Relative file names are
// taken relative to the configuration file's folder.
//
// Threads: free functions, no shared state.
// Failure: kParseError naming the file and key; kNotFound / kParseError for unreadable key files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "incident/store.h"
#include "leakguard/status.h"

namespace leakguard::incident {

struct IncidentConfig {
  std::string store;                // empty: DefaultStoreUrl()
  std::string evidence_public_key;  // file; empty: evidence is not kept
  std::uint64_t evidence_max_bytes = 16ull << 20;
  std::string audit_key;  // file; empty: the chain is hashed but not keyed
  double retry_seconds = 10;
};

// Reads the `incidents:` section of a YAML file (absent section: defaults).
Result<IncidentConfig> LoadIncidentConfig(const std::string& path);
// Same from YAML text; `base_dir` resolves relative file names, `source` names it in errors.
Result<IncidentConfig> ParseIncidentConfig(std::string_view yaml, std::string_view source,
                                           const std::string& base_dir);

// StoreOptions from a configuration: loads the evidence public key and the audit key.
Result<StoreOptions> StoreOptionsFrom(const IncidentConfig& config);

// The store URL of a configuration (its `store`, else DefaultStoreUrl()), opened with
// StoreOptionsFrom(config). What `leakguard serve` and the CLI call.
Result<std::unique_ptr<IncidentStore>> OpenConfiguredStore(const IncidentConfig& config);

}  // namespace leakguard::incident
