// Encoded content inside text (internal to src/extract): finds base64 and hex runs, percent-encoded
// and HTML-entity-encoded tokens in a text stream and decodes them, bounded, so that `base64` of a
// customer list pasted into a form is inspected as what it is.
//
// Only decodings worth inspecting are reported: text (valid UTF-8, mostly printable) or a known
// container (zip, gzip, bzip2, xz, 7z, PDF, OLE). Hashes, keys and identifiers that merely use the
// base64 alphabet decode to noise and are dropped without counting against the limit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/limits.h"

namespace leakguard::extract {

struct EncodedRun {
  std::string_view kind;  // "base64", "hex", "percent", "entities"
  std::uint64_t offset;   // where the encoded run starts in the text
  std::string decoded;
  bool truncated = false;  // the run was longer than the buffer cap: only its start is decoded
};

class EncodedRunFinder {
 public:
  using OnRun = std::function<void(EncodedRun&& run)>;
  EncodedRunFinder(const Limits& limits, OnRun on_run);

  // Feeds the next bytes of the text (offsets count from the first byte ever fed).
  void Feed(std::string_view text);
  // End of the text: reports a run still open.
  void Finish();
  // False when `text` fed alone (Feed + Finish) cannot report a run: it holds neither min_stretch_
  // consecutive base64/hex alphabet bytes nor the escapes of a percent or entity token. Lets a caller
  // with many small texts (the cells of a CSV column) skip them without a feed each.
  bool MayHoldRun(std::string_view text) const;
  // True once Limits::max_decoded_runs runs were reported: later runs are ignored.
  bool limit_hit() const { return limit_hit_; }
  std::size_t runs() const { return runs_; }

 private:
  void EndRun(std::string_view chunk, std::size_t end);
  void EndToken(std::string_view chunk, std::size_t end);
  void Emit(std::string_view kind, std::uint64_t offset, std::string decoded, bool truncated);
  void Flush();  // reports the pending decodings in offset order
  // The two scanners, each a byte-at-a-time state machine (Step*) with a fast path that skips text
  // which cannot hold what it looks for (Skip*): a base64/hex run needs `min_stretch_` consecutive
  // alphabet bytes, a percent/entity token a '%' or '&'.
  void FeedRuns(std::string_view chunk);
  void FeedTokens(std::string_view chunk);
  void StepRun(std::string_view chunk, std::size_t i);
  void StepToken(std::string_view chunk, std::size_t i);
  std::size_t SkipToStretch(std::string_view chunk, std::size_t i) const;
  std::size_t SkipToEscape(std::string_view chunk, std::size_t i) const;

  const Limits& limits_;
  OnRun on_run_;
  std::size_t cap_;
  std::size_t min_stretch_;  // consecutive alphabet bytes every reportable run holds
  std::uint64_t base_ = 0;   // offset of the current chunk
  std::size_t runs_ = 0;
  bool limit_hit_ = false;

  // base64 / hex run
  bool in_run_ = false;
  std::uint64_t run_start_ = 0;
  std::size_t run_begin_ = 0;  // in the current chunk (valid when run_buf_ is empty)
  std::uint64_t run_len_ = 0;  // alphabet characters
  std::size_t line_len_ = 0;
  bool newline_ok_ = false;  // a line break continues the run (wrapped base64)
  unsigned run_classes_ = 0;
  bool run_spilled_ = false;  // part of the run is in run_buf_
  std::string run_buf_;

  // percent / entity token
  bool in_token_ = false;
  std::uint64_t token_start_ = 0;
  std::size_t token_begin_ = 0;
  std::uint64_t token_len_ = 0;
  std::size_t token_pct_ = 0;
  std::size_t token_amp_ = 0;
  bool token_spilled_ = false;
  std::string token_buf_;

  struct Pending {
    std::string_view kind;
    std::uint64_t offset;
    std::string decoded;
    bool truncated;
  };
  std::vector<Pending> pending_;  // found in the current chunk, reported by Flush
};

// Decoders (exposed for tests). Invalid input yields what could be decoded.
std::string DecodeBase64Lenient(std::string_view in);
std::string DecodeHex(std::string_view in);
std::string DecodePercent(std::string_view in);
std::string DecodeEntities(std::string_view in);  // HTML character references (&#52; &#x34; &amp;…)
// True when `bytes` is worth inspecting: mostly printable UTF-8 text or a known container signature.
bool LooksInspectable(std::string_view bytes);

}  // namespace leakguard::extract
