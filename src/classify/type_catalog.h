// Info type ids and their categories, for policy conditions and classification rules that name a
// category ("credential", "national_id") or check that a type id exists.
//
// From a compiled Engine (its catalog, custom types included) or, without one, from the built-in
// catalog files (data/infotypes, parsed once; no pattern compilation). The extraction problem types
// (EXTRACTION_LIMIT, ENCRYPTED_CONTENT, UNREADABLE_CONTENT) are always known, in category "extraction".
// Threads: immutable; share it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/engine.h"

namespace leakguard::classify {

class TypeCatalog {
 public:
  static std::shared_ptr<const TypeCatalog> FromEngine(const Engine& engine);
  // The built-in catalog (cached).
  static std::shared_ptr<const TypeCatalog> Builtin();

  bool Known(std::string_view id) const { return category_.contains(std::string(id)); }
  // "" when unknown.
  std::string_view CategoryOf(std::string_view id) const;
  bool KnownCategory(std::string_view category) const { return members_.contains(std::string(category)); }
  const std::vector<std::string>& TypesIn(std::string_view category) const;
  std::vector<std::string> categories() const;
  // True when built from an engine: ids outside it are errors (built-in only: custom types may exist).
  bool authoritative() const { return authoritative_; }

 private:
  void Add(const std::string& id, const std::string& category);
  std::map<std::string, std::string> category_;              // id -> category
  std::map<std::string, std::vector<std::string>> members_;  // category -> ids
  bool authoritative_ = false;
};

}  // namespace leakguard::classify
