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

SectionReader::Listen SectionReader::ListenAddress(const YAML::Node& n, std::string_view key) const {
  std::string s = Scalar(n, key);
  Listen l;
  if (s == "off" || s == "false") {
    l.enabled = false;
    return l;
  }
  std::size_t colon = s.rfind(':');
  std::uint64_t port = 0;
  std::string_view port_text = colon == std::string::npos ? "" : std::string_view(s).substr(colon + 1);
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (colon == std::string::npos || ec != std::errc() || p != port_text.data() + port_text.size() ||
      port > 65535)
    Fail(n, key, "expected HOST:PORT or off, not '" + s + "'");
  l.host = s.substr(0, colon);
  if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']')
    l.host = l.host.substr(1, l.host.size() - 2);
  l.port = static_cast<std::uint16_t>(port);
  return l;
}

bool SectionReader::ServerOption(const std::string& key, const YAML::Node& v, bool& enabled,
                                 StreamServerOptions& server) const {
  if (key == "listen") {
    auto l = ListenAddress(v, key);
    enabled = l.enabled;
    if (l.enabled) {
      server.address = l.host;
      server.port = l.port;
    }
  } else if (key == "max_connections") {
    server.max_connections = static_cast<unsigned>(Number(v, key));
  } else if (key == "idle_timeout") {
    server.idle_timeout = std::chrono::seconds(Number(v, key));
  } else if (key == "read_timeout") {
    server.read_timeout = std::chrono::seconds(Number(v, key));
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
