#include "channel/icap/icap_config.h"

#include <filesystem>

#include "channel/section_reader.h"

namespace leakguard::channel::icap {

Result<IcapConfig> ParseIcapConfig(std::string_view yaml, std::string_view source) {
  IcapConfig cfg;
  SectionReader r(source, "icap");
  Status s = r.Read(yaml, [&](const YAML::Node& icap) {
    for (const auto& kv : icap) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (r.ServerOption(key, v, cfg.enabled, cfg.server)) {
        cfg.service.max_connections = cfg.server.max_connections;  // advertised in OPTIONS
      } else if (key == "services") {
        if (!v.IsMap()) r.Fail(v, key, "expected {reqmod: NAME, respmod: NAME}");
        if (v["reqmod"]) cfg.service.reqmod_service = r.Scalar(v["reqmod"], "services.reqmod");
        if (v["respmod"]) cfg.service.respmod_service = r.Scalar(v["respmod"], "services.respmod");
      } else if (key == "preview") {
        cfg.service.preview = r.Size(v, key);
      } else if (key == "max_body") {
        cfg.service.max_body = r.Size(v, key);
      } else if (key == "spool_memory") {
        cfg.service.spool_memory = static_cast<std::size_t>(r.Size(v, key));
      } else if (key == "spool_dir") {
        cfg.service.spool_dir = r.Scalar(v, key);
      } else if (key == "max_redact_bytes") {
        cfg.service.max_redact_bytes = r.Size(v, key);
      } else if (key == "fail") {
        cfg.service.fail_open = r.Choice(v, key, "open", "closed");
      } else if (key == "justify_url") {
        cfg.service.justify_url = r.Scalar(v, key);
      } else if (key == "help") {
        cfg.service.help = r.Scalar(v, key);
      } else if (key == "transfer_ignore") {
        if (!v.IsSequence()) r.Fail(v, key, "expected a list of file extensions");
        for (const auto& e : v) cfg.service.transfer_ignore.push_back(r.Scalar(e, key));
      } else {
        r.Fail(kv.first, key, "unknown key");
      }
    }
  });
  if (!s.ok()) return Unexpected(s);
  return cfg;
}

Result<IcapConfig> LoadIcapConfig(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return Unexpected(text.error());
  auto cfg = ParseIcapConfig(*text, path);
  if (!cfg) return cfg;
  // TLS files are named relative to the configuration file's folder.
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (std::string* f : {&cfg->server.tls_cert, &cfg->server.tls_key})
    if (!f->empty() && std::filesystem::path(*f).is_relative()) *f = (base / *f).string();
  return cfg;
}

}  // namespace leakguard::channel::icap
