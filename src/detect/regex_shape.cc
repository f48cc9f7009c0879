#include "detect/regex_shape.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "detect/regex_syntax.h"

namespace leakguard::detect {
namespace {

constexpr std::size_t kMaxPrefix = 4;
using ByteSet = std::bitset<256>;

ByteSet Range(int lo, int hi) {
  ByteSet s;
  for (int c = lo; c <= hi; ++c) s.set(static_cast<std::size_t>(c));
  return s;
}
const ByteSet kDigits = Range('0', '9');
const ByteSet kLetters = Range('A', 'Z') | Range('a', 'z');
const ByteSet kWord = kDigits | kLetters | Range('_', '_');
ByteSet Space() {
  ByteSet s;
  for (char c : std::string(" \t\n\r\f\v")) s.set(static_cast<unsigned char>(c));
  return s;
}

ByteSet Separators() {
  ByteSet s;
  for (char c : kTokenSeparators) s.set(static_cast<unsigned char>(c));
  return s;
}
// digits, each separator, any separator, upper-case letters, lower-case letters
constexpr std::size_t kCounted = kTokenSeparators.size() + 4;

// The byte sets whose minimum count in a match is tracked: [0] digits, then each separator, any
// separator, [A-Z], [a-z].
const std::array<ByteSet, kCounted>& CountedSets() {
  static const std::array<ByteSet, kCounted> sets = [] {
    std::array<ByteSet, kCounted> out{};
    out[0] = kDigits;
    for (std::size_t i = 0; i < kTokenSeparators.size(); ++i)
      out[i + 1].set(static_cast<unsigned char>(kTokenSeparators[i]));
    out[kCounted - 3] = Separators();
    out[kCounted - 2] = Range('A', 'Z');
    out[kCounted - 1] = Range('a', 'z');
    return out;
  }();
  return sets;
}

std::size_t Saturate(std::size_t v) { return std::min<std::size_t>(v, 1u << 20); }

std::size_t AddLen(std::size_t a, std::size_t b) { return a == SIZE_MAX || b == SIZE_MAX ? SIZE_MAX : a + b; }

struct Shape {
  std::array<std::size_t, kCounted> mins{};  // minimum count of each CountedSets() set in a match
  bool letters = false;
  bool non_digit = false;                // a match can hold a byte other than a digit
  bool non_alnum = false;                // ... other than [A-Za-z0-9]
  std::size_t min_len = 0, max_len = 0;  // SIZE_MAX: unbounded
  std::vector<ByteSet> prefix;
  bool exact = true;  // `prefix` describes every position of every match (a fixed length)
  // Runs of consecutive digits every match holds: somewhere (run), at its start (lead), at its end
  // (trail). A match of digits only (!non_digit) is one run of at least min_len.
  std::size_t run = 0, lead = 0, trail = 0;
  static Shape Set(const ByteSet& s) {
    Shape out;
    const auto& sets = CountedSets();
    for (std::size_t k = 0; k < kCounted; ++k) out.mins[k] = s.any() && (s & ~sets[k]).none() ? 1 : 0;
    out.letters = (s & kLetters).any();
    out.non_digit = (s & ~kDigits).any();
    out.non_alnum = (s & ~(kDigits | kLetters)).any();
    out.min_len = out.max_len = 1;
    out.prefix = {s};
    const std::size_t digit = s.any() && (s & ~kDigits).none() ? 1 : 0;
    out.run = out.lead = out.trail = digit;
    return out;
  }
  static Shape Empty() { return {}; }  // zero-width
};

void AppendPrefix(Shape& to, const Shape& item) {
  for (const ByteSet& s : item.prefix) {
    if (to.prefix.size() == kMaxPrefix) {
      to.exact = false;
      return;
    }
    to.prefix.push_back(s);
  }
}

class Parser {
 public:
  Parser(std::string_view re, bool caseless) : re_(re), caseless_(caseless) {}

  std::optional<Shape> Parse() {
    Shape s = Alternation();
    if (failed_ || pos_ != re_.size()) return std::nullopt;
    return s;
  }

 private:
  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek() const { return AtEnd() ? '\0' : re_[pos_]; }

  ByteSet Fold(ByteSet s) const {
    if (!caseless_) return s;
    for (int c = 'a'; c <= 'z'; ++c) {
      auto lo = static_cast<std::size_t>(c), up = static_cast<std::size_t>(c - 32);
      if (s[lo] || s[up]) s.set(lo).set(up);
    }
    return s;
  }
  ByteSet Char(unsigned char c) const {
    ByteSet s;
    s.set(c);
    return Fold(s);
  }

  Shape Alternation() {
    std::vector<Shape> branches{Sequence()};
    while (!failed_ && Peek() == '|') {
      ++pos_;
      branches.push_back(Sequence());
    }
    if (branches.size() == 1) return branches[0];
    Shape out;
    out.mins.fill(SIZE_MAX);
    out.min_len = SIZE_MAX;
    out.run = out.lead = out.trail = SIZE_MAX;
    std::size_t common = SIZE_MAX;
    bool all_exact = true;
    for (const Shape& b : branches) {
      for (std::size_t k = 0; k < kCounted; ++k) out.mins[k] = std::min(out.mins[k], b.mins[k]);
      out.run = std::min(out.run, b.run);
      out.lead = std::min(out.lead, b.lead);
      out.trail = std::min(out.trail, b.trail);
      out.letters = out.letters || b.letters;
      out.non_digit = out.non_digit || b.non_digit;
      out.non_alnum = out.non_alnum || b.non_alnum;
      out.min_len = std::min(out.min_len, b.min_len);
      out.max_len = std::max(out.max_len, b.max_len);
      common = std::min(common, b.prefix.size());
      all_exact = all_exact && b.exact && b.prefix.size() == branches[0].prefix.size();
    }
    out.prefix.assign(common, ByteSet());
    for (const Shape& b : branches)
      for (std::size_t i = 0; i < common; ++i) out.prefix[i] |= b.prefix[i];
    out.exact = all_exact;
    return out;
  }

  Shape Sequence() {
    Shape out;
    while (!failed_ && !AtEnd() && Peek() != '|' && Peek() != ')') {
      Shape item = Quantified();
      // Digit runs join across the border when the left part ends (or the right part starts) with
      // digits; a part of digits only extends the run through it.
      const std::size_t run = std::max({out.run, item.run, Saturate(out.trail + item.lead)});
      const std::size_t lead = out.non_digit ? out.lead : Saturate(out.min_len + item.lead);
      const std::size_t trail = item.non_digit ? item.trail : Saturate(out.trail + item.min_len);
      out.run = run;
      out.lead = lead;
      out.trail = trail;
      for (std::size_t k = 0; k < kCounted; ++k) out.mins[k] = Saturate(out.mins[k] + item.mins[k]);
      out.letters = out.letters || item.letters;
      out.non_digit = out.non_digit || item.non_digit;
      out.non_alnum = out.non_alnum || item.non_alnum;
      out.min_len = AddLen(out.min_len, item.min_len);
      out.max_len = AddLen(out.max_len, item.max_len);
      if (out.exact) {
        AppendPrefix(out, item);
        out.exact = out.exact && item.exact;
      }
    }
    return out;
  }

  Shape Quantified() {
    Shape atom = Atom();
    if (failed_) return atom;
    std::size_t min = 1, max = 1;
    if (!ParseQuantifier(re_, pos_, min, max)) return atom;
    Shape out;
    for (std::size_t k = 0; k < kCounted; ++k) out.mins[k] = Saturate(atom.mins[k] * min);
    out.letters = atom.letters && max > 0;
    out.non_digit = atom.non_digit && max > 0;
    out.non_alnum = atom.non_alnum && max > 0;
    out.min_len = Saturate(atom.min_len * min);
    out.max_len = max == SIZE_MAX || atom.max_len == SIZE_MAX ? (atom.max_len == 0 ? 0 : SIZE_MAX)
                                                              : Saturate(atom.max_len * max);
    if (min == 0) {
      out.exact = max == 0;
      return out;  // no digit run is certain
    }
    if (!atom.non_digit) {
      out.run = out.lead = out.trail = Saturate(atom.min_len * min);
    } else {
      out.lead = atom.lead;
      out.trail = atom.trail;
      out.run = min >= 2 ? std::max(atom.run, Saturate(atom.trail + atom.lead)) : atom.run;
    }
    for (std::size_t k = 0; k < min && out.exact; ++k) {
      AppendPrefix(out, atom);
      out.exact = out.exact && atom.exact;
    }
    out.exact = out.exact && min == max;
    return out;
  }

  Shape Atom() {
    char c = re_[pos_++];
    switch (c) {
      case '.': {
        ByteSet s;
        s.set();
        s.reset('\n');
        return Shape::Set(s);
      }
      case '^':
      case '$':
        return Shape::Empty();
      case '[':
        return Shape::Set(Class());
      case '(':
        return Group();
      case '\\':
        return Escape();
      case '*':
      case '+':
      case '?':
        failed_ = true;
        return Shape::Empty();
      default:
        return Shape::Set(Char(static_cast<unsigned char>(c)));
    }
  }

  // After a backslash, outside a class.
  Shape Escape() {
    if (AtEnd()) {
      failed_ = true;
      return Shape::Empty();
    }
    char c = re_[pos_++];
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
        return Shape::Empty();
      default: {
        std::optional<ByteSet> s = EscapeSet(c);
        if (!s) {
          failed_ = true;
          return Shape::Empty();
        }
        return Shape::Set(*s);
      }
    }
  }

  // The set an escape stands for (after the backslash and `c`), inside or outside a class.
  std::optional<ByteSet> EscapeSet(char c) {
    switch (c) {
      case 'd':
        return kDigits;
      case 'D':
        return ~kDigits;
      case 'w':
        return kWord;
      case 'W':
        return ~kWord;
      case 's':
        return Space();
      case 'S':
        return ~Space();
      case 'h':
        return Char(' ') | Char('\t');
      case 'n':
        return Char('\n');
      case 'r':
        return Char('\r');
      case 't':
        return Char('\t');
      case 'f':
        return Char('\f');
      case 'e':
        return Char('\x1b');
      case 'x': {
        std::optional<unsigned char> byte = ParseHexEscape(re_, pos_);
        if (!byte) return std::nullopt;
        return Char(*byte);
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;  // \p, backreferences…
        return Char(static_cast<unsigned char>(c));
    }
  }

  ByteSet Class() {
    bool negated = Peek() == '^';
    if (negated) ++pos_;
    ByteSet set;
    bool first = true;
    while (!AtEnd() && (Peek() != ']' || first)) {
      first = false;
      char c = re_[pos_++];
      if (c == '[' && Peek() == ':') {  // [:alpha:] and friends: assume anything
        auto close = re_.find(":]", pos_);
        if (close == std::string_view::npos) break;
        pos_ = close + 2;
        set.set();
        continue;
      }
      int lo;
      if (c == '\\') {
        if (AtEnd()) break;
        char e = re_[pos_++];
        std::optional<ByteSet> s = EscapeSet(e);
        if (!s) {
          failed_ = true;
          return ByteSet().set();
        }
        if (s->count() != 1 || e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S') {
          set |= *s;
          continue;
        }
        lo = static_cast<int>(s->_Find_first());
      } else {
        lo = static_cast<unsigned char>(c);
      }
      if (Peek() == '-' && pos_ + 1 < re_.size() && re_[pos_ + 1] != ']') {
        ++pos_;
        int hi = static_cast<unsigned char>(re_[pos_++]);
        if (hi == '\\') {
          if (AtEnd()) break;
          std::optional<ByteSet> s = EscapeSet(re_[pos_++]);
          if (!s || s->count() != 1) {
            failed_ = true;
            return ByteSet().set();
          }
          hi = static_cast<int>(s->_Find_first());
        }
        if (hi < lo) {
          failed_ = true;
          return ByteSet().set();
        }
        set |= Range(lo, hi);
        continue;
      }
      set.set(static_cast<std::size_t>(lo));
    }
    if (AtEnd()) {
      failed_ = true;
      return ByteSet().set();
    }
    ++pos_;  // ']'
    set = Fold(set);
    return negated ? ~set : set;
  }

  Shape Group() {
    const bool saved_caseless = caseless_;
    const GroupOpen open = ParseGroupOpen(re_, pos_, caseless_);
    switch (open.kind) {
      case GroupOpen::Kind::kError:
        failed_ = true;
        return Shape::Empty();
      case GroupOpen::Kind::kComment:
        return Shape::Empty();
      case GroupOpen::Kind::kFlags:  // (?i): the rest of the enclosing group
        caseless_ = open.caseless;
        return Shape::Empty();
      case GroupOpen::Kind::kGroup:
      case GroupOpen::Kind::kLookaround:
        caseless_ = open.caseless;
        break;
    }
    Shape inner = Alternation();
    caseless_ = saved_caseless;
    if (Peek() != ')') {
      failed_ = true;
      return Shape::Empty();
    }
    ++pos_;
    return open.kind == GroupOpen::Kind::kLookaround ? Shape::Empty() : inner;
  }

  std::string_view re_;
  std::size_t pos_ = 0;
  bool caseless_;
  bool failed_ = false;
};

// Whether the regex has a (?![\w…]) or (?!\w) guard at its top level (not inside a group or an
// alternative), after which only lookaheads follow.
bool EndsWithWordGuard(std::string_view re) {
  std::size_t at = std::string_view::npos;
  for (std::string_view guard : {std::string_view("(?![\\w"), std::string_view("(?!\\w)")}) {
    std::size_t p = re.rfind(guard);
    if (p != std::string_view::npos && (at == std::string_view::npos || p > at)) at = p;
  }
  if (at == std::string_view::npos) return false;
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < at; ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  if (depth != 0) return false;
  // The rest: lookaheads only.
  std::size_t close = re.find(')', at);
  for (std::size_t i = close == std::string_view::npos ? re.size() : close + 1; i < re.size();) {
    if (re.substr(i, 3) != "(?!" && re.substr(i, 3) != "(?=") return false;
    int d = 0;
    bool cls = false;
    for (; i < re.size(); ++i) {
      char c = re[i];
      if (c == '\\') {
        ++i;
      } else if (cls) {
        cls = c != ']';
      } else if (c == '[') {
        cls = true;
      } else if (c == '(') {
        ++d;
      } else if (c == ')' && --d == 0) {
        ++i;
        break;
      }
    }
  }
  return true;
}

}  // namespace

RegexShape AnalyzeRegexShape(std::string_view regex, bool caseless) {
  RegexShape out;
  out.letters = true;
  std::optional<Shape> s = Parser(regex, caseless).Parse();
  if (!s) return out;
  out.min_digits = s->mins[0];
  out.min_digit_run = std::min<std::size_t>(s->run, 1u << 16);
  out.min_upper = s->mins[kCounted - 2];
  out.min_lower = s->mins[kCounted - 1];
  if (!s->non_digit && s->min_len > 0) {
    out.digit_run_min = s->min_len;
    out.digit_run_max = s->max_len;
  }
  if (!s->non_alnum && s->min_len > 0) {
    out.alnum_run_min = s->min_len;
    out.alnum_run_max = s->max_len;
  }
  for (std::size_t k = 1; k <= out.min_separators.size(); ++k)
    out.min_separators[k - 1] = static_cast<std::uint8_t>(std::min<std::size_t>(255, s->mins[k]));
  out.letters = s->letters;
  out.prefix = std::move(s->prefix);
  // A negative lookbehind whose class holds \w, or \b before a first position of word characters only.
  const bool first_is_word = !out.prefix.empty() && (out.prefix[0] & ~kWord).none();
  if (regex.starts_with("(?<!\\w)")) {
    out.word_start = true;
  } else if (regex.starts_with("(?<![")) {
    std::size_t close = regex.find(']');
    out.word_start = close != std::string_view::npos && regex[5] != '^' &&
                     regex.substr(5, close - 5).find("\\w") != std::string_view::npos;
  } else if (regex.starts_with("\\b")) {
    out.word_start = first_is_word;
  }
  out.word_end = EndsWithWordGuard(regex);
  return out;
}

}  // namespace leakguard::detect
