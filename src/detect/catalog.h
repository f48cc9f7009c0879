// The info-type catalog as loaded from YAML (built-in data/infotypes/*.yaml plus user configuration),
// before compilation. See docs/infotypes.md for the format; this is its in-memory model.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/finding.h"
#include "leakguard/status.h"

namespace leakguard::detect {

// Where a pattern is looked for (docs/infotypes.md, "How patterns are searched").
enum class Trigger { kLiteral, kDigits, kContext };

std::string_view TriggerName(Trigger t);

struct PatternSpec {
  std::string id;
  std::string regex;                  // PCRE2 syntax; empty for keyword patterns
  std::vector<std::string> keywords;  // dictionary pattern: whole words, case-insensitive
  Trigger trigger = Trigger::kLiteral;
  Confidence confidence = Confidence::kMedium;
  std::string validator;
  std::size_t max_length = 0;  // 0: default for the trigger
  bool case_insensitive = false;
  std::string secret_group;
  std::string prefilter;  // Vectorscan expression searched instead of the regex (docs/infotypes.md)
  std::size_t prefilter_lead =
      0;  // a match starts at most this far before its prefilter hit ends (0: max_length)
  double min_entropy = 0;
  std::string summary;  // for listings: the regex, or "keywords: a, b, c"
  int line = 0;         // 1-based line in its YAML source
};

struct ContextSpec {
  std::vector<std::string> words;  // lower-cased
  std::size_t window_before = 64;
  std::size_t window_after = 32;
  std::optional<Confidence> confidence;  // default: one level above the pattern's
  bool required = false;
};

struct ExclusionSpec {
  std::vector<std::string> values;  // normalized with NormalizeValue
  std::vector<std::string> regexes;
  std::vector<std::string> words;        // lower-cased
  std::vector<std::string> test_values;  // normalized
  bool exclude_test_values = false;
};

struct MaskSpec {
  int keep_first = 0;
  int keep_last = 4;
};

struct InfoTypeSpec {
  std::string id;
  std::string name;
  std::string category;
  std::string description;
  int specificity = 50;
  std::vector<PatternSpec> patterns;
  ContextSpec context;
  ExclusionSpec exclusions;
  std::vector<std::string> stopwords;  // lower-cased
  MaskSpec mask;
  std::vector<std::string> valid_examples;
  std::vector<std::string> invalid_examples;
  bool builtin = false;
  bool disabled = false;
  std::string source;  // "infotypes/financial.yaml:12" or "my.yaml:40"
};

struct Catalog {
  std::vector<InfoTypeSpec> types;
};

// Values are compared for exclusions without separators and case: keeps [0-9A-Za-z], upper-cased.
std::string NormalizeValue(std::string_view value);

// Parses one YAML document (`infotypes:` and `overrides:`; other top-level keys belong to other
// layers and are ignored) and adds its types to `catalog`; overrides are applied to types already in
// it. Errors name the source, the line and the type.
Status LoadCatalogYaml(std::string_view source_name, std::string_view yaml, bool builtin, Catalog& catalog);

// The regex that an `assignment` pattern expands to (docs/infotypes.md).
std::string ExpandAssignment(const std::vector<std::string>& keywords, std::string_view value_regex);
// The Vectorscan expression that finds candidates for an `assignment` pattern: its keywords.
std::string AssignmentPrefilter(const std::vector<std::string>& keywords);

}  // namespace leakguard::detect
