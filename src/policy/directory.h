// The directory file: which groups each user belongs to (docs/policies.md, "Directory").
//
//   users:
//     alice: [finance, staff]
//     bob@corp.example: [engineering]
//   groups:                      # optional: groups inside groups
//     staff: [finance, engineering]   # members of finance and engineering are also in staff
//
// Names are matched case-insensitively. Threads: immutable after Load.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::policy {

class Directory {
 public:
  // Errors name the file and line.
  static Result<std::unique_ptr<Directory>> Load(std::string_view name, std::string_view yaml);
  static Result<std::unique_ptr<Directory>> LoadFile(const std::string& path);

  // The user's groups, with the groups that contain them (nesting resolved), sorted; empty when the
  // user is unknown.
  std::vector<std::string> GroupsOf(std::string_view user) const;
  std::size_t user_count() const { return users_.size(); }

 private:
  std::map<std::string, std::vector<std::string>> users_;    // lower-case user -> direct groups
  std::map<std::string, std::vector<std::string>> parents_;  // lower-case group -> groups containing it
};

}  // namespace leakguard::policy
