// Shared by the document and mail fuzz targets (mime_fuzz, ooxml_fuzz, pdf_fuzz, rtf_fuzz): an
// Emitter that checks what an extractor reports and aborts on a broken promise.
//
// Checked: every text part and piece is valid UTF-8 (extractors convert to UTF-8); pieces lie inside
// their text in increasing order; no subpath is longer than a sane bound; the extractor returns soon
// after Stopped() turns true (at most kSlack more parts).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "extract/emitter.h"

namespace leakguard::extract::fuzz {

inline bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

[[noreturn]] inline void Fail(const char* what, std::string_view path) {
  std::fprintf(stderr, "doc fuzz: %s (part %.*s)\n", what,
               static_cast<int>(std::min<std::size_t>(path.size(), 200)), path.data());
  std::abort();
}

class CheckingEmitter final : public Emitter {
 public:
  static constexpr std::size_t kSlack = 64;
  explicit CheckingEmitter(std::size_t stop_after) : stop_after_(stop_after) {}

  void Text(std::string_view subpath, std::string_view utf8, std::span<const std::string> context) override {
    Count(subpath);
    if (!ValidUtf8(utf8)) Fail("text is not UTF-8", subpath);
    for (const auto& c : context)
      if (!ValidUtf8(c)) Fail("context is not UTF-8", subpath);
  }
  // One pieced part counts once, as the dispatcher scans it once.
  void TextPieces(std::string_view text, std::span<const Piece> pieces,
                  std::span<const std::string> context) override {
    if (pieces.empty()) Fail("pieced part without pieces", "");
    Count(pieces[0].path);
    if (!ValidUtf8(text)) Fail("pieced text is not UTF-8", pieces[0].path);
    std::uint64_t prev = 0;
    for (const Piece& p : pieces) {
      if (p.offset > text.size() || p.offset < prev)
        Fail("piece offsets out of order or outside the text", p.path);
      if (p.path.size() > 4096) Fail("piece path too long", p.path.substr(0, 64));
      prev = p.offset;
    }
    for (const auto& c : context)
      if (!ValidUtf8(c)) Fail("context is not UTF-8", pieces[0].path);
  }
  void Child(std::string_view subpath, std::string_view bytes) override { Count(subpath); }
  void Report(std::string_view subpath, Problem, std::string_view reason) override {
    if (subpath.size() > 4096) Fail("subpath too long", subpath.substr(0, 64));
    if (reason.empty()) Fail("report without a reason", subpath);
  }
  bool Stopped() const override { return parts_ >= stop_after_; }

 private:
  void Count(std::string_view subpath) {
    if (subpath.size() > 4096) Fail("subpath too long", subpath.substr(0, 64));
    if (++parts_ > stop_after_ + kSlack) Fail("extractor went on long after Stopped()", subpath);
  }
  std::size_t stop_after_;
  std::size_t parts_ = 0;
};

}  // namespace leakguard::extract::fuzz
