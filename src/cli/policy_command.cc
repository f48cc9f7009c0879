// The `leakguard policy` subcommand group: see cli.h.

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace leakguard::cli {

void AddPolicyCommands(CLI::App& app, std::vector<Subcommand>& commands) {
  (void)app;
  (void)commands;
}

}  // namespace leakguard::cli
