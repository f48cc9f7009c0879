#include "incident/incident_json.h"

#include <algorithm>
#include <string>

namespace leakguard::incident {
namespace {

// Reads an optional field into `out`; a field of the wrong type throws nlohmann's type_error, which
// the *FromJson entry points turn into a kParseError.
template <typename T>
void Get(const Json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <typename T, typename F>
Result<T> Guard(const char* what, F&& f) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    return Unexpected(Status::ParseError(std::string(what) + ": " + e.what()));
  }
}

template <typename E, typename P>
E ParseEnum(const Json& j, const char* key, E fallback, P parse, const char* what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  auto v = parse(it->template get<std::string>());
  if (!v)
    throw nlohmann::json::other_error::create(
        501, std::string("unknown ") + what + " '" + it->template get<std::string>() + "'", nullptr);
  return *v;
}

Json DestinationJson(const Destination& d) {
  Json j = Json::object();
  if (!d.address.empty()) j["address"] = d.address;
  if (!d.url.empty()) j["url"] = d.url;
  if (!d.host.empty()) j["host"] = d.host;
  if (!d.ip.empty()) j["ip"] = d.ip;
  if (!d.country.empty()) j["country"] = d.country;
  if (!d.device.empty()) j["device"] = d.device;
  return j;
}

Transfer TransferFrom(const Json& j) {
  Transfer t;
  Get(j, "id", t.id);
  Get(j, "time_ms", t.time_ms);
  t.channel = ParseEnum(j, "channel", Channel::kApi, ParseChannel, "channel");
  if (auto it = j.find("identity"); it != j.end() && it->is_object()) {
    Get(*it, "user", t.identity.user);
    Get(*it, "groups", t.identity.groups);
    Get(*it, "client_ip", t.identity.client_ip);
    Get(*it, "host", t.identity.host);
  }
  Get(j, "source", t.source);
  if (auto it = j.find("destinations"); it != j.end() && it->is_array()) {
    for (const auto& dj : *it) {
      Destination d;
      Get(dj, "address", d.address);
      Get(dj, "url", d.url);
      Get(dj, "host", d.host);
      Get(dj, "ip", d.ip);
      Get(dj, "country", d.country);
      Get(dj, "device", d.device);
      t.destinations.push_back(std::move(d));
    }
  }
  Get(j, "direction", t.direction);
  Get(j, "name", t.name);
  Get(j, "content_type", t.content_type);
  Get(j, "bytes", t.bytes);
  Get(j, "attributes", t.attributes);
  return t;
}

FindingsSummary SummaryFrom(const Json& j) {
  FindingsSummary s;
  if (auto it = j.find("types"); it != j.end() && it->is_array()) {
    for (const auto& tj : *it) {
      TypeSummary t;
      Get(tj, "type", t.type);
      Get(tj, "low", t.count_low);
      Get(tj, "medium", t.count_medium);
      Get(tj, "high", t.count_high);
      Get(tj, "samples", t.samples);
      s.types.push_back(std::move(t));
    }
    std::sort(s.types.begin(), s.types.end(), [](const auto& a, const auto& b) { return a.type < b.type; });
  }
  s.label = ParseEnum(j, "label", Label::kPublic, ParseLabel, "label");
  Get(j, "label_reasons", s.label_reasons);
  Get(j, "markings", s.markings);
  Get(j, "complete", s.complete);
  Get(j, "incomplete_reason", s.incomplete_reason);
  return s;
}

Verdict VerdictFrom(const Json& j) {
  Verdict v;
  v.action = ParseEnum(j, "action", Action::kAllow, ParseAction, "action");
  v.severity = ParseEnum(j, "severity", Severity::kInfo, ParseSeverity, "severity");
  v.label = ParseEnum(j, "label", Label::kPublic, ParseLabel, "label");
  if (auto it = j.find("matched"); it != j.end() && it->is_array()) {
    for (const auto& mj : *it) {
      RuleMatch m;
      Get(mj, "rule", m.rule);
      m.action = ParseEnum(mj, "action", Action::kAudit, ParseAction, "action");
      m.severity = ParseEnum(mj, "severity", Severity::kMedium, ParseSeverity, "severity");
      Get(mj, "reason", m.reason);
      Get(mj, "notify", m.notify);
      Get(mj, "keep_evidence", m.keep_evidence);
      v.matched.push_back(std::move(m));
    }
  }
  Get(j, "notify", v.notify);
  Get(j, "keep_evidence", v.keep_evidence);
  Get(j, "policy_version", v.policy_version);
  Get(j, "message", v.message);
  return v;
}

}  // namespace

Json ToJson(const Transfer& t) {
  Json j;
  j["id"] = t.id;
  j["time_ms"] = t.time_ms;
  j["channel"] = ChannelName(t.channel);
  j["identity"] = {{"user", t.identity.user},
                   {"groups", t.identity.groups},
                   {"client_ip", t.identity.client_ip},
                   {"host", t.identity.host}};
  j["source"] = t.source;
  j["destinations"] = Json::array();
  for (const auto& d : t.destinations) j["destinations"].push_back(DestinationJson(d));
  j["direction"] = t.direction;
  j["name"] = t.name;
  j["content_type"] = t.content_type;
  j["bytes"] = t.bytes;
  j["attributes"] = Json::object();
  for (const auto& [k, v] : t.attributes) j["attributes"][k] = v;
  return j;
}

Json ToJson(const FindingsSummary& s) {
  Json j;
  j["types"] = Json::array();
  for (const auto& t : s.types)
    j["types"].push_back({{"type", t.type},
                          {"low", t.count_low},
                          {"medium", t.count_medium},
                          {"high", t.count_high},
                          {"samples", t.samples}});
  j["label"] = LabelName(s.label);
  j["label_reasons"] = s.label_reasons;
  j["markings"] = s.markings;
  j["complete"] = s.complete;
  j["incomplete_reason"] = s.incomplete_reason;
  return j;
}

Json ToJson(const Verdict& v) {
  Json j;
  j["action"] = ActionName(v.action);
  j["severity"] = SeverityName(v.severity);
  j["label"] = LabelName(v.label);
  j["matched"] = Json::array();
  for (const auto& m : v.matched)
    j["matched"].push_back({{"rule", m.rule},
                            {"action", ActionName(m.action)},
                            {"severity", SeverityName(m.severity)},
                            {"reason", m.reason},
                            {"notify", m.notify},
                            {"keep_evidence", m.keep_evidence}});
  j["notify"] = v.notify;
  j["keep_evidence"] = v.keep_evidence;
  j["policy_version"] = v.policy_version;
  j["message"] = v.message;
  return j;
}

Json ToJson(const TransferRecord& r) {
  Json j;
  j["transfer"] = ToJson(r.transfer);
  j["summary"] = ToJson(r.summary);
  j["verdict"] = ToJson(r.verdict);
  j["incident_id"] = r.incident_id;
  return j;
}

Json ToJson(const Incident& i) {
  Json j;
  j["id"] = i.id;
  j["time_ms"] = i.time_ms;
  j["status"] = IncidentStatusName(i.status);
  j["action"] = ActionName(i.verdict.action);
  j["severity"] = SeverityName(i.verdict.severity);
  j["label"] = LabelName(i.verdict.label);
  j["assignee"] = i.assignee;
  j["transfer"] = ToJson(i.transfer);
  j["verdict"] = ToJson(i.verdict);
  j["summary"] = ToJson(i.summary);
  j["evidence_id"] = i.evidence_id;
  j["justification"] = i.justification;
  j["root_cause"] = i.root_cause;
  j["notes"] = Json::array();
  for (const auto& n : i.notes)
    j["notes"].push_back({{"time_ms", n.time_ms}, {"author", n.author}, {"text", n.text}});
  j["history"] = Json::array();
  for (const auto& h : i.history)
    j["history"].push_back(
        {{"time_ms", h.time_ms}, {"actor", h.actor}, {"field", h.field}, {"from", h.from}, {"to", h.to}});
  j["updated_ms"] = i.updated_ms;
  return j;
}

Result<Transfer> TransferFromJson(const Json& j) {
  return Guard<Transfer>("transfer", [&] { return TransferFrom(j); });
}
Result<FindingsSummary> SummaryFromJson(const Json& j) {
  return Guard<FindingsSummary>("summary", [&] { return SummaryFrom(j); });
}
Result<Verdict> VerdictFromJson(const Json& j) {
  return Guard<Verdict>("verdict", [&] { return VerdictFrom(j); });
}

Result<TransferRecord> TransferRecordFromJson(const Json& j) {
  return Guard<TransferRecord>("transfer record", [&] {
    TransferRecord r;
    if (auto it = j.find("transfer"); it != j.end()) r.transfer = TransferFrom(*it);
    if (auto it = j.find("summary"); it != j.end()) r.summary = SummaryFrom(*it);
    if (auto it = j.find("verdict"); it != j.end()) r.verdict = VerdictFrom(*it);
    Get(j, "incident_id", r.incident_id);
    return r;
  });
}

Result<Incident> IncidentFromJson(const Json& j) {
  return Guard<Incident>("incident", [&] {
    Incident i;
    Get(j, "id", i.id);
    Get(j, "time_ms", i.time_ms);
    i.status = ParseEnum(j, "status", IncidentStatus::kNew, ParseIncidentStatus, "status");
    Get(j, "assignee", i.assignee);
    if (auto it = j.find("transfer"); it != j.end()) i.transfer = TransferFrom(*it);
    if (auto it = j.find("verdict"); it != j.end()) i.verdict = VerdictFrom(*it);
    if (auto it = j.find("summary"); it != j.end()) i.summary = SummaryFrom(*it);
    Get(j, "evidence_id", i.evidence_id);
    Get(j, "justification", i.justification);
    Get(j, "root_cause", i.root_cause);
    if (auto it = j.find("notes"); it != j.end() && it->is_array())
      for (const auto& n : *it) {
        IncidentNote note;
        Get(n, "time_ms", note.time_ms);
        Get(n, "author", note.author);
        Get(n, "text", note.text);
        i.notes.push_back(std::move(note));
      }
    if (auto it = j.find("history"); it != j.end() && it->is_array())
      for (const auto& h : *it) {
        IncidentChange c;
        Get(h, "time_ms", c.time_ms);
        Get(h, "actor", c.actor);
        Get(h, "field", c.field);
        Get(h, "from", c.from);
        Get(h, "to", c.to);
        i.history.push_back(std::move(c));
      }
    Get(j, "updated_ms", i.updated_ms);
    return i;
  });
}

}  // namespace leakguard::incident
