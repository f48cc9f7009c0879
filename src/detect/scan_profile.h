// Where a Scanner's time goes, phase by phase and pattern by pattern: enabled by the environment
// variable LEAKGUARD_PROFILE=1 and printed to stderr when the Scanner is destroyed. Off by default; when
// off, each phase costs one predictable branch.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace leakguard::detect {

class CompiledCatalog;

class ScanProfile {
 public:
  enum Phase : std::uint8_t { kLiteralScan, kNumericTokens, kConfirm, kContext, kMerge, kEmit, kPhaseCount };

  // Null unless LEAKGUARD_PROFILE is set to something other than 0.
  static ScanProfile* Create(const CompiledCatalog& catalog);
  ~ScanProfile();

  static std::uint64_t Now() {
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  void AddPhase(Phase phase, std::uint64_t since) { phase_ns_[phase] += Now() - since; }
  void AddPattern(std::uint32_t pattern, std::uint64_t since, std::uint64_t regions, std::uint64_t bytes) {
    PatternCost& p = patterns_[pattern];
    p.ns += Now() - since;
    p.regions += regions;
    p.bytes += bytes;
  }
  void AddCandidate(std::uint32_t pattern) { ++patterns_[pattern].candidates; }
  void AddBytes(std::uint64_t n) { bytes_ += n; }
  void Count(const char* what, std::uint64_t n = 1);

 private:
  explicit ScanProfile(const CompiledCatalog& catalog);
  struct PatternCost {
    std::uint64_t ns = 0, regions = 0, bytes = 0, candidates = 0;
  };
  const CompiledCatalog& catalog_;
  std::uint64_t phase_ns_[kPhaseCount] = {};
  std::vector<PatternCost> patterns_;
  std::vector<std::pair<std::string, std::uint64_t>> counters_;
  std::uint64_t bytes_ = 0;
};

}  // namespace leakguard::detect
