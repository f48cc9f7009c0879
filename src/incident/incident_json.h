// incident/incident_json.h — the JSON form of incidents and transfer records.
//
// One shape everywhere: the stores keep it, `leakguard incidents show --format json` prints it, SIEM
// sinks and webhooks send it, `policy replay` reads it back. Field names are part of the interface
// (docs/incidents.md). Masked samples only; the JSON never holds a full sensitive value because the
// model never does.
//
// Threads: free functions, no shared state.
#pragma once

#include <nlohmann/json.hpp>

#include "incident/incident.h"
#include "leakguard/status.h"

namespace leakguard::incident {

using Json = nlohmann::ordered_json;

Json ToJson(const Transfer& t);
Json ToJson(const FindingsSummary& s);
Json ToJson(const Verdict& v);
Json ToJson(const TransferRecord& r);
Json ToJson(const Incident& i);

// The reverse. Unknown fields are ignored; a missing or mistyped field is a kParseError naming it.
Result<Transfer> TransferFromJson(const Json& j);
Result<FindingsSummary> SummaryFromJson(const Json& j);
Result<Verdict> VerdictFromJson(const Json& j);
Result<TransferRecord> TransferRecordFromJson(const Json& j);
Result<Incident> IncidentFromJson(const Json& j);

}  // namespace leakguard::incident
