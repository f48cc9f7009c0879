// Fuzz target: ExtractMime (mime.cc, GMime) on raw message bytes. Checks (doc_fuzz_emitter.h): text is
// UTF-8, pieces and paths are sane, the walk stops soon after the emitter says stop. Seeds:
// tests/fuzz/corpus/mime_fuzz (messages made by tests/fixtures/extract/make_doc_fixtures.py).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doc_fuzz_emitter.h"
#include "extract/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  leakguard::extract::Limits limits;
  limits.max_buffered_bytes = 1 << 20;
  leakguard::extract::fuzz::CheckingEmitter out(size % 7 == 0 ? 3 : 100000);
  leakguard::extract::ExtractMime(bytes, out, limits);
  return 0;
}
