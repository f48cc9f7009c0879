#include "detect/regex_syntax.h"

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

}  // namespace leakguard::detect
