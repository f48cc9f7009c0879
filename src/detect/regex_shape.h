// What the engine can know about a `trigger: digits` pattern without running it, so that a numeric
// token is confirmed only against the patterns that could match inside it (scan_state.cc).
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leakguard::detect {

// The separators numeric tokens are made of (byte_scan.h), counted one by one and all together.
inline constexpr std::string_view kTokenSeparators = " .-/()+";
using SeparatorCounts = std::array<std::uint8_t, kTokenSeparators.size() + 1>;  // saturating at 255

struct RegexShape {
  std::size_t min_digits = 0;        // every match holds at least this many ASCII digits
  std::size_t min_digit_run = 0;     // ... of which at least this many are consecutive
  SeparatorCounts min_separators{};  // ... and at least these many of each separator (last: of any)
  std::size_t min_upper = 0;         // ... and of [A-Z], and of [a-z]
  std::size_t min_lower = 0;
  // Digits only, without separators: every match is a run of digit_run_min..digit_run_max digits
  // (0 when the regex is not of that kind; max SIZE_MAX when unbounded).
  std::size_t digit_run_min = 0;
  std::size_t digit_run_max = 0;
  // Letters and digits only: every match is a run of alnum_run_min..alnum_run_max of [A-Za-z0-9]
  // (0 when the regex is not of that kind; max SIZE_MAX when unbounded).
  std::size_t alnum_run_min = 0;
  std::size_t alnum_run_max = 0;
  bool letters = false;  // a match can hold a letter (outside lookarounds)
  // The byte sets of a match's first positions, when the regex starts with single-character items
  // (after any lookbehind): "[A-Z]{2}\d{2}…" gives [A-Z], [A-Z], [0-9], [0-9]. At most 4.
  std::vector<std::bitset<256>> prefix;
  // The regex opens with a guard such as (?<![\w]) or \b before a word character: a match never
  // starts right after a letter, digit or '_'.
  bool word_start = false;
  // It has a guard such as (?![\w]) after its last character: a match never ends before a word
  // character.
  bool word_end = false;
};

// Conservative: where the analysis is unsure it says less (fewer digits, letters possible, shorter
// prefix), never more. A regex it cannot parse gives the empty shape (no filtering).
RegexShape AnalyzeRegexShape(std::string_view regex, bool caseless);

}  // namespace leakguard::detect
