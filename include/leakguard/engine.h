// leakguard/engine.h — the inspection engine: compile once, scan many.
//
// Owns: Engine (immutable, compiled from the built-in catalog plus user configuration) and Scanner
// (per-thread scratch that scans whole buffers or streams with that engine).
//
// Threads: an Engine is immutable after Compile and may be shared by any number of threads through
// its shared_ptr. A Scanner is NOT thread-safe: give each thread its own (they are cheap to create and
// meant to be reused). Replacing the engine (policy reload) is done by swapping the shared_ptr; scanners
// built from the old engine keep it alive until they are destroyed.
//
// Order of calls: Engine::Compile, then Scanner(engine), then either ScanBlock(...) any number of
// times, or Open → Write* → Close for a stream. ScanBlock on a scanner with an open stream fails.
//
// Same answers both ways: the engine cuts its input into fixed segments at absolute offsets and scans
// each with an overlap, so a stream fed in chunks of any size yields exactly the findings of one
// ScanBlock over the concatenated bytes, including matches that cross chunk boundaries.
//
// Failure: Compile reports configuration errors naming the info type, the pattern and the YAML line.
// Scanning fails only on misuse or internal errors; no match is an empty list.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/finding.h"
#include "leakguard/status.h"

namespace leakguard {

namespace detect {
class CompiledCatalog;  // internal
class ScanState;        // internal
}  // namespace detect

// A configuration document: YAML text and a name for error messages (usually its path).
struct ConfigSource {
  std::string name;
  std::string yaml;
};

struct CompileOptions {
  bool include_builtin = true;        // the built-in catalog from data/infotypes
  std::vector<ConfigSource> configs;  // user configuration: custom types, overrides of built-ins
};

// Read-only description of one info type, for listings (`leakguard types`) and the API.
struct InfoTypeInfo {
  std::string id;        // e.g. "IBAN_CODE"
  std::string name;      // human name
  std::string category;  // financial, personal, national_id, health, credential, custom…
  std::string description;
  std::vector<std::string> patterns;    // "<pattern id>: <regex or keyword summary>"
  std::vector<std::string> validators;  // validator names used by its patterns
  std::vector<std::string> context_words;
  bool context_required = false;
  std::string confidence_rules;  // one-paragraph explanation of how confidence is set
  std::vector<std::string> valid_examples;
  std::vector<std::string> invalid_examples;
  bool builtin = true;
  std::string source;  // "builtin:financial.yaml:12" or "my.yaml:40"
};

struct ScanOptions {
  Confidence min_confidence = Confidence::kMedium;  // findings below are not reported
  std::vector<std::string> types;                   // report only these info type ids; empty = all
  bool reveal = false;                              // fill Finding::value with the full value
  std::string part;                                 // copied into every Finding::part
  // Structure context of the scanned part: the column header of a CSV/xlsx cell, the JSON key or XML
  // element of a value ("card_number", "Card Number", "nik"). A type's context word found in one of
  // these (case-insensitively, as a whole word; '_', '-', '.' and camelCase separate words) counts as
  // a context word at distance 0 for every value in the part.
  std::vector<std::string> context;
};

class Scanner;

class Engine {
 public:
  // Compiles the catalog. Errors name the failing item, e.g.
  // "my.yaml:14: info type EMPLOYEE_ID, pattern 'main': unknown validator 'luhnn'".
  static Result<std::shared_ptr<const Engine>> Compile(const CompileOptions& options);

  // Compile options from files: reads each path as a ConfigSource.
  static Result<std::shared_ptr<const Engine>> CompileFiles(const std::vector<std::string>& config_paths,
                                                            bool include_builtin = true);

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::vector<InfoTypeInfo>& types() const;
  const InfoTypeInfo* FindType(std::string_view id) const;  // nullptr when unknown

  const detect::CompiledCatalog& catalog() const { return *catalog_; }

 private:
  explicit Engine(std::unique_ptr<detect::CompiledCatalog> catalog);
  std::unique_ptr<detect::CompiledCatalog> catalog_;
};

// Receives findings as a stream produces them (in increasing start order).
using FindingSink = std::function<void(Finding&&)>;

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Engine> engine);
  ~Scanner();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;

  // Scans one whole buffer. Findings are sorted by start offset.
  Result<std::vector<Finding>> ScanBlock(std::string_view data, const ScanOptions& options = {});

  // Streaming: Open, Write chunks of any size, Close. Findings go to `sink` as soon as they are final
  // (at the latest on Close). Memory is bounded by the segment size, not the stream length.
  Status Open(const ScanOptions& options, FindingSink sink);
  Status Write(std::string_view chunk);
  Status Close();

  std::uint64_t bytes_scanned() const;  // bytes written to the current/last stream or block
  const Engine& engine() const { return *engine_; }

 private:
  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<detect::ScanState> state_;
};

}  // namespace leakguard
