// Per-Scanner scanning state: Vectorscan scratch, PCRE2 match data, the stream's segment buffer and
// the reusable work vectors of one segment. Not thread-safe (one per Scanner).
//
// Input is cut into segments of kSegmentSize bytes at absolute offsets; each segment is scanned with
// `overlap` bytes of the input before and after it, and reports the findings that start inside it.
// Because segment borders depend only on absolute offsets, a block and a stream fed in any chunk sizes
// see exactly the same segments, and so report exactly the same findings.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "detect/byte_scan.h"
#include "detect/compiled_catalog.h"
#include "detect/scan_profile.h"
#include "leakguard/engine.h"

namespace leakguard::detect {

inline constexpr std::uint64_t kSegmentSize = 1u << 20;

class ScanState {
 public:
  explicit ScanState(const CompiledCatalog& catalog);
  ~ScanState();
  ScanState(const ScanState&) = delete;
  ScanState& operator=(const ScanState&) = delete;

  void Begin(const ScanOptions& options, FindingSink sink);
  void ScanAll(std::string_view data);  // a whole block: Begin, ScanAll, then done
  void Write(std::string_view chunk);   // stream
  void Finish();                        // stream end
  bool open() const { return open_; }
  void set_open(bool v) { open_ = v; }
  void DropSink() { sink_ = nullptr; }
  std::uint64_t total() const { return total_; }

 private:
  struct WordHit {
    std::uint32_t word;
    std::uint32_t start;  // offsets in the current window
    std::uint32_t end;
  };
  // Where to confirm a pattern: matches starting in [begin, last_start], within window[.., end).
  // For keyword (dictionary) patterns, [begin, end) is the exact span.
  struct Region {
    std::uint32_t pattern;
    std::uint32_t begin;
    std::uint32_t last_start;
    std::uint32_t end;
  };
  struct Candidate {
    std::uint32_t pattern;
    std::uint32_t type;
    std::uint32_t start;  // value span in the window
    std::uint32_t end;
    Confidence confidence;
    Evidence evidence;
  };

  static int OnLiteral(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                       void* ctx);
  static int OnWord(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* ctx);

  // Scans window[0, size) (absolute offset `base`) and emits findings starting in [own_begin, own_end).
  void ScanWindow(const char* window, std::size_t size, std::uint64_t base, std::uint64_t own_begin,
                  std::uint64_t own_end);
  void ProcessReadySegments(bool at_end);
  void AddRegion(std::uint32_t pattern, std::uint32_t end);
  void AddSpan(std::uint32_t pattern, std::uint32_t begin, std::uint32_t last_start, std::uint32_t end);
  void FindNumericCandidates(const char* window, std::size_t size);
  void ComputeTokenPrefixes(const char* window, const NumericToken& t);
  bool TokenFits(const CompiledPattern& p, const char* window, const NumericToken& t);
  void Confirm(const char* window, std::size_t size);
  void ConfirmAnchored(const char* window, std::size_t size, std::uint32_t pattern);
  void Evaluate(const char* window, std::size_t size, std::uint32_t pattern, std::size_t value_start,
                std::size_t value_end);
  void ResolveContext(const char* window, std::size_t size);
  bool ApplyContext(const char* window, Candidate& c);
  void MergeAndEmit(const char* window, std::uint64_t base, std::uint64_t own_begin, std::uint64_t own_end);
  bool WordStart(const char* window, std::size_t pos) const;
  bool WordEnd(const char* window, std::size_t start, std::size_t end) const;

  const CompiledCatalog& catalog_;
  hs_scratch_t* scratch_ = nullptr;
  pcre2_match_data* match_data_ = nullptr;
  pcre2_match_context* match_context_ = nullptr;
  pcre2_match_context* region_context_ = nullptr;  // match_context_ with an offset limit (Confirm)

  // Scan settings.
  ScanOptions options_;
  FindingSink sink_;
  std::vector<bool> type_enabled_;
  std::vector<std::uint32_t> structural_words_;     // word ids found in ScanOptions::context
  std::vector<std::uint32_t> structural_patterns_;  // context-triggered patterns those words enable
  bool open_ = false;

  // Stream position.
  std::uint64_t total_ = 0;         // bytes received
  std::uint64_t next_segment_ = 0;  // absolute start of the next segment to scan
  std::string buffer_;              // stream bytes from buffer_base_ on
  std::uint64_t buffer_base_ = 0;
  std::uint64_t lines_before_ = 0;  // newlines before next_segment_
  std::uint64_t line_start_ = 0;    // absolute offset where the line containing next_segment_ begins

  // Work vectors of one window, reused.
  const char* window_ = nullptr;
  std::size_t window_size_ = 0;
  std::vector<WordHit> words_;
  std::vector<Region> regions_;
  static constexpr std::uint32_t kNoRegion = UINT32_MAX;
  std::vector<std::uint32_t> last_region_;   // per pattern: its latest region in regions_
  std::vector<Region> sorted_regions_;       // Confirm's counting sort
  std::vector<std::uint32_t> bucket_start_;  // ... where each pattern's bucket starts
  std::vector<std::uint32_t> bucket_fill_;   // ... and is filled up to
  std::vector<Candidate> candidates_;
  std::vector<NumericToken> tokens_;
  std::vector<Anchor> anchors_;
  std::vector<std::uint32_t> anchor_scratch_;
  PrefixBits token_prefixes_;  // the prefixes that fit the token being matched (TokenFits)
  bool token_prefixes_ready_ = false;
  std::uint32_t word_window_offset_ = 0;
  std::vector<ByteRange> word_windows_;
  std::vector<std::uint32_t> order_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> accepted_;
  std::vector<std::uint32_t> kept_;       // MergeAndEmit: the candidates reported, by position
  std::unique_ptr<ScanProfile> profile_;  // LEAKGUARD_PROFILE
};

}  // namespace leakguard::detect
