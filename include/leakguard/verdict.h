// leakguard/verdict.h — what the policy layer decides for one Transfer.
//
// Owns: Action, Severity, RuleMatch and Verdict, plain value types.
// A channel enforces Verdict::action (block page, SMTP 5.7.1, redaction, quarantine...) and the
// incident layer records the Verdict with its Transfer. A new action is a new enum value here that
// every channel maps (DESIGN.md).
//
// Threads: value types, no shared state; safe everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/transfer.h"

namespace leakguard {

// Ordered from least to most strict; when several rules match, the strictest action wins
// (docs/policies.md). Names ("allow", "audit", ...) are used in policies, incidents and exports.
//   allow       let it through, record nothing
//   audit       let it through, record an incident
//   alert       let it through, record an incident and notify
//   justify     hold until the sender gives a business justification, then let it through (recorded)
//   encrypt     let it through encrypted (mail: to the recipient's key or a secure portal)
//   redact      let it through with the sensitive values masked
//   quarantine  hold it for a reviewer to release or discard
//   block       refuse it
enum class Action : std::uint8_t {
  kAllow = 0,
  kAudit,
  kAlert,
  kJustify,
  kEncrypt,
  kRedact,
  kQuarantine,
  kBlock,
};

std::string_view ActionName(Action a);
std::optional<Action> ParseAction(std::string_view name);  // case-insensitive

// Ordered: info < low < medium < high < critical.
enum class Severity : std::uint8_t { kInfo = 0, kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view name);  // case-insensitive

// One policy rule that matched a transfer.
struct RuleMatch {
  std::string rule;  // "<policy name>/<rule id>", e.g. "default/credentials-external"
  Action action = Action::kAudit;
  Severity severity = Severity::kMedium;
  std::string reason;  // what matched, readable: "CREDIT_CARD_NUMBER x3 (high) to gmail.com (external)"
  std::vector<std::string> notify;  // notification targets of the rule ("mailto:soc@corp", "siem")
  bool keep_evidence = false;       // the rule asks for the full content to be kept (encrypted)
};

struct Verdict {
  Action action = Action::kAllow;       // the strictest action of `matched`; allow when none matched
  Severity severity = Severity::kInfo;  // the highest severity of `matched`
  Label label = Label::kPublic;         // classification of the content
  std::vector<RuleMatch> matched;       // every rule that matched, in policy order
  std::vector<std::string> notify;      // union of the matched rules' targets
  bool keep_evidence = false;           // any matched rule asked for evidence
  std::string policy_version;           // identifies the policy that decided (hash of its text)
  std::string message;                  // user-facing explanation for block pages / SMTP replies (no values)

  // Matched rules that produced an incident (action > allow).
  bool incident() const { return action != Action::kAllow; }
};

}  // namespace leakguard
