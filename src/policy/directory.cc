#include "policy/directory.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "policy/yaml_util.h"

namespace leakguard::policy {

Result<std::unique_ptr<Directory>> Directory::Load(std::string_view name, std::string_view yaml) {
  Errors errors{std::string(name)};
  auto root = ParseYaml(yaml, errors);
  if (!root) return Unexpected(errors.ToStatus());
  auto d = std::make_unique<Directory>();
  try {
    if (!root->IsMap()) {
      if (!root->IsNull()) errors.Add(*root, "a directory file is a map with 'users:' (and 'groups:')");
    } else {
      CheckKeys(*root, {"users", "groups"}, "the directory file", errors);
      if (auto users = (*root)["users"]; users.IsDefined() && !users.IsNull()) {
        if (!users.IsMap())
          errors.Add(users, "users: must map each user to a list of groups");
        else
          for (const auto& kv : users) {
            auto user = GetString(kv.first, "a user name", errors);
            auto groups = kv.second.IsNull()
                              ? std::optional<std::vector<std::string>>(std::vector<std::string>{})
                              : GetStrings(kv.second, "the groups of '" + (user ? *user : "") + "'", errors);
            if (user && groups) {
              auto& list = d->users_[Lower(*user)];
              list.insert(list.end(), groups->begin(), groups->end());
            }
          }
      }
      if (auto groups = (*root)["groups"]; groups.IsDefined() && !groups.IsNull()) {
        if (!groups.IsMap())
          errors.Add(groups, "groups: must map each group to the groups it contains");
        else
          for (const auto& kv : groups) {
            auto parent = GetString(kv.first, "a group name", errors);
            auto members =
                GetStrings(kv.second, "the member groups of '" + (parent ? *parent : "") + "'", errors);
            if (parent && members)
              for (const auto& m : *members) d->parents_[Lower(m)].push_back(*parent);
          }
      }
    }
  } catch (const std::exception& e) {
    errors.Add(0, e.what());
  }
  if (!errors.empty()) return Unexpected(errors.ToStatus());
  return d;
}

Result<std::unique_ptr<Directory>> Directory::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(Status::NotFound(path + ": cannot read the directory file"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Load(path, text);
}

std::vector<std::string> Directory::GroupsOf(std::string_view user) const {
  auto it = users_.find(Lower(user));
  if (it == users_.end()) return {};
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<std::string> todo = it->second;
  // Nesting may be cyclic in a hand-written file: `seen` stops it.
  while (!todo.empty()) {
    std::string g = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(Lower(g)).second) continue;
    out.push_back(g);
    if (auto p = parents_.find(Lower(g)); p != parents_.end())
      todo.insert(todo.end(), p->second.begin(), p->second.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace leakguard::policy
