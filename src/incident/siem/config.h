// incident/siem/config.h — the `siem:` section of the LeakGuard configuration file.
//
// Owns: SinkType, SyslogTransport, SyslogFormat, SinkConfig, SiemConfig and their YAML parser.
// The configuration file holds other sections (infotypes:, organization:, policy:, incidents:...):
// only `siem:` is read here. Inside it every key is checked, so a misspelt key is an error naming it
// and its line, never a silently ignored setting. Relative paths (spool, CA, certificate, secret
// file, JSON lines file) are taken from the configuration file's folder. docs/siem.md shows every key.
//
// Threads: free functions and value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "incident/siem/net.h"
#include "leakguard/status.h"
#include "leakguard/verdict.h"

namespace leakguard::incident::siem {

enum class SinkType : std::uint8_t { kSyslog, kJsonl, kWebhook };
enum class SyslogTransport : std::uint8_t { kUdp, kTcp, kTls };
enum class SyslogFormat : std::uint8_t { kCef, kJson };

std::string_view SinkTypeName(SinkType t);  // "syslog", "jsonl", "webhook"

struct SinkConfig {
  std::string name;  // unique; [A-Za-z0-9._-]; names the spool folder and the metrics label
  SinkType type = SinkType::kSyslog;

  // Routing (docs/siem.md "Routing"): every event of an incident at or above min_severity when
  // `all`; otherwise only incidents whose matched rules notify "sink:<name>" or the sink's type.
  bool all = true;
  Severity min_severity = Severity::kInfo;
  bool updates = true;  // also incident.updated events (status, assignee... changes)

  std::chrono::milliseconds timeout{10'000};  // connect + send (+ response) per attempt

  // syslog: udp://host[:514], tcp://host[:514], tls://host[:6514]; webhook: http(s)://host[:port]/path
  std::string url;
  Url endpoint;
  bool tls_enabled = false;  // tls:// and https://
  TlsOptions tls;

  // syslog
  SyslogTransport transport = SyslogTransport::kUdp;
  SyslogFormat format = SyslogFormat::kCef;
  std::size_t max_message = 2048;  // bytes of one RFC 5424 message; longer ones are cut (UDP: 2048,
                                   // TCP/TLS: 65536 by default)

  // jsonl
  std::string path;
  bool fsync = true;               // fsync after each line (else left to the kernel)
  std::uint64_t rotate_bytes = 0;  // rotate when the file would pass this size; 0 = never
  int rotate_keep = 5;             // PATH.1 .. PATH.<keep> are kept

  // webhook
  std::string secret;  // HMAC key, read from secret_file (or the secret_env variable); never logged
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
};

struct SiemConfig {
  std::string spool_dir;                                 // one sub-folder per sink
  std::uint64_t spool_max_bytes = 256ull * 1024 * 1024;  // per sink
  std::uint64_t spool_max_events = 1'000'000;            // per sink
  bool spool_sync = true;
  std::string hostname;  // syslog HOSTNAME / CEF dvchost; default: this machine's name
  int facility = 16;     // local0
  std::chrono::milliseconds retry_initial{1'000};  // first delay after a failed attempt, doubled each
  std::chrono::milliseconds retry_max{300'000};    // time up to this
  std::vector<SinkConfig> sinks;
};

// Parses the `siem:` section of a whole configuration file's text. nullopt when the file has no
// `siem:` section. kParseError names the key and its line. `base_dir` resolves relative paths.
Result<std::optional<SiemConfig>> ParseSiemConfig(std::string_view yaml_text, std::string_view base_dir);
// The same, from a file.
Result<std::optional<SiemConfig>> LoadSiemConfig(const std::string& path);

// "250ms", "10s", "5m", "1h", or a number of seconds.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);
// "4096", "64KiB", "256MiB", "1GiB" (powers of 1024), "10KB", "5MB", "1GB" (powers of 1000).
std::optional<std::uint64_t> ParseSize(std::string_view text);

}  // namespace leakguard::incident::siem
