#include "channel/icap/icap_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "core/size.h"

namespace leakguard::channel::icap {
namespace {

struct ConfigError {
  std::string message;
};

std::string Where(std::string_view source, const YAML::Node& n, std::string_view key) {
  return std::string(source) + ":" + std::to_string(n.Mark().line + 1) + ": icap." + std::string(key) + ": ";
}

std::string Scalar(std::string_view source, const YAML::Node& n, std::string_view key) {
  if (!n.IsScalar()) throw ConfigError{Where(source, n, key) + "expected a single value"};
  return n.Scalar();
}

std::uint64_t Number(std::string_view source, const YAML::Node& n, std::string_view key, bool size) {
  std::string s = Scalar(source, n, key);
  if (size) {
    if (auto v = ParseByteSize(s)) return *v;
    throw ConfigError{Where(source, n, key) + "expected a size such as 4096 or 16MiB, not '" + s + "'"};
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw ConfigError{Where(source, n, key) + "expected a whole number, not '" + s + "'"};
  return v;
}

}  // namespace

Result<IcapConfig> ParseIcapConfig(std::string_view yaml, std::string_view source) {
  IcapConfig cfg;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || !root.IsMap() || !root["icap"]) return cfg;
    YAML::Node icap = root["icap"];
    if (!icap.IsMap()) throw ConfigError{Where(source, icap, "") + "the icap section must be a map"};
    for (const auto& kv : icap) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "listen") {
        std::string s = Scalar(source, v, key);
        if (s == "off" || s == "false") {
          cfg.enabled = false;
          continue;
        }
        std::size_t colon = s.rfind(':');
        std::uint64_t port = 0;
        std::string_view port_text = colon == std::string::npos ? "" : std::string_view(s).substr(colon + 1);
        auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (colon == std::string::npos || ec != std::errc() || p != port_text.data() + port_text.size() ||
            port > 65535)
          throw ConfigError{Where(source, v, key) + "expected HOST:PORT or off, not '" + s + "'"};
        std::string host = s.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
          host = host.substr(1, host.size() - 2);
        cfg.server.address = host;
        cfg.server.port = static_cast<std::uint16_t>(port);
      } else if (key == "services") {
        if (!v.IsMap()) throw ConfigError{Where(source, v, key) + "expected {reqmod: NAME, respmod: NAME}"};
        if (v["reqmod"]) cfg.service.reqmod_service = Scalar(source, v["reqmod"], "services.reqmod");
        if (v["respmod"]) cfg.service.respmod_service = Scalar(source, v["respmod"], "services.respmod");
      } else if (key == "preview") {
        cfg.service.preview = Number(source, v, key, true);
      } else if (key == "max_connections") {
        cfg.server.max_connections = static_cast<unsigned>(Number(source, v, key, false));
        cfg.service.max_connections = cfg.server.max_connections;
      } else if (key == "max_body") {
        cfg.service.max_body = Number(source, v, key, true);
      } else if (key == "spool_memory") {
        cfg.service.spool_memory = static_cast<std::size_t>(Number(source, v, key, true));
      } else if (key == "spool_dir") {
        cfg.service.spool_dir = Scalar(source, v, key);
      } else if (key == "max_redact_bytes") {
        cfg.service.max_redact_bytes = Number(source, v, key, true);
      } else if (key == "fail") {
        std::string s = Scalar(source, v, key);
        if (s != "open" && s != "closed")
          throw ConfigError{Where(source, v, key) + "expected open or closed"};
        cfg.service.fail_open = s == "open";
      } else if (key == "justify_url") {
        cfg.service.justify_url = Scalar(source, v, key);
      } else if (key == "help") {
        cfg.service.help = Scalar(source, v, key);
      } else if (key == "transfer_ignore") {
        if (!v.IsSequence()) throw ConfigError{Where(source, v, key) + "expected a list of file extensions"};
        for (const auto& e : v) cfg.service.transfer_ignore.push_back(Scalar(source, e, key));
      } else if (key == "idle_timeout") {
        cfg.server.idle_timeout = std::chrono::seconds(Number(source, v, key, false));
      } else if (key == "read_timeout") {
        cfg.server.read_timeout = std::chrono::seconds(Number(source, v, key, false));
      } else {
        throw ConfigError{Where(source, kv.first, key) + "unknown key"};
      }
    }
  } catch (const ConfigError& e) {
    return Unexpected(Status::ParseError(e.message));
  } catch (const YAML::Exception& e) {
    return Unexpected(
        Status::ParseError(std::string(source) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg));
  }
  return cfg;
}

Result<IcapConfig> LoadIcapConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(Status::NotFound("cannot read " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseIcapConfig(ss.str(), path);
}

}  // namespace leakguard::channel::icap
