// leakguard/policy.h — policies: what may go where (docs/policies.md).
//
// Owns: OrgConfig (the organisation facts a policy needs: internal domains and networks, directory
// file, GeoIP database, classification settings, which policy file), Policy (an immutable, compiled
// policy: rules, exceptions and its own test cases), Enricher (adds directory groups, destination
// host and country to a Transfer), PolicyBundle (the three loaded together) and PolicyWatcher (the
// current bundle behind an atomic pointer, reloaded on request or when a file changes).
//
// Order of calls: OrgConfig::Load/LoadFile, then Policy::Load (or Policy::BuiltinDefault) and
// Enricher::Create — or LoadPolicyBundle, which does all of it from file paths. Per transfer:
// Enricher::Enrich(transfer), then Policy::Decide(transfer, summary). The summary comes from
// policy/content_summary.h (extraction + engine + classification).
//
// Decisions depend on the Transfer and its FindingsSummary only, never on raw findings or content,
// so a recorded transfer can be re-decided later (`leakguard policy replay`). Decide does not do
// I/O: facts that need a file (directory groups, GeoIP country) are added by Enrich beforehand and
// recorded with the transfer; internal/external is computed by Decide from the OrgConfig the policy
// was loaded with. Time conditions use Transfer::time_ms (the current time when it is 0).
//
// Combining: every enabled rule whose `when` holds, whose `unless` does not, and that no
// policy-level exception covers, matches. The verdict's action is the strictest matched action
// (verdict.h order), its severity the highest, `matched` lists every matched rule in policy order,
// notify is the union of their targets and keep_evidence is set when any matched rule asks for it.
// No rule matched: allow, severity info.
//
// Threads: OrgConfig, Policy, Enricher and PolicyBundle are immutable after loading and may be shared
// by any number of threads; Decide and Enrich are const and thread-safe. PolicyWatcher is
// thread-safe: current() may be called from any thread while Reload/poll swap the bundle.
//
// Failure: loading returns every error found, one per line, each naming the file, line and rule:
//   "policy.yaml:14: rule 'pci-block': unknown info type 'CREDIT_CARD'"
// (Status::message() joins them with '\n'). Nothing here throws.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "leakguard/engine.h"
#include "leakguard/status.h"
#include "leakguard/transfer.h"
#include "leakguard/verdict.h"

namespace leakguard {

namespace classify {
class Classifier;  // src/classify/classify.h
}
namespace policy {
class CompiledPolicy;  // internal: src/policy/policy_model.h
class GeoIp;           // internal: src/policy/geoip.h
class Directory;       // internal: src/policy/directory.h
}  // namespace policy

// The organisation facts from the configuration file (docs/policies.md, "Configuration"):
//
//   organization:
//     internal_domains: [corp.example]        # a domain and all its subdomains
//     internal_networks: [10.0.0.0/8, 2001:db8::/32]
//     private_networks_internal: true        # loopback, RFC 1918, ULA, link-local (default true)
//     directory: users.yaml                  # users -> groups
//     geoip: GeoLite2-Country.mmdb            # MaxMind-format database for countries
//   classification: {...}                    # src/classify, docs/policies.md
//   policy: policy.yaml                      # absent: the built-in default policy
//
// Relative paths are relative to the configuration file's folder. Other top-level keys (infotypes,
// overrides, incidents, siem, ...) belong to other layers and are ignored here.
struct OrgConfig {
  std::string source;                          // the config's name (path), "" when built from code
  std::vector<std::string> internal_domains;   // lower case, no leading "*." or "."
  std::vector<std::string> internal_networks;  // CIDR text, validated
  bool private_networks_internal = true;
  std::string directory_path;  // resolved path; "" none
  std::string geoip_path;      // resolved path; "" none
  std::string policy_path;     // resolved path; "" the built-in default policy
  // Classification settings (never null after Load; the defaults when `classification:` is absent).
  std::shared_ptr<const classify::Classifier> classifier;

  // Parses a configuration document. `base_dir` resolves relative paths ("" = current folder). The
  // engine, when given, checks info type ids in `classification:` and supplies type categories.
  static Result<OrgConfig> Load(const ConfigSource& config, std::string_view base_dir,
                                const Engine* engine = nullptr);
  static Result<OrgConfig> LoadFile(const std::string& path, const Engine* engine = nullptr);
  // No configuration: no internal domains, private networks internal, built-in policy, default
  // classification.
  static OrgConfig Defaults(const Engine* engine = nullptr);
};

// One test case of a policy (`tests:` in the policy file, docs/policies.md): an input transfer with
// its content (text, a file, or findings given directly) and the expected verdict.
struct PolicyTestCase {
  std::string name;
  int line = 0;
  Transfer transfer;
  std::optional<std::string> content_text;  // `content:`
  std::string content_file;                 // `content_file:`, resolved against the policy's folder
  std::optional<FindingsSummary> findings;  // `findings:` {TYPE: count | {count, confidence}}
  std::vector<std::string> markings;        // `markings:` labels the content is said to carry
  std::optional<Label> label;               // `label:` forces the content label
  // Expected:
  Action expect_action = Action::kAllow;
  std::optional<Severity> expect_severity;
  std::optional<std::vector<std::string>> expect_rules;  // rule ids (without the policy name), in order
  std::optional<Label> expect_label;
};

// Read-only description of one rule, for listings (`leakguard policy check`).
struct PolicyRuleInfo {
  std::string id;
  std::string description;
  Action action = Action::kAudit;
  Severity severity = Severity::kMedium;
  bool enabled = true;
  int line = 0;
};

class Policy {
 public:
  // Parses and compiles a policy document. `engine`, when given, is the catalog info type ids and
  // categories are checked against (plus the extraction problem types EXTRACTION_LIMIT,
  // ENCRYPTED_CONTENT, UNREADABLE_CONTENT); without it the built-in catalog's ids are used for
  // categories and unknown ids are accepted. Every error is reported, not just the first.
  static Result<std::shared_ptr<const Policy>> Load(const ConfigSource& policy, const OrgConfig& org,
                                                    const Engine* engine = nullptr);
  static Result<std::shared_ptr<const Policy>> LoadFile(const std::string& path, const OrgConfig& org,
                                                        const Engine* engine = nullptr);
  // The built-in default policy (data/policies/default.yaml).
  static Result<std::shared_ptr<const Policy>> BuiltinDefault(const OrgConfig& org,
                                                              const Engine* engine = nullptr);
  static std::string_view BuiltinDefaultText();

  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // Decides on one transfer (see the combining rule above). Thread-safe.
  Verdict Decide(const Transfer& transfer, const FindingsSummary& summary) const;

  const std::string& name() const;     // `name:` of the policy
  const std::string& source() const;   // file name it was loaded from ("builtin:policies/default.yaml")
  const std::string& version() const;  // "sha256:<16 hex>" of the policy text
  const std::vector<PolicyRuleInfo>& rules() const;
  const std::vector<PolicyTestCase>& tests() const;
  std::size_t exception_count() const;
  // `test_config:` of the policy file, resolved: the configuration `policy test` uses when none is
  // given on the command line ("" none).
  const std::string& test_config() const;

 private:
  explicit Policy(std::unique_ptr<policy::CompiledPolicy> compiled);
  std::unique_ptr<policy::CompiledPolicy> compiled_;
};

// Adds to a Transfer what the policy needs and the channel may not know: directory groups of the
// user (merged with the channel's), each destination's host (from its URL or mail address, lower
// case), its IP when the host is an address literal, and its country from the GeoIP database
// (only when the destination has an IP and no country yet).
class Enricher {
 public:
  // Opens the directory file and the GeoIP database named by `org` (none: nothing to add from them).
  static Result<std::shared_ptr<const Enricher>> Create(const OrgConfig& org);
  ~Enricher();
  Enricher(const Enricher&) = delete;
  Enricher& operator=(const Enricher&) = delete;

  void Enrich(Transfer& transfer) const;
  // ISO country code of an IP address, "" when unknown (no database, not found, not an address).
  std::string CountryOf(std::string_view ip) const;
  // Groups of a user from the directory (case-insensitive; "alice@corp.example" also finds "alice"
  // when corp.example is an internal domain).
  std::vector<std::string> GroupsOf(std::string_view user) const;

 private:
  Enricher() = default;
  std::vector<std::string> internal_domains_;
  std::unique_ptr<policy::Directory> directory_;
  std::unique_ptr<policy::GeoIp> geoip_;
};

// Which files make up the running policy.
struct PolicyFiles {
  std::string config_path;  // the configuration file; "" none (defaults)
  std::string policy_path;  // overrides the config's `policy:`; "" = from the config
};

// A loaded configuration, policy and enricher, swapped together on reload.
struct PolicyBundle {
  OrgConfig org;
  std::shared_ptr<const Policy> policy;
  std::shared_ptr<const Enricher> enricher;
  std::vector<std::string> files;  // every file read (config, policy, directory, geoip): watched

  // Enrich, then Decide.
  Verdict Decide(Transfer& transfer, const FindingsSummary& summary) const {
    enricher->Enrich(transfer);
    return policy->Decide(transfer, summary);
  }
};

Result<std::shared_ptr<const PolicyBundle>> LoadPolicyBundle(const PolicyFiles& files,
                                                             const Engine* engine = nullptr);

// The running policy. Reload() loads everything again and swaps it in; when anything fails the
// running bundle stays and the error is returned. With polling on, a background thread looks at
// the bundle's files every `poll_interval` (mtime and size first, then a content hash, so a touch
// without change is no reload) and reloads when one changed; the outcome goes to `on_reload`. A file
// whose mtime is within 2 s of when it was last hashed is hashed again at each poll, because a
// second write in the same timestamp tick with the same size would otherwise go unseen. A broken
// file is tried once and then again only when it changes.
class PolicyWatcher {
 public:
  using EngineProvider = std::function<std::shared_ptr<const Engine>()>;  // for type checks; may be null
  using ReloadCallback = std::function<void(const Status& outcome, const PolicyBundle* now_running)>;

  struct Options {
    bool poll = false;
    std::chrono::milliseconds poll_interval{1000};
    ReloadCallback on_reload;  // called after each reload attempt triggered by polling or Reload()
  };

  // Loads the first bundle; an error here is returned (there is nothing to keep running).
  static Result<std::unique_ptr<PolicyWatcher>> Start(PolicyFiles files, EngineProvider engine,
                                                      Options options);
  ~PolicyWatcher();  // stops the poll thread
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

  std::shared_ptr<const PolicyBundle> current() const { return current_.load(); }
  // Loads again and swaps; a failure keeps the running bundle. Serialised with polling.
  Status Reload();
  // One poll step: reloads when a watched file changed. Returns true when a reload was attempted
  // (its outcome in *outcome). For tests and for callers without the thread.
  bool CheckForChanges(Status* outcome = nullptr);

 private:
  struct FileState {
    std::string path;
    std::int64_t mtime_ns = -1;
    std::int64_t size = -1;
    std::string hash;
    std::int64_t checked_ns = 0;  // when the hash was taken (racy-change detection)
  };
  PolicyWatcher(PolicyFiles files, EngineProvider engine, Options options);
  Status ReloadLocked();
  static std::vector<FileState> Snapshot(const std::vector<std::string>& files);
  void PollLoop();

  PolicyFiles files_;
  EngineProvider engine_;
  Options options_;
  std::atomic<std::shared_ptr<const PolicyBundle>> current_;
  std::mutex reload_mu_;            // one reload at a time
  std::vector<FileState> watched_;  // guarded by reload_mu_
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread poller_;
};

}  // namespace leakguard
