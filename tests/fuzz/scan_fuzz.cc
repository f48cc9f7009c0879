// Fuzz target: Scanner with the built-in catalog — a block scan and a stream of the same bytes must
// give identical findings (engine.h: "Same answers both ways"), and every finding must describe the
// bytes it points at.
//
// Input layout (so that the fuzzer controls the chunking):
//   byte 0        flags: bits 0-2  n = number of chunk-size bytes that follow (0: one single Write)
//                        bit 3     straddle: the body is placed across the first segment border
//                                  (detect::kSegmentSize) behind a benign filler, streamed in one Write
//                        bit 4     reveal (Finding::value is filled and checked)
//                        bit 5     min_confidence low instead of the default medium
//   bytes 1..n    chunk sizes, used in a cycle: byte b means a Write of b bytes (0 = an empty Write)
//   next byte     only with straddle: how far before the border the body starts (8 * b + 1 bytes)
//   rest          the body to scan
//
// Checked: ScanBlock(input) == Open/Write.../Close(input) field by field; findings sorted by start,
// inside the input, line/column right, `value` == the bytes of the span when revealed, `masked` never
// the full value; a scanner reused for a second ScanBlock gives the same answer. Any difference aborts.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/scan_state.h"
#include "leakguard/engine.h"

namespace {

const std::shared_ptr<const leakguard::Engine>& TheEngine() {
  static const std::shared_ptr<const leakguard::Engine> engine = [] {
    auto e = leakguard::Engine::Compile({});
    if (!e) {
      std::fprintf(stderr, "scan_fuzz: built-in catalog does not compile: %s\n",
                   e.error().ToString().c_str());
      std::abort();
    }
    return *e;
  }();
  return engine;
}

[[noreturn]] void Fail(const char* what, std::size_t index) {
  std::fprintf(stderr, "scan_fuzz: %s (finding %zu)\n", what, index);
  std::abort();
}

bool SameEvidence(const leakguard::Evidence& a, const leakguard::Evidence& b) {
  return a.validator == b.validator && a.checksum_passed == b.checksum_passed &&
         a.context_word == b.context_word && a.context_distance == b.context_distance &&
         a.entropy == b.entropy && a.note == b.note;
}

bool Same(const leakguard::Finding& a, const leakguard::Finding& b) {
  return a.info_type == b.info_type && a.start == b.start && a.end == b.end && a.line == b.line &&
         a.column == b.column && a.confidence == b.confidence && a.masked == b.masked && a.rule == b.rule &&
         SameEvidence(a.evidence, b.evidence) && a.part == b.part && a.value == b.value;
}

void Compare(const std::vector<leakguard::Finding>& block, const std::vector<leakguard::Finding>& other,
             const char* what) {
  if (block.size() != other.size()) {
    std::fprintf(stderr, "scan_fuzz: %s: %zu findings in the block scan, %zu in the other\n", what,
                 block.size(), other.size());
    for (const auto& f : block)
      std::fprintf(stderr, "  block  %s [%llu,%llu)\n", f.rule.c_str(),
                   static_cast<unsigned long long>(f.start), static_cast<unsigned long long>(f.end));
    for (const auto& f : other)
      std::fprintf(stderr, "  other  %s [%llu,%llu)\n", f.rule.c_str(),
                   static_cast<unsigned long long>(f.start), static_cast<unsigned long long>(f.end));
    std::abort();
  }
  for (std::size_t i = 0; i < block.size(); ++i) {
    if (!Same(block[i], other[i])) {
      std::fprintf(stderr, "scan_fuzz: %s: finding %zu differs: %s [%llu,%llu) vs %s [%llu,%llu)\n", what, i,
                   block[i].rule.c_str(), static_cast<unsigned long long>(block[i].start),
                   static_cast<unsigned long long>(block[i].end), other[i].rule.c_str(),
                   static_cast<unsigned long long>(other[i].start),
                   static_cast<unsigned long long>(other[i].end));
      std::abort();
    }
  }
}

void CheckFindings(const std::vector<leakguard::Finding>& findings, std::string_view input, bool reveal,
                   leakguard::Confidence min_confidence) {
  std::uint64_t prev_start = 0;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const leakguard::Finding& f = findings[i];
    if (f.start >= f.end || f.end > input.size()) Fail("span outside the input or empty", i);
    if (f.start < prev_start) Fail("findings not sorted by start", i);
    prev_start = f.start;
    if (f.info_type.empty() || !f.rule.starts_with(f.info_type + "/"))
      Fail("rule is not <INFO_TYPE>/<pattern>", i);
    if (f.confidence < min_confidence) Fail("confidence below the requested minimum", i);
    std::string_view before = input.substr(0, f.start);
    auto line = static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n')) + 1;
    std::size_t nl = before.rfind('\n');
    std::uint64_t column = f.start - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
    if (f.line != line || f.column != column) Fail("wrong line or column", i);
    std::string_view span = input.substr(f.start, f.end - f.start);
    if (reveal && f.value != span) Fail("revealed value is not the bytes of the span", i);
    if (!reveal && !f.value.empty()) Fail("value filled without reveal", i);
    if (f.masked.empty()) Fail("empty masked form", i);
    std::size_t alnum = 0;
    for (unsigned char c : span) alnum += (c < 0x80 && std::isalnum(c)) ? 1 : 0;
    if (alnum >= 4 && f.masked == span) Fail("masked form shows the whole value", i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& engine = TheEngine();
  const std::uint8_t flags = data[0];
  std::size_t pos = 1;
  std::vector<std::size_t> chunks;
  for (unsigned i = 0; i < (flags & 7u) && pos < size; ++i) chunks.push_back(data[pos++]);
  const bool straddle = (flags & 8u) != 0;
  std::size_t back = 0;
  if (straddle && pos < size) back = 8u * data[pos++] + 1;

  leakguard::ScanOptions options;
  options.reveal = (flags & 16u) != 0;
  if (flags & 32u) options.min_confidence = leakguard::Confidence::kLow;

  std::string input;
  std::size_t body_at = 0;
  if (straddle) {
    // A benign filler (no digits, no keywords) puts the body `back` bytes before the segment border.
    constexpr std::string_view kFiller = "the quick brown fox jumps over the lazy dog\n";
    body_at = leakguard::detect::kSegmentSize - std::min<std::size_t>(back, leakguard::detect::kSegmentSize);
    input.reserve(body_at + size);
    while (input.size() < body_at)
      input.append(kFiller.substr(0, std::min(kFiller.size(), body_at - input.size())));
  }
  input.append(reinterpret_cast<const char*>(data) + pos, size - pos);
  const std::string_view all(input);

  leakguard::Scanner scanner(engine);
  auto block = scanner.ScanBlock(all, options);
  if (!block) Fail("ScanBlock failed", 0);
  CheckFindings(*block, all, options.reveal, options.min_confidence);

  std::vector<leakguard::Finding> streamed;
  if (!scanner.Open(options, [&streamed](leakguard::Finding&& f) { streamed.push_back(std::move(f)); }).ok())
    Fail("Open failed", 0);
  if (scanner.ScanBlock("x", options)) Fail("ScanBlock accepted while a stream is open", 0);
  std::size_t at = 0;
  if (straddle && body_at > 0) {
    if (!scanner.Write(all.substr(0, body_at)).ok()) Fail("Write failed", 0);
    at = body_at;
  }
  const bool progress = std::any_of(chunks.begin(), chunks.end(), [](std::size_t c) { return c > 0; });
  for (std::size_t k = 0; at < all.size(); ++k) {
    std::size_t n = progress ? chunks[k % chunks.size()] : all.size() - at;
    n = std::min(n, all.size() - at);
    if (!scanner.Write(all.substr(at, n)).ok()) Fail("Write failed", 0);
    at += n;
  }
  if (!scanner.Close().ok()) Fail("Close failed", 0);
  if (scanner.bytes_scanned() != all.size()) Fail("bytes_scanned differs from the stream length", 0);
  Compare(*block, streamed, "stream");

  auto again = scanner.ScanBlock(all, options);  // the same scanner, reused after a stream
  if (!again) Fail("second ScanBlock failed", 0);
  Compare(*block, *again, "reused scanner");
  return 0;
}
