// channel/section_reader.h — reading a channel's section of the configuration file (`icap:`,
// `milter:`) with errors that name the file, line and key ("leakguard.yaml:12: icap.preview: expected
// a size such as 4096 or 16MiB, not 'lots'").
//
// Threads: a SectionReader is used by one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "channel/stream_server.h"
#include "leakguard/status.h"

namespace leakguard::channel {

class SectionReader {
 public:
  SectionReader(std::string_view source, std::string_view section) : source_(source), section_(section) {}

  std::string Scalar(const YAML::Node& n, std::string_view key) const;
  std::uint64_t Number(const YAML::Node& n, std::string_view key) const;  // a whole number
  std::uint64_t Size(const YAML::Node& n, std::string_view key) const;    // 4096, 64KiB, 16 MiB
  // "a" -> true, "b" -> false, anything else an error naming both.
  bool Choice(const YAML::Node& n, std::string_view key, std::string_view a, std::string_view b) const;
  // "HOST:PORT", "[V6]:PORT" or "inet:HOST:PORT" -> enabled with host/port; "unix:/PATH" or
  // "local:/PATH" (Postfix's and Sendmail's spellings) -> enabled on that unix socket; "off"/"false"
  // -> disabled.
  struct Listen {
    bool enabled = true;
    std::string host;
    std::uint16_t port = 0;
    std::string unix_path;
  };
  Listen ListenAddress(const YAML::Node& n, std::string_view key) const;
  // The keys every listener has — listen, max_connections, idle_timeout, read_timeout, tls,
  // socket_mode, socket_group — into
  // `enabled` / `server`. Returns false for any other key.
  bool ServerOption(const std::string& key, const YAML::Node& v, bool& enabled,
                    StreamServerOptions& server) const;
  [[noreturn]] void Fail(const YAML::Node& n, std::string_view key, std::string_view message) const;

  // Parses `yaml` and calls `read` with the section's map (not called when the section is absent).
  // Errors of `read` (thrown by the methods above) and YAML syntax errors become kParseError.
  Status Read(std::string_view yaml, const std::function<void(const YAML::Node&)>& read) const;

 private:
  std::string source_;
  std::string section_;
};

// The whole text of a configuration file (kNotFound when unreadable).
Result<std::string> ReadConfigFile(const std::string& path);

// A listen value as SectionReader::ListenAddress reads it, for command-line flags: "" when it is good.
std::string ParseListenValue(std::string_view text, SectionReader::Listen& out);

}  // namespace leakguard::channel
