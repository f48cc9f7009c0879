// incident/siem/sink.h — where SIEM events go: syslog (UDP/TCP/TLS), a JSON lines file, a webhook.
//
// Owns: the Sink interface, its three implementations (made by MakeSink from a SinkConfig), the
// payload each sink type sends (RenderPayload) and the webhook signature.
//
// A payload is rendered once, when the event is published, and spooled as is; a sink only frames and
// sends it. Deliver's result tells the exporter what to do with the spooled event:
//   ok                  delivered: remove it
//   kInvalidArgument    the receiver refused this very event and always will (HTTP 400/413/415/422,
//                       a datagram too large): move it to the spool's rejected/ folder
//   any other error     the receiver is down or slow: keep it, retry with backoff
//
// Threads: a Sink is used by one thread at a time (its exporter worker).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "incident/siem/config.h"
#include "incident/siem/event.h"
#include "incident/siem/format.h"
#include "incident/siem/spool.h"

namespace leakguard::incident::siem {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Deliver(const SpooledEvent& event) = 0;
};

// The sink of a configuration; kNotFound / kParseError when its TLS files are unusable.
Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& config, const FormatOptions& format);

// What `config`'s sink sends for `event`: an RFC 5424 message (CEF or JSON) for syslog, the JSON
// line for jsonl and the webhook body.
std::string RenderPayload(const SinkConfig& config, const Event& event, const FormatOptions& format);

// The X-LeakGuard-Signature header value: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// Checks a signature header as a receiver should: a v1 value that matches (compared in constant time)
// and a timestamp no further than `tolerance_seconds` from `now_seconds` (replay protection).
bool VerifyWebhookSignature(std::string_view header, std::string_view secret, std::string_view body,
                            std::int64_t now_seconds, std::int64_t tolerance_seconds = 300);

}  // namespace leakguard::incident::siem
