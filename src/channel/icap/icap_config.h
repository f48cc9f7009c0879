// channel/icap/icap_config.h — the `icap:` section of the LeakGuard configuration file
// (docs/integrations/squid.md):
//
//   icap:
//     listen: 127.0.0.1:1344        # "off" disables the ICAP listener
//     services: {reqmod: reqmod, respmod: respmod}
//     preview: 64KiB                # bytes Squid sends before LeakGuard asks for the rest
//     max_connections: 1000
//     max_body: 0                   # bytes; 0 = no limit. Larger bodies are not inspected: fail mode
//     spool_memory: 4MiB            # body bytes kept in memory; beyond, a temporary file
//     spool_dir: /var/tmp           # default $TMPDIR or /tmp
//     max_redact_bytes: 16MiB       # larger bodies cannot be rewritten (a redact verdict blocks them)
//     fail: closed                  # inspection could not finish: closed (block) or open (let through)
//     help: "Call the service desk on 1234 and quote the incident id."
//     justify_url: http://dlp.corp.example:8080/v1/justify   # default: serve's own HTTP address
//     transfer_ignore: [jpg, png, mp4]
//     tls: {cert: icap.pem, key: icap.key}   # ICAPS (TLS); files relative to this file's folder
//     idle_timeout: 120             # seconds
//     read_timeout: 300
//
// Other top-level sections are ignored. Threads: free functions.
// Failure: kParseError naming the file, line and key.
#pragma once

#include <string>
#include <string_view>

#include "channel/icap/icap_server.h"
#include "channel/icap/icap_service.h"
#include "leakguard/status.h"

namespace leakguard::channel::icap {

struct IcapConfig {
  bool enabled = true;
  IcapServerOptions server;
  IcapOptions service;
};

// The defaults when the section (or the file) is absent.
Result<IcapConfig> ParseIcapConfig(std::string_view yaml, std::string_view source);
Result<IcapConfig> LoadIcapConfig(const std::string& path);

}  // namespace leakguard::channel::icap
