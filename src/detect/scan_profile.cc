#include "detect/scan_profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "detect/compiled_catalog.h"

namespace leakguard::detect {

ScanProfile* ScanProfile::Create(const CompiledCatalog& catalog) {
  const char* v = std::getenv("LEAKGUARD_PROFILE");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "0") == 0) return nullptr;
  return new ScanProfile(catalog);
}

ScanProfile::ScanProfile(const CompiledCatalog& catalog)
    : catalog_(catalog), patterns_(catalog.patterns().size()) {}

void ScanProfile::Count(const char* what, std::uint64_t n) {
  for (auto& [name, value] : counters_) {
    if (name == what) {
      value += n;
      return;
    }
  }
  counters_.emplace_back(what, n);
}

ScanProfile::~ScanProfile() {
  static constexpr const char* kNames[] = {"literal scan",  "numeric tokens", "confirm",
                                           "context words", "merge",          "emit (sink)"};
  const double mb = static_cast<double>(bytes_) / 1e6;
  phase_ns_[kMerge] -= std::min(phase_ns_[kMerge], phase_ns_[kEmit]);  // merge was timed with emit inside
  std::fprintf(stderr, "leakguard profile: %.1f MB scanned\n", mb);
  std::uint64_t total = std::accumulate(std::begin(phase_ns_), std::end(phase_ns_), std::uint64_t{0});
  for (int i = 0; i < kPhaseCount; ++i)
    std::fprintf(stderr, "  %-16s %9.1f ms  %5.1f%%\n", kNames[i], static_cast<double>(phase_ns_[i]) / 1e6,
                 total ? 100.0 * static_cast<double>(phase_ns_[i]) / static_cast<double>(total) : 0.0);
  std::fprintf(stderr, "  %-16s %9.1f ms  (%.0f MB/s)\n", "total", static_cast<double>(total) / 1e6,
               total ? mb / (static_cast<double>(total) / 1e9) : 0.0);
  for (const auto& [name, value] : counters_)
    std::fprintf(stderr, "  %-28s %llu\n", name.c_str(), static_cast<unsigned long long>(value));
  std::vector<std::uint32_t> order(patterns_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return patterns_[a].ns > patterns_[b].ns; });
  std::fprintf(stderr, "  costliest patterns (confirm):      ms    regions  region MB  candidates\n");
  for (std::size_t i = 0; i < std::min<std::size_t>(25, order.size()); ++i) {
    const PatternCost& p = patterns_[order[i]];
    if (p.ns == 0 && p.regions == 0) break;
    std::fprintf(stderr, "  %-32s %8.1f %10llu %10.2f %11llu\n", catalog_.patterns()[order[i]].rule.c_str(),
                 static_cast<double>(p.ns) / 1e6, static_cast<unsigned long long>(p.regions),
                 static_cast<double>(p.bytes) / 1e6, static_cast<unsigned long long>(p.candidates));
  }
}

}  // namespace leakguard::detect
