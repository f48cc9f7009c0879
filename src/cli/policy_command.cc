// The `leakguard policy` subcommand group: see cli.h and docs/policies.md.
//
//   policy check FILE... [--config FILE]   every error with its line; exit 2 on errors, 0 when fine
//                                          (without --config: the policy's test_config:, else none)
//   policy test FILE... [--config FILE] [--builtin] [-v]
//                                          runs each policy's own test cases; exit 1 on a failed case,
//                                          2 when a policy or its configuration does not load
//   policy replay                          policy_replay_command.cc (reads the incident store)
//
// The engine used to check info type ids and to inspect test content is compiled from the built-in
// catalog plus the configuration file (its `infotypes:` / `overrides:`), so custom types are known.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <ostream>

#include "cli/cli.h"
#include "leakguard/policy.h"
#include "policy/policy_testing.h"

namespace leakguard::cli {
namespace {

struct PolicyArgs {
  std::vector<std::string> files;
  std::string config;
  bool builtin = false;
  bool verbose = false;
};

// Compiled engines by configuration path ("" = built-in catalog only), so several policies sharing a
// test configuration compile it once.
class Engines {
 public:
  Result<std::shared_ptr<const Engine>> For(const std::string& config) {
    if (auto it = cache_.find(config); it != cache_.end()) return it->second;
    std::vector<std::string> configs;
    if (!config.empty()) configs.push_back(config);
    auto e = Engine::CompileFiles(configs, true);
    if (!e) return Unexpected(e.error());
    cache_[config] = *e;
    return *e;
  }

 private:
  std::map<std::string, std::shared_ptr<const Engine>> cache_;
};

// Loaded pieces for one policy file.
struct Loaded {
  OrgConfig org;
  std::shared_ptr<const Policy> policy;
  std::shared_ptr<const Engine> engine;
  std::string config_used;
};

void PrintErrors(std::ostream& err, const Status& s) {
  // Messages hold one error per line, each already "file:line: ...".
  std::string_view m = s.message();
  while (!m.empty()) {
    auto nl = m.find('\n');
    PrintError(err, m.substr(0, nl));
    if (nl == std::string_view::npos) break;
    m.remove_prefix(nl + 1);
  }
}

// Loads `file` (or the built-in policy when file is empty) with `config`, or with the policy's own
// `test_config:` when `use_test_config` and no config was given.
Result<Loaded> LoadOne(const std::string& file, const std::string& config, bool use_test_config,
                       Engines& engines) {
  Loaded l;
  l.config_used = config;
  for (int pass = 0; pass < 2; ++pass) {
    auto engine = engines.For(l.config_used);
    if (!engine) return Unexpected(engine.error());
    l.engine = *engine;
    if (!l.config_used.empty()) {
      auto org = OrgConfig::LoadFile(l.config_used, l.engine.get());
      if (!org) return Unexpected(org.error());
      l.org = std::move(*org);
    } else {
      l.org = OrgConfig::Defaults(l.engine.get());
    }
    auto p = file.empty() ? Policy::BuiltinDefault(l.org, l.engine.get())
                          : Policy::LoadFile(file, l.org, l.engine.get());
    if (!p) return Unexpected(p.error());
    l.policy = std::move(*p);
    if (pass == 0 && use_test_config && config.empty() && !l.policy->test_config().empty()) {
      l.config_used = l.policy->test_config();
      continue;  // load again with the policy's test configuration
    }
    break;
  }
  return l;
}

int RunCheck(const PolicyArgs& args, std::ostream& out, std::ostream& err) {
  Engines engines;
  int rc = kExitClean;
  std::vector<std::string> files = args.files;
  if (args.builtin) files.insert(files.begin(), "");
  for (const auto& file : files) {
    auto l = LoadOne(file, args.config, true, engines);
    const std::string shown = file.empty() ? "builtin:policies/default.yaml" : file;
    if (!l) {
      PrintErrors(err, l.error());
      const auto n = std::count(l.error().message().begin(), l.error().message().end(), '\n') + 1;
      PrintError(err, shown + ": " + std::to_string(n) + (n == 1 ? " error" : " errors"));
      rc = kExitError;
      continue;
    }
    const Policy& p = *l->policy;
    out << shown << ": policy '" << p.name() << "' " << p.version() << ": " << p.rules().size() << " rules, "
        << p.exception_count() << " exceptions, " << p.tests().size() << " test cases\n";
    for (const auto& r : p.rules()) {
      out << "  " << r.id << "  " << ActionName(r.action) << "  " << SeverityName(r.severity);
      if (!r.enabled) out << "  (disabled)";
      if (!r.description.empty()) out << "  " << r.description;
      out << '\n';
    }
  }
  return rc;
}

int RunTest(const PolicyArgs& args, std::ostream& out, std::ostream& err) {
  Engines engines;
  std::vector<std::string> files = args.files;
  if (args.builtin) files.insert(files.begin(), "");
  if (files.empty()) {
    PrintError(err, "no policy to test: give policy files or --builtin");
    return kExitError;
  }
  int passed = 0, failed = 0;
  bool errors = false;
  for (const auto& file : files) {
    const std::string shown = file.empty() ? "builtin:policies/default.yaml" : file;
    auto l = LoadOne(file, args.config, true, engines);
    if (!l) {
      PrintErrors(err, l.error());
      errors = true;
      continue;
    }
    auto enricher = Enricher::Create(l->org);
    if (!enricher) {
      PrintErrors(err, enricher.error());
      errors = true;
      continue;
    }
    if (l->policy->tests().empty()) {
      out << shown << ": no test cases\n";
      continue;
    }
    auto results = policy::RunPolicyTests(*l->policy, l->org, **enricher, l->engine);
    for (const auto& r : results) {
      const bool ok = r.passed && r.error.empty();
      ok ? ++passed : ++failed;
      out << (ok ? "PASS " : "FAIL ") << shown << ":" << r.line << ": " << r.name << '\n';
      if (!r.error.empty()) out << "     error: " << r.error << '\n';
      for (const auto& m : r.mismatches) out << "     " << m << '\n';
      if (!ok || args.verbose) {
        out << "     verdict: " << ActionName(r.verdict.action) << ", severity "
            << SeverityName(r.verdict.severity) << ", label " << LabelName(r.verdict.label) << '\n';
        for (const auto& m : r.verdict.matched)
          out << "     matched: " << m.rule << " (" << ActionName(m.action) << "): " << m.reason << '\n';
        std::string types;
        for (const auto& t : r.summary.types)
          types += (types.empty() ? "" : ", ") + t.type + " " + std::to_string(t.count_low) + "/" +
                   std::to_string(t.count_medium) + "/" + std::to_string(t.count_high);
        if (!types.empty()) out << "     findings (low/medium/high): " << types << '\n';
        for (const auto& reason : r.summary.label_reasons) out << "     label: " << reason << '\n';
      }
    }
  }
  out << passed << " passed, " << failed << " failed\n";
  if (errors) return kExitError;
  return failed > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, std::vector<Subcommand>& commands) {
  auto args = std::make_shared<PolicyArgs>();
  CLI::App* policy = app.add_subcommand("policy", "Check and test policies (docs/policies.md)");
  policy->require_subcommand(1);

  CLI::App* check = policy->add_subcommand("check", "Check policy files: every error with its line (exit 2)");
  check->add_option("files", args->files, "Policy files (YAML)")->type_name("FILE");
  check
      ->add_option("--config", args->config,
                   "Configuration file: organization, classification, custom info types")
      ->type_name("FILE");
  check->add_flag("--builtin", args->builtin, "Check the built-in default policy too");

  CLI::App* test = policy->add_subcommand("test", "Run the test cases of policy files (exit 1 on a failure)");
  test->add_option("files", args->files, "Policy files (YAML)")->type_name("FILE");
  test->add_option("--config", args->config,
                   "Configuration file (default: each policy's test_config:, else none)")
      ->type_name("FILE");
  test->add_flag("--builtin", args->builtin, "Test the built-in default policy too");
  test->add_flag("-v,--verbose", args->verbose, "Show the verdict of passing cases too");

  commands.push_back({policy, [args, check, test](std::ostream& out, std::ostream& err) {
                        if (check->parsed()) {
                          if (args->files.empty() && !args->builtin) {
                            PrintError(err, "no policy to check: give policy files or --builtin");
                            return kExitError;
                          }
                          return RunCheck(*args, out, err);
                        }
                        if (test->parsed()) return RunTest(*args, out, err);
                        return kExitError;
                      }});
}

}  // namespace leakguard::cli
