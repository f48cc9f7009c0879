// The `leakguard incident` subcommand group: see cli.h.

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace leakguard::cli {

void AddIncidentCommands(CLI::App& app, std::vector<Subcommand>& commands) {
  (void)app;
  (void)commands;
}

}  // namespace leakguard::cli
