// Helpers for the policy and configuration loaders: reading yaml-cpp nodes while collecting every
// error with its file and line ("policy.yaml:14: rule 'pci-block': ...") instead of stopping at the
// first. yaml-cpp throws; nothing here lets an exception out.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::policy {

class Errors {
 public:
  explicit Errors(std::string source) : source_(std::move(source)) {}

  static int Line(const YAML::Node& n) {
    try {
      return n.IsDefined() ? n.Mark().line + 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  // "<source>:<line>: <context><message>"
  void Add(int line, std::string_view message) {
    std::string e = source_;
    if (line > 0) e += ":" + std::to_string(line);
    e += ": ";
    e += context_;
    e += message;
    errors_.push_back({line, std::move(e)});
  }
  void Add(const YAML::Node& at, std::string_view message) { Add(Line(at), message); }

  // Prefix for messages while reading one rule: "rule 'pci-block': ".
  void SetContext(std::string context) { context_ = std::move(context); }
  bool empty() const { return errors_.empty(); }
  // In file order (by line; errors without a line first).
  std::vector<std::string> list() const;
  const std::string& source() const { return source_; }
  // All errors as one ParseError, one per line (capped so a hostile file cannot produce megabytes).
  Status ToStatus() const;

 private:
  std::string source_;
  std::string context_;
  std::vector<std::pair<int, std::string>> errors_;
};

// Parses a YAML document; a syntax error is added to `errors` (with its line) and yields nullopt.
std::optional<YAML::Node> ParseYaml(std::string_view text, Errors& errors);

// Scalars. Each returns nullopt (after adding an error naming `what`) when the node has the wrong shape.
std::optional<std::string> GetString(const YAML::Node& n, std::string_view what, Errors& errors);
std::optional<bool> GetBool(const YAML::Node& n, std::string_view what, Errors& errors);
std::optional<std::int64_t> GetInt(const YAML::Node& n, std::string_view what, std::int64_t min,
                                   std::int64_t max, Errors& errors);
// A string or a list of strings (a single string becomes a list of one).
std::optional<std::vector<std::string>> GetStrings(const YAML::Node& n, std::string_view what,
                                                   Errors& errors);
// Adds an error for every key of map `n` not in `known` ("unknown key 'acton' (expected: ...)").
void CheckKeys(const YAML::Node& n, std::initializer_list<std::string_view> known, std::string_view where,
               Errors& errors);

std::string Lower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Glob with '*' (any run, also dots) and '?' (one character), case-insensitive.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace leakguard::policy
