#include "classify/type_catalog.h"

#include <yaml-cpp/yaml.h>

#include "detect/builtin_data.h"
#include "extract/inspect.h"

namespace leakguard::classify {

void TypeCatalog::Add(const std::string& id, const std::string& category) {
  if (!category_.emplace(id, category).second) return;
  members_[category].push_back(id);
}

std::shared_ptr<const TypeCatalog> TypeCatalog::FromEngine(const Engine& engine) {
  auto c = std::make_shared<TypeCatalog>();
  c->authoritative_ = true;
  for (const auto& t : engine.types()) c->Add(t.id, t.category);
  for (const auto& p : extract::ProblemTypes()) c->Add(std::string(p.id), "extraction");
  return c;
}

std::shared_ptr<const TypeCatalog> TypeCatalog::Builtin() {
  static const std::shared_ptr<const TypeCatalog> kBuiltin = [] {
    auto c = std::make_shared<TypeCatalog>();
    for (const auto& f : detect::BuiltinFiles()) {
      if (!f.name.starts_with("infotypes/")) continue;
      try {
        YAML::Node root = YAML::Load(std::string(f.text));
        for (const auto& t : root["infotypes"]) {
          if (t["id"].IsScalar())
            c->Add(t["id"].Scalar(),
                   t["category"].IsScalar() ? t["category"].Scalar() : std::string("custom"));
        }
      } catch (const std::exception&) {
        // The built-in files are compiled by the engine's own tests; a broken one shows there.
      }
    }
    for (const auto& p : extract::ProblemTypes()) c->Add(std::string(p.id), "extraction");
    return c;
  }();
  return kBuiltin;
}

std::string_view TypeCatalog::CategoryOf(std::string_view id) const {
  auto it = category_.find(std::string(id));
  return it == category_.end() ? std::string_view() : std::string_view(it->second);
}

const std::vector<std::string>& TypeCatalog::TypesIn(std::string_view category) const {
  static const std::vector<std::string> kNone;
  auto it = members_.find(std::string(category));
  return it == members_.end() ? kNone : it->second;
}

std::vector<std::string> TypeCatalog::categories() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : members_) out.push_back(k);
  return out;
}

}  // namespace leakguard::classify
