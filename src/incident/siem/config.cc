#include "incident/siem/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "incident/siem/format.h"

namespace leakguard::incident::siem {
namespace {

namespace fs = std::filesystem;

// A configuration error at a node: "siem.sinks[1].url (line 12): ...". Thrown inside the parser
// only and turned into a Status at its entry point.
struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& node, const std::string& where, const std::string& what) {
  std::string line = node.Mark().line >= 0 ? " (line " + std::to_string(node.Mark().line + 1) + ")" : "";
  throw ConfigError{where + line + ": " + what};
}

std::string Scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) Fail(n, where, "expected a value");
  return n.Scalar();
}

bool Bool(const YAML::Node& n, const std::string& where) {
  std::string v = Scalar(n, where);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  Fail(n, where, "expected true or false, not '" + n.Scalar() + "'");
}

std::uint64_t Size(const YAML::Node& n, const std::string& where) {
  auto v = ParseSize(Scalar(n, where));
  if (!v) Fail(n, where, "expected a size such as 1048576 or 256MiB, not '" + n.Scalar() + "'");
  return *v;
}

std::chrono::milliseconds Duration(const YAML::Node& n, const std::string& where) {
  auto v = ParseDuration(Scalar(n, where));
  if (!v) Fail(n, where, "expected a duration such as 10s or 500ms, not '" + n.Scalar() + "'");
  return *v;
}

void CheckKeys(const YAML::Node& map, const std::string& where,
               std::initializer_list<std::string_view> known) {
  if (!map.IsMap()) Fail(map, where, "expected a mapping");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    bool ok = false;
    for (auto k : known) ok = ok || key == k;
    if (!ok) Fail(kv.first, where + "." + key, "unknown key");
  }
}

std::string PathFrom(const std::string& base, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base.empty()) return p;
  return (fs::path(base) / p).lexically_normal().string();
}

std::string ReadSecret(const YAML::Node& n, const std::string& where, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(n, where, "cannot read secret file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) Fail(n, where, "secret file '" + path + "' is empty");
  return s;
}

SinkConfig ParseSink(const YAML::Node& n, const std::string& where, const std::string& base) {
  CheckKeys(n, where,
            {"name", "type", "all", "min_severity", "updates", "timeout", "url", "tls", "format",
             "max_message", "path", "fsync", "rotate", "secret_file", "secret_env", "headers"});
  SinkConfig s;
  if (!n["type"]) Fail(n, where, "missing 'type' (syslog, jsonl or webhook)");
  std::string type = Scalar(n["type"], where + ".type");
  if (type == "syslog") {
    s.type = SinkType::kSyslog;
  } else if (type == "jsonl") {
    s.type = SinkType::kJsonl;
  } else if (type == "webhook") {
    s.type = SinkType::kWebhook;
  } else {
    Fail(n["type"], where + ".type", "unknown sink type '" + type + "' (syslog, jsonl or webhook)");
  }
  if (n["name"]) s.name = Scalar(n["name"], where + ".name");
  if (n["all"]) s.all = Bool(n["all"], where + ".all");
  if (n["updates"]) s.updates = Bool(n["updates"], where + ".updates");
  if (n["min_severity"]) {
    auto sev = ParseSeverity(Scalar(n["min_severity"], where + ".min_severity"));
    if (!sev)
      Fail(n["min_severity"], where + ".min_severity", "expected info, low, medium, high or critical");
    s.min_severity = *sev;
  }
  if (n["timeout"]) s.timeout = Duration(n["timeout"], where + ".timeout");

  auto only = [&](std::initializer_list<const char*> keys, SinkType t) {
    for (const char* k : keys)
      if (n[k] && s.type != t)
        Fail(n[k], where + "." + k, "not a setting of a " + std::string(SinkTypeName(s.type)) + " sink");
  };
  only({"format", "max_message"}, SinkType::kSyslog);
  if (s.type == SinkType::kJsonl)
    for (const char* k : {"url", "tls"})
      if (n[k]) Fail(n[k], where + "." + k, "not a setting of a jsonl sink");
  only({"path", "fsync", "rotate"}, SinkType::kJsonl);
  only({"secret_file", "secret_env", "headers"}, SinkType::kWebhook);

  if (s.type == SinkType::kSyslog || s.type == SinkType::kWebhook) {
    if (!n["url"]) Fail(n, where, "missing 'url'");
    s.url = Scalar(n["url"], where + ".url");
    auto url = ParseUrl(s.url);
    if (!url) Fail(n["url"], where + ".url", url.error().message());
    s.endpoint = *url;
    const std::string& scheme = s.endpoint.scheme;
    if (s.type == SinkType::kSyslog) {
      if (scheme == "udp") {
        s.transport = SyslogTransport::kUdp;
      } else if (scheme == "tcp") {
        s.transport = SyslogTransport::kTcp;
      } else if (scheme == "tls") {
        s.transport = SyslogTransport::kTls;
      } else {
        Fail(n["url"], where + ".url", "scheme must be udp://, tcp:// or tls://");
      }
      if (s.endpoint.port == 0) s.endpoint.port = s.transport == SyslogTransport::kTls ? 6514 : 514;
      s.tls_enabled = s.transport == SyslogTransport::kTls;
      s.max_message = s.transport == SyslogTransport::kUdp ? 2048 : 65536;
      if (n["format"]) {
        std::string f = Scalar(n["format"], where + ".format");
        if (f == "cef") {
          s.format = SyslogFormat::kCef;
        } else if (f == "json") {
          s.format = SyslogFormat::kJson;
        } else {
          Fail(n["format"], where + ".format", "expected cef or json");
        }
      }
      if (n["max_message"]) {
        s.max_message = Size(n["max_message"], where + ".max_message");
        if (s.max_message < 480 || s.max_message > 16 * 1024 * 1024)
          Fail(n["max_message"], where + ".max_message", "must be between 480 bytes and 16MiB");
      }
    } else {
      if (scheme != "http" && scheme != "https")
        Fail(n["url"], where + ".url", "scheme must be http:// or https://");
      if (s.endpoint.port == 0) s.endpoint.port = scheme == "https" ? 443 : 80;
      s.tls_enabled = scheme == "https";
    }
    if (n["tls"]) {
      const YAML::Node& t = n["tls"];
      CheckKeys(t, where + ".tls", {"ca", "cert", "key", "server_name"});
      if (!s.tls_enabled)
        Fail(t, where + ".tls", "TLS settings need a tls:// (syslog) or https:// (webhook) URL");
      if (t["ca"]) s.tls.ca_file = PathFrom(base, Scalar(t["ca"], where + ".tls.ca"));
      if (t["cert"]) s.tls.cert_file = PathFrom(base, Scalar(t["cert"], where + ".tls.cert"));
      if (t["key"]) s.tls.key_file = PathFrom(base, Scalar(t["key"], where + ".tls.key"));
      if (t["server_name"]) s.tls.server_name = Scalar(t["server_name"], where + ".tls.server_name");
      if (!s.tls.key_file.empty() && s.tls.cert_file.empty()) Fail(t, where + ".tls", "'key' needs 'cert'");
    }
  }
  if (s.type == SinkType::kJsonl) {
    if (!n["path"]) Fail(n, where, "missing 'path'");
    s.path = PathFrom(base, Scalar(n["path"], where + ".path"));
    if (n["fsync"]) s.fsync = Bool(n["fsync"], where + ".fsync");
    if (n["rotate"]) {
      const YAML::Node& r = n["rotate"];
      CheckKeys(r, where + ".rotate", {"max_bytes", "keep"});
      if (r["max_bytes"]) s.rotate_bytes = Size(r["max_bytes"], where + ".rotate.max_bytes");
      if (r["keep"]) {
        auto keep = ParseSize(Scalar(r["keep"], where + ".rotate.keep"));
        if (!keep || *keep < 1 || *keep > 1000) Fail(r["keep"], where + ".rotate.keep", "expected 1 to 1000");
        s.rotate_keep = static_cast<int>(*keep);
      }
    }
  }
  if (s.type == SinkType::kWebhook) {
    if (n["secret_file"]) {
      std::string file = PathFrom(base, Scalar(n["secret_file"], where + ".secret_file"));
      s.secret = ReadSecret(n["secret_file"], where + ".secret_file", file);
    } else if (n["secret_env"]) {
      std::string var = Scalar(n["secret_env"], where + ".secret_env");
      const char* v = std::getenv(var.c_str());
      if (v == nullptr || *v == '\0')
        Fail(n["secret_env"], where + ".secret_env", "variable " + var + " is not set");
      s.secret = v;
    } else {
      Fail(n, where, "a webhook needs 'secret_file' (or 'secret_env') for its HMAC signature");
    }
    if (n["headers"]) {
      const YAML::Node& h = n["headers"];
      if (!h.IsMap()) Fail(h, where + ".headers", "expected a mapping of header: value");
      for (const auto& kv : h) {
        std::string k = kv.first.as<std::string>(), v = Scalar(kv.second, where + ".headers." + k);
        bool ok = !k.empty();
        for (char c : k) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        for (char c : v) ok = ok && c != '\r' && c != '\n';
        if (!ok) Fail(kv.first, where + ".headers." + k, "not a valid header");
        s.headers.emplace_back(k, v);
      }
    }
  }
  return s;
}

SiemConfig Parse(const YAML::Node& siem, const std::string& base) {
  const std::string where = "siem";
  CheckKeys(siem, where,
            {"spool", "spool_max_bytes", "spool_max_events", "spool_fsync", "hostname", "facility", "retry",
             "sinks"});
  SiemConfig c;
  if (siem["spool"]) c.spool_dir = PathFrom(base, Scalar(siem["spool"], where + ".spool"));
  if (siem["spool_max_bytes"]) c.spool_max_bytes = Size(siem["spool_max_bytes"], where + ".spool_max_bytes");
  if (siem["spool_max_events"])
    c.spool_max_events = Size(siem["spool_max_events"], where + ".spool_max_events");
  if (siem["spool_fsync"]) c.spool_sync = Bool(siem["spool_fsync"], where + ".spool_fsync");
  if (siem["hostname"]) c.hostname = Scalar(siem["hostname"], where + ".hostname");
  if (siem["facility"]) {
    auto f = ParseFacility(Scalar(siem["facility"], where + ".facility"));
    if (!f) Fail(siem["facility"], where + ".facility", "expected a facility name such as local0 or auth");
    c.facility = *f;
  }
  if (siem["retry"]) {
    const YAML::Node& r = siem["retry"];
    CheckKeys(r, where + ".retry", {"initial", "max"});
    if (r["initial"]) c.retry_initial = Duration(r["initial"], where + ".retry.initial");
    if (r["max"]) c.retry_max = Duration(r["max"], where + ".retry.max");
    if (c.retry_initial.count() <= 0 || c.retry_max < c.retry_initial)
      Fail(r, where + ".retry", "need 0 < initial <= max");
  }
  if (siem["sinks"]) {
    const YAML::Node& sinks = siem["sinks"];
    if (!sinks.IsSequence()) Fail(sinks, where + ".sinks", "expected a list of sinks");
    std::set<std::string> names;
    for (std::size_t i = 0; i < sinks.size(); ++i) {
      std::string w = where + ".sinks[" + std::to_string(i) + "]";
      SinkConfig s = ParseSink(sinks[i], w, base);
      if (s.name.empty()) {
        s.name = std::string(SinkTypeName(s.type));
        if (names.contains(s.name)) s.name += "-" + std::to_string(i + 1);
      }
      bool ok = true;
      for (char c : s.name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
      if (!ok || s.name.starts_with("."))
        Fail(sinks[i], w + ".name", "use letters, digits, '.', '-' and '_' only");
      if (!names.insert(s.name).second) Fail(sinks[i], w + ".name", "sink name '" + s.name + "' used twice");
      c.sinks.push_back(std::move(s));
    }
  }
  if (!c.sinks.empty() && c.spool_dir.empty())
    Fail(siem, where + ".spool", "a spool folder is required: events wait there until each sink takes them");
  if (c.hostname.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) c.hostname = host;
  }
  return c;
}

}  // namespace

std::string_view SinkTypeName(SinkType t) {
  switch (t) {
    case SinkType::kSyslog:
      return "syslog";
    case SinkType::kJsonl:
      return "jsonl";
    case SinkType::kWebhook:
      return "webhook";
  }
  return "?";
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return std::nullopt;
  std::string_view unit(p, text.data() + text.size() - p);
  while (unit.starts_with(" ")) unit.remove_prefix(1);
  double ms;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m" || unit == "min") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return std::nullopt;
  }
  if (ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  std::string_view unit(p, text.data() + text.size() - p);
  while (unit.starts_with(" ")) unit.remove_prefix(1);
  std::uint64_t mult = 1;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "KiB" || unit == "K") {
    mult = 1ull << 10;
  } else if (unit == "MiB" || unit == "M") {
    mult = 1ull << 20;
  } else if (unit == "GiB" || unit == "G") {
    mult = 1ull << 30;
  } else if (unit == "KB") {
    mult = 1000;
  } else if (unit == "MB") {
    mult = 1000'000;
  } else if (unit == "GB") {
    mult = 1000'000'000;
  } else {
    return std::nullopt;
  }
  if (value > UINT64_MAX / mult) return std::nullopt;
  return value * mult;
}

Result<std::optional<SiemConfig>> ParseSiemConfig(std::string_view yaml_text, std::string_view base_dir) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap() || !root["siem"] || root["siem"].IsNull()) return std::optional<SiemConfig>();
    return std::optional<SiemConfig>(Parse(root["siem"], std::string(base_dir)));
  } catch (const ConfigError& e) {
    return Unexpected(Status::ParseError(e.message));
  } catch (const YAML::Exception& e) {
    return Unexpected(Status::ParseError(std::string("siem: ") + e.what()));
  }
}

Result<std::optional<SiemConfig>> LoadSiemConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(Status::NotFound("configuration file '" + path + "' not found"));
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = ParseSiemConfig(ss.str(), fs::path(path).parent_path().string());
  if (!c) return Unexpected(Status(c.error().code(), path + ": " + c.error().message()));
  return c;
}

}  // namespace leakguard::incident::siem
