#include "detect/byte_scan.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace leakguard::detect {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

inline bool IsSep(char c) { return c == ' ' || c == '-' || c == '.'; }

// Needs p[0..4] readable.
inline bool IsTrigger(const char* p) {
  return (IsDigit(p[0]) && IsDigit(p[2]) && (IsDigit(p[1]) || p[1] == '.')) ||
         (IsDigit(p[0]) && IsDigit(p[1]) && IsSep(p[2]) && IsDigit(p[3]) && IsDigit(p[4]));
}

class WindowMerger {
 public:
  WindowMerger(std::size_t size, std::size_t radius, std::vector<ByteRange>& out)
      : size_(size), radius_(radius), out_(out) {}

  // Positions arrive in increasing order. Returns the first position not yet covered, so the caller
  // can skip triggers inside the current window.
  std::size_t Add(std::size_t pos) {
    std::size_t begin = pos > radius_ ? pos - radius_ : 0;
    std::size_t end = std::min(size_, pos + radius_ + 5);
    if (!out_.empty() && begin <= out_.back().end) {
      out_.back().end = std::max(out_.back().end, end);
    } else {
      out_.push_back({begin, end});
    }
    return out_.back().end;
  }

 private:
  std::size_t size_;
  std::size_t radius_;
  std::vector<ByteRange>& out_;
};

}  // namespace

void FindDigitWindows(const char* data, std::size_t size, std::size_t radius, std::vector<ByteRange>& out) {
  if (size < 3) return;
  WindowMerger merger(size, radius, out);
  std::size_t i = 0;
  // A window around p covers p + radius; triggers before `covered` add nothing new.
  std::size_t covered = 0;
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8('0' - 1);
  const __m128i hi = _mm_set1_epi8('9' + 1);
  const __m128i dot = _mm_set1_epi8('.');
  auto digits = [&](const char* p) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
  };
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i dash = _mm_set1_epi8('-');
  for (; i + 20 <= size; i += 16) {
    const char* p = data + i;
    __m128i d0 = digits(p);
    __m128i d1 = digits(p + 1);
    if (_mm_movemask_epi8(_mm_and_si128(d0, _mm_or_si128(d1, digits(p + 2)))) == 0) continue;
    __m128i d2 = digits(p + 2);
    __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2));
    // "ddd" or "d.d"
    __m128i t1 = _mm_and_si128(_mm_and_si128(d0, d2), _mm_or_si128(d1, _mm_cmpeq_epi8(v1, dot)));
    // "dd dd" (also '-' and '.'): grouped numbers without a run of three
    __m128i sep2 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v2, space), _mm_cmpeq_epi8(v2, dash)),
                                _mm_cmpeq_epi8(v2, dot));
    __m128i t2 = _mm_and_si128(_mm_and_si128(d0, d1),
                               _mm_and_si128(sep2, _mm_and_si128(digits(p + 3), digits(p + 4))));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(t1, t2)));
    while (mask != 0) {
      std::size_t pos = i + static_cast<std::size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (pos + radius + 5 <= covered) continue;
      covered = merger.Add(pos);
    }
  }
#endif
  for (; i + 3 <= size; ++i) {
    bool trigger = i + 5 <= size ? IsTrigger(data + i)
                                 : IsDigit(data[i]) && IsDigit(data[i + 2]) &&
                                       (IsDigit(data[i + 1]) || data[i + 1] == '.');
    if (trigger && i + radius + 5 > covered) covered = merger.Add(i);
  }
}

std::size_t CountNewlines(const char* data, std::size_t size) {
  std::size_t count = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (; i + 16 <= size; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    count += static_cast<std::size_t>(
        __builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)))));
  }
#endif
  for (; i < size; ++i) count += data[i] == '\n' ? 1 : 0;
  return count;
}

}  // namespace leakguard::detect
