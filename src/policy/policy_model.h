// The compiled form of a policy (internal): conditions, rules, exceptions, test cases and the
// organisation facts the evaluator needs. Built by policy_loader.cc, evaluated by policy_eval.cc.
// Immutable after loading; evaluation only reads it (thread-safe).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leakguard/policy.h"
#include "policy/net.h"
#include "policy/tz.h"

namespace leakguard::policy {

struct ContentCondition {
  bool count_all = false;          // no types/categories given but min_count: every content type
  std::vector<std::string> types;  // resolved ids (listed types + members of listed categories)
  Confidence min_confidence = Confidence::kMedium;
  std::optional<std::uint32_t> min_count;  // set when the condition counts findings
  std::vector<Label> labels;               // label is one of these
  std::optional<Label> min_label, max_label;
  std::vector<std::string> markings;  // globs over FindingsSummary::markings (any)
  std::optional<bool> incomplete;     // summary.complete == !incomplete
};

struct IdentityCondition {
  std::vector<std::string> users;   // globs (any)
  std::vector<std::string> groups;  // any, case-insensitive
};

// All set fields must hold for one destination; the condition holds when any destination does.
struct DestinationCondition {
  std::vector<std::string> domains;  // globs over the host
  std::vector<std::string> urls;     // globs over the URL
  std::vector<IpNetwork> networks;
  std::vector<std::string> countries;      // upper case
  std::vector<std::string> not_countries;  // upper case; an unknown country counts as "not in"
  std::optional<bool> internal;            // true: internal, false: external
  std::vector<std::string> devices;        // globs over Destination::device
};

struct TimeCondition {
  std::uint8_t days = 0x7f;                // bit 0 = Sunday ... bit 6 = Saturday
  std::vector<std::pair<int, int>> hours;  // [start, end) minutes of the day; start > end wraps midnight
  TimeZone zone;
  std::string text;  // for reasons
};

struct Condition {
  int line = 0;
  std::optional<ContentCondition> content;
  std::optional<IdentityCondition> identity;
  std::optional<DestinationCondition> destination;
  std::vector<Channel> channels;  // any
  std::optional<std::string> direction;
  std::optional<TimeCondition> time;
  std::vector<Condition> all, any, none;  // none: `not:` (holds when none of these holds)
};

struct Rule {
  PolicyRuleInfo info;
  Condition when;
  std::vector<Condition> unless;  // any holds: the rule does not match
  std::vector<std::string> notify;
  bool keep_evidence = false;
  std::string message;
};

struct PolicyException {
  std::string id;
  std::string description;
  int line = 0;
  Condition when;
  std::vector<std::string> rules;          // rule ids it covers; empty: every rule
  std::optional<std::int64_t> expires_ms;  // no longer applies from this time on
};

struct OrgFacts {
  std::vector<std::string> internal_domains;
  std::vector<IpNetwork> internal_networks;
  bool private_networks_internal = true;
};

class CompiledPolicy {
 public:
  std::string name;
  std::string description;
  std::string source;
  std::string version;
  std::string test_config;
  std::vector<Rule> rules;
  std::vector<PolicyRuleInfo> rule_infos;
  std::vector<PolicyException> exceptions;
  std::vector<PolicyTestCase> tests;
  OrgFacts org;
};

// Loads (policy_loader.cc). `catalog` checks and resolves info types and categories.
Result<std::unique_ptr<CompiledPolicy>> CompilePolicy(const ConfigSource& source, const OrgConfig& org,
                                                      const Engine* engine);
// Evaluates (policy_eval.cc).
Verdict Evaluate(const CompiledPolicy& policy, const Transfer& transfer, const FindingsSummary& summary);

// Facts about one destination, derived from what the channel and the enricher filled.
struct DestinationFacts {
  std::string host;  // lower case; from url/address when empty
  std::optional<IpAddress> ip;
  std::string ip_text;
  std::string country;  // upper case
  bool internal = false;
  bool known = false;  // something about it is known (host, ip or device)
};
DestinationFacts FactsOf(const Destination& d, const OrgFacts& org);
// "https://user@Host:8080/x" -> "host"; "bob@Example.com" -> "example.com".
std::string HostOf(const Destination& d);

// "2026-11-23T10:00:00+07:00" (also "...Z", without seconds, or a date alone) -> Unix milliseconds.
std::optional<std::int64_t> ParseIsoTime(std::string_view text);

}  // namespace leakguard::policy
