// Argument parsing (CLI11) and dispatch to the subcommands.

#include "cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <thread>

namespace leakguard::cli {
namespace {

constexpr std::string_view kDescription =
    "LeakGuard: data leakage prevention. Finds sensitive data (card numbers, national ids, credentials, "
    "custom info types) in files, streams and HTTP requests.";

const std::map<std::string, OutputFormat> kFormats = {{"text", OutputFormat::kText},
                                                      {"jsonl", OutputFormat::kJsonl},
                                                      {"json", OutputFormat::kJson},
                                                      {"sarif", OutputFormat::kSarif}};
const std::map<std::string, Confidence> kConfidences = {
    {"low", Confidence::kLow}, {"medium", Confidence::kMedium}, {"high", Confidence::kHigh}};
const std::map<std::string, ColorMode> kColors = {
    {"auto", ColorMode::kAuto}, {"always", ColorMode::kAlways}, {"never", ColorMode::kNever}};

// --no-builtin clears `include_builtin`.
void AddNoBuiltin(CLI::App* cmd, bool& include_builtin) {
  cmd->add_flag_callback(
      "--no-builtin", [&include_builtin] { include_builtin = false; },
      "Use only the info types of the --config files, not the built-in catalog");
}

// Extraction limits (docs/extraction.md), for scan and serve.
void AddLimitFlags(CLI::App* cmd, extract::Limits& limits, double& max_time_seconds) {
  cmd->add_option("--max-depth", limits.max_depth, "Containers inside containers to open (extraction)")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--max-expanded", limits.max_total_bytes,
                  "Decoded/decompressed bytes per file or request (e.g. 16GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->type_name("BYTES");
  cmd->add_option("--max-ratio", limits.max_ratio, "Expansion ratio that counts as a decompression bomb")
      ->type_name("R")
      ->capture_default_str();
  cmd->add_option("--max-parts", limits.max_parts, "Text parts and embedded files per file or request")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--max-time", max_time_seconds, "Seconds of extraction per file or request (0: no limit)")
      ->type_name("SECONDS")
      ->capture_default_str();
  cmd->add_option("--max-buffered", limits.max_buffered_bytes,
                  "Largest member held in memory for random access: zip, 7z, Office, PDF (e.g. 64MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->type_name("BYTES");
  cmd->add_option("--max-encoded-runs", limits.max_decoded_runs,
                  "base64/hex/percent/entity runs decoded per 16 MiB of a text part")
      ->type_name("N")
      ->capture_default_str();
}

void ApplyMaxTime(extract::Limits& limits, double seconds) {
  limits.max_time =
      std::chrono::milliseconds(seconds > 0 ? static_cast<std::int64_t>(seconds * 1000 + 0.5) : 0);
}

std::string VersionText() { return "leakguard " + std::string(kVersion); }

}  // namespace

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{std::string(kDescription), "leakguard"};
  app.set_version_flag("--version", VersionText(), "Print the version and exit");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 nothing found / success, 1 findings (scan), 2 error (an error wins over findings).\n"
      "Run 'leakguard COMMAND --help' for the flags of a command.");

  // --- scan ---
  ScanArgs scan;
  std::string scan_format = "text";
  std::string min_confidence = "medium";
  std::string color = "auto";
  bool no_progress = false;
  CLI::App* scan_cmd = app.add_subcommand("scan", "Scan files, directory trees or standard input (-)");
  scan_cmd->add_option("paths", scan.paths, "Files, directories (scanned recursively) or - for stdin")
      ->required()
      ->type_name("PATH");
  scan_cmd->add_option("--format", scan_format, "Output format: text, jsonl, json, sarif")
      ->check(CLI::IsMember({"text", "jsonl", "json", "sarif"}))
      ->capture_default_str();
  scan_cmd->add_option("--min-confidence", min_confidence, "Report findings at or above: low, medium, high")
      ->check(CLI::IsMember({"low", "medium", "high"}, CLI::ignore_case))
      ->capture_default_str();
  scan_cmd->add_option("--types", scan.types, "Report only these info type ids (comma separated)")
      ->delimiter(',')
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("ID,ID");
  scan_cmd
      ->add_option("--exclude", scan.excludes, "Skip paths whose path or basename matches GLOB (repeatable)")
      ->type_name("GLOB")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  scan_cmd->add_option("--config", scan.configs, "YAML file with custom info types / overrides (repeatable)")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddNoBuiltin(scan_cmd, scan.include_builtin);
  scan_cmd->add_flag("--reveal", scan.reveal, "Print full values (default: masked)");
  scan_cmd->add_option("-j,--jobs", scan.jobs, "Worker threads (default: all cores)")->type_name("N");
  scan_cmd->add_flag("-q,--quiet", scan.quiet, "No summary, progress or warnings (errors are still printed)");
  scan_cmd->add_flag("--no-progress", no_progress, "No progress line on stderr");
  scan_cmd->add_flag("--follow", scan.follow_symlinks, "Follow symlinks found inside directories");
  scan_cmd->add_option("--color", color, "Colour text output: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  bool no_extract = false;
  scan_cmd->add_flag("--no-extract", no_extract,
                     "Scan every file as raw bytes: no archives, documents, mail or encoded runs opened");
  double scan_max_time = static_cast<double>(scan.limits.max_time.count()) / 1000;
  AddLimitFlags(scan_cmd, scan.limits, scan_max_time);

  // --- types ---
  TypesArgs types;
  std::string types_format = "text";
  CLI::App* types_cmd = app.add_subcommand("types", "List the info type catalog, or show one type in full");
  types_cmd->add_option("id", types.id, "Info type id to show in full")->type_name("ID");
  types_cmd->add_option("--format", types_format, "Output format: text, json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  types_cmd
      ->add_option("--config", types.configs, "YAML file with custom info types / overrides (repeatable)")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  AddNoBuiltin(types_cmd, types.include_builtin);

  // --- serve ---
  ServeArgs serve;
  CLI::App* serve_cmd =
      app.add_subcommand("serve", "Run the HTTP inspection API (POST /v1/inspect, GET /healthz)");
  serve_cmd
      ->add_option("--listen", serve.listen, "Address to listen on: HOST:PORT or [IPv6]:PORT (port 0: any)")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  serve_cmd
      ->add_option("--config", serve.configs, "YAML file with custom info types / overrides (repeatable)")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddNoBuiltin(serve_cmd, serve.include_builtin);
  serve_cmd->add_option("--threads", serve.threads, "Worker threads (default: all cores)")->type_name("N");
  serve_cmd
      ->add_option("--max-body", serve.max_body_bytes,
                   "Largest request body; larger ones get 413 (e.g. 32MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->type_name("BYTES");
  serve_cmd->add_flag("--allow-reveal", serve.allow_reveal, "Let requests ask for full values");
  serve_cmd
      ->add_option("--policy", serve.policy_path, "Policy file (default: the configuration's, else built-in)")
      ->type_name("FILE");
  serve_cmd->add_option("--store", serve.store_url, "Incident store: sqlite:PATH or postgresql://...")
      ->type_name("URL");
  serve_cmd->add_flag_callback(
      "--no-watch", [&serve] { serve.watch = false; },
      "Reload the policy on SIGHUP only, not on file changes");
  serve_cmd
      ->add_option(
          "--icap-listen", serve.icap_listen,
          "ICAP listener for web proxies: HOST:PORT (port 0: any) or off (default: configuration, else "
          "127.0.0.1:1344)")
      ->type_name("HOST:PORT|off");
  serve_cmd
      ->add_option(
          "--milter-listen", serve.milter_listen,
          "Milter listener for mail servers: HOST:PORT (port 0: any), unix:/PATH (a unix socket) or off "
          "(default: configuration, else 127.0.0.1:8891)")
      ->type_name("HOST:PORT|unix:PATH|off");
  serve_cmd->add_flag_callback(
      "--inspect-only", [&serve] { serve.decide = false; },
      "Report findings only: no policy decisions, no incidents");
  double serve_max_time = static_cast<double>(serve.limits.max_time.count()) / 1000;
  AddLimitFlags(serve_cmd, serve.limits, serve_max_time);

  // --- subcommand groups defined in their own files ---
  std::vector<Subcommand> groups;
  AddPolicyCommands(app, groups);
  AddPolicyReplayCommand(*app.get_subcommand("policy"), groups);
  AddIncidentCommands(app, groups);

  // --- version ---
  CLI::App* version_cmd = app.add_subcommand("version", "Print the version");

  if (argc <= 1) {
    err << app.help();
    return kExitError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help, --version
      return kExitClean;
    }
    PrintError(err, e.what());
    err << "Run 'leakguard --help' for usage.\n";
    return kExitError;
  }

  if (scan_cmd->parsed()) {
    scan.format = kFormats.at(scan_format);
    std::string lower;
    for (char c : min_confidence) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    scan.min_confidence = kConfidences.at(lower);
    scan.color = kColors.at(color);
    scan.progress = !no_progress;
    scan.extract = !no_extract;
    ApplyMaxTime(scan.limits, scan_max_time);
    scan.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
    scan.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
    return RunScan(scan, out, err);
  }
  if (types_cmd->parsed()) {
    types.json = types_format == "json";
    return RunTypes(types, out, err);
  }
  if (serve_cmd->parsed()) {
    ApplyMaxTime(serve.limits, serve_max_time);
    return RunServe(serve, out, err);
  }
  for (const auto& group : groups)
    if (group.command->parsed()) return group.run(out, err);
  if (version_cmd->parsed()) {
    out << VersionText() << '\n';
    return kExitClean;
  }
  err << app.help();
  return kExitError;
}

}  // namespace leakguard::cli
