#include "channel/section_reader.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "core/size.h"

namespace leakguard::channel {
namespace {

struct SectionError {
  std::string message;
};

}  // namespace

void SectionReader::Fail(const YAML::Node& n, std::string_view key, std::string_view message) const {
  throw SectionError{source_ + ":" + std::to_string(n.Mark().line + 1) + ": " + section_ +
                     (key.empty() ? "" : "." + std::string(key)) + ": " + std::string(message)};
}

std::string SectionReader::Scalar(const YAML::Node& n, std::string_view key) const {
  if (!n.IsScalar()) Fail(n, key, "expected a single value");
  return n.Scalar();
}

std::uint64_t SectionReader::Number(const YAML::Node& n, std::string_view key) const {
  std::string s = Scalar(n, key);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) Fail(n, key, "expected a whole number, not '" + s + "'");
  return v;
}

std::uint64_t SectionReader::Size(const YAML::Node& n, std::string_view key) const {
  std::string s = Scalar(n, key);
  if (auto v = ParseByteSize(s)) return *v;
  Fail(n, key, "expected a size such as 4096 or 16MiB, not '" + s + "'");
}

bool SectionReader::Choice(const YAML::Node& n, std::string_view key, std::string_view a,
                           std::string_view b) const {
  std::string s = Scalar(n, key);
  if (s == a) return true;
  if (s == b) return false;
  Fail(n, key, "expected " + std::string(a) + " or " + std::string(b) + ", not '" + s + "'");
}

std::string ParseListenValue(std::string_view text, SectionReader::Listen& l) {
  const std::string s(text);
  l = {};
  if (s == "off" || s == "false") {
    l.enabled = false;
    return "";
  }
  for (std::string_view scheme : {"unix:", "local:"}) {
    if (!text.starts_with(scheme)) continue;
    l.unix_path = s.substr(scheme.size());
    if (!l.unix_path.starts_with('/'))
      return "expected an absolute socket path (" + std::string(scheme) +
             "/run/leakguard/milter.sock), not '" + s + "'";
    return "";
  }
  std::string_view rest = text.starts_with("inet:") ? text.substr(5) : text;
  std::size_t colon = rest.rfind(':');
  std::uint64_t port = 0;
  std::string_view port_text = colon == std::string::npos ? "" : rest.substr(colon + 1);
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() ||
      p != port_text.data() + port_text.size() || port > 65535)
    return "expected HOST:PORT, unix:/PATH or off, not '" + s + "'";
  l.host = std::string(rest.substr(0, colon));
  if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']')
    l.host = l.host.substr(1, l.host.size() - 2);
  l.port = static_cast<std::uint16_t>(port);
  return "";
}

SectionReader::Listen SectionReader::ListenAddress(const YAML::Node& n, std::string_view key) const {
  Listen l;
  if (std::string error = ParseListenValue(Scalar(n, key), l); !error.empty()) Fail(n, key, error);
  return l;
}

bool SectionReader::ServerOption(const std::string& key, const YAML::Node& v, bool& enabled,
                                 StreamServerOptions& server) const {
  if (key == "listen") {
    auto l = ListenAddress(v, key);
    enabled = l.enabled;
    if (l.enabled) {
      server.unix_path = l.unix_path;
      if (l.unix_path.empty()) {
        server.address = l.host;
        server.port = l.port;
      }
    }
  } else if (key == "max_connections") {
    server.max_connections = static_cast<unsigned>(Number(v, key));
  } else if (key == "idle_timeout") {
    server.idle_timeout = std::chrono::seconds(Number(v, key));
  } else if (key == "read_timeout") {
    server.read_timeout = std::chrono::seconds(Number(v, key));
  } else if (key == "socket_mode") {
    // Octal, as chmod takes it: 0660, 660 or "0o660".
    std::string m = Scalar(v, key);
    std::string_view digits = m;
    if (digits.starts_with("0o")) digits.remove_prefix(2);
    unsigned mode = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mode, 8);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || mode > 0777)
      Fail(v, key, "expected an octal mode such as 0660, not '" + m + "'");
    server.socket_mode = mode;
  } else if (key == "socket_group") {
    server.socket_group = Scalar(v, key);
    if (server.socket_group.empty()) Fail(v, key, "expected a group name or number");
  } else if (key == "tls") {
    if (!v.IsMap()) Fail(v, key, "expected {cert: FILE, key: FILE}");
    if (v["cert"]) server.tls_cert = Scalar(v["cert"], "tls.cert");
    if (v["key"]) server.tls_key = Scalar(v["key"], "tls.key");
    if (server.tls_cert.empty() != server.tls_key.empty()) Fail(v, key, "needs both cert and key");
  } else {
    return false;
  }
  return true;
}

Status SectionReader::Read(std::string_view yaml, const std::function<void(const YAML::Node&)>& read) const {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || !root.IsMap() || !root[section_]) return Status::Ok();
    YAML::Node section = root[section_];
    if (!section.IsMap()) Fail(section, "", "the section must be a map");
    read(section);
  } catch (const SectionError& e) {
    return Status::ParseError(e.message);
  } catch (const YAML::Exception& e) {
    return Status::ParseError(source_ + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return Status::Ok();
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(Status::NotFound("cannot read " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace leakguard::channel
