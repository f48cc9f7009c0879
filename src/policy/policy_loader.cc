// Policy YAML -> CompiledPolicy, collecting every error with its line (docs/policies.md is the
// format's reference; keep both in step).

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "classify/type_catalog.h"
#include "policy/policy_model.h"
#include "policy/sha256.h"
#include "policy/yaml_util.h"

namespace leakguard::policy {
namespace {

constexpr std::size_t kMaxNesting = 16;  // all/any/not inside each other

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::optional<std::uint8_t> DayBit(std::string_view d) {
  static constexpr std::string_view kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                               "thursday", "friday", "saturday"};
  const std::string l = Lower(d);
  if (l.size() < 3) return std::nullopt;
  for (int i = 0; i < 7; ++i)
    if (kDays[i].starts_with(l)) return static_cast<std::uint8_t>(i);
  return std::nullopt;
}

// "09:00" -> 540; "24:00" allowed as an end.
std::optional<int> ParseClock(std::string_view s) {
  const std::size_t colon = s.find(':');
  std::string_view h = s.substr(0, colon), m = colon == std::string_view::npos ? "0" : s.substr(colon + 1);
  if (h.empty() || h.size() > 2 || m.empty() || m.size() > 2) return std::nullopt;
  int hv = 0, mv = 0;
  for (char c : h) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hv = hv * 10 + (c - '0');
  }
  for (char c : m) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    mv = mv * 10 + (c - '0');
  }
  if (hv > 24 || mv > 59 || (hv == 24 && mv != 0)) return std::nullopt;
  return hv * 60 + mv;
}

class Loader {
 public:
  Loader(Errors& errors, const classify::TypeCatalog& catalog, bool strict_types, std::string base_dir)
      : e_(errors), catalog_(catalog), strict_(strict_types), base_dir_(std::move(base_dir)) {}

  void Load(const YAML::Node& root, CompiledPolicy& p) {
    if (!root.IsMap()) {
      e_.Add(root, "a policy is a map with 'name:' and 'rules:'");
      return;
    }
    CheckKeys(root,
              {"name", "description", "owner", "defaults", "rules", "exceptions", "tests", "test_config"},
              "the policy", e_);
    if (auto n = root["name"]; n.IsDefined()) {
      if (auto s = GetString(n, "name", e_)) {
        if (!ValidId(*s))
          e_.Add(n, "name '" + s->substr(0, 64) + "' must be 1-64 letters, digits, '-', '_' or '.'");
        p.name = *s;
      }
    } else {
      e_.Add(root, "the policy has no 'name:'");
    }
    if (auto n = root["description"]; n.IsDefined())
      if (auto s = GetString(n, "description", e_)) p.description = *s;
    if (auto n = root["test_config"]; n.IsDefined())
      if (auto s = GetString(n, "test_config", e_)) p.test_config = Resolve(*s);
    if (auto d = root["defaults"]; d.IsDefined()) LoadDefaults(d);

    auto rules = root["rules"];
    if (!rules.IsDefined() || rules.IsNull()) {
      e_.Add(root, "the policy has no 'rules:'");
    } else if (!rules.IsSequence()) {
      e_.Add(rules, "rules: must be a list of rules");
    } else {
      for (const auto& r : rules) LoadRule(r, p);
    }
    if (auto ex = root["exceptions"]; ex.IsDefined() && !ex.IsNull()) {
      if (!ex.IsSequence())
        e_.Add(ex, "exceptions: must be a list");
      else
        for (const auto& x : ex) LoadException(x, p);
    }
    if (auto tests = root["tests"]; tests.IsDefined() && !tests.IsNull()) {
      if (!tests.IsSequence())
        e_.Add(tests, "tests: must be a list of test cases");
      else
        for (const auto& t : tests) LoadTest(t, p);
    }
  }

 private:
  std::string Resolve(const std::string& path) const {
    if (path.empty() || path.front() == '/' || base_dir_.empty()) return path;
    return (std::filesystem::path(base_dir_) / path).lexically_normal().string();
  }

  void LoadDefaults(const YAML::Node& d) {
    if (!d.IsMap()) {
      e_.Add(d, "defaults: must be a map (severity, notify, keep_evidence)");
      return;
    }
    CheckKeys(d, {"severity", "notify", "keep_evidence"}, "defaults", e_);
    if (auto n = d["severity"]; n.IsDefined()) ParseSeverityNode(n, default_severity_);
    if (auto n = d["notify"]; n.IsDefined())
      if (auto v = GetStrings(n, "notify", e_)) default_notify_ = *v;
    if (auto n = d["keep_evidence"]; n.IsDefined())
      if (auto v = GetBool(n, "keep_evidence", e_)) default_keep_ = *v;
  }

  void ParseSeverityNode(const YAML::Node& n, Severity& out) {
    auto s = GetString(n, "severity", e_);
    if (!s) return;
    if (auto v = ParseSeverity(*s))
      out = *v;
    else
      e_.Add(n, "unknown severity '" + s->substr(0, 64) + "' (info, low, medium, high, critical)");
  }

  void LoadRule(const YAML::Node& r, CompiledPolicy& p) {
    e_.SetContext("");
    if (!r.IsMap()) {
      e_.Add(r, "a rule must be a map with id, when and action");
      return;
    }
    Rule rule;
    rule.info.line = Errors::Line(r);
    rule.info.severity = default_severity_;
    rule.notify = default_notify_;
    rule.keep_evidence = default_keep_;
    if (auto id = r["id"]; id.IsDefined()) {
      if (auto s = GetString(id, "id", e_)) {
        rule.info.id = *s;
        if (!ValidId(*s))
          e_.Add(id, "rule id '" + s->substr(0, 64) + "' must be 1-64 letters, digits, '-', '_' or '.'");
      }
    } else {
      e_.Add(r, "rule without 'id:'");
    }
    ++rule_index_;
    e_.SetContext(rule.info.id.empty() ? "rule #" + std::to_string(rule_index_) + ": "
                                       : "rule '" + rule.info.id.substr(0, 64) + "': ");
    if (!rule.info.id.empty() && !rule_ids_.insert(rule.info.id).second) e_.Add(r["id"], "duplicate rule id");
    CheckKeys(r,
              {"id", "description", "enabled", "when", "unless", "action", "severity", "notify",
               "keep_evidence", "message"},
              "a rule", e_);
    if (auto n = r["description"]; n.IsDefined())
      if (auto s = GetString(n, "description", e_)) rule.info.description = *s;
    if (auto n = r["enabled"]; n.IsDefined())
      if (auto b = GetBool(n, "enabled", e_)) rule.info.enabled = *b;
    if (auto n = r["action"]; n.IsDefined()) {
      if (auto s = GetString(n, "action", e_)) {
        if (auto a = ParseAction(*s))
          rule.info.action = *a;
        else
          e_.Add(n, "unknown action '" + s->substr(0, 64) +
                        "' (allow, audit, alert, justify, encrypt, redact, quarantine, block)");
      }
    } else {
      e_.Add(r, "no 'action:'");
    }
    if (auto n = r["severity"]; n.IsDefined()) ParseSeverityNode(n, rule.info.severity);
    if (auto n = r["notify"]; n.IsDefined())
      if (auto v = GetStrings(n, "notify", e_)) rule.notify = *v;
    if (auto n = r["keep_evidence"]; n.IsDefined())
      if (auto b = GetBool(n, "keep_evidence", e_)) rule.keep_evidence = *b;
    if (auto n = r["message"]; n.IsDefined())
      if (auto s = GetString(n, "message", e_)) rule.message = *s;
    if (auto w = r["when"]; w.IsDefined()) {
      rule.when = LoadCondition(w, 0);
    } else {
      e_.Add(r, "no 'when:' (write 'when: {}' for a rule that matches every transfer)");
    }
    if (auto u = r["unless"]; u.IsDefined()) rule.unless = LoadConditionList(u, "unless");
    p.rule_infos.push_back(rule.info);
    p.rules.push_back(std::move(rule));
    e_.SetContext("");
  }

  void LoadException(const YAML::Node& x, CompiledPolicy& p) {
    e_.SetContext("");
    if (!x.IsMap()) {
      e_.Add(x, "an exception must be a map with id and when");
      return;
    }
    PolicyException ex;
    ex.line = Errors::Line(x);
    if (auto id = x["id"]; id.IsDefined()) {
      if (auto s = GetString(id, "id", e_)) ex.id = *s;
    } else {
      e_.Add(x, "exception without 'id:'");
    }
    e_.SetContext("exception '" + ex.id.substr(0, 64) + "': ");
    CheckKeys(x, {"id", "description", "when", "rules", "expires"}, "an exception", e_);
    if (auto n = x["description"]; n.IsDefined())
      if (auto s = GetString(n, "description", e_)) ex.description = *s;
    if (auto w = x["when"]; w.IsDefined())
      ex.when = LoadCondition(w, 0);
    else
      e_.Add(x, "no 'when:'");
    if (auto n = x["rules"]; n.IsDefined())
      if (auto v = GetStrings(n, "rules", e_)) {
        for (const auto& id : *v)
          if (!rule_ids_.contains(id)) e_.Add(n, "unknown rule '" + id.substr(0, 64) + "'");
        ex.rules = *v;
      }
    if (auto n = x["expires"]; n.IsDefined()) {
      if (auto s = GetString(n, "expires", e_)) {
        auto t = ParseIsoTime(*s);
        if (!t) e_.Add(n, "expires: '" + s->substr(0, 64) + "' is not a date (YYYY-MM-DD or ISO 8601 time)");
        // A date alone means the end of that day (UTC).
        else
          ex.expires_ms = s->size() == 10 ? *t + 86400000 : *t;
      }
    }
    p.exceptions.push_back(std::move(ex));
    e_.SetContext("");
  }

  std::vector<Condition> LoadConditionList(const YAML::Node& n, std::string_view what) {
    std::vector<Condition> out;
    if (n.IsSequence()) {
      for (const auto& c : n) out.push_back(LoadCondition(c, 1));
    } else if (n.IsMap()) {
      out.push_back(LoadCondition(n, 1));
    } else {
      e_.Add(n, std::string(what) + ": must be a condition or a list of conditions");
    }
    return out;
  }

  Condition LoadCondition(const YAML::Node& n, std::size_t depth) {
    Condition c;
    c.line = Errors::Line(n);
    if (depth > kMaxNesting) {
      e_.Add(n, "conditions nested too deeply");
      return c;
    }
    if (n.IsNull()) return c;
    if (!n.IsMap()) {
      e_.Add(n,
             "a condition must be a map (content, identity, destination, channels, direction, time, all, "
             "any, not)");
      return c;
    }
    CheckKeys(n,
              {"content", "identity", "destination", "channels", "channel", "direction", "time", "all", "any",
               "not"},
              "a condition", e_);
    if (auto x = n["content"]; x.IsDefined()) c.content = LoadContent(x);
    if (auto x = n["identity"]; x.IsDefined()) c.identity = LoadIdentity(x);
    if (auto x = n["destination"]; x.IsDefined()) c.destination = LoadDestination(x);
    for (const char* key : {"channels", "channel"}) {
      if (auto x = n[key]; x.IsDefined()) {
        if (auto v = GetStrings(x, key, e_))
          for (const auto& s : *v) {
            if (auto ch = ParseChannel(s))
              c.channels.push_back(*ch);
            else
              e_.Add(x, "unknown channel '" + s.substr(0, 64) + "' (web, mail, endpoint, discover, api)");
          }
      }
    }
    if (auto x = n["direction"]; x.IsDefined()) {
      if (auto s = GetString(x, "direction", e_)) {
        const std::string l = Lower(*s);
        if (l != "in" && l != "out") e_.Add(x, "direction must be 'out' or 'in'");
        c.direction = l;
      }
    }
    if (auto x = n["time"]; x.IsDefined()) c.time = LoadTime(x);
    for (const char* key : {"all", "any"}) {
      if (auto x = n[key]; x.IsDefined()) {
        if (!x.IsSequence()) {
          e_.Add(x, std::string(key) + ": must be a list of conditions");
          continue;
        }
        auto& list = std::string_view(key) == "all" ? c.all : c.any;
        for (const auto& sub : x) list.push_back(LoadCondition(sub, depth + 1));
      }
    }
    if (auto x = n["not"]; x.IsDefined()) {
      if (x.IsSequence())
        for (const auto& sub : x) c.none.push_back(LoadCondition(sub, depth + 1));
      else
        c.none.push_back(LoadCondition(x, depth + 1));
    }
    return c;
  }

  void AddType(const YAML::Node& at, const std::string& id, std::vector<std::string>& out) {
    if (!catalog_.Known(id)) {
      if (strict_) {
        std::string msg = "unknown info type '" + id.substr(0, 64) + "'";
        std::string best;
        std::size_t best_d = 4;
        if (id.size() < 64)
          for (const auto& cat : catalog_.categories())
            for (const auto& t : catalog_.TypesIn(cat)) {
              const bool contains = t.find(id) != std::string::npos && id.size() >= 4;
              const std::size_t d = contains ? 1 : EditDistance(id, t);
              if (d < best_d) {
                best_d = d;
                best = t;
              }
            }
        if (!best.empty()) msg += " (did you mean '" + best + "'?)";
        e_.Add(at, msg);
        return;
      }
    }
    out.push_back(id);
  }

  std::optional<Label> LabelNode(const YAML::Node& n, std::string_view what) {
    auto s = GetString(n, what, e_);
    if (!s) return std::nullopt;
    auto l = ParseLabel(*s);
    if (!l)
      e_.Add(n, "unknown label '" + s->substr(0, 64) + "' (public, internal, confidential, restricted)");
    return l;
  }

  ContentCondition LoadContent(const YAML::Node& n) {
    ContentCondition c;
    if (!n.IsMap()) {
      e_.Add(n, "content: must be a map (types, categories, min_confidence, min_count, label, ...)");
      return c;
    }
    CheckKeys(n,
              {"types", "categories", "exclude_types", "min_confidence", "min_count", "label", "min_label",
               "max_label", "markings", "incomplete"},
              "content", e_);
    bool listed = false;
    if (auto x = n["types"]; x.IsDefined()) {
      listed = true;
      if (auto v = GetStrings(x, "types", e_))
        for (const auto& id : *v) AddType(x, id, c.types);
    }
    if (auto x = n["categories"]; x.IsDefined()) {
      listed = true;
      if (auto v = GetStrings(x, "categories", e_))
        for (const auto& cat : *v) {
          if (!catalog_.KnownCategory(cat)) {
            std::string known;
            for (const auto& k : catalog_.categories()) known += (known.empty() ? "" : ", ") + k;
            e_.Add(x, "unknown category '" + cat.substr(0, 64) + "' (" + known + ")");
            continue;
          }
          const auto& members = catalog_.TypesIn(cat);
          c.types.insert(c.types.end(), members.begin(), members.end());
        }
    }
    if (auto x = n["exclude_types"]; x.IsDefined()) {
      std::vector<std::string> ex;
      if (auto v = GetStrings(x, "exclude_types", e_))
        for (const auto& id : *v) AddType(x, id, ex);
      std::erase_if(c.types,
                    [&](const std::string& t) { return std::find(ex.begin(), ex.end(), t) != ex.end(); });
    }
    std::sort(c.types.begin(), c.types.end());
    c.types.erase(std::unique(c.types.begin(), c.types.end()), c.types.end());
    if (auto x = n["min_confidence"]; x.IsDefined()) {
      if (auto s = GetString(x, "min_confidence", e_)) {
        if (auto v = ParseConfidence(*s))
          c.min_confidence = *v;
        else
          e_.Add(x, "unknown confidence '" + s->substr(0, 64) + "' (low, medium, high)");
      }
    }
    if (auto x = n["min_count"]; x.IsDefined()) {
      if (auto v = GetInt(x, "min_count", 1, 1000000000, e_)) c.min_count = static_cast<std::uint32_t>(*v);
    }
    if (listed && !c.min_count) c.min_count = 1;
    if (!listed && c.min_count) c.count_all = true;
    if (auto x = n["label"]; x.IsDefined()) {
      if (auto v = GetStrings(x, "label", e_))
        for (const auto& s : *v) {
          if (auto l = ParseLabel(s))
            c.labels.push_back(*l);
          else
            e_.Add(x, "unknown label '" + s.substr(0, 64) + "' (public, internal, confidential, restricted)");
        }
    }
    if (auto x = n["min_label"]; x.IsDefined()) c.min_label = LabelNode(x, "min_label");
    if (auto x = n["max_label"]; x.IsDefined()) c.max_label = LabelNode(x, "max_label");
    if (auto x = n["markings"]; x.IsDefined())
      if (auto v = GetStrings(x, "markings", e_)) c.markings = *v;
    if (auto x = n["incomplete"]; x.IsDefined()) c.incomplete = GetBool(x, "incomplete", e_);
    return c;
  }

  IdentityCondition LoadIdentity(const YAML::Node& n) {
    IdentityCondition c;
    if (!n.IsMap()) {
      e_.Add(n, "identity: must be a map (users, groups)");
      return c;
    }
    CheckKeys(n, {"users", "groups"}, "identity", e_);
    if (auto x = n["users"]; x.IsDefined())
      if (auto v = GetStrings(x, "users", e_)) c.users = *v;
    if (auto x = n["groups"]; x.IsDefined())
      if (auto v = GetStrings(x, "groups", e_)) c.groups = *v;
    return c;
  }

  DestinationCondition LoadDestination(const YAML::Node& n) {
    DestinationCondition c;
    if (!n.IsMap()) {
      e_.Add(n,
             "destination: must be a map (domains, urls, networks, countries, not_countries, internal, "
             "external, devices)");
      return c;
    }
    CheckKeys(
        n, {"domains", "urls", "networks", "countries", "not_countries", "internal", "external", "devices"},
        "destination", e_);
    if (auto x = n["domains"]; x.IsDefined())
      if (auto v = GetStrings(x, "domains", e_))
        for (auto d : *v) {
          d = Lower(d);
          while (!d.empty() && d.back() == '.') d.pop_back();
          if (d.empty())
            e_.Add(x, "empty domain");
          else
            c.domains.push_back(d);
        }
    if (auto x = n["urls"]; x.IsDefined())
      if (auto v = GetStrings(x, "urls", e_)) c.urls = *v;
    if (auto x = n["networks"]; x.IsDefined())
      if (auto v = GetStrings(x, "networks", e_))
        for (const auto& s : *v) {
          auto net = IpNetwork::Parse(s);
          if (net)
            c.networks.push_back(*net);
          else
            e_.Add(x, net.error().message());
        }
    for (const char* key : {"countries", "not_countries"}) {
      if (auto x = n[key]; x.IsDefined())
        if (auto v = GetStrings(x, key, e_))
          for (auto s : *v) {
            for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (s.size() != 2 || !std::isalpha(static_cast<unsigned char>(s[0])) ||
                !std::isalpha(static_cast<unsigned char>(s[1]))) {
              e_.Add(x,
                     "country '" + s.substr(0, 64) + "' is not an ISO 3166-1 alpha-2 code (ID, SG, US, ...)");
              continue;
            }
            (std::string_view(key) == "countries" ? c.countries : c.not_countries).push_back(s);
          }
    }
    auto internal = n["internal"];
    auto external = n["external"];
    if (internal.IsDefined() && external.IsDefined())
      e_.Add(external, "give internal: or external:, not both");
    if (internal.IsDefined()) c.internal = GetBool(internal, "internal", e_);
    if (external.IsDefined())
      if (auto b = GetBool(external, "external", e_)) c.internal = !*b;
    if (auto x = n["devices"]; x.IsDefined())
      if (auto v = GetStrings(x, "devices", e_)) c.devices = *v;
    return c;
  }

  TimeCondition LoadTime(const YAML::Node& n) {
    TimeCondition c;
    if (!n.IsMap()) {
      e_.Add(n, "time: must be a map (days, hours, timezone)");
      return c;
    }
    CheckKeys(n, {"days", "hours", "timezone"}, "time", e_);
    if (auto x = n["days"]; x.IsDefined()) {
      if (auto v = GetStrings(x, "days", e_)) {
        c.days = 0;
        for (const auto& item : *v) {
          const std::string l = Lower(item);
          if (l == "weekdays")
            c.days |= 0x3e;
          else if (l == "weekends" || l == "weekend")
            c.days |= 0x41;
          else if (l == "all" || l == "every day" || l == "daily")
            c.days |= 0x7f;
          else if (auto dash = l.find('-'); dash != std::string::npos) {
            auto a = DayBit(l.substr(0, dash)), b = DayBit(l.substr(dash + 1));
            if (!a || !b) {
              e_.Add(x, "bad day range '" + item.substr(0, 64) + "' (e.g. mon-fri)");
              continue;
            }
            for (int d = *a;; d = (d + 1) % 7) {
              c.days |= static_cast<std::uint8_t>(1u << d);
              if (d == *b) break;
            }
          } else if (auto d = DayBit(l)) {
            c.days |= static_cast<std::uint8_t>(1u << *d);
          } else {
            e_.Add(x, "unknown day '" + item.substr(0, 64) + "' (mon..sun, mon-fri, weekdays, weekends)");
          }
        }
      }
    }
    if (auto x = n["hours"]; x.IsDefined()) {
      if (auto v = GetStrings(x, "hours", e_))
        for (const auto& range : *v) {
          const std::size_t dash = range.find('-');
          std::optional<int> a, b;
          if (dash != std::string::npos) {
            a = ParseClock(range.substr(0, dash));
            b = ParseClock(range.substr(dash + 1));
          }
          if (!a || !b || *a == *b) {
            e_.Add(x,
                   "bad hours '" + range.substr(0, 64) + "' (HH:MM-HH:MM, e.g. 09:00-17:30 or 22:00-06:00)");
            continue;
          }
          c.hours.emplace_back(*a, *b);
        }
    }
    if (auto x = n["timezone"]; x.IsDefined()) {
      if (auto s = GetString(x, "timezone", e_)) {
        auto tz = TimeZone::Load(*s);
        if (tz)
          c.zone = std::move(*tz);
        else
          e_.Add(x, tz.error().message());
      }
    }
    return c;
  }

  Destination DestinationFromNode(const YAML::Node& n) {
    Destination d;
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s.starts_with("usb:") || s.starts_with("printer:") || s.starts_with("device:")) {
        d.device = s;
      } else if (s.find("://") != std::string::npos) {
        d.url = s;
      } else if (s.find('@') != std::string::npos) {
        d.address = s;
      } else if (ParseIp(s)) {
        d.ip = s;
      } else {
        d.host = Lower(s);
      }
      d.host = d.host.empty() ? HostOf(d) : d.host;
      if (ParseIp(d.host)) d.host.clear();
      return d;
    }
    if (!n.IsMap()) {
      e_.Add(n, "a destination is a string (URL, mail address, host, IP, usb:...) or a map");
      return d;
    }
    CheckKeys(n, {"address", "url", "host", "ip", "country", "device"}, "a test destination", e_);
    auto str = [&](const char* key, std::string& out) {
      if (auto x = n[key]; x.IsDefined())
        if (auto s = GetString(x, key, e_)) out = *s;
    };
    str("address", d.address);
    str("url", d.url);
    str("host", d.host);
    str("ip", d.ip);
    str("country", d.country);
    str("device", d.device);
    if (d.host.empty()) d.host = HostOf(d);
    if (ParseIp(d.host)) {
      if (d.ip.empty()) d.ip = d.host;
      d.host.clear();
    }
    return d;
  }

  void LoadTest(const YAML::Node& t, CompiledPolicy& p) {
    e_.SetContext("");
    if (!t.IsMap()) {
      e_.Add(t, "a test case must be a map with name, transfer and expect");
      return;
    }
    PolicyTestCase tc;
    tc.line = Errors::Line(t);
    if (auto n = t["name"]; n.IsDefined()) {
      if (auto s = GetString(n, "name", e_)) tc.name = *s;
    } else {
      e_.Add(t, "test case without 'name:'");
    }
    e_.SetContext("test '" + tc.name.substr(0, 80) + "': ");
    CheckKeys(t,
              {"name", "transfer", "content", "content_file", "findings", "markings", "label", "complete",
               "expect"},
              "a test case", e_);
    if (auto tr = t["transfer"]; tr.IsDefined()) {
      if (!tr.IsMap()) {
        e_.Add(tr, "transfer: must be a map");
      } else {
        CheckKeys(tr,
                  {"channel", "user", "groups", "client_ip", "destination", "destinations", "direction",
                   "name", "time", "attributes", "source"},
                  "a test transfer", e_);
        if (auto x = tr["channel"]; x.IsDefined())
          if (auto s = GetString(x, "channel", e_)) {
            if (auto ch = ParseChannel(*s))
              tc.transfer.channel = *ch;
            else
              e_.Add(x, "unknown channel '" + s->substr(0, 64) + "'");
          }
        if (auto x = tr["user"]; x.IsDefined())
          if (auto s = GetString(x, "user", e_)) tc.transfer.identity.user = *s;
        if (auto x = tr["groups"]; x.IsDefined())
          if (auto v = GetStrings(x, "groups", e_)) tc.transfer.identity.groups = *v;
        if (auto x = tr["client_ip"]; x.IsDefined())
          if (auto s = GetString(x, "client_ip", e_)) tc.transfer.identity.client_ip = *s;
        if (auto x = tr["destination"]; x.IsDefined())
          tc.transfer.destinations.push_back(DestinationFromNode(x));
        if (auto x = tr["destinations"]; x.IsDefined()) {
          if (!x.IsSequence())
            e_.Add(x, "destinations: must be a list");
          else
            for (const auto& d : x) tc.transfer.destinations.push_back(DestinationFromNode(d));
        }
        if (auto x = tr["direction"]; x.IsDefined())
          if (auto s = GetString(x, "direction", e_)) tc.transfer.direction = Lower(*s);
        if (auto x = tr["name"]; x.IsDefined())
          if (auto s = GetString(x, "name", e_)) tc.transfer.name = *s;
        if (auto x = tr["source"]; x.IsDefined())
          if (auto s = GetString(x, "source", e_)) tc.transfer.source = *s;
        if (auto x = tr["time"]; x.IsDefined())
          if (auto s = GetString(x, "time", e_)) {
            if (auto ms = ParseIsoTime(*s))
              tc.transfer.time_ms = *ms;
            else
              e_.Add(x,
                     "time '" + s->substr(0, 64) + "' is not an ISO 8601 time (2026-11-23T10:00:00+07:00)");
          }
        if (auto x = tr["attributes"]; x.IsDefined()) {
          if (!x.IsMap())
            e_.Add(x, "attributes: must be a map of strings");
          else
            for (const auto& kv : x)
              if (kv.first.IsScalar() && kv.second.IsScalar())
                tc.transfer.attributes[kv.first.Scalar()] = kv.second.Scalar();
        }
      }
    }
    if (tc.transfer.time_ms == 0) tc.transfer.time_ms = 1767261600000;  // 2026-01-01T10:00:00Z: reproducible
    if (auto x = t["content"]; x.IsDefined())
      if (auto s = GetString(x, "content", e_)) tc.content_text = *s;
    if (auto x = t["content_file"]; x.IsDefined())
      if (auto s = GetString(x, "content_file", e_)) tc.content_file = Resolve(*s);
    if (auto x = t["findings"]; x.IsDefined()) {
      FindingsSummary s;
      if (!x.IsMap()) {
        e_.Add(x, "findings: must map info type ids to a count or {count, confidence}");
      } else {
        for (const auto& kv : x) {
          auto id = GetString(kv.first, "an info type id", e_);
          if (!id) continue;
          std::vector<std::string> checked;
          AddType(kv.first, *id, checked);
          std::int64_t count = 0;
          Confidence conf = Confidence::kHigh;
          if (kv.second.IsMap()) {
            CheckKeys(kv.second, {"count", "confidence"}, "a test finding", e_);
            if (auto c = kv.second["count"]; c.IsDefined())
              count = GetInt(c, "count", 1, 100000, e_).value_or(0);
            if (auto c = kv.second["confidence"]; c.IsDefined())
              if (auto cs = GetString(c, "confidence", e_)) {
                if (auto cv = ParseConfidence(*cs))
                  conf = *cv;
                else
                  e_.Add(c, "unknown confidence '" + cs->substr(0, 64) + "'");
              }
          } else {
            count = GetInt(kv.second, "the count of " + *id, 1, 100000, e_).value_or(0);
          }
          Finding f;
          f.info_type = *id;
          f.confidence = conf;
          f.masked = "(test)";
          for (std::int64_t i = 0; i < count; ++i) s.Add(f);
        }
      }
      tc.findings = std::move(s);
    }
    if (tc.content_text && !tc.content_file.empty()) e_.Add(t, "give content: or content_file:, not both");
    if ((tc.content_text || !tc.content_file.empty()) && tc.findings)
      e_.Add(t, "give content or findings, not both");
    if (auto x = t["markings"]; x.IsDefined())
      if (auto v = GetStrings(x, "markings", e_)) tc.markings = *v;
    if (auto x = t["label"]; x.IsDefined()) tc.label = LabelNode(x, "label");
    if (auto x = t["complete"]; x.IsDefined())
      if (auto b = GetBool(x, "complete", e_); b && !*b) {
        if (!tc.findings) tc.findings = FindingsSummary{};
        tc.findings->complete = false;
        tc.findings->incomplete_reason = "test: marked incomplete";
      }
    if (auto ex = t["expect"]; ex.IsDefined() && ex.IsMap()) {
      CheckKeys(ex, {"action", "severity", "rules", "label"}, "expect", e_);
      if (auto x = ex["action"]; x.IsDefined()) {
        if (auto s = GetString(x, "action", e_)) {
          if (auto a = ParseAction(*s))
            tc.expect_action = *a;
          else
            e_.Add(x, "unknown action '" + s->substr(0, 64) + "'");
        }
      } else {
        e_.Add(ex, "expect: has no 'action:'");
      }
      if (auto x = ex["severity"]; x.IsDefined()) {
        Severity sv = Severity::kInfo;
        ParseSeverityNode(x, sv);
        tc.expect_severity = sv;
      }
      if (auto x = ex["rules"]; x.IsDefined()) {
        if (x.IsSequence() && x.size() == 0)
          tc.expect_rules = std::vector<std::string>{};
        else if (auto v = GetStrings(x, "rules", e_)) {
          for (const auto& id : *v)
            if (!rule_ids_.contains(id)) e_.Add(x, "unknown rule '" + id.substr(0, 64) + "'");
          tc.expect_rules = *v;
        }
      }
      if (auto x = ex["label"]; x.IsDefined()) tc.expect_label = LabelNode(x, "label");
    } else {
      e_.Add(ex.IsDefined() ? ex : t, "a test case needs 'expect: {action: ...}'");
    }
    p.tests.push_back(std::move(tc));
    e_.SetContext("");
  }

  Errors& e_;
  const classify::TypeCatalog& catalog_;
  bool strict_;
  std::string base_dir_;
  std::set<std::string> rule_ids_;
  int rule_index_ = 0;
  Severity default_severity_ = Severity::kMedium;
  std::vector<std::string> default_notify_;
  bool default_keep_ = false;
};

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> ParseIsoTime(std::string_view s) {
  auto num = [&](std::size_t at, std::size_t len) -> std::optional<int> {
    if (at + len > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d || s.size() < 10 || s[4] != '-' || s[7] != '-' || *mo < 1 || *mo > 12 || *d < 1 ||
      *d > 31)
    return std::nullopt;
  std::int64_t secs = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400;
  if (s.size() == 10) return secs * 1000;
  if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
  auto h = num(11, 2), mi = num(14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':' || *h > 23 || *mi > 59) return std::nullopt;
  secs += *h * 3600 + *mi * 60;
  std::size_t at = 16;
  if (at < s.size() && s[at] == ':') {
    auto sec = num(at + 1, 2);
    if (!sec || *sec > 60) return std::nullopt;
    secs += *sec;
    at += 3;
    if (at < s.size() && s[at] == '.') {
      ++at;
      while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    }
  }
  if (at == s.size() || s.substr(at) == "Z" || s.substr(at) == "z") return secs * 1000;
  if (s[at] != '+' && s[at] != '-') return std::nullopt;
  const int sign = s[at] == '-' ? -1 : 1;
  auto oh = num(at + 1, 2);
  std::size_t mat = at + 3;
  if (mat < s.size() && s[mat] == ':') ++mat;
  auto om = mat < s.size() ? num(mat, 2) : std::optional<int>(0);
  if (!oh || !om || (mat < s.size() && mat + 2 != s.size())) return std::nullopt;
  secs -= sign * (*oh * 3600 + *om * 60);
  return secs * 1000;
}

Result<std::unique_ptr<CompiledPolicy>> CompilePolicy(const ConfigSource& source, const OrgConfig& org,
                                                      const Engine* engine) {
  Errors errors(source.name.empty() ? std::string("policy") : source.name);
  auto p = std::make_unique<CompiledPolicy>();
  p->source = source.name;
  p->version = "sha256:" + Sha256Hex(source.yaml).substr(0, 16);
  std::shared_ptr<const classify::TypeCatalog> catalog =
      engine != nullptr ? classify::TypeCatalog::FromEngine(*engine) : classify::TypeCatalog::Builtin();
  std::string base_dir;
  if (!source.name.empty() && !source.name.starts_with("builtin:"))
    base_dir = std::filesystem::path(source.name).parent_path().string();
  try {
    auto root = ParseYaml(source.yaml, errors);
    if (root) {
      Loader loader(errors, *catalog, engine != nullptr, base_dir);
      loader.Load(*root, *p);
    }
  } catch (const std::exception& e) {
    errors.Add(0, std::string("unexpected: ") + e.what());
  }
  p->org.internal_domains = org.internal_domains;
  p->org.private_networks_internal = org.private_networks_internal;
  for (const auto& n : org.internal_networks) {
    auto net = IpNetwork::Parse(n);
    if (net)
      p->org.internal_networks.push_back(*net);
    else
      errors.Add(0, "internal network: " + net.error().message());
  }
  if (!errors.empty()) return Unexpected(errors.ToStatus());
  return p;
}

}  // namespace leakguard::policy
