// Prometheus metrics of the HTTP API, kept in atomics so every worker thread records without a lock
// on the hot path.
//
// Owns: Metrics (request counters by path and status, inspected bytes, findings by info type, a
// request duration histogram) and its rendering in the Prometheus text exposition format 0.0.4.
//
// Threads: every method is safe to call from any thread at any time.
//
// Label cardinality is bounded: the `path` label is one of kPathLabels (anything else is "other"),
// the `code` label is an HTTP status in [100, 599], and `type` is an info type id of an engine.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace leakguard::server {

class Metrics {
 public:
  // The values of the `path` label; the last one collects every unknown path.
  static constexpr std::array<std::string_view, 4> kPathLabels = {"/v1/inspect", "/healthz", "/metrics",
                                                                  "other"};
  // Upper bounds (seconds) of the request duration histogram buckets; +Inf is implied.
  static constexpr std::array<double, 14> kDurationBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The `path` label for a request path (query string already removed).
  static std::string_view PathLabel(std::string_view path);

  // One finished request: its path label (see PathLabel), HTTP status and wall time.
  void RecordRequest(std::string_view path, int status, double seconds);
  void AddInspectedBytes(std::uint64_t bytes);
  void AddFindings(std::string_view info_type, std::uint64_t count);

  // The whole exposition, with `engine_types` as the leakguard_engine_types gauge.
  std::string Render(std::size_t engine_types) const;

  // Read-back for tests.
  std::uint64_t requests(std::string_view path, int status) const;
  std::uint64_t inspected_bytes() const { return inspected_bytes_.load(std::memory_order_relaxed); }
  std::uint64_t findings(std::string_view info_type) const;

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;
  static constexpr std::size_t kStatusSlots = kMaxStatus - kMinStatus + 1;
  static constexpr std::size_t kBucketSlots = kDurationBuckets.size() + 1;  // + the +Inf bucket

  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBucketSlots> buckets{};  // not cumulative
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };

  static std::size_t PathIndex(std::string_view label);

  std::array<std::array<std::atomic<std::uint64_t>, kStatusSlots>, kPathLabels.size()> requests_{};
  std::array<Histogram, kPathLabels.size()> durations_{};
  std::atomic<std::uint64_t> inspected_bytes_{0};

  // Per info type counters: looked up under a shared lock, created under an exclusive one. Map nodes
  // are stable, so a counter's address never changes once created.
  mutable std::shared_mutex findings_mu_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>, std::less<>> findings_;
};

}  // namespace leakguard::server
