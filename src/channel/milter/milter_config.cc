#include "channel/milter/milter_config.h"

#include "channel/section_reader.h"

namespace leakguard::channel::milter {
Result<MilterConfig> ParseMilterConfig(std::string_view yaml, std::string_view source) {
  MilterConfig cfg;
  SectionReader r(source, "milter");
  Status s = r.Read(yaml, [&](const YAML::Node& m) {
    for (const auto& kv : m) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (r.ServerOption(key, v, cfg.enabled, cfg.server)) {
        // listen, max_connections, idle_timeout, read_timeout
      } else if (key == "spool_memory") {
        cfg.service.spool_memory = static_cast<std::size_t>(r.Size(v, key));
      } else if (key == "spool_dir") {
        cfg.service.spool_dir = r.Scalar(v, key);
      } else if (key == "max_message") {
        cfg.service.max_message = r.Size(v, key);
      } else if (key == "max_redact_bytes") {
        cfg.service.max_redact_bytes = r.Size(v, key);
      } else if (key == "fail") {
        cfg.service.fail_open = r.Choice(v, key, "open", "closed");
      } else if (key == "on_block") {
        cfg.service.remove_recipients = r.Choice(v, key, "remove_recipients", "reject");
      } else if (key == "reject_text") {
        cfg.service.reject_text = r.Scalar(v, key);
      } else if (key == "redact_notice") {
        cfg.service.redact_notice = r.Scalar(v, key);
        if (cfg.service.redact_notice.find("{incident}") == std::string::npos)
          r.Fail(v, key, "the notice must name the incident: put {incident} in it");
      } else {
        r.Fail(kv.first, key, "unknown key");
      }
    }
  });
  if (!s.ok()) return Unexpected(s);
  return cfg;
}

Result<MilterConfig> LoadMilterConfig(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return Unexpected(text.error());
  return ParseMilterConfig(*text, path);
}

}  // namespace leakguard::channel::milter
