// Fuzz target: ExtractPdf (pdf.cc, poppler-cpp) on raw file bytes. Poppler itself is not instrumented
// (a Debian library); this checks our side: no crash or leak around it, text is UTF-8, problems carry
// reasons, stopping is honoured. Seeds: tests/fuzz/corpus/pdf_fuzz (reportlab/qpdf-made PDFs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doc_fuzz_emitter.h"
#include "extract/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  leakguard::extract::Limits limits;
  limits.max_buffered_bytes = 1 << 20;
  leakguard::extract::fuzz::CheckingEmitter out(size % 7 == 0 ? 1 : 100000);
  leakguard::extract::ExtractPdf(bytes, out, limits);
  return 0;
}
