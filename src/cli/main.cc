// The `leakguard` command. All logic is in cli.cc and the *_command.cc files; this is the process edge
// where any escaped exception becomes exit status 2.
#include <exception>
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  try {
    return leakguard::cli::Main(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    leakguard::cli::PrintError(std::cerr, e.what());
  } catch (...) {
    leakguard::cli::PrintError(std::cerr, "unexpected internal error");
  }
  return leakguard::cli::kExitError;
}
