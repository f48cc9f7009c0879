// `leakguard policy replay --policy NEW`: re-decides the transfers recorded in the incident store
// under a new policy and prints which incidents would appear, disappear or change action, so a policy
// change is reviewed before rollout (docs/policies.md, "Replay").
//
// Each recorded transfer is decided again from what was recorded — its metadata (channel, user and
// groups, destinations with their countries) and its findings summary (counts per type and
// confidence, markings) — never from content, which is not kept. The summary is classified again
// with the new configuration's classification, so a changed label rule shows too. Transfers that had
// no findings, no label above public and no incident are not recorded, so a rule matching on
// metadata alone cannot be replayed against them.

#include <CLI/CLI.hpp>
#include <chrono>
#include <map>
#include <ostream>

#include "classify/classify.h"
#include "cli/cli.h"
#include "incident/config.h"
#include "incident/incident_json.h"
#include "incident/store.h"
#include "leakguard/policy.h"

namespace leakguard::cli {
namespace {

struct ReplayArgs {
  std::string policy;  // the new policy ("" = the configuration's)
  std::string config;  // the configuration (organization, classification, incidents)
  std::string store;   // overrides incidents.store
  double days = 30;    // how far back
  std::int64_t limit = 100000;
  std::string format = "text";
  bool fail_on_change = false;
  bool all = false;  // also list transfers whose decision does not change
};

enum class Change { kSame, kAppear, kDisappear, kAction, kRules };

std::string_view ChangeName(Change c) {
  switch (c) {
    case Change::kSame:
      return "same";
    case Change::kAppear:
      return "appear";
    case Change::kDisappear:
      return "disappear";
    case Change::kAction:
      return "action";
    case Change::kRules:
      return "rules";
  }
  return "same";
}

std::vector<std::string> RuleIds(const Verdict& v) {
  std::vector<std::string> ids;
  for (const RuleMatch& m : v.matched) ids.push_back(m.rule);
  return ids;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

std::string Where(const Transfer& t) {
  std::string out;
  for (const Destination& d : t.destinations) {
    const std::string& w = !d.host.empty()     ? d.host
                           : !d.ip.empty()     ? d.ip
                           : !d.device.empty() ? d.device
                                               : d.address;
    out += (out.empty() ? "" : ",") + w;
  }
  return out.empty() ? "-" : out;
}

std::string IsoTime(std::int64_t ms) {
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int RunReplay(const ReplayArgs& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> configs;
  if (!args.config.empty()) configs.push_back(args.config);
  auto engine = Engine::CompileFiles(configs, true);
  if (!engine) {
    PrintError(err, engine.error().message());
    return kExitError;
  }
  auto bundle = LoadPolicyBundle(PolicyFiles{args.config, args.policy}, engine->get());
  if (!bundle) {
    PrintError(err, bundle.error().message());
    return kExitError;
  }
  incident::IncidentConfig ic;
  if (!args.config.empty()) {
    auto loaded = incident::LoadIncidentConfig(args.config);
    if (!loaded) {
      PrintError(err, loaded.error().message());
      return kExitError;
    }
    ic = std::move(*loaded);
  }
  if (!args.store.empty()) ic.store = args.store;
  auto store = incident::OpenConfiguredStore(ic);
  if (!store) {
    PrintError(err, "incident store: " + store.error().message());
    return kExitError;
  }

  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  incident::TransferFilter filter;
  filter.since_ms = now - static_cast<std::int64_t>(args.days * 86400000.0);
  filter.limit = 1000;
  const Policy& policy = *(*bundle)->policy;
  const classify::Classifier* classifier = (*bundle)->org.classifier.get();

  std::map<Change, std::size_t> counts;
  std::size_t replayed = 0;
  incident::Json changes = incident::Json::array();
  bool header = false;
  while (replayed < static_cast<std::size_t>(args.limit)) {
    auto page = (*store)->ListTransfers(filter);
    if (!page) {
      PrintError(err, "incident store: " + page.error().message());
      return kExitError;
    }
    for (incident::TransferRecord& r : *page) {
      if (replayed >= static_cast<std::size_t>(args.limit)) break;
      ++replayed;
      FindingsSummary summary = r.summary;
      if (classifier != nullptr) classifier->Classify(summary);
      const Verdict now_verdict = policy.Decide(r.transfer, summary);
      const Verdict& was = r.verdict;
      Change c = Change::kSame;
      if (!was.incident() && now_verdict.incident()) {
        c = Change::kAppear;
      } else if (was.incident() && !now_verdict.incident()) {
        c = Change::kDisappear;
      } else if (was.action != now_verdict.action) {
        c = Change::kAction;
      } else if (RuleIds(was) != RuleIds(now_verdict)) {
        c = Change::kRules;
      }
      ++counts[c];
      if (c == Change::kSame && !args.all) continue;
      if (args.format == "json") {
        changes.push_back({{"change", ChangeName(c)},
                           {"transfer_id", r.transfer.id},
                           {"incident_id", r.incident_id},
                           {"time", IsoTime(r.transfer.time_ms)},
                           {"channel", ChannelName(r.transfer.channel)},
                           {"user", r.transfer.identity.user},
                           {"destinations", Where(r.transfer)},
                           {"was", incident::ToJson(was)},
                           {"now", incident::ToJson(now_verdict)}});
        continue;
      }
      if (!header) {
        out << "CHANGE     TIME                  CHANNEL  USER             DESTINATION                WAS -> "
               "NOW\n";
        header = true;
      }
      char line[512];
      std::snprintf(line, sizeof line, "%-10s %-21s %-8s %-16.16s %-26.26s %s -> %s",
                    std::string(ChangeName(c)).c_str(), IsoTime(r.transfer.time_ms).c_str(),
                    std::string(ChannelName(r.transfer.channel)).c_str(),
                    r.transfer.identity.user.empty() ? "-" : r.transfer.identity.user.c_str(),
                    Where(r.transfer).c_str(), std::string(ActionName(was.action)).c_str(),
                    std::string(ActionName(now_verdict.action)).c_str());
      out << line << "  (" << Join(RuleIds(was)) << " -> " << Join(RuleIds(now_verdict)) << ")"
          << (r.incident_id.empty() ? "" : "  " + r.incident_id) << '\n';
    }
    if (page->size() < static_cast<std::size_t>(filter.limit)) break;
    filter.offset += filter.limit;
  }
  const std::size_t changed = replayed - counts[Change::kSame];
  if (args.format == "json") {
    incident::Json j;
    j["policy"] = {{"source", policy.source()}, {"version", policy.version()}};
    j["store"] = (*store)->display_name();
    j["replayed"] = replayed;
    j["appear"] = counts[Change::kAppear];
    j["disappear"] = counts[Change::kDisappear];
    j["action_changed"] = counts[Change::kAction];
    j["rules_changed"] = counts[Change::kRules];
    j["unchanged"] = counts[Change::kSame];
    j["changes"] = std::move(changes);
    out << j.dump(2) << '\n';
  } else {
    out << "replayed " << replayed << " recorded transfers (last " << args.days << " days) from "
        << (*store)->display_name() << " under " << policy.source() << " (" << policy.version() << "):\n"
        << "  " << counts[Change::kAppear] << " incidents would appear, " << counts[Change::kDisappear]
        << " would disappear, " << counts[Change::kAction] << " would change action, "
        << counts[Change::kRules] << " would match other rules, " << counts[Change::kSame] << " unchanged\n";
  }
  return args.fail_on_change && changed > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void AddPolicyReplayCommand(CLI::App& policy, std::vector<Subcommand>& commands) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = policy.add_subcommand(
      "replay",
      "Re-decide recorded transfers under a new policy: which incidents would appear, disappear or change");
  cmd->add_option("--policy", args->policy, "The new policy file (default: the configuration's policy)")
      ->type_name("FILE");
  cmd->add_option("--config", args->config, "Configuration: organization, classification, incidents store")
      ->type_name("FILE");
  cmd->add_option("--store", args->store, "Incident store URL (overrides the configuration)")
      ->type_name("URL");
  cmd->add_option("--days", args->days, "Replay the transfers of the last N days")->capture_default_str();
  cmd->add_option("--limit", args->limit, "Replay at most N transfers")->capture_default_str();
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--all", args->all, "Also list transfers whose decision does not change");
  cmd->add_flag("--fail-on-change", args->fail_on_change, "Exit 1 when any decision changes (for CI review)");
  commands.insert(commands.begin(), Subcommand{cmd, [args](std::ostream& out, std::ostream& err) {
                                                 return RunReplay(*args, out, err);
                                               }});
}

}  // namespace leakguard::cli
