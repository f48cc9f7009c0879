// Encoded runs inside text (encoded.h).

#include "extract/encoded.h"

#include <algorithm>
#include <array>

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

int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string DecodeBase64Lenient(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    if (c == '=') break;
    int v = Base64Value(c);
    if (v < 0) continue;  // line breaks
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
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
      cap_(std::min<std::size_t>(limits.max_buffered_bytes, std::size_t{16} << 20)) {}

void EncodedRunFinder::Emit(std::string_view kind, std::uint64_t offset, std::string decoded,
                            bool truncated) {
  if (limit_hit_) return;
  if (!LooksInspectable(decoded)) return;
  if (runs_ >= limits_.max_decoded_runs) {
    limit_hit_ = true;
    on_run_(EncodedRun{"limit", offset, {}, true});
    return;
  }
  ++runs_;
  on_run_(EncodedRun{kind, offset, std::move(decoded), truncated});
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

void EncodedRunFinder::Feed(std::string_view chunk) {
  if (limit_hit_) {
    base_ += chunk.size();
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::size_t n = chunk.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    const std::uint8_t cls = kClasses[c];
    // base64 / hex runs
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
    // percent / entity tokens
    if (cls & kBreak) {
      if (in_token_) EndToken(chunk, i);
    } else {
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
    if (limit_hit_) break;
  }
  // Runs and tokens still open continue in the next chunk: keep their bytes (bounded).
  if (in_run_) {
    std::string_view tail = run_spilled_ ? chunk : chunk.substr(run_begin_);
    if (run_buf_.size() < cap_) run_buf_.append(tail.substr(0, cap_ - run_buf_.size()));
    run_spilled_ = true;
  }
  if (in_token_ && (token_pct_ >= kMinEscapes || token_amp_ >= kMinEscapes || token_len_ < kMaxToken)) {
    std::string_view tail = token_spilled_ ? chunk : chunk.substr(token_begin_);
    if (token_buf_.size() + tail.size() <= kMaxToken) token_buf_.append(tail);
    token_spilled_ = true;
  }
  base_ += n;
}

void EncodedRunFinder::Finish() {
  if (limit_hit_) return;
  if (in_run_) EndRun({}, 0);
  if (in_token_) EndToken({}, 0);
}

}  // namespace leakguard::extract
