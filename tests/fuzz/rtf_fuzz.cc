// Fuzz target: ExtractRtf (rtf.cc). Checks (doc_fuzz_emitter.h): text is UTF-8 whatever the code page,
// \u value or truncation; output is split into pieces no larger than the buffering limit allows.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doc_fuzz_emitter.h"
#include "extract/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  leakguard::extract::Limits limits;
  limits.max_buffered_bytes = 256;  // exercise the piecewise output
  leakguard::extract::fuzz::CheckingEmitter out(100000);
  leakguard::extract::ExtractRtf(bytes, out, limits);
  // Without the {\rtf prefix the parser is never reached: try the same bytes behind one too.
  if (size < 5 || bytes.substr(0, 5) != "{\\rtf") {
    std::string with("{\\rtf1 ");
    with.append(bytes);
    leakguard::extract::fuzz::CheckingEmitter again(100000);
    leakguard::extract::ExtractRtf(with, again, limits);
  }
  return 0;
}
