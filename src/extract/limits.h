// Limits of one extraction (DESIGN.md: extract). A hostile container must not take the inspector
// down: every limit hit is reported as an EXTRACTION_LIMIT finding, never silently.
//
// Defaults are safe for a proxy or a mail filter inspecting one transfer; `leakguard scan` and
// `leakguard serve` can change them (--limit NAME=VALUE, docs/extraction.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace leakguard::extract {

struct Limits {
  // Containers inside containers: transfer (depth 0) / a.zip member (1) / docx inside it (2) …
  int max_depth = 10;
  // Bytes of decoded/decompressed content handed to the engine or to child extractors, in total.
  std::uint64_t max_total_bytes = std::uint64_t{4} << 30;  // 4 GiB
  // Expanded bytes per input byte (zip bombs): checked once more than max_ratio_floor bytes expanded.
  double max_ratio = 200.0;
  std::uint64_t max_ratio_floor = std::uint64_t{64} << 20;  // 64 MiB
  // Text parts and children, in total.
  std::size_t max_parts = 100000;
  // Wall clock time per transfer (0 = no limit).
  std::chrono::milliseconds max_time{120000};
  // One member buffered in memory for a format that needs random access (nested zip, OOXML, PDF);
  // a larger one is reported, not inspected. Streamed members (plain text, tar) have no such limit.
  std::size_t max_buffered_bytes = std::size_t{64} << 20;  // 64 MiB
  // Encoded runs (base64, hex, percent) decoded from one text part per 16 MiB of it (the allowance
  // grows with the part), and the shortest run decoded.
  std::size_t max_decoded_runs = 1000;
  std::size_t min_base64_run = 24;
};

}  // namespace leakguard::extract
