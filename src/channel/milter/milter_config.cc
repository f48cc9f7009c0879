#include "channel/milter/milter_config.h"

#include "channel/section_reader.h"

namespace leakguard::channel::milter {
namespace {

// milter.notify: {smtp, from, to, subject, actions, helo, timeout, retries, backoff, queue, rule_targets}
void ReadNotify(const SectionReader& r, const YAML::Node& m, NotifyOptions& n) {
  if (!m.IsMap()) r.Fail(m, "notify", "expected a map: {smtp: HOST:PORT, from: ADDRESS, to: [sender, ...]}");
  n.enabled = true;
  for (const auto& kv : m) {
    const std::string key = "notify." + kv.first.Scalar();
    const YAML::Node& v = kv.second;
    const std::string name = kv.first.Scalar();
    if (name == "smtp") {
      SectionReader::Listen l;
      std::string e = ParseListenValue(r.Scalar(v, key), l);
      if (!e.empty() || !l.enabled || !l.unix_path.empty())
        r.Fail(v, key, "expected the relay as HOST:PORT, not '" + r.Scalar(v, key) + "'");
      n.smtp.host = l.host;
      n.smtp.port = l.port;
    } else if (name == "from") {
      n.from = r.Scalar(v, key);
      if (n.from.find('@') == std::string::npos || n.from.find_first_of("\r\n") != std::string::npos)
        r.Fail(v, key, "expected a mail address, not '" + n.from + "'");
    } else if (name == "to") {
      n.to.clear();
      if (v.IsScalar()) {
        n.to.push_back(v.Scalar());
      } else if (v.IsSequence()) {
        for (const auto& item : v) n.to.push_back(r.Scalar(item, key));
      } else {
        r.Fail(v, key, "expected a list of addresses or \"sender\"");
      }
      for (const std::string& t : n.to)
        if (t != "sender" &&
            (t.find('@') == std::string::npos || t.find_first_of("\r\n ") != std::string::npos))
          r.Fail(v, key, "expected a mail address or \"sender\", not '" + t + "'");
    } else if (name == "subject") {
      n.subject = r.Scalar(v, key);
    } else if (name == "actions") {
      if (!v.IsSequence()) r.Fail(v, key, "expected a list of actions such as [alert, block]");
      n.actions.clear();
      for (const auto& item : v) {
        auto a = ParseAction(r.Scalar(item, key));
        if (!a) r.Fail(item, key, "unknown action '" + item.Scalar() + "'");
        n.actions.push_back(*a);
      }
    } else if (name == "helo") {
      n.smtp.helo = r.Scalar(v, key);
    } else if (name == "timeout") {
      n.smtp.timeout = std::chrono::seconds(r.Number(v, key));
    } else if (name == "retries") {
      n.retries = static_cast<unsigned>(r.Number(v, key));
    } else if (name == "backoff") {
      n.backoff = std::chrono::seconds(r.Number(v, key));
    } else if (name == "queue") {
      n.queue = static_cast<std::size_t>(r.Number(v, key));
      if (n.queue == 0) r.Fail(v, key, "expected at least 1");
    } else if (name == "rule_targets") {
      n.rule_targets = r.Choice(v, key, "true", "false");
    } else {
      r.Fail(kv.first, key, "unknown key");
    }
  }
  if (n.from.empty()) r.Fail(m, "notify.from", "the notice needs a From address (from: dlp-noreply@...)");
  if (n.to.empty() && !n.rule_targets) r.Fail(m, "notify.to", "no recipients: give to: [sender, ...]");
}

}  // namespace

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
      } else if (key == "notify") {
        ReadNotify(r, v, cfg.service.notify);
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
