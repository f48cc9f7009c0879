// incident/siem/format.h — the wire formats of SIEM events: CEF, RFC 5424 syslog and JSON lines.
//
// Owns: FormatOptions and pure functions from an Event to text. docs/siem.md documents every field;
// receivers parse these strings, so a change of a field is a change of the interface.
//
//   CEF (ArcSight CEF:0)  CEF:0|LeakGuard|LeakGuard|<version>|<signature>|<name>|<severity 0-10>|<ext>
//   syslog (RFC 5424)     <PRI>1 <time> <host> leakguard <pid> <msgid> - <CEF or JSON>
//   JSON line             {"type":..., "event_id":..., "time":..., "host":..., "incident":{ToJson}}
//
// No format holds a full sensitive value: CEF carries counts per info type and no samples; the JSON
// carries the incident's masked samples (the model never holds more).
//
// Threads: pure functions; safe everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "incident/incident_json.h"
#include "incident/siem/event.h"

namespace leakguard::incident::siem {

struct FormatOptions {
  std::string product_version = "0.1.0";  // CEF Device Version and the JSON "product" version
  std::string hostname;                   // syslog HOSTNAME and CEF dvchost; "-" / omitted when empty
  std::string app_name = "leakguard";     // syslog APP-NAME
  int facility = 16;                      // syslog facility code, 0-23 (16 = local0)
  std::int64_t pid = 0;                   // syslog PROCID; "-" when 0
};

// Incident severity as CEF severity (0-10): info 1, low 3, medium 5, high 8, critical 10.
int CefSeverity(Severity s);
// Incident severity as syslog severity (RFC 5424 table 2): info 6 (informational), low 5 (notice),
// medium 4 (warning), high 3 (error), critical 2 (critical).
int SyslogSeverity(Severity s);
// Facility names of RFC 5424 table 1 ("kern", "user", "auth", "authpriv", "local0".."local7"...).
std::optional<int> ParseFacility(std::string_view name);

// CEF escaping. Header fields: '\' -> "\\", '|' -> "\|". Extension values: '\' -> "\\",
// '=' -> "\=", CR -> "\r", LF -> "\n". Both replace other control characters with a space and
// cut at `max_bytes` without splitting a UTF-8 sequence or an escape.
std::string CefEscapeHeader(std::string_view s, std::size_t max_bytes = 512);
std::string CefEscapeExtension(std::string_view s, std::size_t max_bytes = 1023);

// The rule that decided: the first matched rule with the verdict's action and, among those, the
// highest severity. Null when nothing matched.
const RuleMatch* TopRule(const Verdict& v);

// The CEF record of an event (no syslog header). Extensions come in order of importance (time,
// action, incident id, user, source, destination...; the free-text msg last), so a message cut to a
// datagram size loses the least useful fields.
std::string FormatCef(const Event& e, const FormatOptions& o);

// The JSON form of an event, and as one line (no trailing newline).
Json EventJson(const Event& e, const FormatOptions& o);
std::string FormatJsonLine(const Event& e, const FormatOptions& o);

// An RFC 5424 message with `msg` as MSG: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG".
// MSGID is "incident" or "incident-update"; the severity comes from the incident.
std::string FormatSyslog(const Event& e, const FormatOptions& o, std::string_view msg);

// RFC 3339 UTC time with milliseconds: "2026-11-23T16:15:47.123Z".
std::string Rfc3339(std::int64_t time_ms);

// `s` cut to at most `max_bytes` without splitting a UTF-8 sequence and without leaving a lone
// trailing backslash (the first half of a CEF escape).
std::string_view TruncateMessage(std::string_view s, std::size_t max_bytes);

}  // namespace leakguard::incident::siem
