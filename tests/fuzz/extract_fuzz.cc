// Fuzz target: the extractors src/extract owns (dispatcher with libmagic sniffing and recursion,
// text encodings, HTML, XML, JSON, CSV/TSV, archives through libarchive, encoded runs). No crash, no
// leak, no UB, no hang; the dispatcher's accounting must hold (parts and expanded bytes within the
// limits it enforces).
//
// Input layout: byte 0 selects the entry point, the rest is the content.
//   0: ExtractBuffer (the whole dispatcher: sniff, recurse, limits)   1: ExtractText
//   2: ExtractHtml   3: ExtractXml   4: ExtractJson   5: ExtractCsv   6: ExtractArchive
//   7: EncodedRunFinder fed in 1..64-byte chunks (chunk size from byte 1)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "extract/encoded.h"
#include "extract/extract.h"
#include "extract/formats.h"

namespace {

using namespace leakguard;
using namespace leakguard::extract;

// Consumes everything, checks the bracket discipline of parts.
class CheckingSink : public PartSink {
 public:
  Status BeginPart(const PartInfo&) override {
    ++open_;
    return Status::Ok();
  }
  Status Data(std::string_view utf8) override {
    if (open_ <= 0) std::abort();
    bytes_ += utf8.size();
    return Status::Ok();
  }
  Status EndPart() override {
    if (--open_ < 0) std::abort();
    return Status::Ok();
  }
  void Problem(std::string_view, extract::Problem, std::string_view reason) override {
    if (reason.empty()) std::abort();
  }
  int open_ = 0;
  std::uint64_t bytes_ = 0;
};

class CountingEmitter : public Emitter {
 public:
  void Text(std::string_view, std::string_view utf8, std::span<const std::string>) override {
    n_ += utf8.size();
  }
  void Child(std::string_view, std::string_view bytes) override { n_ += bytes.size(); }
  void Report(std::string_view, Problem, std::string_view) override {}
  bool Stopped() const override { return false; }
  std::uint64_t n_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Limits limits;
  limits.max_total_bytes = 64 << 20;  // keep each input cheap
  limits.max_ratio_floor = 8 << 20;
  limits.max_buffered_bytes = 8 << 20;
  limits.max_time = std::chrono::milliseconds(10000);
  CountingEmitter emitter;
  switch (data[0] % 8) {
    case 0: {
      CheckingSink sink;
      ExtractStats stats;
      Status s = ExtractBuffer(body, "fuzz", limits, sink, &stats);
      if (!s.ok() || sink.open_ != 0) std::abort();
      if (stats.parts > limits.max_parts + 1) std::abort();
      break;
    }
    case 1:
      ExtractText(body, emitter, limits);
      break;
    case 2:
      ExtractHtml(body, emitter, limits);
      break;
    case 3:
      ExtractXml(body, emitter, limits);
      break;
    case 4:
      ExtractJson(body, emitter, limits);
      break;
    case 5:
      ExtractCsv(body, emitter, limits);
      break;
    case 6:
      ExtractArchive(body, emitter, limits);
      break;
    case 7: {
      if (body.empty()) break;
      const std::size_t chunk = 1 + static_cast<unsigned char>(body[0]) % 64;
      std::string_view text = body.substr(1);
      EncodedRunFinder finder(limits, [&](EncodedRun&& run) {
        if (run.offset > text.size()) std::abort();
      });
      for (std::size_t i = 0; i < text.size(); i += chunk) finder.Feed(text.substr(i, chunk));
      finder.Finish();
      break;
    }
  }
  return 0;
}
