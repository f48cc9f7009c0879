// Helpers shared by the test binaries: where the source tree is, and one built-in engine per binary.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "leakguard/engine.h"

namespace leakguard::testing {

// The source tree: $LEAKGUARD_SOURCE_DIR, else the path CMake compiled in, else ".".
inline std::string SourceDir() {
  if (const char* env = std::getenv("LEAKGUARD_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
#ifdef LEAKGUARD_SOURCE_DIR
  return LEAKGUARD_SOURCE_DIR;
#else
  return ".";
#endif
}

// ../shared/corpora beside the checkout (absent in clones elsewhere: tests skip).
inline std::filesystem::path CorporaDir() {
  return std::filesystem::path(SourceDir()) / ".." / "shared" / "corpora";
}

// The built-in catalog, compiled once per test binary (compiling is the expensive part).
inline const std::shared_ptr<const Engine>& BuiltinEngine() {
  static const std::shared_ptr<const Engine> engine = [] {
    auto compiled = Engine::Compile({});
    if (!compiled) {
      ADD_FAILURE() << "built-in catalog does not compile: " << compiled.error().ToString();
      return std::shared_ptr<const Engine>();
    }
    return *compiled;
  }();
  return engine;
}

}  // namespace leakguard::testing
