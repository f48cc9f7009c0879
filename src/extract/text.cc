// Plain text: encoding detection and conversion to UTF-8 (text.h), and ExtractText (formats.h).

#include "extract/text.h"

#include <cstdint>
#include <cstring>

#include "core/utf8.h"

#include "extract/formats.h"

namespace leakguard::extract {

bool IsValidUtf8(std::string_view s, bool complete) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII eight bytes a step (most text is ASCII; this was a visible share of an ICAP request).
    while (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + len > n) {
      // Cut at the end of a head: fine if what is there is a valid prefix.
      if (complete) return false;
      for (std::size_t k = i + 1; k < n; ++k)
        if ((p[k] & 0xC0) != 0x80) return false;
      return true;
    }
    std::uint32_t cp = c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Encoding DetectEncoding(std::string_view head, bool complete) {
  const auto* p = reinterpret_cast<const unsigned char*>(head.data());
  const std::size_t n = head.size();
  // A BOM alone is weak evidence (binary data may start with FF FE): UTF-16 text that holds anything
  // worth finding (digits, Latin letters) has zero high bytes in a good share of its code units.
  auto zero_high_share_ok = [&](std::size_t high_offset) {
    const std::size_t end = std::min<std::size_t>(n, 4098);
    std::size_t units = 0, zeros = 0;
    for (std::size_t i = 2; i + 1 < end; i += 2) {
      ++units;
      zeros += p[i + high_offset] == 0;
    }
    return units < 4 || zeros * 10 >= units;
  };
  if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE && zero_high_share_ok(1)) return Encoding::kUtf16Le;
  if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF && zero_high_share_ok(0)) return Encoding::kUtf16Be;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return Encoding::kBytes;
  // UTF-16 without BOM: text in Latin script has a zero byte in every other position.
  const std::size_t sample = std::min<std::size_t>(n, 4096) & ~std::size_t{1};
  if (sample >= 8) {
    std::size_t zero_even = 0, zero_odd = 0;
    for (std::size_t i = 0; i < sample; i += 2) {
      zero_even += p[i] == 0;
      zero_odd += p[i + 1] == 0;
    }
    const std::size_t units = sample / 2;
    if (zero_odd * 10 >= units * 7 && zero_even * 20 <= units) return Encoding::kUtf16Le;
    if (zero_even * 10 >= units * 7 && zero_odd * 20 <= units) return Encoding::kUtf16Be;
  }
  if (IsValidUtf8(head, complete)) return Encoding::kBytes;
  // Not UTF-8: Latin-1 if it looks like text (no NULs, few control bytes), else binary.
  std::size_t controls = 0, high = 0;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c == 0) return Encoding::kBytes;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++controls;
    if (c >= 0x80) ++high;
  }
  if (controls * 50 > n || high * 3 > n) return Encoding::kBytes;
  return Encoding::kLatin1;
}

void TextDecoder::Decode(std::string_view in, std::string& out) {
  switch (encoding_) {
    case Encoding::kBytes:
      out.append(in);
      return;
    case Encoding::kLatin1: {
      out.reserve(out.size() + in.size() + in.size() / 8);
      for (unsigned char c : in) {
        if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          out += static_cast<char>(0xC0 | (c >> 6));
          out += static_cast<char>(0x80 | (c & 0x3F));
        }
      }
      return;
    }
    case Encoding::kUtf16Le:
    case Encoding::kUtf16Be:
      DecodeUtf16(in, out);
      return;
  }
}

void TextDecoder::DecodeUtf16(std::string_view in, std::string& out) {
  const bool le = encoding_ == Encoding::kUtf16Le;
  std::size_t i = 0;
  auto unit_at = [&](unsigned char a, unsigned char b) -> std::uint32_t {
    return le ? (a | (b << 8)) : ((a << 8) | b);
  };
  auto put = [&](std::uint32_t u) {
    if (!started_) {
      started_ = true;
      if (u == 0xFEFF) return;  // BOM
    }
    if (high_ != 0) {
      if (u >= 0xDC00 && u <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((high_ - 0xD800) << 10) + (u - 0xDC00));
        high_ = 0;
        return;
      }
      AppendUtf8(out, 0xFFFD);
      high_ = 0;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      high_ = u;
    } else {
      AppendUtf8(out, u);  // a lone low surrogate becomes U+FFFD
    }
  };
  if (!pending_.empty() && !in.empty()) {
    put(unit_at(static_cast<unsigned char>(pending_[0]), static_cast<unsigned char>(in[0])));
    pending_.clear();
    i = 1;
  }
  out.reserve(out.size() + in.size() / 2 + 8);
  for (; i + 1 < in.size(); i += 2)
    put(unit_at(static_cast<unsigned char>(in[i]), static_cast<unsigned char>(in[i + 1])));
  if (i < in.size()) pending_.assign(1, in[i]);
}

void TextDecoder::Finish(std::string& out) {
  if (high_ != 0 || !pending_.empty()) AppendUtf8(out, 0xFFFD);
  high_ = 0;
  pending_.clear();
}

std::string_view ToUtf8(std::string_view bytes, std::string& storage) {
  TextDecoder decoder(DetectEncoding(bytes.substr(0, 64 << 10), bytes.size() <= (64 << 10)));
  if (decoder.encoding() == Encoding::kBytes) return bytes;
  storage.clear();
  decoder.Decode(bytes, storage);
  decoder.Finish(storage);
  return storage;
}

std::string ToUtf8(std::string_view bytes) {
  std::string storage;
  const std::string_view text = ToUtf8(bytes, storage);
  return text.data() == storage.data() ? std::move(storage) : std::string(text);
}

void ExtractText(std::string_view bytes, Emitter& out, const Limits& /*limits*/) {
  std::string storage;  // the conversion, when the bytes are not UTF-8 already
  out.Text("", ToUtf8(bytes, storage));
}

}  // namespace leakguard::extract
