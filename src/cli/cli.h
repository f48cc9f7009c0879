// The `leakguard` command: argument parsing and the subcommands (scan, types, serve, version).
//
// Owns: the argument structs of each subcommand and the functions that run them. Each Run* function
// writes its normal output to `out`, diagnostics ("leakguard: error: ...") to `err`, and returns the
// process exit status, so tests can call it without spawning a process. Nothing here calls exit().
//
// Exit status of every subcommand:
//   0  success; for `scan`: nothing found
//   1  `scan` only: at least one finding was reported
//   2  error: bad flag, bad configuration, unknown info type, unreadable path, failed server start.
//      An error wins over findings: a scan that found something but could not read some path exits 2.
//
// Threads: Main and the Run* functions may be called from any one thread at a time per call; RunScan
// starts its own worker threads and joins them before returning.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "extract/limits.h"
#include "leakguard/engine.h"
#include "leakguard/finding.h"

namespace CLI {
class App;
}

namespace leakguard::cli {

#ifdef LEAKGUARD_VERSION
inline constexpr std::string_view kVersion = LEAKGUARD_VERSION;
#else
inline constexpr std::string_view kVersion = "0.1.0";  // keep in sync with project(VERSION) in CMakeLists
#endif

inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

enum class OutputFormat { kText, kJsonl, kJson, kSarif };
enum class ColorMode { kAuto, kAlways, kNever };

struct ScanArgs {
  std::vector<std::string> paths;  // files, directories, or "-" for stdin (at most once)
  OutputFormat format = OutputFormat::kText;
  Confidence min_confidence = Confidence::kMedium;
  std::vector<std::string> types;     // info type ids to report; empty = all
  std::vector<std::string> excludes;  // fnmatch globs, matched against the path and its basename
  std::vector<std::string> configs;   // YAML configuration files (custom info types, overrides)
  bool include_builtin = true;        // false: only the types from `configs`
  bool reveal = false;                // print full values (otherwise only the masked form)
  unsigned jobs = 0;                  // worker threads; 0 = number of cores
  bool quiet = false;                 // no summary, no progress (errors are still printed)
  bool progress = true;               // progress line on stderr (only when stderr_is_tty)
  bool follow_symlinks = false;       // follow symlinks found while walking directories
  ColorMode color = ColorMode::kAuto;
  std::size_t chunk_size = 1 << 20;  // bytes per read (without extraction)
  bool extract = true;               // false (--no-extract): every file is scanned as raw bytes
  extract::Limits limits;            // extraction limits (--max-depth, --max-time, …)
  // Set by the caller (Main) from isatty(); tests leave them false.
  bool stdout_is_tty = false;
  bool stderr_is_tty = false;
  int stdin_fd = 0;  // where "-" reads from
};

// Runs `leakguard scan`. Compiles the engine from args.configs (plus the built-in catalog).
int RunScan(const ScanArgs& args, std::ostream& out, std::ostream& err);
// Same with an engine the caller compiled (args.configs is ignored).
int RunScan(const ScanArgs& args, std::shared_ptr<const Engine> engine, std::ostream& out, std::ostream& err);

struct TypesArgs {
  std::string id;  // empty: list all types
  bool json = false;
  std::vector<std::string> configs;
  bool include_builtin = true;
};

int RunTypes(const TypesArgs& args, std::ostream& out, std::ostream& err);
int RunTypes(const TypesArgs& args, const Engine& engine, std::ostream& out, std::ostream& err);

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, [IPv6]:PORT; port 0 picks a free port
  std::vector<std::string> configs;
  bool include_builtin = true;
  unsigned threads = 0;
  std::uint64_t max_body_bytes = 32ull << 20;
  bool allow_reveal = false;
  extract::Limits limits;  // extraction limits per request
  // Decisions (docs/policies.md, docs/incidents.md): the first `configs` file is the main
  // configuration (organization, classification, policy, incidents, siem sections).
  std::string policy_path;    // --policy: overrides the configuration's `policy:`
  std::string store_url;      // --store: overrides `incidents.store`
  bool watch = true;          // reload when a configuration/policy file changes
  bool decide = true;         // false (--inspect-only): findings only, no policy, no incidents
  std::string icap_listen;    // --icap-listen HOST:PORT or "off"; "" = the configuration's (127.0.0.1:1344)
  std::string milter_listen;  // --milter-listen HOST:PORT or "off"; "" = the configuration's (127.0.0.1:8891)
};

// Blocks until SIGINT/SIGTERM. Prints "leakguard: ICAP on icap://HOST:PORT/reqmod" (unless the ICAP
// listener is off) and then "leakguard: listening on http://HOST:PORT" on `err` when ready.
// SIGHUP recompiles the configuration and swaps the engine (the old one stays on a compile error) and
// reloads the policy (the running one stays when the new one is refused).
int RunServe(const ServeArgs& args, std::ostream& out, std::ostream& err);

// "HOST:PORT" or "[V6]:PORT" → host and port. Errors name the bad part.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
Result<ListenAddress> ParseListen(std::string_view text);

// A group of subcommands defined in its own file. Add*Commands adds its CLI11 subcommands to `app`
// and appends, per top-level subcommand, the function Main runs when that subcommand was parsed
// (it returns the exit status and writes to out/err like the Run* functions).
struct Subcommand {
  CLI::App* command = nullptr;
  std::function<int(std::ostream& out, std::ostream& err)> run;
};
// `policy check|test|replay` (policy_command.cc).
void AddPolicyCommands(CLI::App& app, std::vector<Subcommand>& commands);
// `policy replay`, added to the `policy` command AddPolicyCommands created (policy_replay_command.cc).
void AddPolicyReplayCommand(CLI::App& policy, std::vector<Subcommand>& commands);
// `incidents list|show|update`, `evidence open`, `audit verify` (incident_command.cc).
void AddIncidentCommands(CLI::App& app, std::vector<Subcommand>& commands);

// Parses argv and runs the subcommand. Exceptions are not caught here (main.cc catches them).
int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// "leakguard: error: <message>\n" on err.
void PrintError(std::ostream& err, std::string_view message);

}  // namespace leakguard::cli
