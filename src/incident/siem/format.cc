#include "incident/siem/format.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

namespace leakguard::incident::siem {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid, complete sequence.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

// Escapes `s` one code point at a time with `escape` (which returns the replacement of an ASCII
// byte, or an empty view to copy it) and stops before the output would pass `max_bytes`.
template <typename F>
std::string Escape(std::string_view s, std::size_t max_bytes, F escape) {
  std::string out;
  out.reserve(std::min(s.size() + 8, max_bytes));
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = Utf8Length(s, i);
    std::string_view piece;
    char one[1];
    if (n == 1) {
      std::string_view e = escape(s[i]);
      if (e.empty()) {
        one[0] = static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F ? ' ' : s[i];
        piece = std::string_view(one, 1);
      } else {
        piece = e;
      }
    } else if (n == 0) {
      one[0] = '?';  // not UTF-8: never pass raw bytes a parser may choke on
      piece = std::string_view(one, 1);
      n = 1;
    } else {
      piece = s.substr(i, n);
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    i += n;
  }
  return out;
}

// Printable US-ASCII as RFC 5424 wants for HOSTNAME, APP-NAME, PROCID and MSGID; "-" when empty.
std::string HeaderToken(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() == max) break;
    out += c > 32 && c < 127 ? c : '_';
  }
  return out.empty() ? "-" : out;
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (s.empty()) continue;
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Changes whose value is free text written by people (a note, a justification): CEF says that one was
// added, not what it says (the JSON form carries the incident as stored, notes included).
bool FreeTextField(std::string_view field) { return field == "note" || field == "justification"; }

std::string DescribeChange(const IncidentChange& c) {
  std::string by = c.actor.empty() ? "" : " by " + c.actor;
  if (FreeTextField(c.field)) return c.field + " added" + by;
  return c.field + " " + (c.from.empty() ? "-" : c.from) + " -> " + (c.to.empty() ? "-" : c.to) + by;
}

std::vector<std::string> ChangedFields(const Event& e) {
  std::vector<std::string> fields;
  for (const auto& c : e.changes)
    if (std::find(fields.begin(), fields.end(), c.field) == fields.end()) fields.push_back(c.field);
  return fields;
}

constexpr std::array<std::string_view, 6> kCustomKeys = {"cs1", "cs2", "cs3", "cs4", "cs5", "cs6"};
constexpr std::array<std::string_view, 6> kCustomLabels = {"cs1Label", "cs2Label", "cs3Label",
                                                           "cs4Label", "cs5Label", "cs6Label"};

}  // namespace

int CefSeverity(Severity s) {
  constexpr std::array<int, 5> kMap = {1, 3, 5, 8, 10};
  return kMap[static_cast<std::size_t>(s)];
}

int SyslogSeverity(Severity s) {
  constexpr std::array<int, 5> kMap = {6, 5, 4, 3, 2};
  return kMap[static_cast<std::size_t>(s)];
}

std::optional<int> ParseFacility(std::string_view name) {
  constexpr std::array<std::string_view, 24> kNames = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
      "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<int>(i);
  return std::nullopt;
}

std::string CefEscapeHeader(std::string_view s, std::size_t max_bytes) {
  return Escape(s, max_bytes, [](char c) -> std::string_view {
    if (c == '\\') return "\\\\";
    if (c == '|') return "\\|";
    return {};
  });
}

std::string CefEscapeExtension(std::string_view s, std::size_t max_bytes) {
  return Escape(s, max_bytes, [](char c) -> std::string_view {
    switch (c) {
      case '\\':
        return "\\\\";
      case '=':
        return "\\=";
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      default:
        return {};
    }
  });
}

const RuleMatch* TopRule(const Verdict& v) {
  const RuleMatch* top = nullptr;
  for (const auto& m : v.matched)
    if (m.action == v.action && (top == nullptr || m.severity > top->severity)) top = &m;
  if (top == nullptr && !v.matched.empty()) top = &v.matched.front();
  return top;
}

std::string Rfc3339(std::int64_t time_ms) {
  std::time_t secs = static_cast<std::time_t>(time_ms / 1000);
  int ms = static_cast<int>(time_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler cannot rule out
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string_view TruncateMessage(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // s[cut] is the first byte left out: when it continues a UTF-8 sequence, leave the whole sequence out.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::size_t backslashes = 0;
  while (backslashes < cut && s[cut - 1 - backslashes] == '\\') ++backslashes;
  if (backslashes % 2 == 1) --cut;
  return s.substr(0, cut);
}

std::string FormatCef(const Event& e, const FormatOptions& o) {
  const Incident& inc = e.incident;
  const Verdict& v = inc.verdict;
  const Transfer& t = inc.transfer;
  const bool created = e.type == EventType::kIncidentCreated;
  const RuleMatch* top = TopRule(v);

  std::string signature, name;
  if (created) {
    signature = top != nullptr ? top->rule : "action:" + std::string(ActionName(v.action));
    name = "DLP " + std::string(ActionName(v.action)) + ": " +
           (top != nullptr ? top->rule : std::string(ChannelName(t.channel)) + " transfer");
  } else {
    signature = "incident-updated";
    name = "DLP incident updated: " + Join(ChangedFields(e), ", ");
  }

  std::string out = "CEF:0|LeakGuard|LeakGuard|";
  out += CefEscapeHeader(o.product_version, 63);
  out += '|';
  out += CefEscapeHeader(signature, 1023);
  out += '|';
  out += CefEscapeHeader(name, 512);
  out += '|';
  out += std::to_string(CefSeverity(v.severity));
  out += '|';

  std::vector<std::pair<std::string_view, std::string>> ext;
  auto add = [&](std::string_view key, std::string value, std::size_t max = 1023) {
    if (!value.empty()) ext.emplace_back(key, CefEscapeExtension(value, max));
  };
  // A custom string: its label first ("cs1Label=ruleIds cs1=...") as ArcSight expects.
  auto add_custom = [&](int n, std::string_view label, std::string value) {
    if (value.empty()) return;
    ext.emplace_back(kCustomLabels[n - 1], std::string(label));
    ext.emplace_back(kCustomKeys[n - 1], CefEscapeExtension(value, 4000));
  };

  std::vector<std::string> rules, recipients, types;
  for (const auto& m : v.matched) rules.push_back(m.rule);
  std::string dhost, dst, request;
  for (const auto& d : t.destinations) {
    if (!d.address.empty()) recipients.push_back(d.address);
    if (dhost.empty()) dhost = !d.host.empty() ? d.host : d.device;
    if (dst.empty() && IsIpAddress(d.ip)) dst = d.ip;
    if (request.empty()) request = d.url;
  }
  for (const auto& ts : inc.summary.types)
    types.push_back(ts.type + ":" + std::to_string(ts.CountAtLeast(Confidence::kLow)));

  add("rt", std::to_string(e.time_ms));
  add("cat", std::string(EventTypeName(e.type)));
  add("act", std::string(ActionName(v.action)), 63);
  add_custom(4, "incidentId", inc.id);
  add("externalId", inc.id, 40);
  add("suser", t.identity.user);
  if (IsIpAddress(t.identity.client_ip)) add("src", t.identity.client_ip);
  add("shost", t.identity.host);
  add_custom(6, "channel", std::string(ChannelName(t.channel)));
  add("dhost", dhost);
  add("dst", dst);
  add("duser", Join(recipients, ","));
  add_custom(1, "ruleIds", Join(rules, ","));
  add_custom(2, "label", std::string(LabelName(v.label)));
  add("cnt", std::to_string(inc.summary.Total()));
  add_custom(3, "infoTypes", Join(types, ","));
  add_custom(5, "policyVersion", v.policy_version);
  add("deviceDirection", t.direction == "in" ? "0" : "1");
  add("dvchost", o.hostname);
  if (t.bytes != 0) add("fsize", std::to_string(t.bytes));
  add("fname", t.name);
  add("request", request);
  std::string msg;
  if (created) {
    std::vector<std::string> reasons;
    for (const auto& m : v.matched) reasons.push_back(m.reason);
    msg = Join(reasons, "; ");
    if (!inc.summary.complete)
      msg +=
          (msg.empty() ? "" : "; ") + std::string("inspection incomplete: ") + inc.summary.incomplete_reason;
  } else {
    std::vector<std::string> changes;
    for (const auto& c : e.changes) changes.push_back(DescribeChange(c));
    msg = Join(changes, "; ");
  }
  add("msg", msg);

  for (std::size_t i = 0; i < ext.size(); ++i) {
    if (i != 0) out += ' ';
    out += ext[i].first;
    out += '=';
    out += ext[i].second;
  }
  return out;
}

Json EventJson(const Event& e, const FormatOptions& o) {
  Json j;
  j["type"] = EventTypeName(e.type);
  j["event_id"] = e.id;
  j["time"] = Rfc3339(e.time_ms);
  j["time_ms"] = e.time_ms;
  if (!o.hostname.empty()) j["host"] = o.hostname;
  j["product"] = {{"vendor", "LeakGuard"}, {"name", "LeakGuard"}, {"version", o.product_version}};
  j["severity"] = SeverityName(e.incident.verdict.severity);
  j["cef_severity"] = CefSeverity(e.incident.verdict.severity);
  if (e.type == EventType::kIncidentUpdated) {
    j["changes"] = Json::array();
    for (const auto& c : e.changes)
      j["changes"].push_back(
          {{"time_ms", c.time_ms}, {"actor", c.actor}, {"field", c.field}, {"from", c.from}, {"to", c.to}});
  }
  j["incident"] = ToJson(e.incident);
  return j;
}

std::string FormatJsonLine(const Event& e, const FormatOptions& o) {
  // Invalid UTF-8 (a file name from a foreign system) is replaced rather than failing the export.
  return EventJson(e, o).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatSyslog(const Event& e, const FormatOptions& o, std::string_view msg) {
  int pri =
      (o.facility < 0 || o.facility > 23 ? 16 : o.facility) * 8 + SyslogSeverity(e.incident.verdict.severity);
  std::string out = "<" + std::to_string(pri) + ">1 " + Rfc3339(e.time_ms) + " ";
  out += HeaderToken(o.hostname, 255);
  out += ' ';
  out += HeaderToken(o.app_name, 48);
  out += ' ';
  out += o.pid > 0 ? std::to_string(o.pid) : "-";
  out += e.type == EventType::kIncidentCreated ? " incident - " : " incident-update - ";
  out += msg;
  return out;
}

}  // namespace leakguard::incident::siem
