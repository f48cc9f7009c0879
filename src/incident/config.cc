#include "incident/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace leakguard::incident {
namespace {

// "16MiB", "512k", "1000000" -> bytes.
std::optional<std::uint64_t> ParseSize(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  std::uint64_t n = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) n = n * 10 + (s[i] - '0');
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < s.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(s[i]))) unit += static_cast<char>(std::tolower(s[i]));
  if (unit.empty() || unit == "b") return n;
  if (unit == "k" || unit == "kb" || unit == "kib") return n << 10;
  if (unit == "m" || unit == "mb" || unit == "mib") return n << 20;
  if (unit == "g" || unit == "gb" || unit == "gib") return n << 30;
  return std::nullopt;
}

std::string Resolve(const std::string& base, const std::string& file) {
  if (file.empty() || base.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (std::filesystem::path(base) / file).string();
}

}  // namespace

Result<IncidentConfig> ParseIncidentConfig(std::string_view yaml, std::string_view source,
                                           const std::string& base_dir) {
  IncidentConfig cfg;
  const std::string where(source);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return cfg;
    YAML::Node inc = root["incidents"];
    if (!inc || inc.IsNull()) return cfg;
    if (!inc.IsMap()) return Unexpected(Status::ParseError(where + ": incidents: must be a mapping"));
    auto line = [&](const YAML::Node& n) { return ":" + std::to_string(n.Mark().line + 1); };
    auto str = [&](const YAML::Node& n, const char* key) -> Result<std::string> {
      if (!n.IsScalar())
        return Unexpected(Status::ParseError(where + line(n) + ": " + key + " must be a string"));
      return n.as<std::string>();
    };
    for (const auto& kv : inc) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "store") {
        auto s = str(v, "incidents.store");
        if (!s) return Unexpected(s.error());
        cfg.store = *s;
      } else if (key == "retry_seconds") {
        auto s = str(v, "incidents.retry_seconds");
        if (!s) return Unexpected(s.error());
        try {
          cfg.retry_seconds = std::stod(*s);
        } catch (...) {
          return Unexpected(
              Status::ParseError(where + line(v) + ": incidents.retry_seconds must be a number"));
        }
      } else if (key == "evidence") {
        if (!v.IsMap())
          return Unexpected(Status::ParseError(where + line(v) + ": incidents.evidence must be a mapping"));
        for (const auto& e : v) {
          std::string k = e.first.as<std::string>();
          auto s = str(e.second, ("incidents.evidence." + k).c_str());
          if (!s) return Unexpected(s.error());
          if (k == "public_key") {
            cfg.evidence_public_key = Resolve(base_dir, *s);
          } else if (k == "max_bytes") {
            auto n = ParseSize(*s);
            if (!n)
              return Unexpected(
                  Status::ParseError(where + line(e.second) +
                                     ": incidents.evidence.max_bytes: not a size ('16MiB', '1000000')"));
            cfg.evidence_max_bytes = *n;
          } else {
            return Unexpected(
                Status::ParseError(where + line(e.first) + ": unknown key incidents.evidence." + k));
          }
        }
      } else if (key == "audit") {
        if (!v.IsMap())
          return Unexpected(Status::ParseError(where + line(v) + ": incidents.audit must be a mapping"));
        for (const auto& e : v) {
          std::string k = e.first.as<std::string>();
          if (k != "key")
            return Unexpected(
                Status::ParseError(where + line(e.first) + ": unknown key incidents.audit." + k));
          auto s = str(e.second, "incidents.audit.key");
          if (!s) return Unexpected(s.error());
          cfg.audit_key = Resolve(base_dir, *s);
        }
      } else {
        return Unexpected(Status::ParseError(where + line(kv.first) + ": unknown key incidents." + key));
      }
    }
  } catch (const YAML::Exception& e) {
    return Unexpected(Status::ParseError(where + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg));
  }
  return cfg;
}

Result<IncidentConfig> LoadIncidentConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Unexpected(Status::NotFound("cannot read configuration " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string base = std::filesystem::path(path).parent_path().string();
  return ParseIncidentConfig(ss.str(), path, base);
}

Result<StoreOptions> StoreOptionsFrom(const IncidentConfig& config) {
  StoreOptions opt;
  opt.evidence_max_bytes = config.evidence_max_bytes;
  opt.retry_for =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, config.retry_seconds) * 1000));
  if (!config.evidence_public_key.empty()) {
    auto k = LoadEvidencePublicKey(config.evidence_public_key);
    if (!k) return Unexpected(k.error());
    opt.evidence_key = *k;
  }
  if (!config.audit_key.empty()) {
    auto k = LoadAuditKey(config.audit_key);
    if (!k) return Unexpected(k.error());
    opt.audit_key = std::move(*k);
  }
  return opt;
}

Result<std::unique_ptr<IncidentStore>> OpenConfiguredStore(const IncidentConfig& config) {
  auto opt = StoreOptionsFrom(config);
  if (!opt) return Unexpected(opt.error());
  return IncidentStore::Open(config.store.empty() ? DefaultStoreUrl() : config.store, std::move(*opt));
}

}  // namespace leakguard::incident
