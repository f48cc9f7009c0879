// channel/milter/milter_config.h — the `milter:` section of the LeakGuard configuration file
// (docs/integrations/postfix.md):
//
//   milter:
//     listen: 127.0.0.1:8891        # or unix:/PATH (local:/PATH); "off" disables the milter
//     socket_mode: 0660             # unix socket: its mode and group
//     socket_group: postfix
//     max_connections: 1000         # concurrent SMTP sessions Postfix may filter at once
//     spool_memory: 4MiB            # message bytes kept in memory; beyond, a temporary file
//     spool_dir: /var/tmp
//     max_message: 0                # bytes; 0 = no limit. Larger messages are not inspected: fail mode
//     max_redact_bytes: 16MiB       # larger messages cannot be rewritten (a redact verdict rejects)
//     fail: closed                  # inspection could not finish: closed (451 4.7.1) or open (deliver)
//     on_block: remove_recipients   # or reject: a block rejects the whole message
//     reject_text: "Message blocked by the data protection policy"
//     redact_notice: "{file} was removed by LeakGuard: {types}, incident {incident}. ..."
//     notify:                       # notification mail (mail_notifier.h); absent: none
//       smtp: 127.0.0.1:25          # the relay
//       from: dlp-noreply@corp.example
//       to: [sender, security@corp.example]   # "sender": the flagged message's envelope sender
//       subject: "LeakGuard: a message you sent was flagged (incident {incident})"
//       actions: [alert]            # verdicts that send one
//       helo: mx.corp.example
//       timeout: 30                 # seconds per SMTP step
//       retries: 3                  # after a temporary failure, backoff 2, 4, 8 s
//       backoff: 2
//       queue: 1000                 # notices waiting at most; more are dropped (counted)
//       rule_targets: true          # also the matched rules' mailto: targets
//     idle_timeout: 300             # seconds
//     read_timeout: 600
//
// Other top-level sections are ignored. Failure: kParseError naming the file, line and key.
#pragma once

#include <string>
#include <string_view>

#include "channel/milter/milter_service.h"
#include "channel/stream_server.h"
#include "leakguard/status.h"

namespace leakguard::channel::milter {

struct MilterConfig {
  bool enabled = true;
  StreamServerOptions server = [] {
    StreamServerOptions o;
    o.protocol = "milter";
    o.port = 8891;
    o.idle_timeout = std::chrono::seconds(300);
    o.read_timeout = std::chrono::seconds(600);
    return o;
  }();
  MilterOptions service;
};

Result<MilterConfig> ParseMilterConfig(std::string_view yaml, std::string_view source);
Result<MilterConfig> LoadMilterConfig(const std::string& path);

}  // namespace leakguard::channel::milter
