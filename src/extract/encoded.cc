// Encoded runs inside text (encoded.h).

#include "extract/encoded.h"

#include "core/cpu.h"
#include "core/utf8.h"

#include <algorithm>
#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "extract/text.h"

namespace leakguard::extract {
namespace {

enum : std::uint8_t {
  kB64 = 1,    // base64 alphabet (standard and URL-safe, '=' padding)
  kHex = 2,    // hex digit
  kUpper = 4,  // character classes seen in a run
  kLower = 8,
  kDigit = 16,
  kBreak = 32,   // ends a percent/entity token: whitespace, quotes, angle brackets
  kNonHex = 64,  // base64 alphabet but not a hex digit
};

constexpr std::array<std::uint8_t, 256> MakeClasses() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kB64 | kUpper | kNonHex;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kB64 | kLower | kNonHex;
  for (int c = '0'; c <= '9'; ++c) t[c] = kB64 | kDigit | kHex;
  for (int c = 'a'; c <= 'f'; ++c) t[c] = kB64 | kLower | kHex;
  for (int c = 'A'; c <= 'F'; ++c) t[c] = kB64 | kUpper | kHex;
  t['+'] = t['/'] = t['='] = t['-'] = t['_'] = kB64 | kNonHex;
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v', '"', '\'', '<', '>', '`', '(', ')', ',', ';'})
    t[c] |= kBreak;
  return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = MakeClasses();

#if defined(__x86_64__)
// Whether the 64-bit mask holds `k` (1..64) consecutive ones.
inline bool HasRun(std::uint64_t mask, std::size_t k) {
  std::uint64_t r = mask;
  for (std::size_t have = 1; have < k && r != 0;) {
    const std::size_t s = std::min(have, k - have);
    r &= r >> s;
    have += s;
  }
  return r != 0;
}

// Bit i: p[i] is in the base64 alphabet (kB64), for 32 bytes. A byte's high and low nibbles each
// look up a set of bits (vpshufb); it is in the alphabet when the two sets meet. Bit 0: "+-/" (high
// nibble 2), bit 1: "0-9=" (3), bit 2: "A-O" and "a-o" (4, 6), bit 3: "P-Z_" (5), bit 4: "p-z" (7);
// bytes from 0x80 up have no high-nibble bits.
__attribute__((target("avx2"))) inline std::uint32_t AlphabetMask(const unsigned char* p) {
  constexpr char k2 = 1, k3 = 2, k46 = 4, k5 = 8, k7 = 16;
  const __m256i high_sets =
      _mm256_setr_epi8(0, 0, k2, k3, k46, k5, k46, k7, 0, 0, 0, 0, 0, 0, 0, 0,  // the two 128-bit lanes
                       0, 0, k2, k3, k46, k5, k46, k7, 0, 0, 0, 0, 0, 0, 0, 0);
  constexpr char kDigitRow = k3 | k46 | k5 | k7;  // low nibbles 1-9
  const __m256i low_sets = _mm256_setr_epi8(
      k3 | k5 | k7, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow,
      kDigitRow, k46 | k5 | k7, k2 | k46, k46, k2 | k3 | k46, k46, k2 | k46 | k5,  //
      k3 | k5 | k7, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow, kDigitRow,
      kDigitRow, k46 | k5 | k7, k2 | k46, k46, k2 | k3 | k46, k46, k2 | k46 | k5);
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i high = _mm256_shuffle_epi8(high_sets, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  const __m256i low = _mm256_shuffle_epi8(low_sets, _mm256_and_si256(v, nibble));
  const __m256i outside = _mm256_cmpeq_epi8(_mm256_and_si256(high, low), _mm256_setzero_si256());
  return ~static_cast<std::uint32_t>(_mm256_movemask_epi8(outside));
}

// SkipToStretch's block loop, 64 bytes a step: from j, the first block where a stretch of
// min_stretch alphabet bytes may end, with `consecutive` the alphabet bytes just before it.
__attribute__((target("avx2"))) std::size_t SkipBlocksAvx2(const unsigned char* p, std::size_t n,
                                                           std::size_t j, std::size_t& consecutive,
                                                           std::size_t min_stretch) {
  for (; j + 64 <= n; j += 64) {
    const std::uint64_t mask =
        std::uint64_t{AlphabetMask(p + j)} | (std::uint64_t{AlphabetMask(p + j + 32)} << 32);
    if (mask == ~std::uint64_t{0}) {
      consecutive += 64;
    } else {
      const auto lead = static_cast<std::size_t>(__builtin_ctzll(~mask));  // leading alphabet bytes
      if (consecutive + lead >= min_stretch) break;
      if (min_stretch <= 64 && HasRun(mask, min_stretch)) break;
      consecutive = static_cast<std::size_t>(__builtin_clzll(~mask));  // trailing alphabet bytes
    }
    if (consecutive >= min_stretch) break;
  }
  return j;
}
#endif

constexpr std::size_t kMinHexRun = 32;
constexpr std::size_t kMinEscapes = 3;
constexpr std::size_t kMaxToken = 64 << 10;
constexpr std::size_t kWrapLine = 40;  // a base64 line at least this long may continue on the next

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string DecodeBase64Lenient(std::string_view in) {
  // Base64Value as a table (-1: skipped, -2: '=' ends the data), output written in place.
  static constexpr auto kValue = [] {
    std::array<std::int8_t, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = static_cast<std::int8_t>(Base64Value(static_cast<unsigned char>(c)));
    t['='] = -2;
    return t;
  }();
  std::string out(in.size() / 4 * 3 + 3, '\0');
  char* o = out.data();
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    const int v = kValue[c];
    if (v < 0) {
      if (v == -2) break;
      continue;  // line breaks
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string DecodeHex(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 2);
  for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
    int hi = HexValue(static_cast<unsigned char>(in[i]));
    int lo = HexValue(static_cast<unsigned char>(in[i + 1]));
    if (hi < 0 || lo < 0) break;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string DecodePercent(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(static_cast<unsigned char>(in[i + 1]));
      int lo = HexValue(static_cast<unsigned char>(in[i + 2]));
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi << 4 | lo);
        i += 2;
        continue;
      }
    }
    out += in[i] == '+' ? ' ' : in[i];
  }
  return out;
}

std::string DecodeEntities(std::string_view in) {
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"},  {"lt", "<"},     {"gt", ">"},     {"quot", "\""}, {"apos", "'"},
      {"nbsp", " "}, {"at", "@"},     {"period", "."}, {"colon", ":"}, {"commat", "@"},
      {"dash", "-"}, {"hyphen", "-"}, {"sol", "/"},    {"num", "#"},   {"plus", "+"}};
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out += in[i];
      continue;
    }
    std::size_t semi = in.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += in[i];
      continue;
    }
    std::string_view name = in.substr(i + 1, semi - i - 1);
    bool done = false;
    if (name.size() >= 2 && name[0] == '#') {
      std::uint32_t cp = 0;
      bool hex = name[1] == 'x' || name[1] == 'X';
      std::string_view digits = name.substr(hex ? 2 : 1);
      bool ok = !digits.empty() && digits.size() <= 8;
      for (unsigned char c : digits) {
        int v = hex ? HexValue(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (v < 0) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      }
      if (ok) {
        AppendUtf8(out, cp);
        done = true;
      }
    } else {
      for (const auto& [n, v] : kNamed) {
        if (n == name) {
          out += v;
          done = true;
          break;
        }
      }
    }
    if (done) {
      i = semi;
    } else {
      out += in[i];
    }
  }
  return out;
}

bool LooksInspectable(std::string_view b) {
  if (b.size() < 6) return false;
  static constexpr std::string_view kMagic[] = {std::string_view("PK\x03\x04", 4),
                                                std::string_view("\x1f\x8b", 2),
                                                std::string_view("BZh", 3),
                                                std::string_view("\xfd"
                                                                 "7zXZ",
                                                                 5),
                                                std::string_view("7z\xbc\xaf", 4),
                                                std::string_view("%PDF", 4),
                                                std::string_view("\xd0\xcf\x11\xe0", 4),
                                                std::string_view("{\\rtf", 5),
                                                std::string_view("\x28\xb5\x2f\xfd", 4)};
  for (std::string_view m : kMagic)
    if (b.starts_with(m)) return true;
  std::string_view sample = b.substr(0, 4096);
  if (!IsValidUtf8(sample, b.size() <= 4096)) return false;
  std::size_t printable = 0;
  for (unsigned char c : sample) printable += (c >= 0x20 && c != 0x7F) || c == '\n' || c == '\r' || c == '\t';
  return printable * 10 >= sample.size() * 9;
}

EncodedRunFinder::EncodedRunFinder(const Limits& limits, OnRun on_run)
    : limits_(limits),
      on_run_(std::move(on_run)),
      cap_(std::min<std::size_t>(limits.max_buffered_bytes, std::size_t{16} << 20)),
      min_stretch_(std::max<std::size_t>(1, std::min({limits.min_base64_run, kMinHexRun, kWrapLine}))) {}

void EncodedRunFinder::Emit(std::string_view kind, std::uint64_t offset, std::string decoded,
                            bool truncated) {
  if (limit_hit_) return;
  if (!LooksInspectable(decoded)) return;
  pending_.push_back({kind, offset, std::move(decoded), truncated});
}

void EncodedRunFinder::Flush() {
  // Runs and tokens are found by two scanners; report them in the order they occur in the text.
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const Pending& a, const Pending& b) { return a.offset < b.offset; });
  for (Pending& p : pending_) {
    if (limit_hit_) break;
    // The allowance grows with the text: max_decoded_runs per 16 MiB, so a large log or mail archive
    // with many small runs is not cut short, while a small part full of runs still is.
    const std::uint64_t allowance = limits_.max_decoded_runs * (1 + p.offset / (std::uint64_t{16} << 20));
    if (runs_ >= allowance) {
      limit_hit_ = true;
      on_run_(EncodedRun{"limit", p.offset, {}, true});
      break;
    }
    ++runs_;
    on_run_(EncodedRun{p.kind, p.offset, std::move(p.decoded), p.truncated});
  }
  pending_.clear();
}

void EncodedRunFinder::EndRun(std::string_view chunk, std::size_t end) {
  in_run_ = false;
  const bool hex = (run_classes_ & kNonHex) == 0 && run_len_ >= kMinHexRun && run_len_ % 2 == 0;
  if (run_len_ < limits_.min_base64_run && !hex) return;
  std::string_view run;
  if (run_spilled_) {
    if (run_buf_.size() < cap_) run_buf_.append(chunk.substr(0, std::min(end, cap_ - run_buf_.size())));
    run = run_buf_;
  } else {
    run = chunk.substr(run_begin_, end - run_begin_);
  }
  const bool truncated = run_len_ > run.size();
  if (hex) {
    // Only hex digits: "deadbeef…" (a hash or a hex dump). Case must be consistent.
    bool upper = run_classes_ & kUpper, lower = run_classes_ & kLower;
    std::string stripped;
    for (char c : run)
      if (c != '\n' && c != '\r') stripped += c;
    if (!(upper && lower)) Emit("hex", run_start_, DecodeHex(stripped), truncated);
    return;
  }
  // base64 of text mixes classes; long identifiers ("this_is_a_name") do not.
  int classes =
      ((run_classes_ & kUpper) != 0) + ((run_classes_ & kLower) != 0) + ((run_classes_ & kDigit) != 0);
  if (classes < 2) return;
  Emit("base64", run_start_, DecodeBase64Lenient(run), truncated);
}

void EncodedRunFinder::EndToken(std::string_view chunk, std::size_t end) {
  in_token_ = false;
  if (token_pct_ < kMinEscapes && token_amp_ < kMinEscapes) return;
  if (token_len_ > kMaxToken) return;
  std::string_view token = token_spilled_ ? std::string_view(token_buf_.append(chunk.substr(0, end)))
                                          : chunk.substr(token_begin_, end - token_begin_);
  if (token_pct_ >= kMinEscapes) {
    std::string decoded = DecodePercent(token);
    if (decoded.size() + token_pct_ * 2 <= token.size())
      Emit("percent", token_start_, std::move(decoded), false);
  }
  if (token_amp_ >= kMinEscapes) {
    std::string decoded = DecodeEntities(token);
    if (decoded.size() < token.size()) Emit("entities", token_start_, std::move(decoded), false);
  }
}

// One byte of the run scanner (the reference behaviour; SkipToStretch only jumps over bytes where it
// would do nothing).
void EncodedRunFinder::StepRun(std::string_view chunk, std::size_t i) {
  const auto c = static_cast<unsigned char>(chunk[i]);
  const std::uint8_t cls = kClasses[c];
  if (cls & kB64) {
    if (!in_run_) {
      in_run_ = true;
      run_start_ = base_ + i;
      run_begin_ = i;
      run_len_ = 0;
      line_len_ = 0;
      run_classes_ = 0;
      run_spilled_ = false;
      run_buf_.clear();
    }
    ++run_len_;
    ++line_len_;
    run_classes_ |= cls;
    newline_ok_ = false;
  } else if (in_run_) {
    if ((c == '\n' || c == '\r') && (line_len_ >= kWrapLine || newline_ok_)) {
      newline_ok_ = true;
      line_len_ = 0;
    } else {
      EndRun(chunk, i);
    }
  }
}

void EncodedRunFinder::StepToken(std::string_view chunk, std::size_t i) {
  const auto c = static_cast<unsigned char>(chunk[i]);
  if (kClasses[c] & kBreak) {
    if (in_token_) EndToken(chunk, i);
    return;
  }
  if (!in_token_) {
    in_token_ = true;
    token_start_ = base_ + i;
    token_begin_ = i;
    token_len_ = 0;
    token_pct_ = token_amp_ = 0;
    token_spilled_ = false;
    token_buf_.clear();
  }
  ++token_len_;
  token_pct_ += c == '%';
  token_amp_ += c == '&';
}

bool EncodedRunFinder::MayHoldRun(std::string_view text) const {
  std::size_t pct = 0, amp = 0;
  for (const char c : text) {
    pct += c == '%';
    amp += c == '&';
  }
  if (pct >= kMinEscapes || amp >= kMinEscapes) return true;
  return SkipToStretch(text, 0) < text.size();
}

// Outside a run at `i`: the start of the first maximal run from `i` on that holds min_stretch_
// consecutive alphabet bytes, or the chunk size. Shorter runs before it would end without a report
// (they are shorter than every minimum and, holding no line of kWrapLine bytes, cannot continue over
// a line break).
std::size_t EncodedRunFinder::SkipToStretch(std::string_view chunk, std::size_t i) const {
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::size_t n = chunk.size();
  std::size_t consecutive = 0;  // alphabet bytes just before j
  std::size_t j = i;
#if defined(__x86_64__)
  if (HasAvx2()) j = SkipBlocksAvx2(p, n, j, consecutive, min_stretch_);
#endif
#if defined(__SSE2__)
  // 16 bytes at a time while no stretch can end in the block: alphabet masks by range compares.
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  auto in_range = [&](__m128i v, char lo, char hi) {  // unsigned lo <= v <= hi
    __m128i x = _mm_xor_si128(v, bias);
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>((lo - 1) ^ 0x80))),
                         _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>((hi + 1) ^ 0x80))));
  };
  for (; j + 16 <= n; j += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j));
    __m128i m =
        _mm_or_si128(_mm_or_si128(in_range(v, 'A', 'Z'), in_range(v, 'a', 'z')), in_range(v, '0', '9'));
    for (char extra : {'+', '/', '=', '-', '_'}) m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(extra)));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(m));
    if (mask == 0xFFFF) {
      consecutive += 16;
    } else {
      // The longest run in the block is below 16; one ending here needs the carried-in bytes.
      unsigned lead = static_cast<unsigned>(__builtin_ctz(~mask & 0x1FFFFu));  // leading alphabet bytes
      if (consecutive + lead >= min_stretch_) break;
      if (min_stretch_ <= 16) {
        unsigned r = mask;  // bits where a run of min_stretch_ starts, inside the block
        for (std::size_t k = 1; k < min_stretch_ && r != 0; ++k) r &= mask >> k;
        if (r != 0) break;
      }
      consecutive = static_cast<std::size_t>(__builtin_clz((~mask << 16) | 0x8000u));  // trailing ones
      consecutive = consecutive > 16 ? 16 : consecutive;
    }
    if (consecutive >= min_stretch_) break;
  }
  // Rescan the carried bytes exactly below (never before i: with the block that completed `consecutive`
  // not yet stepped over, j - consecutive may lie before i, and an earlier run must not be found again).
  j = j >= i + consecutive ? j - consecutive : i;
  consecutive = 0;
#endif
  for (; j < n; ++j) {
    if (kClasses[p[j]] & kB64) {
      if (++consecutive >= min_stretch_) break;
    } else {
      consecutive = 0;
    }
  }
  if (j >= n) {
    // No stretch: the tail run (if any) may continue into the next chunk; start it exactly.
    std::size_t s = n;
    while (s > i && (kClasses[p[s - 1]] & kB64)) --s;
    return s;
  }
  std::size_t s = j + 1 - consecutive;
  while (s > i && (kClasses[p[s - 1]] & kB64)) --s;
  return s;
}

// Outside a token at `i`: the start of the first token from `i` on that holds a '%' or '&', or the
// start of the chunk's last token (which may continue), or the chunk size.
std::size_t EncodedRunFinder::SkipToEscape(std::string_view chunk, std::size_t i) const {
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::size_t n = chunk.size();
  std::size_t j = i;
#if defined(__SSE2__)
  const __m128i pct = _mm_set1_epi8('%'), amp = _mm_set1_epi8('&');
  for (; j + 16 <= n; j += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, amp))) != 0) break;
  }
#endif
  while (j < n && p[j] != '%' && p[j] != '&') ++j;
  if (j >= n) j = n;
  // Back to the start of the token holding j (or of the last token of the chunk).
  std::size_t s = j;
  while (s > i && !(kClasses[p[s - 1]] & kBreak)) --s;
  return s;
}

void EncodedRunFinder::FeedRuns(std::string_view chunk) {
  const std::size_t n = chunk.size();
  std::size_t i = 0;
  while (i < n && !limit_hit_) {
    if (!in_run_) {
      i = SkipToStretch(chunk, i);
      if (i >= n) break;
    }
    // Exactly, byte by byte, until the run ends (or the chunk does); the alphabet bytes inside a run
    // all do the same (StepRun), so they are counted together.
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    do {
      if (in_run_) {
        std::size_t j = i;
        std::uint8_t classes = 0;
        while (j < n && (kClasses[p[j]] & kB64)) classes |= kClasses[p[j++]];
        if (j > i) {
          run_len_ += j - i;
          line_len_ += j - i;
          run_classes_ |= classes;
          newline_ok_ = false;
          i = j;
          continue;
        }
      }
      StepRun(chunk, i++);
    } while (i < n && in_run_);
  }
  // A run still open continues in the next chunk: keep its bytes (bounded).
  if (in_run_) {
    std::string_view tail = run_spilled_ ? chunk : chunk.substr(run_begin_);
    if (run_buf_.size() < cap_) run_buf_.append(tail.substr(0, cap_ - run_buf_.size()));
    run_spilled_ = true;
  }
}

void EncodedRunFinder::FeedTokens(std::string_view chunk) {
  const std::size_t n = chunk.size();
  std::size_t i = 0;
  while (i < n && !limit_hit_) {
    if (!in_token_) {
      // Tokens without '%' or '&' end without a report: jump to the next that has one.
      std::size_t s = SkipToEscape(chunk, i);
      // Between i and s only token ends matter, and they report nothing.
      i = s;
      if (i >= n) break;
    }
    do {
      StepToken(chunk, i++);
    } while (i < n && in_token_);
  }
  if (in_token_ && (token_pct_ >= kMinEscapes || token_amp_ >= kMinEscapes || token_len_ < kMaxToken)) {
    std::string_view tail = token_spilled_ ? chunk : chunk.substr(token_begin_);
    if (token_buf_.size() + tail.size() <= kMaxToken) token_buf_.append(tail);
    token_spilled_ = true;
  }
}

void EncodedRunFinder::Feed(std::string_view chunk) {
  if (!limit_hit_) {
    FeedRuns(chunk);
    FeedTokens(chunk);
    Flush();
  }
  base_ += chunk.size();
}

void EncodedRunFinder::Finish() {
  if (limit_hit_) return;
  if (in_run_) EndRun({}, 0);
  if (in_token_) EndToken({}, 0);
  Flush();
}

}  // namespace leakguard::extract
