#include "server/metrics.h"

#include <charconv>
#include <cmath>
#include <mutex>
#include <vector>

namespace leakguard::server {
namespace {

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

// Label values may hold any UTF-8; the format escapes backslash, double quote and line feed.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string_view Metrics::PathLabel(std::string_view path) {
  for (std::size_t i = 0; i + 1 < kPathLabels.size(); ++i) {
    if (path == kPathLabels[i]) return kPathLabels[i];
  }
  return kPathLabels.back();
}

std::size_t Metrics::PathIndex(std::string_view label) {
  for (std::size_t i = 0; i < kPathLabels.size(); ++i) {
    if (label == kPathLabels[i]) return i;
  }
  return kPathLabels.size() - 1;
}

void Metrics::RecordRequest(std::string_view path, int status, double seconds) {
  const std::size_t p = PathIndex(path);
  if (status < kMinStatus || status > kMaxStatus) status = 500;
  requests_[p][status - kMinStatus].fetch_add(1, std::memory_order_relaxed);

  if (!(seconds >= 0)) seconds = 0;  // also catches NaN
  Histogram& h = durations_[p];
  std::size_t bucket = kDurationBuckets.size();  // +Inf
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      bucket = i;
      break;
    }
  }
  h.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_ns.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Metrics::AddInspectedBytes(std::uint64_t bytes) {
  inspected_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void Metrics::AddFindings(std::string_view info_type, std::uint64_t count) {
  if (count == 0) return;
  {
    std::shared_lock lock(findings_mu_);
    auto it = findings_.find(info_type);
    if (it != findings_.end()) {
      it->second->fetch_add(count, std::memory_order_relaxed);
      return;
    }
  }
  std::unique_lock lock(findings_mu_);
  auto it = findings_.find(info_type);
  if (it == findings_.end()) {
    it = findings_.emplace(std::string(info_type), std::make_unique<std::atomic<std::uint64_t>>(0)).first;
  }
  it->second->fetch_add(count, std::memory_order_relaxed);
}

std::uint64_t Metrics::requests(std::string_view path, int status) const {
  if (status < kMinStatus || status > kMaxStatus) return 0;
  return requests_[PathIndex(path)][status - kMinStatus].load(std::memory_order_relaxed);
}

std::uint64_t Metrics::findings(std::string_view info_type) const {
  std::shared_lock lock(findings_mu_);
  auto it = findings_.find(info_type);
  return it == findings_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::string Metrics::Render(std::size_t engine_types) const {
  std::string out;
  out.reserve(4096);

  Header(out, "leakguard_requests_total", "counter", "HTTP requests served, by path and status code.");
  for (std::size_t p = 0; p < kPathLabels.size(); ++p) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      const std::uint64_t n = requests_[p][s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.append("leakguard_requests_total{path=\"")
          .append(EscapeLabel(kPathLabels[p]))
          .append("\",code=\"")
          .append(std::to_string(s + kMinStatus))
          .append("\"} ")
          .append(std::to_string(n))
          .append("\n");
    }
  }

  Header(out, "leakguard_inspected_bytes_total", "counter", "Bytes of content inspected by /v1/inspect.");
  out.append("leakguard_inspected_bytes_total ").append(std::to_string(inspected_bytes())).append("\n");

  Header(out, "leakguard_findings_total", "counter", "Findings reported, by info type.");
  {
    std::shared_lock lock(findings_mu_);
    for (const auto& [type, counter] : findings_) {
      out.append("leakguard_findings_total{type=\"")
          .append(EscapeLabel(type))
          .append("\"} ")
          .append(std::to_string(counter->load(std::memory_order_relaxed)))
          .append("\n");
    }
  }

  Header(out, "leakguard_request_duration_seconds", "histogram",
         "Time from a complete request to its response, by path.");
  for (std::size_t p = 0; p < kPathLabels.size(); ++p) {
    const Histogram& h = durations_[p];
    const std::uint64_t count = h.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    const std::string path = EscapeLabel(kPathLabels[p]);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      const double le = b < kDurationBuckets.size() ? kDurationBuckets[b] : INFINITY;
      out.append("leakguard_request_duration_seconds_bucket{path=\"")
          .append(path)
          .append("\",le=\"")
          .append(FormatDouble(le))
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    // Counters are read one by one, so under load the total may trail the buckets slightly; report
    // the +Inf bucket as the count so the histogram stays self-consistent.
    out.append("leakguard_request_duration_seconds_sum{path=\"")
        .append(path)
        .append("\"} ")
        .append(FormatDouble(static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9))
        .append("\n");
    out.append("leakguard_request_duration_seconds_count{path=\"")
        .append(path)
        .append("\"} ")
        .append(std::to_string(cumulative))
        .append("\n");
  }

  Header(out, "leakguard_engine_types", "gauge", "Info types in the engine currently serving requests.");
  out.append("leakguard_engine_types ").append(std::to_string(engine_types)).append("\n");
  return out;
}

}  // namespace leakguard::server
