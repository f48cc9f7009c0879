// The built-in data files (data/infotypes/*.yaml, data/policies/*.yaml), embedded at build time by
// cmake/embed_data.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace leakguard::detect {

struct BuiltinFile {
  std::string_view name;  // "infotypes/financial.yaml", "policies/default.yaml"
  std::string_view text;
};

const std::vector<BuiltinFile>& BuiltinFiles();

}  // namespace leakguard::detect
