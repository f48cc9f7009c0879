#include "server/json_reader.h"

#include "core/utf8.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace leakguard::server {
namespace {

// At most this many values in one document. The request schema needs a handful (plus one per entry of
// "types"); the bound keeps a body of "[0,0,0,..." from costing far more memory than its size.
constexpr std::size_t kMaxValues = 100000;

constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

// Nonzero when one of the eight bytes of `w` is not plain: '"', '\\', < 0x20 or >= 0x80.
inline std::uint64_t SpecialBytes(std::uint64_t w) {
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  return (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w) | w) &
         kHighs;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Reader {
 public:
  Reader(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  Result<JsonValue> Parse() {
    JsonValue root;
    if (s_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a UTF-8 byte order mark (RFC 8259 §8.1: may be ignored)
    SkipSpace();
    if (!ParseValue(root, 0)) return Unexpected(std::move(error_));
    SkipSpace();
    if (pos_ != s_.size()) {
      Fail("unexpected data after the JSON value");
      return Unexpected(std::move(error_));
    }
    return root;
  }

 private:
  bool Fail(std::string what, StatusCode code = StatusCode::kParseError) {
    if (pos_ >= s_.size() && code == StatusCode::kParseError && what.starts_with("unexpected character")) {
      what = "unexpected end of input";
    }
    error_ = Status(code, what + " at byte " + std::to_string(pos_));
    return false;
  }

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool Expect(char c, const char* what) {
    if (AtEnd() || Peek() != c)
      return Fail(AtEnd() ? "unexpected end of input" : std::string("expected ") + what);
    ++pos_;
    return true;
  }

  bool ParseValue(JsonValue& v, int depth) {
    if (++values_ > kMaxValues) {
      return Fail("more than " + std::to_string(kMaxValues) + " values", StatusCode::kLimitExceeded);
    }
    if (AtEnd()) return Fail("unexpected end of input");
    switch (Peek()) {
      case '{':
        return ParseObject(v, depth + 1);
      case '[':
        return ParseArray(v, depth + 1);
      case '"':
        v.kind = JsonValue::Kind::kString;
        return ParseString(v.text);
      case 't':
        v.kind = JsonValue::Kind::kBool;
        v.boolean = true;
        return ParseLiteral("true");
      case 'f':
        v.kind = JsonValue::Kind::kBool;
        v.boolean = false;
        return ParseLiteral("false");
      case 'n':
        v.kind = JsonValue::Kind::kNull;
        return ParseLiteral("null");
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) {
          v.kind = JsonValue::Kind::kNumber;
          return ParseNumber(v.text);
        }
        return Fail("unexpected character");
    }
  }

  bool ParseLiteral(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool ParseNumber(std::string& out) {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (Peek() == '-') ++pos_;
    if (AtEnd()) return Fail("unexpected end of input");
    if (Peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return Fail("invalid number");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (digits() == 0) return Fail("invalid number");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (digits() == 0) return Fail("invalid number");
    }
    out.assign(s_.substr(start, pos_ - start));
    // Like most parsers (nlohmann::json included), refuse numbers a double cannot hold.
    double value;
    // libstdc++ 12's from_chars accepts some huge exponents ("88888e9888889", found by the fuzzer) and
    // returns infinity, so the result is checked too.
    if (std::from_chars(out.data(), out.data() + out.size(), value).ec != std::errc() ||
        !std::isfinite(value)) {
      pos_ = start;
      return Fail("number out of range", StatusCode::kLimitExceeded);
    }
    return true;
  }

  bool ParseHex4(std::uint32_t& cp) {
    if (s_.size() - pos_ < 4) {
      pos_ = s_.size();
      return Fail("unexpected end of input");
    }
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(s_[pos_]);
      if (h < 0) return Fail("invalid \\u escape");
      cp = (cp << 4) | static_cast<std::uint32_t>(h);
      ++pos_;
    }
    return true;
  }

  bool ParseEscape(std::string& out) {
    ++pos_;  // the backslash
    if (AtEnd()) return Fail("unexpected end of input");
    const char c = Peek();
    ++pos_;
    switch (c) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        --pos_;
        return Fail("invalid escape");
    }
    std::uint32_t cp;
    if (!ParseHex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (s_.substr(pos_, 2) != "\\u") return Fail("high surrogate not followed by a low surrogate");
      pos_ += 2;
      std::uint32_t low;
      if (!ParseHex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return Fail("high surrogate not followed by a low surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  // One UTF-8 sequence starting at a byte >= 0x80, validated (RFC 3629) and copied.
  bool ParseUtf8(std::string& out) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    const unsigned char c0 = byte(0);
    std::size_t len;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;  // allowed range of the second byte
    if (c0 >= 0xC2 && c0 <= 0xDF) {
      len = 2;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
      len = 3;
      if (c0 == 0xE0) lo = 0xA0;  // no overlong forms
      if (c0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
      len = 4;
      if (c0 == 0xF0) lo = 0x90;
      if (c0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
    } else {
      return Fail("invalid UTF-8");
    }
    if (s_.size() - pos_ < len) return Fail("invalid UTF-8");
    if (byte(1) < lo || byte(1) > hi) return Fail("invalid UTF-8");
    for (std::size_t i = 2; i < len; ++i) {
      if (byte(i) < 0x80 || byte(i) > 0xBF) return Fail("invalid UTF-8");
    }
    out.append(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool ParseString(std::string& out) {
    ++pos_;  // the opening quote
    const char* data = s_.data();
    const std::size_t n = s_.size();
    for (;;) {
      // Copy the run of plain bytes in one go; find its end eight bytes at a time.
      const std::size_t start = pos_;
      while (n - pos_ >= 8) {
        std::uint64_t w;
        std::memcpy(&w, data + pos_, 8);
        if (SpecialBytes(w) != 0) break;
        pos_ += 8;
      }
      while (pos_ < n && kPlain[static_cast<unsigned char>(data[pos_])]) ++pos_;
      out.append(data + start, pos_ - start);
      if (pos_ >= n) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(data[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
      } else if (c < 0x20) {
        return Fail("control character in string");
      } else if (!ParseUtf8(out)) {
        return false;
      }
    }
  }

  bool ParseArray(JsonValue& v, int depth) {
    if (depth > max_depth_) {
      return Fail("nesting deeper than " + std::to_string(max_depth_), StatusCode::kLimitExceeded);
    }
    v.kind = JsonValue::Kind::kArray;
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      v.items.emplace_back();
      if (!ParseValue(v.items.back(), depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input");
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (!Expect(',', "',' or ']'")) return false;
    }
  }

  bool ParseObject(JsonValue& v, int depth) {
    if (depth > max_depth_) {
      return Fail("nesting deeper than " + std::to_string(max_depth_), StatusCode::kLimitExceeded);
    }
    v.kind = JsonValue::Kind::kObject;
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input");
      if (Peek() != '"') return Fail("expected a member name");
      v.members.emplace_back();
      JsonMember& m = v.members.back();
      if (!ParseString(m.name)) return false;
      SkipSpace();
      if (!Expect(':', "':'")) return false;
      SkipSpace();
      if (!ParseValue(m.value, depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input");
      if (Peek() == '}') {
        ++pos_;
        return CheckUniqueNames(v.members);
      }
      if (!Expect(',', "',' or '}'")) return false;
    }
  }

  bool CheckUniqueNames(const std::vector<JsonMember>& members) {
    if (members.size() < 2) return true;
    std::vector<const std::string*> names;
    names.reserve(members.size());
    for (const JsonMember& m : members) names.push_back(&m.name);
    std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    for (std::size_t i = 1; i < names.size(); ++i) {
      if (*names[i] == *names[i - 1]) {
        const std::string& name = *names[i];
        return Fail("repeated member name '" + name.substr(0, 64) + (name.size() > 64 ? "...'" : "'") +
                        " in the object ending",
                    StatusCode::kInvalidArgument);
      }
    }
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int max_depth_;
  std::size_t values_ = 0;
  Status error_;
};

}  // namespace

Result<JsonValue> ParseJson(std::string_view text, int max_depth) { return Reader(text, max_depth).Parse(); }

}  // namespace leakguard::server
