// Policy evaluation: rules over (Transfer, FindingsSummary) -> Verdict. See leakguard/policy.h for the
// combining rule and docs/policies.md for every condition's meaning.

#include <algorithm>
#include <chrono>

#include "policy/policy_model.h"
#include "policy/yaml_util.h"

namespace leakguard::policy {
namespace {

struct Context {
  const CompiledPolicy& policy;
  const Transfer& transfer;
  const FindingsSummary& summary;
  std::vector<DestinationFacts> destinations;
  std::int64_t now_ms = 0;
};

std::string JoinReasons(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

bool EvalContent(const ContentCondition& c, const Context& ctx, std::vector<std::string>& reasons) {
  const FindingsSummary& s = ctx.summary;
  std::string why;
  if (c.min_count) {
    std::uint64_t total = 0;
    std::string parts;
    auto count = [&](const TypeSummary& t) {
      const std::uint32_t n = t.CountAtLeast(c.min_confidence);
      if (n == 0) return;
      total += n;
      if (!parts.empty()) parts += ", ";
      parts += t.type + " x" + std::to_string(n);
    };
    if (c.count_all) {
      for (const auto& t : s.types)
        if (t.type != "EXTRACTION_LIMIT" && t.type != "ENCRYPTED_CONTENT" && t.type != "UNREADABLE_CONTENT")
          count(t);
    } else {
      // A summary holds a few types, a category many (130 credential types): walk the summary.
      for (const auto& t : s.types)
        if (std::binary_search(c.types.begin(), c.types.end(), t.type)) count(t);
    }
    if (total == 0 || total < *c.min_count) return false;
    why = parts;
    if (c.min_confidence != Confidence::kMedium)
      why += " (" + std::string(ConfidenceName(c.min_confidence)) + "+)";
  }
  if (!c.labels.empty() && std::find(c.labels.begin(), c.labels.end(), s.label) == c.labels.end())
    return false;
  if (c.min_label && s.label < *c.min_label) return false;
  if (c.max_label && s.label > *c.max_label) return false;
  if (!c.labels.empty() || c.min_label || c.max_label) {
    if (!why.empty()) why += ", ";
    why += "label " + std::string(LabelName(s.label));
  }
  if (!c.markings.empty()) {
    const std::string* hit = nullptr;
    for (const auto& m : s.markings) {
      for (const auto& g : c.markings)
        if (GlobMatch(g, m)) {
          hit = &m;
          break;
        }
      if (hit) break;
    }
    if (!hit) return false;
    if (!why.empty()) why += ", ";
    why += "marked " + *hit;
  }
  if (c.incomplete) {
    if (s.complete == *c.incomplete) return false;
    if (*c.incomplete) {
      if (!why.empty()) why += ", ";
      why += "inspection incomplete";
    }
  }
  reasons.push_back(std::move(why));
  return true;
}

bool EvalIdentity(const IdentityCondition& c, const Context& ctx, std::vector<std::string>& reasons) {
  const Identity& id = ctx.transfer.identity;
  if (!c.users.empty() && std::none_of(c.users.begin(), c.users.end(),
                                       [&](const std::string& g) { return GlobMatch(g, id.user); }))
    return false;
  if (!c.groups.empty()) {
    const std::string* hit = nullptr;
    for (const auto& want : c.groups) {
      for (const auto& have : id.groups)
        if (EqualsIgnoreCase(want, have)) {
          hit = &have;
          break;
        }
      if (hit) break;
    }
    if (!hit) return false;
    reasons.push_back("sender in group " + *hit);
  }
  return true;
}

bool EvalOneDestination(const DestinationCondition& c, const DestinationFacts& f, const Destination& d) {
  if (!f.known) return false;
  if (!c.domains.empty() &&
      (f.host.empty() || std::none_of(c.domains.begin(), c.domains.end(),
                                      [&](const std::string& g) { return GlobMatch(g, f.host); })))
    return false;
  if (!c.urls.empty() &&
      (d.url.empty() ||
       std::none_of(c.urls.begin(), c.urls.end(), [&](const std::string& g) { return GlobMatch(g, d.url); })))
    return false;
  if (!c.networks.empty() && (!f.ip || std::none_of(c.networks.begin(), c.networks.end(),
                                                    [&](const IpNetwork& n) { return n.Contains(*f.ip); })))
    return false;
  if (!c.countries.empty() && (f.country.empty() || std::find(c.countries.begin(), c.countries.end(),
                                                              f.country) == c.countries.end()))
    return false;
  if (!c.not_countries.empty() && !f.country.empty() &&
      std::find(c.not_countries.begin(), c.not_countries.end(), f.country) != c.not_countries.end())
    return false;
  if (c.internal && *c.internal != f.internal) return false;
  if (!c.devices.empty() &&
      (d.device.empty() || std::none_of(c.devices.begin(), c.devices.end(),
                                        [&](const std::string& g) { return GlobMatch(g, d.device); })))
    return false;
  return true;
}

std::string Describe(const DestinationFacts& f, const Destination& d) {
  std::string where = !f.host.empty() ? f.host : !f.ip_text.empty() ? f.ip_text : d.device;
  std::string facts;
  if (!f.country.empty()) facts = f.country + ", ";
  facts += f.internal ? "internal" : "external";
  return "to " + where + " (" + facts + ")";
}

bool EvalDestination(const DestinationCondition& c, const Context& ctx, std::vector<std::string>& reasons) {
  const auto& ds = ctx.transfer.destinations;
  std::vector<std::string> hits;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (!EvalOneDestination(c, ctx.destinations[i], ds[i])) continue;
    std::string desc = Describe(ctx.destinations[i], ds[i]);
    if (std::find(hits.begin(), hits.end(), desc) == hits.end()) hits.push_back(std::move(desc));
  }
  if (hits.empty()) return false;
  std::string why = hits.front();
  if (hits.size() > 1) why += " and " + std::to_string(hits.size() - 1) + " more";
  reasons.push_back(std::move(why));
  return true;
}

bool EvalTime(const TimeCondition& c, const Context& ctx) {
  const std::int64_t utc_s = ctx.now_ms / 1000 - (ctx.now_ms % 1000 < 0 ? 1 : 0);
  const std::int64_t local = utc_s + c.zone.OffsetAt(utc_s);
  std::int64_t days = local / 86400;
  std::int64_t secs = local % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const int weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  if (((c.days >> weekday) & 1) == 0) return false;
  if (c.hours.empty()) return true;
  const int minute = static_cast<int>(secs / 60);
  for (const auto& [start, end] : c.hours) {
    if (start <= end ? (minute >= start && minute < end) : (minute >= start || minute < end)) return true;
  }
  return false;
}

bool Eval(const Condition& c, const Context& ctx, std::vector<std::string>& reasons) {
  const std::size_t mark = reasons.size();
  auto fail = [&] {
    reasons.resize(mark);
    return false;
  };
  if (!c.channels.empty() &&
      std::find(c.channels.begin(), c.channels.end(), ctx.transfer.channel) == c.channels.end())
    return fail();
  if (c.direction && !EqualsIgnoreCase(*c.direction, ctx.transfer.direction)) return fail();
  // Content first, then nested conditions (usually more content), then the rest: the reason reads
  // "what, where, who".
  if (c.content && !EvalContent(*c.content, ctx, reasons)) return fail();
  for (const auto& sub : c.all)
    if (!Eval(sub, ctx, reasons)) return fail();
  if (!c.any.empty()) {
    bool one = false;
    for (const auto& sub : c.any)
      if (Eval(sub, ctx, reasons)) {
        one = true;
        break;
      }
    if (!one) return fail();
  }
  for (const auto& sub : c.none) {
    std::vector<std::string> ignored;
    if (Eval(sub, ctx, ignored)) return fail();
  }
  if (c.destination && !EvalDestination(*c.destination, ctx, reasons)) return fail();
  if (c.identity && !EvalIdentity(*c.identity, ctx, reasons)) return fail();
  if (c.time && !EvalTime(*c.time, ctx)) return fail();
  return true;
}

std::string DefaultMessage(const CompiledPolicy& p, const RuleMatch& m, std::string_view rule_id) {
  std::string what;
  switch (m.action) {
    case Action::kBlock:
      what = "Blocked";
      break;
    case Action::kQuarantine:
      what = "Held for review";
      break;
    case Action::kRedact:
      what = "Sensitive values were redacted";
      break;
    case Action::kEncrypt:
      what = "Sent encrypted";
      break;
    case Action::kJustify:
      what = "A business justification is required";
      break;
    case Action::kAlert:
    case Action::kAudit:
      what = "Allowed and recorded";
      break;
    case Action::kAllow:
      what = "Allowed";
      break;
  }
  std::string msg =
      what + " by the data protection policy '" + p.name + "' (rule " + std::string(rule_id) + ")";
  if (!m.reason.empty()) msg += ": " + m.reason;
  return msg + ".";
}

// {policy}, {rule}, {action}, {severity}, {reason}, {label} in a rule's message.
std::string Expand(std::string_view tmpl, const CompiledPolicy& p, const RuleMatch& m,
                   std::string_view rule_id, Label label) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      const std::size_t end = tmpl.find('}', i);
      if (end != std::string_view::npos) {
        const std::string_view key = tmpl.substr(i + 1, end - i - 1);
        std::optional<std::string> v;
        if (key == "policy")
          v = p.name;
        else if (key == "rule")
          v = std::string(rule_id);
        else if (key == "action")
          v = std::string(ActionName(m.action));
        else if (key == "severity")
          v = std::string(SeverityName(m.severity));
        else if (key == "reason")
          v = m.reason;
        else if (key == "label")
          v = std::string(LabelName(label));
        if (v) {
          out += *v;
          i = end;
          continue;
        }
      }
    }
    out += tmpl[i];
  }
  return out;
}

}  // namespace

std::string HostOf(const Destination& d) {
  if (!d.host.empty()) return Lower(d.host);
  if (!d.url.empty()) {
    std::string_view rest = d.url;
    if (auto scheme = rest.find("://"); scheme != std::string_view::npos) rest = rest.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (rest.starts_with("[")) return std::string(rest.substr(0, rest.find(']') + 1));
    return Lower(rest.substr(0, rest.find(':')));
  }
  if (auto at = d.address.rfind('@'); at != std::string::npos) {
    std::string_view h = std::string_view(d.address).substr(at + 1);
    while (!h.empty() && (h.back() == '>' || h.back() == ' ')) h.remove_suffix(1);
    return Lower(h);
  }
  return "";
}

DestinationFacts FactsOf(const Destination& d, const OrgFacts& org) {
  DestinationFacts f;
  f.host = HostOf(d);
  while (!f.host.empty() && f.host.back() == '.') f.host.pop_back();  // "corp.example." is corp.example
  if (auto ip = ParseIp(f.host)) {  // an address literal is an ip, not a name
    f.ip = ip;
    f.ip_text = f.host;
    f.host.clear();
  }
  if (!f.ip && !d.ip.empty()) {
    f.ip = ParseIp(d.ip);
    if (f.ip) f.ip_text = d.ip;
  }
  f.country = Lower(d.country);
  for (char& c : f.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  f.known = !f.host.empty() || f.ip || !d.device.empty();
  // The name decides when there is one (it is what the sender addressed); the address otherwise.
  // A device (USB stick, printer) takes data out of the managed estate: external.
  if (!f.host.empty()) {
    f.internal =
        f.host == "localhost" ||
        std::any_of(org.internal_domains.begin(), org.internal_domains.end(), [&](const std::string& dom) {
          return f.host == dom || (f.host.size() > dom.size() && f.host.ends_with(dom) &&
                                   f.host[f.host.size() - dom.size() - 1] == '.');
        });
  } else if (f.ip) {
    f.internal = std::any_of(org.internal_networks.begin(), org.internal_networks.end(),
                             [&](const IpNetwork& n) { return n.Contains(*f.ip); }) ||
                 (org.private_networks_internal && IsPrivateOrLoopback(*f.ip));
  }
  return f;
}

Verdict Evaluate(const CompiledPolicy& policy, const Transfer& transfer, const FindingsSummary& summary) {
  Context ctx{policy, transfer, summary, {}, transfer.time_ms};
  if (ctx.now_ms == 0)
    ctx.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  ctx.destinations.reserve(transfer.destinations.size());
  for (const auto& d : transfer.destinations) ctx.destinations.push_back(FactsOf(d, policy.org));

  Verdict v;
  v.label = summary.label;
  v.policy_version = policy.version;
  const Rule* strictest = nullptr;
  std::size_t strictest_index = 0;
  for (const Rule& rule : policy.rules) {
    if (!rule.info.enabled) continue;
    std::vector<std::string> reasons;
    if (!Eval(rule.when, ctx, reasons)) continue;
    bool excepted = false;
    for (const auto& u : rule.unless) {
      std::vector<std::string> ignored;
      if (Eval(u, ctx, ignored)) {
        excepted = true;
        break;
      }
    }
    for (const auto& ex : policy.exceptions) {
      if (excepted) break;
      if (ex.expires_ms && ctx.now_ms >= *ex.expires_ms) continue;
      if (!ex.rules.empty() && std::find(ex.rules.begin(), ex.rules.end(), rule.info.id) == ex.rules.end())
        continue;
      std::vector<std::string> ignored;
      excepted = Eval(ex.when, ctx, ignored);
    }
    if (excepted) continue;
    RuleMatch m;
    m.rule = policy.name + "/" + rule.info.id;
    m.action = rule.info.action;
    m.severity = rule.info.severity;
    m.reason = JoinReasons(reasons);
    m.notify = rule.notify;
    m.keep_evidence = rule.keep_evidence;
    if (strictest == nullptr || m.action > v.action) {
      strictest = &rule;
      strictest_index = v.matched.size();
    }
    v.action = std::max(v.action, m.action);
    v.severity = std::max(v.severity, m.severity);
    v.keep_evidence = v.keep_evidence || m.keep_evidence;
    for (const auto& n : m.notify)
      if (std::find(v.notify.begin(), v.notify.end(), n) == v.notify.end()) v.notify.push_back(n);
    v.matched.push_back(std::move(m));
  }
  if (strictest != nullptr) {
    const RuleMatch& m = v.matched[strictest_index];
    v.message = strictest->message.empty()
                    ? DefaultMessage(policy, m, strictest->info.id)
                    : Expand(strictest->message, policy, m, strictest->info.id, v.label);
  }
  return v;
}

}  // namespace leakguard::policy
