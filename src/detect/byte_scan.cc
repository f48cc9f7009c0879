#include "detect/byte_scan.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace leakguard::detect {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

inline bool IsTrigger(const char* p) { return IsDigit(p[0]) && IsDigit(p[2]) && (IsDigit(p[1]) || p[1] == '.'); }

class WindowMerger {
 public:
  WindowMerger(std::size_t size, std::size_t radius, std::vector<ByteRange>& out)
      : size_(size), radius_(radius), out_(out) {}

  // Positions arrive in increasing order. Returns the first position not yet covered, so the caller
  // can skip triggers inside the current window.
  std::size_t Add(std::size_t pos) {
    std::size_t begin = pos > radius_ ? pos - radius_ : 0;
    std::size_t end = std::min(size_, pos + radius_ + 3);
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
  for (; i + 18 <= size; i += 16) {
    const char* p = data + i;
    __m128i d0 = digits(p);
    __m128i d2 = digits(p + 2);
    __m128i first_last = _mm_and_si128(d0, d2);
    if (_mm_movemask_epi8(first_last) == 0) continue;
    __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    __m128i mid = _mm_or_si128(digits(p + 1), _mm_cmpeq_epi8(v1, dot));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(first_last, mid)));
    while (mask != 0) {
      std::size_t pos = i + static_cast<std::size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (pos + radius + 3 <= covered) continue;
      covered = merger.Add(pos);
    }
  }
#endif
  for (; i + 3 <= size; ++i) {
    if (IsTrigger(data + i) && i + radius + 3 > covered) covered = merger.Add(i);
  }
}

std::size_t CountNewlines(const char* data, std::size_t size) {
  std::size_t count = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (; i + 16 <= size; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    count += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)))));
  }
#endif
  for (; i < size; ++i) count += data[i] == '\n' ? 1 : 0;
  return count;
}

}  // namespace leakguard::detect
