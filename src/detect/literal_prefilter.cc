#include "detect/literal_prefilter.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "detect/regex_syntax.h"

namespace leakguard::detect {
namespace {

constexpr std::size_t kMaxSet = 64;     // largest literal set carried through the analysis
constexpr std::size_t kMaxString = 32;  // literals are cut here: long enough to be selective

using StringSet = std::set<std::string>;

// What is known about the strings a sub-expression matches.
struct Info {
  bool exact = false;  // it matches exactly one of `strings`
  StringSet strings;   // when exact
  StringSet required;  // else (or also): every match contains one of these; empty = unknown
  static Info Exact(StringSet s) { return {true, std::move(s), {}}; }
  static Info Any() { return {}; }
};

std::size_t MinLength(const StringSet& s) {
  std::size_t m = SIZE_MAX;
  for (const auto& x : s) m = std::min(m, x.size());
  return s.empty() ? 0 : m;
}

// Better requirement: longer shortest literal, then fewer literals.
bool Better(const StringSet& a, const StringSet& b) {
  if (b.empty()) return !a.empty();
  if (a.empty()) return false;
  std::size_t la = MinLength(a), lb = MinLength(b);
  if (la != lb) return la > lb;
  return a.size() < b.size();
}

StringSet BestOf(const Info& i) {
  StringSet best = i.required;
  if (i.exact && Better(i.strings, best)) best = i.strings;
  return best;
}

class Parser {
 public:
  Parser(std::string_view re, bool caseless) : re_(re), caseless_(caseless) {}

  std::optional<Info> Parse() {
    Info i = Alternation();
    if (failed_ || pos_ != re_.size()) return std::nullopt;
    return i;
  }
  bool saw_caseless() const { return saw_caseless_; }

 private:
  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek() const { return AtEnd() ? '\0' : re_[pos_]; }

  Info Alternation() {
    std::vector<Info> branches{Sequence()};
    while (!failed_ && Peek() == '|') {
      ++pos_;
      branches.push_back(Sequence());
    }
    if (branches.size() == 1) return branches[0];
    bool all_exact = true;
    StringSet exact;
    for (const auto& b : branches) {
      all_exact = all_exact && b.exact;
      if (b.exact) exact.insert(b.strings.begin(), b.strings.end());
    }
    if (all_exact && exact.size() <= kMaxSet) return Info::Exact(exact);
    // Otherwise: a match contains the requirement of whichever branch matched.
    Info out;
    for (const auto& b : branches) {
      StringSet r = BestOf(b);
      if (r.empty() || MinLength(r) == 0) return Info::Any();
      out.required.insert(r.begin(), r.end());
    }
    if (out.required.size() > kMaxSet) return Info::Any();
    return out;
  }

  Info Sequence() {
    StringSet current{""};  // cross product of the exact items so far
    bool all_exact = true;
    StringSet best;
    auto finish_run = [&]() {
      if (Better(current, best)) best = current;
      current = {""};
    };
    while (!failed_ && !AtEnd() && Peek() != '|' && Peek() != ')') {
      Info item = Quantified();
      if (failed_) break;
      if (item.exact) {
        StringSet next;
        for (const auto& a : current) {
          for (const auto& b : item.strings) {
            std::string s = a + b;
            if (s.size() > kMaxString) s.resize(kMaxString);
            next.insert(std::move(s));
          }
        }
        if (next.size() > kMaxSet) {
          finish_run();
          all_exact = false;
          current = item.strings.size() <= kMaxSet ? item.strings : StringSet{""};
        } else {
          current = std::move(next);
        }
      } else {
        all_exact = false;
        finish_run();
        if (Better(item.required, best)) best = item.required;
      }
    }
    if (all_exact) {
      Info out = Info::Exact(current);
      out.required = best;
      return out;
    }
    finish_run();
    Info out;
    out.required = best;
    return out;
  }

  Info Quantified() {
    Info atom = Atom();
    if (failed_) return atom;
    std::size_t min = 1, max = 1;
    if (!ParseQuantifier(re_, pos_, min, max)) return atom;
    // Optional: it may or may not be there, so literals cannot be joined across it.
    if (min == 0) return Info::Any();
    if (atom.exact && min == max && min <= 4) {
      StringSet out{""};
      for (std::size_t k = 0; k < min; ++k) {
        StringSet next;
        for (const auto& a : out)
          for (const auto& b : atom.strings) next.insert((a + b).substr(0, kMaxString));
        if (next.size() > kMaxSet) return Info{false, {}, atom.strings};
        out = std::move(next);
      }
      return Info::Exact(out);
    }
    Info out;
    out.required = BestOf(atom);
    return out;
  }

  std::string Lit(char c) const {
    if (caseless_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::string(1, c);
  }

  Info Atom() {
    char c = re_[pos_++];
    switch (c) {
      case '.':
        return Info::Any();
      case '^':
      case '$':
        return Info::Exact({""});
      case '[':
        return Class();
      case '(':
        return Group();
      case '\\':
        return Escape(false);
      case '*':
      case '+':
      case '?':
      case '{':
        if (c == '{') return Info::Exact({Lit(c)});
        failed_ = true;
        return Info::Any();
      default:
        if (std::isalpha(static_cast<unsigned char>(c)) && caseless_) saw_caseless_ = true;
        return Info::Exact({Lit(c)});
    }
  }

  // After a backslash. In a class, returns the character in `strings` or Any for a set.
  Info Escape(bool in_class) {
    if (AtEnd()) {
      failed_ = true;
      return Info::Any();
    }
    char c = re_[pos_++];
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
        if (in_class) return Info::Any();
        return Info::Exact({""});
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
      case 'h':
      case 'H':
      case 'v':
      case 'V':
      case 'R':
      case 'N':
      case 'X':
      case 'p':
      case 'P':
      case 'K':
      case 'Q':
      case 'E':
        if (c == 'p' || c == 'P' || c == 'K' || c == 'Q' || c == 'E') failed_ = true;
        return Info::Any();
      case 'n':
        return Info::Exact({"\n"});
      case 'r':
        return Info::Exact({"\r"});
      case 't':
        return Info::Exact({"\t"});
      case 'f':
        return Info::Exact({"\f"});
      case 'e':
        return Info::Exact({"\x1b"});
      case 'x': {
        std::optional<unsigned char> byte = ParseHexEscape(re_, pos_);
        if (!byte) {
          failed_ = true;
          return Info::Any();
        }
        return Info::Exact({Lit(static_cast<char>(*byte))});
      }
      default:
        if (std::isdigit(static_cast<unsigned char>(c)) || std::isalpha(static_cast<unsigned char>(c))) {
          failed_ = true;  // backreferences, \g, \k, \c and other rarities: give up
          return Info::Any();
        }
        return Info::Exact({Lit(c)});
    }
  }

  Info Class() {
    bool negated = Peek() == '^';
    if (negated) ++pos_;
    StringSet chars;
    bool set = negated;
    bool first = true;
    while (!AtEnd() && (Peek() != ']' || first)) {
      first = false;
      char c = re_[pos_++];
      if (c == '[' && Peek() == ':') {  // [:alpha:]
        auto close = re_.find(":]", pos_);
        if (close == std::string_view::npos) {
          failed_ = true;
          return Info::Any();
        }
        pos_ = close + 2;
        set = true;
        continue;
      }
      std::string ch;
      if (c == '\\') {
        Info e = Escape(true);
        if (failed_) return Info::Any();
        if (!e.exact) {
          set = true;
          continue;
        }
        ch = *e.strings.begin();
      } else {
        ch = Lit(c);
        if (std::isalpha(static_cast<unsigned char>(c)) && caseless_) saw_caseless_ = true;
      }
      if (Peek() == '-' && pos_ + 1 < re_.size() && re_[pos_ + 1] != ']') {
        ++pos_;  // a range
        char hi = re_[pos_++];
        if (hi == '\\') {
          if (AtEnd()) break;
          ++pos_;
        }
        set = true;
        continue;
      }
      chars.insert(ch);
    }
    if (AtEnd()) {
      failed_ = true;
      return Info::Any();
    }
    ++pos_;  // ']'
    if (set || chars.empty() || chars.size() > 10) return Info::Any();
    return Info::Exact(chars);
  }

  Info Group() {
    const bool saved_caseless = caseless_;
    const GroupOpen open = ParseGroupOpen(re_, pos_, caseless_);
    switch (open.kind) {
      case GroupOpen::Kind::kError:
        failed_ = true;
        return Info::Any();
      case GroupOpen::Kind::kComment:
        return Info::Exact({""});
      case GroupOpen::Kind::kFlags:  // (?i) applies to the rest of the enclosing group
        caseless_ = open.caseless;
        if (caseless_) saw_caseless_ = true;
        return Info::Exact({""});
      case GroupOpen::Kind::kGroup:
      case GroupOpen::Kind::kLookaround:
        caseless_ = open.caseless;
        if (caseless_) saw_caseless_ = true;
        break;
    }
    Info inner = Alternation();
    caseless_ = saved_caseless;
    if (Peek() != ')') {
      failed_ = true;
      return Info::Any();
    }
    ++pos_;
    if (open.kind == GroupOpen::Kind::kLookaround) return Info::Exact({""});
    return inner;
  }

  std::string_view re_;
  std::size_t pos_ = 0;
  bool caseless_;
  bool saw_caseless_ = false;
  bool failed_ = false;
};

}  // namespace

std::string VectorscanLiteral(std::string_view literal) {
  std::string out;
  for (unsigned char c : literal) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string VectorscanAlternation(const std::vector<std::string>& literals) {
  std::string out;
  for (const auto& lit : literals) {
    if (!out.empty()) out += '|';
    out += VectorscanLiteral(lit);
  }
  return out;
}

std::string LiteralPrefilter::Expression() const { return VectorscanAlternation(literals); }

std::optional<LiteralPrefilter> DeriveLiteralPrefilter(std::string_view regex, bool caseless,
                                                       std::size_t min_length) {
  Parser parser(regex, caseless);
  std::optional<Info> info = parser.Parse();
  if (!info) return std::nullopt;
  StringSet best = BestOf(*info);
  if (best.empty() || MinLength(best) < min_length) return std::nullopt;
  LiteralPrefilter out;
  out.caseless = caseless || parser.saw_caseless();
  StringSet lits;
  for (auto s : best) {
    if (out.caseless)
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lits.insert(s);
  }
  out.literals.assign(lits.begin(), lits.end());
  return out;
}

}  // namespace leakguard::detect
