// incident/siem/exporter.h — at-least-once export of incident events to every configured sink.
//
// Owns: ExporterOptions, SinkStats and Exporter.
//
//   auto cfg = siem::LoadSiemConfig("/etc/leakguard/leakguard.yaml");   // the `siem:` section
//   if (cfg && *cfg)   // nullopt: the file has no siem: section, nothing to export
//     auto exporter = siem::Exporter::Create(**cfg, {.product_version = std::string(kVersion)});
//   (*exporter)->Publish(siem::IncidentCreated(incident));              // after the store committed
//   ... /metrics: (*exporter)->RenderMetrics()
//   (*exporter)->Flush(5s); (*exporter)->Stop();                         // at shutdown
//
// Publish renders the event for each sink it is routed to (docs/siem.md "Routing") and returns once
// it is durably in each of those sinks' spools (fsync'd). One worker thread per sink then delivers
// its spool in order, oldest first, and removes what was delivered; while a sink is down it retries
// with exponential backoff (retry.initial doubled up to retry.max). Events left in a spool by a
// stopped or killed process are delivered by the next Exporter opened on the same spool folder. A
// sink that is down never slows Publish or the other sinks; a spool at its bound refuses new events
// (kLimitExceeded, counted as dropped) until its sink catches up.
//
// One process owns a spool folder (it is locked while open): a second process with the same
// siem.spool gets kUnavailable from Create. A short-lived process (the CLI) must not share the
// server's spool; see docs/siem.md.
//
// Threads: Publish, Route, Flush, Stats and RenderMetrics may be called from any thread at any time;
// Stop (and the destructor) once, after the last Publish.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "incident/siem/config.h"
#include "incident/siem/event.h"
#include "incident/siem/format.h"
#include "incident/siem/sink.h"
#include "incident/siem/spool.h"

namespace leakguard::incident::siem {

struct ExporterOptions {
  std::string product_version = "0.1.0";  // CEF Device Version, JSON product.version, User-Agent
  // One line per sink state change (down, up again) and per refused event. Lines name the sink and
  // the event id, never an event's content. Called from worker threads. Default: standard error.
  std::function<void(std::string_view)> log;
  // false: Publish only spools and nothing is delivered (tests; tools that fill a spool offline).
  bool start_workers = true;
};

// Counters of one sink, for /metrics and status pages.
struct SinkStats {
  std::string name;
  std::string type;                   // "syslog", "jsonl", "webhook"
  std::uint64_t spooled = 0;          // events accepted into the spool by Publish
  std::uint64_t delivered = 0;        // events the sink took (and removed from the spool)
  std::uint64_t failed_attempts = 0;  // deliveries that failed and will be retried
  std::uint64_t dropped = 0;          // events Publish refused: spool full or unwritable
  std::uint64_t rejected = 0;         // events the receiver refused for good (moved to rejected/)
  std::uint64_t queued_events = 0;    // in the spool now
  std::uint64_t queued_bytes = 0;
  bool up = true;                     // false after a failed attempt, until the next success
  std::int64_t last_delivery_ms = 0;  // Unix ms of the last successful delivery; 0 = none yet
  std::string last_error;             // of the latest failed attempt (no event content)
};

class Exporter {
 public:
  // Opens one spool per sink under config.spool_dir (recovering what a previous process left there),
  // builds the sinks (loads TLS files) and starts the workers. Fails with kUnavailable when another
  // process has a spool open, kNotFound / kParseError for unusable TLS files.
  static Result<std::unique_ptr<Exporter>> Create(SiemConfig config, ExporterOptions options = {});
  ~Exporter();
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Spools the event for each sink it is routed to; returns once it is on disk for all of them.
  // Errors name the sinks that did not take it (kLimitExceeded: spool full; kIoError: disk); the
  // other sinks have it. An event routed to no sink is a success. After Stop: kUnavailable.
  Status Publish(const Event& event);

  // Names of the sinks `event` goes to.
  std::vector<std::string> Route(const Event& event) const;

  // Waits until every spool is empty (true) or `timeout` passes (false). Publishes racing with it
  // may or may not be waited for.
  bool Flush(std::chrono::milliseconds timeout);

  // Stops the workers after their current attempt (bounded by the sink's timeout). Undelivered events
  // stay in the spools for the next Exporter. Idempotent.
  void Stop();

  std::vector<SinkStats> Stats() const;

  // Prometheus text exposition (format 0.0.4) of Stats(), to append to /metrics:
  //   leakguard_siem_events_spooled_total{sink="soc",type="syslog"}     counter
  //   leakguard_siem_events_delivered_total{...}                        counter
  //   leakguard_siem_delivery_failures_total{...}                       counter (failed attempts)
  //   leakguard_siem_events_dropped_total{...}                          counter (refused by Publish)
  //   leakguard_siem_events_rejected_total{...}                         counter (refused by the receiver)
  //   leakguard_siem_spool_events{...} / leakguard_siem_spool_bytes{...}  gauges
  //   leakguard_siem_sink_up{...}                                       gauge, 1 or 0
  std::string RenderMetrics() const;

 private:
  struct SinkState;
  Exporter(SiemConfig config, ExporterOptions options);
  bool Routes(const SinkConfig& sink, const Event& event) const;
  void Work(SinkState& s);
  void Log(std::string_view line) const;

  const SiemConfig config_;
  const ExporterOptions options_;
  FormatOptions format_;
  std::vector<std::unique_ptr<SinkState>> sinks_;
  std::atomic<bool> stopping_{false};
  std::mutex progress_mu_;  // with progress_cv_: Flush waits for deliveries
  std::condition_variable progress_cv_;
};

}  // namespace leakguard::incident::siem
