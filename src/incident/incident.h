// incident/incident.h — the incident model shared by the stores, the CLI, the API and SIEM export.
//
// Owns: IncidentStatus, IncidentNote, IncidentChange, Incident and TransferRecord, plain value types.
// An incident is one transfer that a policy did not simply allow (Verdict::action > allow), with every
// matched rule. It never holds a full sensitive value: findings are counts and masked samples, and the
// full content (when a rule keeps evidence) lives encrypted in the evidence vault, referenced by id.
//
// Threads: value types, no shared state; safe everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/transfer.h"
#include "leakguard/verdict.h"

namespace leakguard::incident {

// Names ("new", "in_progress", "resolved", "false_positive", "accepted_risk") are stable.
enum class IncidentStatus : std::uint8_t { kNew, kInProgress, kResolved, kFalsePositive, kAcceptedRisk };

std::string_view IncidentStatusName(IncidentStatus s);
std::optional<IncidentStatus> ParseIncidentStatus(std::string_view name);  // also accepts "in-progress"

struct IncidentNote {
  std::int64_t time_ms = 0;
  std::string author;
  std::string text;
};

// One entry of an incident's history: created, a status/assignee/severity change, a note, a
// justification, evidence opened...
struct IncidentChange {
  std::int64_t time_ms = 0;
  std::string actor;  // user or "leakguard" for the system
  std::string field;  // "created", "status", "assignee", "severity", "note", "justification", "evidence"
  std::string from;
  std::string to;
};

// A transfer as recorded for replay: its metadata, what its content held and what was decided.
// Kept for every inspected transfer with findings or a label above public, incident or not, so
// `leakguard policy replay` can show incidents that a new policy would add.
struct TransferRecord {
  Transfer transfer;
  FindingsSummary summary;
  Verdict verdict;
  std::string incident_id;  // empty when the transfer made no incident
};

struct Incident {
  std::string id;            // "INC-" + time-sortable unique suffix, e.g. "INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8"
  std::int64_t time_ms = 0;  // when the transfer was seen
  Transfer transfer;         // channel, identity, source, destinations, name, attributes
  Verdict verdict;           // action, severity, label, every matched rule, policy version
  FindingsSummary summary;   // counts per type and masked samples
  std::string evidence_id;   // reference into the evidence vault; empty when no evidence was kept
  IncidentStatus status = IncidentStatus::kNew;
  std::string assignee;
  std::string justification;  // the sender's business justification (action justify)
  std::string root_cause;     // set by the responder when resolving
  std::vector<IncidentNote> notes;
  std::vector<IncidentChange> history;
  std::int64_t updated_ms = 0;
};

// A new incident id: "INC-" followed by 26 Crockford base32 characters (48-bit millisecond time +
// 80 random bits, like a ULID), so ids sort by time and several nodes never collide.
std::string NewIncidentId(std::int64_t time_ms);

}  // namespace leakguard::incident
