// The `leakguard incidents`, `evidence` and `audit` subcommand groups: see cli.h and docs/incidents.md.
//
// Every command finds its store the same way: --store URL, else `incidents.store` of --config FILE,
// else the default SQLite path (incident::DefaultStoreUrl). Exit status: 0 success, 2 error;
// `audit verify` exits 1 when the chain is not intact.

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "cli/cli.h"
#include "incident/config.h"
#include "incident/incident_json.h"
#include "incident/store.h"

namespace leakguard::cli {
namespace {

using incident::IncidentStore;
using incident::Json;

constexpr int kExitTampered = 1;

struct StoreFlags {
  std::string store;
  std::string config;
};

void AddStoreFlags(CLI::App* cmd, StoreFlags& f) {
  cmd->add_option("--store", f.store,
                  "Incident store URL: sqlite:PATH or postgresql://... (overrides the config)")
      ->type_name("URL");
  cmd->add_option("--config", f.config, "Configuration file with an incidents: section")->type_name("FILE");
}

Result<std::unique_ptr<IncidentStore>> OpenStore(const StoreFlags& f) {
  incident::IncidentConfig cfg;
  if (!f.config.empty()) {
    auto loaded = incident::LoadIncidentConfig(f.config);
    if (!loaded) return Unexpected(loaded.error());
    cfg = std::move(*loaded);
  }
  if (!f.store.empty()) cfg.store = f.store;
  return incident::OpenConfiguredStore(cfg);
}

std::string Dump(const Json& j, int indent = 2) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// Who is acting: --actor, else "cli:" + the invoking login (SUDO_USER first, so `sudo leakguard`
// records the person rather than root).
std::string DefaultActor() {
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"})
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return std::string("cli:") + v;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return std::string("cli:") + pw->pw_name;
  return "cli:uid" + std::to_string(::getuid());
}

std::string FormatTime(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "2026-11-23", "2026-11-23T10:00:00Z", "2026-11-23 10:00", a duration back from now ("90m", "24h",
// "7d"), or Unix milliseconds.
Result<std::int64_t> ParseTime(const std::string& text) {
  auto bad = [&] {
    return Unexpected(Status::InvalidArgument("bad time '" + text +
                                              "': use 2026-11-23, 2026-11-23T10:00:00Z, 24h, 7d or Unix ms"));
  };
  if (text.empty()) return bad();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  char unit = text.back();
  std::string digits = text.substr(0, text.size() - 1);
  if ((unit == 's' || unit == 'm' || unit == 'h' || unit == 'd' || unit == 'w') && !digits.empty() &&
      digits.find_first_not_of("0123456789") == std::string::npos) {
    std::int64_t n = std::stoll(digits);
    std::int64_t per = unit == 's'   ? 1000
                       : unit == 'm' ? 60'000
                       : unit == 'h' ? 3'600'000
                       : unit == 'd' ? 86'400'000
                                     : 604'800'000;
    return now - n * per;
  }
  if (text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text);
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &s);
  if (n != 3 && n < 6) return bad();
  if (n > 3 && sep != 'T' && sep != ' ') return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000;
}

std::string Destinations(const Transfer& t) {
  std::string out;
  for (const auto& d : t.destinations) {
    std::string one = !d.address.empty()  ? d.address
                      : !d.host.empty()   ? d.host
                      : !d.device.empty() ? d.device
                                          : d.url;
    if (one.empty()) continue;
    if (!out.empty()) out += ",";
    out += one;
  }
  return out.empty() ? "-" : out;
}

std::string Rules(const Verdict& v) {
  std::string out;
  for (const auto& m : v.matched) out += (out.empty() ? "" : ",") + m.rule;
  return out.empty() ? "-" : out;
}

std::string TypesText(const FindingsSummary& s) {
  std::string out;
  for (const auto& t : s.types) {
    if (!out.empty()) out += ", ";
    out += t.type + " x" + std::to_string(t.count_low + t.count_medium + t.count_high);
  }
  return out.empty() ? "-" : out;
}

void PrintList(const std::vector<incident::Incident>& list, std::ostream& out) {
  out << std::left;
  char line[512];
  std::snprintf(line, sizeof line, "%-30s %-20s %-14s %-8s %-10s %-8s %-16s %s\n", "ID", "TIME (UTC)",
                "STATUS", "SEVERITY", "ACTION", "CHANNEL", "USER", "RULES -> DESTINATION");
  out << line;
  for (const auto& i : list) {
    std::string user = i.transfer.identity.user.empty() ? "-" : i.transfer.identity.user;
    std::snprintf(line, sizeof line, "%-30s %-20s %-14s %-8s %-10s %-8s %-16s ", i.id.c_str(),
                  FormatTime(i.time_ms).c_str(), std::string(incident::IncidentStatusName(i.status)).c_str(),
                  std::string(SeverityName(i.verdict.severity)).c_str(),
                  std::string(ActionName(i.verdict.action)).c_str(),
                  std::string(ChannelName(i.transfer.channel)).c_str(), user.c_str());
    out << line << Rules(i.verdict) << " -> " << Destinations(i.transfer) << "\n";
  }
}

void PrintIncident(const incident::Incident& i, std::ostream& out) {
  const Transfer& t = i.transfer;
  out << "Incident     " << i.id << "\n"
      << "Time         " << FormatTime(i.time_ms) << "\n"
      << "Status       " << incident::IncidentStatusName(i.status) << "\n"
      << "Action       " << ActionName(i.verdict.action) << "\n"
      << "Severity     " << SeverityName(i.verdict.severity) << "\n"
      << "Label        " << LabelName(i.verdict.label) << "\n"
      << "Assignee     " << (i.assignee.empty() ? "-" : i.assignee) << "\n"
      << "Channel      " << ChannelName(t.channel) << " (" << t.direction << ")\n"
      << "User         " << (t.identity.user.empty() ? "-" : t.identity.user);
  if (!t.identity.client_ip.empty()) out << " from " << t.identity.client_ip;
  if (!t.identity.host.empty()) out << " on " << t.identity.host;
  out << "\n";
  if (!t.source.empty()) out << "Source       " << t.source << "\n";
  out << "Destination  " << Destinations(t) << "\n";
  if (!t.name.empty())
    out << "Content      " << t.name << " (" << t.content_type << ", " << t.bytes << " bytes)\n";
  out << "Findings     " << TypesText(i.summary) << "\n";
  for (const auto& ts : i.summary.types)
    for (const auto& s : ts.samples) out << "               " << ts.type << ": " << s << "\n";
  out << "Rules\n";
  for (const auto& m : i.verdict.matched)
    out << "  " << m.rule << "  " << ActionName(m.action) << "/" << SeverityName(m.severity) << "  "
        << m.reason << "\n";
  if (!i.verdict.policy_version.empty()) out << "Policy       " << i.verdict.policy_version << "\n";
  out << "Evidence     " << (i.evidence_id.empty() ? "-" : i.evidence_id) << "\n";
  if (!i.justification.empty()) out << "Justification " << i.justification << "\n";
  if (!i.root_cause.empty()) out << "Root cause   " << i.root_cause << "\n";
  if (!i.notes.empty()) {
    out << "Notes\n";
    for (const auto& n : i.notes)
      out << "  " << FormatTime(n.time_ms) << "  " << n.author << ": " << n.text << "\n";
  }
  out << "History\n";
  for (const auto& h : i.history) {
    out << "  " << FormatTime(h.time_ms) << "  " << h.actor << "  " << h.field;
    if (h.field == "note")
      out << " added";
    else if (!h.from.empty() || !h.to.empty())
      out << ": " << (h.from.empty() ? "-" : h.from) << " -> " << (h.to.empty() ? "-" : h.to);
    out << "\n";
  }
}

template <typename E, typename P>
std::optional<E> ParseOr(const std::string& text, P parse, const char* what, std::ostream& err) {
  auto v = parse(text);
  if (!v) PrintError(err, std::string("unknown ") + what + " '" + text + "'");
  return v;
}

// --- incidents -----------------------------------------------------------------------------------

struct IncidentsArgs {
  StoreFlags store;
  // list
  std::vector<std::string> statuses;
  std::string severity, action, channel, user, type, assignee, search, since, until;
  bool unassigned = false;
  std::int64_t limit = 50, offset = 0;
  std::string format = "text";
  // show / update
  std::string id;
  std::string new_status, new_assignee, new_severity, note, root_cause, justification, actor;
  bool set_assignee = false;
  // import
  std::string import_path, evidence_path;
  CLI::App *list = nullptr, *show = nullptr, *update = nullptr, *import = nullptr;
};

int RunList(const IncidentsArgs& a, std::ostream& out, std::ostream& err) {
  incident::IncidentFilter f;
  for (const auto& s : a.statuses) {
    auto v = ParseOr<incident::IncidentStatus>(s, incident::ParseIncidentStatus, "status", err);
    if (!v) return kExitError;
    f.statuses.push_back(*v);
  }
  if (!a.severity.empty() &&
      !(f.min_severity = ParseOr<Severity>(a.severity, ParseSeverity, "severity", err)))
    return kExitError;
  if (!a.action.empty() && !(f.action = ParseOr<Action>(a.action, ParseAction, "action", err)))
    return kExitError;
  if (!a.channel.empty() && !(f.channel = ParseOr<Channel>(a.channel, ParseChannel, "channel", err)))
    return kExitError;
  f.user = a.user;
  f.info_type = a.type;
  if (a.unassigned)
    f.assignee = "";
  else if (!a.assignee.empty())
    f.assignee = a.assignee;
  f.text = a.search;
  for (auto [text, target] : {std::pair{&a.since, &f.since_ms}, std::pair{&a.until, &f.until_ms}}) {
    if (text->empty()) continue;
    auto t = ParseTime(*text);
    if (!t) {
      PrintError(err, t.error().message());
      return kExitError;
    }
    *target = *t;
  }
  f.limit = a.limit;
  f.offset = a.offset;
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto list = (*store)->List(f);
  if (!list) {
    PrintError(err, list.error().ToString());
    return kExitError;
  }
  if (a.format == "json") {
    Json arr = Json::array();
    for (const auto& i : *list) arr.push_back(incident::ToJson(i));
    out << Dump(arr) << "\n";
  } else {
    PrintList(*list, out);
  }
  return kExitClean;
}

int RunShow(const IncidentsArgs& a, std::ostream& out, std::ostream& err) {
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto inc = (*store)->Get(a.id);
  if (!inc) {
    PrintError(err, inc.error().ToString());
    return kExitError;
  }
  if (a.format == "json")
    out << Dump(incident::ToJson(*inc)) << "\n";
  else
    PrintIncident(*inc, out);
  return kExitClean;
}

int RunUpdate(const IncidentsArgs& a, std::ostream& out, std::ostream& err) {
  incident::IncidentUpdate u;
  u.actor = a.actor.empty() ? DefaultActor() : a.actor;
  if (!a.new_status.empty() && !(u.status = ParseOr<incident::IncidentStatus>(
                                     a.new_status, incident::ParseIncidentStatus, "status", err)))
    return kExitError;
  if (!a.new_severity.empty() &&
      !(u.severity = ParseOr<Severity>(a.new_severity, ParseSeverity, "severity", err)))
    return kExitError;
  if (a.set_assignee) u.assignee = a.new_assignee;
  if (!a.note.empty()) u.note = a.note;
  if (!a.root_cause.empty()) u.root_cause = a.root_cause;
  if (!a.justification.empty()) u.justification = a.justification;
  if (!u.status && !u.severity && !u.assignee && !u.note && !u.root_cause && !u.justification) {
    PrintError(
        err,
        "nothing to update: give --status, --assignee, --severity, --note, --root-cause or --justification");
    return kExitError;
  }
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto inc = (*store)->Update(a.id, u);
  if (!inc) {
    PrintError(err, inc.error().ToString());
    return kExitError;
  }
  if (a.format == "json")
    out << Dump(incident::ToJson(*inc)) << "\n";
  else
    out << inc->id << ": status " << incident::IncidentStatusName(inc->status) << ", severity "
        << SeverityName(inc->verdict.severity) << ", assignee "
        << (inc->assignee.empty() ? "-" : inc->assignee) << "\n";
  return kExitClean;
}

// JSON lines of transfer records (the incident JSON form) into the store: migration from another
// store, tests, and replaying records exported elsewhere. Each record is decided already.
int RunImport(const IncidentsArgs& a, std::ostream& out, std::ostream& err) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.import_path != "-") {
    file.open(a.import_path);
    if (!file) {
      PrintError(err, "cannot read " + a.import_path + ": " + std::strerror(errno));
      return kExitError;
    }
    in = &file;
  }
  std::string evidence;
  if (!a.evidence_path.empty()) {
    std::ifstream ev(a.evidence_path, std::ios::binary);
    if (!ev) {
      PrintError(err, "cannot read " + a.evidence_path + ": " + std::strerror(errno));
      return kExitError;
    }
    std::stringstream ss;
    ss << ev.rdbuf();
    evidence = ss.str();
  }
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  std::string line;
  std::size_t lineno = 0, recorded = 0, incidents = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      PrintError(err, a.import_path + ":" + std::to_string(lineno) + ": not a JSON object");
      return kExitError;
    }
    auto rec = incident::TransferRecordFromJson(j);
    if (!rec) {
      PrintError(err, a.import_path + ":" + std::to_string(lineno) + ": " + rec.error().message());
      return kExitError;
    }
    std::optional<incident::EvidenceSource> src;
    if (!a.evidence_path.empty()) src = incident::EvidenceFromMemory(evidence, a.evidence_path);
    auto r = (*store)->Record(*rec, src ? &*src : nullptr);
    if (!r) {
      PrintError(err, a.import_path + ":" + std::to_string(lineno) + ": " + r.error().ToString());
      return kExitError;
    }
    if (r->recorded) ++recorded;
    if (!r->incident_id.empty()) {
      ++incidents;
      out << r->incident_id << "\n";
      out.flush();  // an id printed is an incident acknowledged (durable)
    }
  }
  err << "leakguard: " << recorded << " transfers recorded, " << incidents << " incidents\n";
  return kExitClean;
}

// --- evidence ------------------------------------------------------------------------------------

struct EvidenceArgs {
  StoreFlags store;
  std::string prefix, id, key, out_path, actor;
  CLI::App *keygen = nullptr, *open = nullptr;
};

int RunEvidenceOpen(const EvidenceArgs& a, std::ostream& out, std::ostream& err) {
  auto key = incident::LoadEvidenceSecretKey(a.key);
  if (!key) {
    PrintError(err, key.error().ToString());
    return kExitError;
  }
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto info = (*store)->GetEvidence(a.id);
  if (!info) {
    PrintError(err, info.error().ToString());
    return kExitError;
  }
  int fd = -1;
  if (!a.out_path.empty()) {
    fd = ::open(a.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      PrintError(err, "cannot create " + a.out_path + ": " + std::strerror(errno));
      return kExitError;
    }
  }
  Status st = (*store)->OpenEvidence(
      a.id, *key, a.actor.empty() ? DefaultActor() : a.actor, [&](std::string_view chunk) -> Status {
        if (fd < 0) {
          out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          return out ? Status::Ok() : Status::IoError("cannot write standard output");
        }
        for (std::size_t done = 0; done < chunk.size();) {
          ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return Status::IoError("cannot write " + a.out_path);
          done += static_cast<std::size_t>(n);
        }
        return Status::Ok();
      });
  if (fd >= 0 && ::close(fd) != 0 && st.ok()) st = Status::IoError("cannot write " + a.out_path);
  if (!st.ok()) {
    if (!a.out_path.empty()) ::unlink(a.out_path.c_str());
    PrintError(err, st.ToString());
    return kExitError;
  }
  err << "leakguard: evidence " << info->id << " of " << info->incident_id << ": " << info->stored_bytes
      << " bytes";
  if (info->truncated)
    err << " (cut at the configured maximum; the content had " << info->original_bytes << " bytes)";
  err << "; this access is recorded in the audit trail\n";
  return kExitClean;
}

// --- audit ---------------------------------------------------------------------------------------

struct AuditArgs {
  StoreFlags store;
  std::string key, out_path, format = "text";
  std::int64_t from = 1, limit = 100;
  CLI::App *verify = nullptr, *keygen = nullptr, *list = nullptr;
};

int RunAuditVerify(const AuditArgs& a, std::ostream& out, std::ostream& err) {
  std::optional<incident::AuditKey> key;
  if (!a.key.empty()) {
    auto k = incident::LoadAuditKey(a.key);
    if (!k) {
      PrintError(err, k.error().ToString());
      return kExitError;
    }
    key = std::move(*k);
  }
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto report = (*store)->VerifyAudit(key ? &*key : nullptr);
  if (!report) {
    PrintError(err, report.error().ToString());
    return kExitError;
  }
  const auto& r = *report;
  if (a.format == "json") {
    Json j = {{"intact", r.intact()},     {"entries", r.entries},           {"head_seq", r.head_seq},
              {"head_hash", r.head_hash}, {"macs_checked", r.macs_checked}, {"unkeyed", r.unkeyed}};
    j["problems"] = Json::array();
    for (const auto& p : r.problems) j["problems"].push_back({{"seq", p.seq}, {"problem", p.what}});
    out << Dump(j) << "\n";
  } else if (r.intact()) {
    out << "audit chain intact: " << r.entries << " entries, head seq " << r.head_seq << " hash "
        << r.head_hash << "\n";
    if (r.macs_checked)
      out << "every entry's MAC verified with the audit key\n";
    else if (r.unkeyed < r.entries)
      out << "MACs not checked: give the audit key (--key or incidents.audit.key) to detect a rewritten "
             "chain\n";
    else
      out << "the chain is not keyed (no incidents.audit.key): a rewrite of the whole chain would not be "
             "detected\n";
  } else {
    out << "audit chain TAMPERED: " << r.problems.size() << (r.problems.size() >= r.kMaxProblems ? "+" : "")
        << " problem(s), first at seq " << r.problems.front().seq << "\n";
    for (const auto& p : r.problems) out << "  seq " << p.seq << ": " << p.what << "\n";
  }
  return r.intact() ? kExitClean : kExitTampered;
}

int RunAuditList(const AuditArgs& a, std::ostream& out, std::ostream& err) {
  auto store = OpenStore(a.store);
  if (!store) {
    PrintError(err, store.error().ToString());
    return kExitError;
  }
  auto entries = (*store)->ListAudit(a.from, a.limit);
  if (!entries) {
    PrintError(err, entries.error().ToString());
    return kExitError;
  }
  for (const auto& e : *entries) {
    if (a.format == "json") {
      out << Dump(Json{{"seq", e.seq},
                       {"time_ms", e.time_ms},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"object_id", e.object_id},
                       {"details", Json::parse(e.details, nullptr, false)},
                       {"prev_hash", e.prev_hash},
                       {"hash", e.hash},
                       {"mac", e.mac}},
                  -1)
          << "\n";
    } else {
      out << e.seq << "  " << FormatTime(e.time_ms) << "  " << e.actor << "  " << e.action << "  "
          << (e.object_id.empty() ? "-" : e.object_id) << "  " << e.details << "\n";
    }
  }
  return kExitClean;
}

}  // namespace

void AddIncidentCommands(CLI::App& app, std::vector<Subcommand>& commands) {
  // --- incidents ---
  auto ia = std::make_shared<IncidentsArgs>();
  CLI::App* inc = app.add_subcommand("incidents", "List, show and update incidents (docs/incidents.md)");
  inc->require_subcommand(1);

  ia->list = inc->add_subcommand("list", "List incidents, newest first");
  AddStoreFlags(ia->list, ia->store);
  ia->list
      ->add_option("--status", ia->statuses,
                   "new, in_progress, resolved, false_positive, accepted_risk (any of)")
      ->delimiter(',')
      ->type_name("STATUS,...");
  ia->list
      ->add_option("--severity", ia->severity, "At least this severity: info, low, medium, high, critical")
      ->type_name("SEVERITY");
  ia->list
      ->add_option("--action", ia->action,
                   "Only this action: audit, alert, justify, encrypt, redact, quarantine, block")
      ->type_name("ACTION");
  ia->list->add_option("--channel", ia->channel, "web, mail, endpoint, discover, api")->type_name("CHANNEL");
  ia->list->add_option("--user", ia->user, "Sender (exact, case-insensitive)")->type_name("USER");
  ia->list->add_option("--type", ia->type, "Content held this info type (e.g. CREDIT_CARD_NUMBER)")
      ->type_name("ID");
  ia->list->add_option("--assignee", ia->assignee, "Assigned to")->type_name("NAME");
  ia->list->add_flag("--unassigned", ia->unassigned, "Assigned to nobody");
  ia->list->add_option("--search", ia->search, "Substring of a rule name or destination")->type_name("TEXT");
  ia->list->add_option("--since", ia->since, "From: 2026-11-23, 2026-11-23T10:00:00Z, 24h, 7d, Unix ms")
      ->type_name("TIME");
  ia->list->add_option("--until", ia->until, "Before (same forms as --since)")->type_name("TIME");
  ia->list->add_option("--limit", ia->limit, "At most N incidents")->type_name("N")->capture_default_str();
  ia->list->add_option("--offset", ia->offset, "Skip the first N")->type_name("N");
  ia->list->add_option("--format", ia->format, "text or json")->check(CLI::IsMember({"text", "json"}));

  ia->show = inc->add_subcommand("show", "Show one incident with its findings, rules, notes and history");
  AddStoreFlags(ia->show, ia->store);
  ia->show->add_option("id", ia->id, "Incident id")->required()->type_name("ID");
  ia->show->add_option("--format", ia->format, "text or json")->check(CLI::IsMember({"text", "json"}));

  ia->update =
      inc->add_subcommand("update", "Change an incident (each change is in its history and the audit trail)");
  AddStoreFlags(ia->update, ia->store);
  ia->update->add_option("id", ia->id, "Incident id")->required()->type_name("ID");
  ia->update
      ->add_option("--status", ia->new_status, "new, in_progress, resolved, false_positive, accepted_risk")
      ->type_name("STATUS");
  ia->update->add_option("--assignee", ia->new_assignee, "Assign to (\"\" to unassign)")
      ->type_name("NAME")
      ->each([ia](const std::string&) { ia->set_assignee = true; });
  ia->update->add_option("--severity", ia->new_severity, "info, low, medium, high, critical")
      ->type_name("SEVERITY");
  ia->update->add_option("--note", ia->note, "Add a note")->type_name("TEXT");
  ia->update->add_option("--root-cause", ia->root_cause, "Root cause")->type_name("TEXT");
  ia->update->add_option("--justification", ia->justification, "Business justification")->type_name("TEXT");
  ia->update->add_option("--actor", ia->actor, "Who makes the change (default: cli:$USER)")
      ->type_name("NAME");
  ia->update->add_option("--format", ia->format, "text or json")->check(CLI::IsMember({"text", "json"}));

  ia->import = inc->add_subcommand("import", "Record transfer records (JSON lines, the incident JSON form)");
  AddStoreFlags(ia->import, ia->store);
  ia->import->add_option("file", ia->import_path, "JSON lines file, or - for standard input")
      ->required()
      ->type_name("FILE");
  ia->import
      ->add_option("--evidence", ia->evidence_path,
                   "Content kept as evidence for each record that asks for it")
      ->type_name("FILE");

  commands.push_back({inc, [ia](std::ostream& out, std::ostream& err) {
                        if (ia->list->parsed()) return RunList(*ia, out, err);
                        if (ia->show->parsed()) return RunShow(*ia, out, err);
                        if (ia->update->parsed()) return RunUpdate(*ia, out, err);
                        if (ia->import->parsed()) return RunImport(*ia, out, err);
                        return kExitError;
                      }});

  // --- evidence ---
  auto ea = std::make_shared<EvidenceArgs>();
  CLI::App* ev = app.add_subcommand("evidence", "Evidence keys and encrypted evidence of incidents");
  ev->require_subcommand(1);
  ea->keygen =
      ev->add_subcommand("keygen", "Create a responder key pair: PREFIX.pub (for nodes), PREFIX.key (0600)");
  ea->keygen->add_option("--out", ea->prefix, "Path prefix of the two files")
      ->required()
      ->type_name("PREFIX");
  ea->open = ev->add_subcommand("open", "Decrypt an incident's evidence (recorded in the audit trail)");
  AddStoreFlags(ea->open, ea->store);
  ea->open->add_option("id", ea->id, "Incident id")->required()->type_name("INCIDENT_ID");
  ea->open->add_option("--key", ea->key, "Secret key file from 'evidence keygen'")
      ->required()
      ->type_name("FILE");
  ea->open->add_option("--out", ea->out_path, "Write the content here (mode 0600) instead of standard output")
      ->type_name("FILE");
  ea->open->add_option("--actor", ea->actor, "Who opens it (default: cli:$USER)")->type_name("NAME");
  commands.push_back({ev, [ea](std::ostream& out, std::ostream& err) {
                        if (ea->keygen->parsed()) {
                          if (Status st = incident::WriteNewEvidenceKeys(ea->prefix); !st.ok()) {
                            PrintError(err, st.ToString());
                            return kExitError;
                          }
                          out << "wrote " << ea->prefix
                              << ".pub (incidents.evidence.public_key on every node) and " << ea->prefix
                              << ".key (secret, mode 0600: keep it off the nodes)\n";
                          return kExitClean;
                        }
                        if (ea->open->parsed()) return RunEvidenceOpen(*ea, out, err);
                        return kExitError;
                      }});

  // --- audit ---
  auto aa = std::make_shared<AuditArgs>();
  CLI::App* au = app.add_subcommand("audit", "Verify and read the audit trail");
  au->require_subcommand(1);
  aa->verify = au->add_subcommand("verify", "Check the hash chain: exit 0 intact, 1 tampered, 2 error");
  AddStoreFlags(aa->verify, aa->store);
  aa->verify->add_option("--key", aa->key, "Audit key file (default: incidents.audit.key of --config)")
      ->type_name("FILE");
  aa->verify->add_option("--format", aa->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  aa->list = au->add_subcommand("list", "Print audit entries in order");
  AddStoreFlags(aa->list, aa->store);
  aa->list->add_option("--from", aa->from, "First seq")->type_name("SEQ");
  aa->list->add_option("--limit", aa->limit, "At most N entries")->type_name("N")->capture_default_str();
  aa->list->add_option("--format", aa->format, "text or json (JSON lines)")
      ->check(CLI::IsMember({"text", "json"}));
  aa->keygen = au->add_subcommand("keygen",
                                  "Create an audit key (32 random bytes, mode 0600) for incidents.audit.key");
  aa->keygen->add_option("--out", aa->out_path, "Key file to create")->required()->type_name("FILE");
  commands.push_back(
      {au, [aa](std::ostream& out, std::ostream& err) {
         if (aa->verify->parsed()) return RunAuditVerify(*aa, out, err);
         if (aa->list->parsed()) return RunAuditList(*aa, out, err);
         if (aa->keygen->parsed()) {
           if (Status st = incident::WriteNewAuditKey(aa->out_path); !st.ok()) {
             PrintError(err, st.ToString());
             return kExitError;
           }
           out << "wrote " << aa->out_path
               << " (incidents.audit.key on every node; keep a copy outside the database host)\n";
           return kExitClean;
         }
         return kExitError;
       }});
}

}  // namespace leakguard::cli
