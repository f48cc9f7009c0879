// Small pieces of PCRE2 syntax shared by the regex analyses (literal_prefilter.cc, regex_shape.cc).
#pragma once

#include <cstddef>
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

}  // namespace leakguard::detect
