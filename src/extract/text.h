// Text encodings (internal to src/extract): detection of UTF-8 / UTF-16 / Latin-1 from the first
// bytes of a content, and a streaming converter to UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leakguard::extract {

enum class Encoding {
  kBytes,    // UTF-8, ASCII or binary: passed through unchanged (offsets stay input offsets)
  kUtf16Le,  // with or without BOM
  kUtf16Be,
  kLatin1,  // ISO-8859-1 / Windows-1252 text that is not valid UTF-8
};

// Guesses the encoding from `head`, the first bytes of a content. `complete` says `head` is the whole
// content (a UTF-8 sequence cut at its end is then invalid, not truncated).
Encoding DetectEncoding(std::string_view head, bool complete);

// True when `s` is valid UTF-8; a sequence cut at the very end counts as valid unless `complete`.
bool IsValidUtf8(std::string_view s, bool complete);

// Converts a stream in `encoding` to UTF-8, chunk by chunk (code units split across chunks are kept
// for the next call). Invalid sequences become U+FFFD. A UTF-16 BOM is dropped.
class TextDecoder {
 public:
  explicit TextDecoder(Encoding encoding) : encoding_(encoding) {}
  Encoding encoding() const { return encoding_; }
  // Appends the UTF-8 of `in` to `out`.
  void Decode(std::string_view in, std::string& out);
  // End of input: flushes what is pending.
  void Finish(std::string& out);

 private:
  void DecodeUtf16(std::string_view in, std::string& out);
  Encoding encoding_;
  std::string pending_;     // bytes of an incomplete code unit
  std::uint32_t high_ = 0;  // a high surrogate waiting for its low half
  bool started_ = false;    // BOM handled
};

// Whole-buffer conversion to UTF-8 with the detected encoding (kBytes: returned as is).
std::string ToUtf8(std::string_view bytes);
// The same without a copy when there is nothing to convert: `bytes` itself for kBytes, else the
// conversion, held in `storage`.
std::string_view ToUtf8(std::string_view bytes, std::string& storage);

}  // namespace leakguard::extract
