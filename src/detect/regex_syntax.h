// Small pieces of PCRE2 syntax shared by the regex analyses (literal_prefilter.cc, regex_shape.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace leakguard::detect {

// What follows a '(' in a regex.
struct GroupOpen {
  enum class Kind {
    kGroup,       // capturing, (?:…), (?>…), (?|…), named: its content matches
    kLookaround,  // (?=…) (?!…) (?<=…) (?<!…): zero width
    kComment,     // (?#…): already skipped, including its ')'
    kFlags,       // (?i) and friends: already skipped, including its ')'; they apply to the rest
    kError,       // unterminated, or a flag that changes the syntax or quantifiers (x, J, U, n)
  } kind;
  bool caseless;  // case-insensitive inside the group (kGroup, kLookaround) or from here on (kFlags)
};

// `pos` is just after the '('; it is moved past the group's opening syntax ("?:", "?<name>", …).
GroupOpen ParseGroupOpen(std::string_view re, std::size_t& pos, bool caseless);

// At `pos`, a quantifier (* + ? {m} {m,} {m,n}, and a lazy or possessive suffix): true, its bounds
// (max SIZE_MAX: unbounded; counts saturate at 100000) and `pos` past it. False, `pos` unchanged,
// when there is none — a '{' that opens no quantifier is a literal.
bool ParseQuantifier(std::string_view re, std::size_t& pos, std::size_t& min, std::size_t& max);

// `pos` just after "\x": the byte of \xHH or \x{HH}, `pos` past it; nullopt when malformed or > 0xFF.
std::optional<unsigned char> ParseHexEscape(std::string_view re, std::size_t& pos);

}  // namespace leakguard::detect
