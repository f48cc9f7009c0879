#include "detect/byte_scan.h"

#include "core/cpu.h"

#include <algorithm>
#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
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

inline bool IsAlnum(char c) {
  auto u = static_cast<unsigned char>(c);
  return IsDigit(c) || static_cast<unsigned char>((u | 0x20) - 'a') < 26;
}

// 1 + index in kTokenSeparators of each byte, 0 for the others.
constexpr auto kSeparatorIndex = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t i = 0; i < kTokenSeparators.size(); ++i)
    table[static_cast<unsigned char>(kTokenSeparators[i])] = static_cast<std::uint8_t>(i + 1);
  return table;
}();

inline bool IsTokenSep(char c) { return kSeparatorIndex[static_cast<unsigned char>(c)] != 0; }

// A token's byte counts as 8-bit lanes of two words: kCountLo has [A-Z] in lane 0, [a-z] in lane 1 and
// separators 0..5 of kTokenSeparators in lanes 2..7; kCountHi has separator 6 in lane 0 and every
// separator in lane 1.
static_assert(kTokenSeparators.size() == 7, "the count tables assume seven separators");
constexpr auto kCountLo = [] {
  std::array<std::uint64_t, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = 1;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = std::uint64_t{1} << 8;
  for (std::size_t k = 0; k < 6; ++k)
    table[static_cast<unsigned char>(kTokenSeparators[k])] = std::uint64_t{1} << (16 + 8 * k);
  return table;
}();
constexpr auto kCountHi = [] {
  std::array<std::uint64_t, 256> table{};
  for (std::size_t k = 0; k < kTokenSeparators.size(); ++k)
    table[static_cast<unsigned char>(kTokenSeparators[k])] = (k == 6 ? 1 : 0) | (std::uint64_t{1} << 8);
  return table;
}();

#if defined(__x86_64__)
// Bit j: p[j] is an ASCII digit / '.' / a trigger separator (' ', '-', '.'), for 64 bytes.
struct TriggerClasses {
  std::uint64_t digit, dot, sep;
};

__attribute__((target("avx2"))) inline TriggerClasses ClassifyAvx2(const char* p) {
  const __m256i zero_offset = _mm256_set1_epi8('0');
  const __m256i nine = _mm256_set1_epi8(9);
  const __m256i dot = _mm256_set1_epi8('.');
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i dash = _mm256_set1_epi8('-');
  TriggerClasses out{};
  for (int half = 0; half < 2; ++half) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    // digit: (v - '0') <= 9 unsigned
    __m256i d =
        _mm256_cmpeq_epi8(_mm256_subs_epu8(_mm256_sub_epi8(v, zero_offset), nine), _mm256_setzero_si256());
    __m256i is_dot = _mm256_cmpeq_epi8(v, dot);
    __m256i sep =
        _mm256_or_si256(is_dot, _mm256_or_si256(_mm256_cmpeq_epi8(v, space), _mm256_cmpeq_epi8(v, dash)));
    const int shift = 32 * half;
    out.digit |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(d))} << shift;
    out.dot |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(is_dot))} << shift;
    out.sep |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(sep))} << shift;
  }
  return out;
}

// Trigger positions (IsTrigger) of the blocks p[64k, 64k + 64) for k < blocks, as one mask per block.
// Reads p[0, 64 * blocks + 64).
__attribute__((target("avx2"))) void TriggerMasksAvx2(const char* p, std::size_t blocks, std::uint64_t* out) {
  TriggerClasses cur = ClassifyAvx2(p);
  for (std::size_t k = 0; k < blocks; ++k) {
    const TriggerClasses next = ClassifyAvx2(p + 64 * (k + 1));
    // Bit j of at(m, n, s): the class bit of byte j + s (m: this block, n: the next one).
    auto at = [](std::uint64_t m, std::uint64_t n, int s) { return (m >> s) | (n << (64 - s)); };
    const std::uint64_t d = cur.digit;
    const std::uint64_t d1 = at(cur.digit, next.digit, 1), d2 = at(cur.digit, next.digit, 2);
    const std::uint64_t d3 = at(cur.digit, next.digit, 3), d4 = at(cur.digit, next.digit, 4);
    const std::uint64_t dot1 = at(cur.dot, next.dot, 1), sep2 = at(cur.sep, next.sep, 2);
    out[k] = (d & d2 & (d1 | dot1)) | (d & d1 & sep2 & d3 & d4);
    cur = next;
  }
}
#endif

// Calls on_trigger(pos) for trigger positions in increasing order; on_trigger returns the first
// position it still wants to hear about (triggers before it are skipped). `simd` false: the plain
// C++ loop only (the reference the vector paths are tested against).
template <typename OnTrigger>
void ForEachTrigger(const char* data, std::size_t size, bool simd, OnTrigger&& on_trigger) {
  if (size < 3) return;
  std::size_t i = 0;
  std::size_t wanted = 0;
#if defined(__x86_64__)
  if (simd && HasAvx2()) {
    constexpr std::size_t kBatch = 64;  // blocks of 64 bytes per call
    std::uint64_t masks[kBatch];
    while (i + 128 <= size) {
      const std::size_t blocks = std::min(kBatch, (size - i) / 64 - 1);
      TriggerMasksAvx2(data + i, blocks, masks);
      for (std::size_t k = 0; k < blocks; ++k) {
        const std::size_t base = i + 64 * k;
        std::uint64_t mask = masks[k];
        while (mask != 0) {
          if (wanted > base) {
            if (wanted >= base + 64) break;
            mask &= ~std::uint64_t{0} << (wanted - base);
            if (mask == 0) break;
          }
          const std::size_t pos = base + static_cast<std::size_t>(__builtin_ctzll(mask));
          mask &= mask - 1;
          wanted = on_trigger(pos);
        }
      }
      i += 64 * blocks;
    }
  }
#endif
#if defined(__SSE2__)
  if (simd) {
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
      if (i + 16 <= wanted) continue;
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
        if (pos < wanted) continue;
        wanted = on_trigger(pos);
      }
    }
  }
#endif
  for (i = std::max(i, wanted); i + 3 <= size; ++i) {
    bool trigger = i + 5 <= size ? IsTrigger(data + i)
                                 : IsDigit(data[i]) && IsDigit(data[i + 2]) &&
                                       (IsDigit(data[i + 1]) || data[i + 1] == '.');
    if (trigger && i >= wanted) wanted = on_trigger(i);
  }
}

// One alphanumeric group [begin, end) of a chain.
struct Group {
  std::size_t begin, end;
  std::size_t digits;
};

class ChainBuilder {
 public:
  ChainBuilder(const char* data, std::size_t size, const NumericTokenRules& rules, bool packed_counts)
      : data_(data), size_(size), rules_(rules), packed_counts_(packed_counts) {}

  // The chain around the digit at `pos`, not reaching before `floor`. A group longer than max_group
  // is clipped to max_group bytes next to the chain (or around `pos`) and ends the chain there.
  void Build(std::size_t pos, std::size_t floor) {
    groups_.clear();
    const std::size_t max_group = rules_.max_group;
    std::size_t gb = pos, ge = pos;
    while (gb > floor && IsAlnum(data_[gb - 1]) && pos - gb < max_group) --gb;
    while (ge < size_ && IsAlnum(data_[ge]) && ge - pos < max_group) ++ge;
    const bool clipped_left = gb > floor && IsAlnum(data_[gb - 1]);
    const bool clipped_right = ge < size_ && IsAlnum(data_[ge]);
    // Left: groups before, nearest first.
    std::size_t left = gb;
    while (!clipped_left) {
      std::size_t s = left;
      while (s > floor && left - s < 2 && IsTokenSep(data_[s - 1])) --s;
      if (s == left || s == floor || !IsAlnum(data_[s - 1])) break;  // no separator, or three
      std::size_t b = s;
      while (b > floor && IsAlnum(data_[b - 1]) && s - b < max_group) --b;
      const std::size_t digits = Digits(b, s);
      if (!LettersOk(b, s, digits)) break;
      left_.push_back({b, s, digits});
      left = b;
      if (b > floor && IsAlnum(data_[b - 1])) break;  // clipped
    }
    for (auto it = left_.rbegin(); it != left_.rend(); ++it) groups_.push_back(*it);
    left_.clear();
    groups_.push_back({gb, ge, Digits(gb, ge)});
    // Right.
    std::size_t right = ge;
    while (!clipped_right) {
      std::size_t s = right;
      while (s < size_ && s - right < 2 && IsTokenSep(data_[s])) ++s;
      if (s == right || s == size_ || !IsAlnum(data_[s])) break;
      std::size_t e = s;
      while (e < size_ && IsAlnum(data_[e]) && e - s < max_group) ++e;
      const std::size_t digits = Digits(s, e);
      if (!LettersOk(s, e, digits)) break;
      groups_.push_back({s, e, digits});
      right = e;
      if (e < size_ && IsAlnum(data_[e])) break;  // clipped
    }
    // Leading '(' or '+': "(021) 555-0100", "+(62)".
    begin_ = groups_.front().begin;
    while (begin_ > floor && groups_.front().begin - begin_ < 2 &&
           (data_[begin_ - 1] == '(' || data_[begin_ - 1] == '+'))
      --begin_;
    end_ = groups_.back().end;
  }

  // Emits the chain as tokens of at most max_length bytes overlapping by `overlap`.
  void Emit(std::vector<NumericToken>& out) const {
    const std::size_t step = rules_.max_length > rules_.overlap ? rules_.max_length - rules_.overlap : 1;
    for (std::size_t b = begin_;; b += step) {
      std::size_t e = std::min(end_, b + rules_.max_length);
      NumericToken t{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e), 0, 0, {}, 0, 0, 0, 0, 0};
      if (packed_counts_ && e - b <= 255) {
        // Byte counters packed in two words (no count can pass 255 here, so none saturates).
        std::uint64_t lo = 0, hi = 0;
        for (std::size_t i = b; i < e; ++i) {
          const auto c = static_cast<unsigned char>(data_[i]);
          lo += kCountLo[c];
          hi += kCountHi[c];
        }
        t.upper = static_cast<std::uint16_t>(lo & 0xFF);
        t.lower = static_cast<std::uint16_t>((lo >> 8) & 0xFF);
        for (std::size_t k = 0; k + 1 < t.separators.size(); ++k)
          t.separators[k] =
              static_cast<std::uint8_t>((k < 6 ? lo >> (16 + 8 * k) : hi >> (8 * (k - 6))) & 0xFF);
        t.separators.back() = static_cast<std::uint8_t>((hi >> (8 * (t.separators.size() - 1 - 6))) & 0xFF);
      } else {
        for (std::size_t i = b; i < e; ++i) {
          auto c = static_cast<unsigned char>(data_[i]);
          t.upper += static_cast<std::uint16_t>(static_cast<unsigned char>(c - 'A') < 26);
          t.lower += static_cast<std::uint16_t>(static_cast<unsigned char>(c - 'a') < 26);
          std::size_t k = kSeparatorIndex[c];
          if (k == 0) continue;
          if (t.separators[k - 1] < 255) ++t.separators[k - 1];
          if (t.separators.back() < 255) ++t.separators.back();
        }
      }
      std::size_t run = 0;
      for (const Group& g : groups_) {
        if (g.end <= b || g.begin >= e) continue;
        const std::size_t gb = std::max(g.begin, b), ge = std::min(g.end, e);
        std::size_t d = g.begin >= b && g.end <= e ? g.digits : Digits(gb, ge);
        // Digit runs stay inside a group (separators and letters end them).
        if (d > t.digit_run) {
          const std::size_t longest = d == ge - gb ? d : LongestDigitRun(gb, ge);
          t.digit_run = static_cast<std::uint16_t>(
              std::min<std::size_t>(65535, std::max<std::size_t>(t.digit_run, longest)));
        }
        if (d == ge - gb) t.digit_runs |= std::uint64_t{1} << std::min<std::size_t>(d, 63);
        if (g.begin >= b && g.end <= e)
          t.groups |= std::uint64_t{1} << std::min<std::size_t>(g.end - g.begin, 63);
        t.digits = static_cast<std::uint16_t>(std::min<std::size_t>(65535, t.digits + d));
        run = d == 0 ? 0 : run + d;
        t.chain_digits =
            std::max(t.chain_digits, static_cast<std::uint16_t>(std::min<std::size_t>(65535, run)));
      }
      out.push_back(t);
      if (e == end_) break;
    }
  }
  std::size_t end() const { return end_; }

 private:
  std::size_t Digits(std::size_t b, std::size_t e) const {
    std::size_t n = 0;
    for (std::size_t i = b; i < e; ++i) n += IsDigit(data_[i]) ? 1 : 0;
    return n;
  }
  std::size_t LongestDigitRun(std::size_t b, std::size_t e) const {
    std::size_t best = 0, run = 0;
    for (std::size_t i = b; i < e; ++i) {
      run = IsDigit(data_[i]) ? run + 1 : 0;
      best = std::max(best, run);
    }
    return best;
  }
  // A group of letters only is part of a chain when it is short ("WEST" in a grouped IBAN).
  bool LettersOk(std::size_t b, std::size_t e, std::size_t digits) const {
    return e - b <= rules_.max_letter_group || digits > 0;
  }

  const char* data_;
  std::size_t size_;
  const NumericTokenRules& rules_;
  const bool packed_counts_;  // false: count byte by byte (the reference)
  std::vector<Group> groups_, left_;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace

namespace {

void NumericTokens(const char* data, std::size_t size, const NumericTokenRules& rules, bool simd,
                   std::vector<NumericToken>& out) {
  ChainBuilder chain(data, size, rules, simd);
  std::size_t floor = 0;  // end of the previous chain: chains never overlap
  ForEachTrigger(data, size, simd, [&](std::size_t pos) -> std::size_t {
    chain.Build(pos, floor);
    chain.Emit(out);
    floor = chain.end();
    return floor;
  });
}

}  // namespace

void FindNumericTokens(const char* data, std::size_t size, const NumericTokenRules& rules,
                       std::vector<NumericToken>& out) {
  NumericTokens(data, size, rules, true, out);
}

void FindNumericTokensScalar(const char* data, std::size_t size, const NumericTokenRules& rules,
                             std::vector<NumericToken>& out) {
  NumericTokens(data, size, rules, false, out);
}

namespace {

#if defined(__x86_64__)
// CountNewlines' AVX2 loop: per-byte counters over up to 255 blocks of 32 bytes, summed with psadbw.
// Returns the newlines in data[0, i) and sets i to where it stopped (a multiple of 32).
__attribute__((target("avx2"))) std::size_t CountNewlinesAvx2(const char* data, std::size_t size,
                                                              std::size_t& i) {
  const __m256i nl = _mm256_set1_epi8('\n');
  const __m256i zero = _mm256_setzero_si256();
  __m256i total = zero;
  i = 0;
  while (i + 32 <= size) {
    __m256i acc = zero;
    const std::size_t n = std::min<std::size_t>(255, (size - i) / 32);
    for (std::size_t k = 0; k < n; ++k, i += 32) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
      acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v, nl));
    }
    total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
  }
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
  return static_cast<std::size_t>(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
}
#endif

}  // namespace

std::size_t CountNewlines(const char* data, std::size_t size) {
  std::size_t count = 0;
  std::size_t i = 0;
#if defined(__x86_64__)
  if (size >= 64 && HasAvx2()) count = CountNewlinesAvx2(data, size, i);
#endif
#if defined(__SSE2__)
  // Per-byte counters (cmpeq gives -1 per newline), summed with psadbw before they can overflow.
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (i + 16 <= size) {
    __m128i acc = zero;
    std::size_t n = std::min<std::size_t>(255, (size - i) / 16);
    for (std::size_t k = 0; k < n; ++k, i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < size; ++i) count += data[i] == '\n' ? 1 : 0;
  return count;
}

namespace {

inline void AppendBits(std::uint64_t mask, std::size_t base, std::vector<std::uint32_t>& out) {
  while (mask != 0) {
    out.push_back(static_cast<std::uint32_t>(base + static_cast<std::size_t>(__builtin_ctzll(mask))));
    mask &= mask - 1;
  }
}

// Scalar (and SSE2) search from `i` on.
void FindByteFrom(const char* data, std::size_t size, std::size_t i, char c,
                  std::vector<std::uint32_t>& out) {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  for (; i + 16 <= size; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    AppendBits(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle))), i, out);
  }
#endif
  for (; i < size; ++i)
    if (data[i] == c) out.push_back(static_cast<std::uint32_t>(i));
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void FindByteAvx2(const char* data, std::size_t size, char c,
                                                  std::vector<std::uint32_t>& out) {
  const __m256i needle = _mm256_set1_epi8(c);
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 32));
    auto lo = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, needle)));
    auto hi = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, needle)));
    AppendBits(std::uint64_t{lo} | (std::uint64_t{hi} << 32), i, out);
  }
  FindByteFrom(data, size, i, c, out);
}
#endif

}  // namespace

void FindByte(const char* data, std::size_t size, char c, std::vector<std::uint32_t>& out) {
#if defined(__x86_64__)
  if (HasAvx2()) {
    FindByteAvx2(data, size, c, out);
    return;
  }
#endif
  FindByteFrom(data, size, 0, c, out);
}

}  // namespace leakguard::detect
