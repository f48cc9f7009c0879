// Inspection of a transfer: extraction (extract.h) feeding the detection engine (leakguard/engine.h).
// Used by `leakguard scan` and `POST /v1/inspect`.
//
// Every text part is scanned with the caller's ScanOptions plus the part's path (Finding::part) and
// structure context (ScanOptions::context: column header, JSON key). Findings of a pieced part (CSV
// column, JSON key) are named after their piece, with offsets, line and column inside that piece.
// Problems become findings of the types EXTRACTION_LIMIT, ENCRYPTED_CONTENT and UNREADABLE_CONTENT:
// confidence high, `part` where it happened, `masked` the reason, `rule` "<TYPE>/extract", offsets 0.
// They obey ScanOptions::types like any other type.
//
// Threads: an Inspector is used by one thread. Parts nest (a base64 run decoded inside a streamed
// text), so it asks `scanner_at(level)` for one Scanner per nesting level; level 0 first, deeper
// levels only when needed.
#pragma once

#include <functional>
#include <string_view>

#include "extract/extract.h"
#include "leakguard/engine.h"

namespace leakguard::extract {

// The problem types, for listings (`leakguard types`, docs/infotypes.md).
struct ProblemTypeInfo {
  std::string_view id;
  std::string_view name;
  std::string_view description;
};
std::span<const ProblemTypeInfo> ProblemTypes();

// A problem as a finding.
Finding ProblemFinding(std::string_view path, Problem problem, std::string_view reason);

class Inspector {
 public:
  using ScannerAt = std::function<Scanner&(std::size_t level)>;
  explicit Inspector(ScannerAt scanner_at) : scanner_at_(std::move(scanner_at)) {}

  // Optional: every part's BeginPart/Data/EndPart and every Problem also go to `observer` (after the
  // engine saw them), e.g. to look for classification markings in the text (src/classify). Not owned;
  // it must outlive the Inspect* calls. A failed Status from the observer stops the extraction.
  void set_observer(PartSink* observer) { observer_ = observer; }

  // Extracts and scans. Findings go to `sink` as they are found. Fails only when the source cannot
  // be read or the engine fails (then the scanners are left in an undefined state: drop them).
  Status InspectStream(Source& source, std::string_view name, const ScanOptions& options,
                       const Limits& limits, const FindingSink& sink, ExtractStats* stats = nullptr);
  Status InspectBuffer(std::string_view bytes, std::string_view name, const ScanOptions& options,
                       const Limits& limits, const FindingSink& sink, ExtractStats* stats = nullptr);

 private:
  ScannerAt scanner_at_;
  PartSink* observer_ = nullptr;
};

}  // namespace leakguard::extract
