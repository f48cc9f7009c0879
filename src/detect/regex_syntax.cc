#include "detect/regex_syntax.h"

#include <algorithm>
#include <cstdint>

namespace leakguard::detect {

GroupOpen ParseGroupOpen(std::string_view re, std::size_t& pos, bool caseless) {
  using Kind = GroupOpen::Kind;
  if (pos >= re.size() || re[pos] != '?') return {Kind::kGroup, caseless};
  ++pos;
  const char c = pos < re.size() ? re[pos] : '\0';
  if (c == ':' || c == '>' || c == '|') {
    ++pos;
    return {Kind::kGroup, caseless};
  }
  if (c == '=' || c == '!') {
    ++pos;
    return {Kind::kLookaround, caseless};
  }
  if (c == '<' && pos + 1 < re.size() && (re[pos + 1] == '=' || re[pos + 1] == '!')) {
    pos += 2;
    return {Kind::kLookaround, caseless};
  }
  if (c == '<' || c == 'P' || c == '\'') {  // named group
    if (c == 'P') ++pos;
    const char close = pos < re.size() && re[pos] == '\'' ? '\'' : '>';
    const std::size_t end = re.find(close, pos + 1);
    if (end == std::string_view::npos) return {Kind::kError, caseless};
    pos = end + 1;
    return {Kind::kGroup, caseless};
  }
  if (c == '#') {
    const std::size_t end = re.find(')', pos);
    if (end == std::string_view::npos) return {Kind::kError, caseless};
    pos = end + 1;
    return {Kind::kComment, caseless};
  }
  // Inline flags: (?i) (?-i) (?i:…) (?s) (?m) …
  bool on = true, new_caseless = caseless;
  while (pos < re.size() && re[pos] != ')' && re[pos] != ':') {
    const char f = re[pos++];
    if (f == '-') {
      on = false;
    } else if (f == 'i') {
      new_caseless = on;
    } else if (f == 'x' || f == 'J' || f == 'U' || f == 'n') {
      return {Kind::kError, caseless};  // flags that change the syntax or the semantics of quantifiers
    }
  }
  if (pos >= re.size()) return {Kind::kError, caseless};
  if (re[pos++] == ')') return {Kind::kFlags, new_caseless};
  return {Kind::kGroup, new_caseless};
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::size_t ReadCount(std::string_view re, std::size_t& pos) {
  std::size_t n = 0;
  while (pos < re.size() && IsDigit(re[pos])) n = std::min<std::size_t>(n * 10 + (re[pos++] - '0'), 100000);
  return n;
}

}  // namespace

bool ParseQuantifier(std::string_view re, std::size_t& pos, std::size_t& min, std::size_t& max) {
  if (pos >= re.size()) return false;
  std::size_t p = pos;
  const char c = re[p];
  if (c == '*' || c == '+' || c == '?') {
    ++p;
    min = c == '+' ? 1 : 0;
    max = c == '?' ? 1 : SIZE_MAX;
  } else if (c == '{') {
    ++p;
    if (p >= re.size() || !IsDigit(re[p])) return false;
    min = max = ReadCount(re, p);
    if (p < re.size() && re[p] == ',') {
      ++p;
      max = p < re.size() && IsDigit(re[p]) ? ReadCount(re, p) : SIZE_MAX;
    }
    if (p >= re.size() || re[p] != '}') return false;
    ++p;
  } else {
    return false;
  }
  if (p < re.size() && (re[p] == '?' || re[p] == '+')) ++p;  // lazy / possessive
  pos = p;
  return true;
}

std::optional<unsigned char> ParseHexEscape(std::string_view re, std::size_t& pos) {
  int value = 0, digits = 0;
  if (pos < re.size() && re[pos] == '{') {
    std::size_t close = re.find('}', pos);
    if (close == std::string_view::npos) return std::nullopt;
    for (std::size_t i = pos + 1; i < close; ++i) {
      int h = HexDigit(re[i]);
      if (h < 0 || ++digits > 2) return std::nullopt;
      value = value * 16 + h;
    }
    pos = close + 1;
  } else {
    while (digits < 2 && pos < re.size() && HexDigit(re[pos]) >= 0) {
      value = value * 16 + HexDigit(re[pos++]);
      ++digits;
    }
  }
  if (digits == 0) return std::nullopt;
  return static_cast<unsigned char>(value);
}

}  // namespace leakguard::detect
