// Byte-level scans over the input that run before (and much faster than) pattern matching.
//
// FindNumericTokens finds where digit-shaped info types may be. Trigger positions start three
// consecutive ASCII digits ("123"), a digit, a dot and a digit ("1.2"), or two digit pairs split by a
// space, '-' or '.' ("12 34"); every match of a `trigger: digits` pattern contains one. Around each, the
// numeric token is the chain of alphanumeric groups and separators a match could span; the engine
// confirms only the patterns whose digit count and shape fit a token, and only inside it. The triggers
// are found with AVX2 where the CPU has it (masks of 64 bytes a step), else SSE2 (16 bytes a step) or
// plain C++; all give the same positions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "detect/regex_shape.h"

namespace leakguard::detect {

struct ByteRange {
  std::size_t begin;
  std::size_t end;
};

// A numeric token: a chain of alphanumeric groups joined by short separator runs, around a digit
// trigger (see FindNumericTokens). Every match of a `trigger: digits` pattern lies inside one token.
struct NumericToken {
  std::uint32_t begin;  // span in the data
  std::uint32_t end;
  std::uint16_t digits;        // digits in the span
  std::uint16_t chain_digits;  // most digits in a run of consecutive groups that all hold a digit
  SeparatorCounts separators;  // each of kTokenSeparators in the span, then all of them (saturating)
  std::uint16_t upper;         // [A-Z] and [a-z] in the span (saturating)
  std::uint16_t lower;
  std::uint16_t digit_run;   // the longest run of consecutive digits in the span
  std::uint64_t digit_runs;  // bit n: a group of exactly n digits (bit 63: 63 or more)
  std::uint64_t groups;      // bit n: a whole group of n letters and digits in the span (63: 63 or more)
};

struct NumericTokenRules {
  std::size_t max_group = 48;        // longest part of one alphanumeric run a match can hold
  std::size_t max_letter_group = 4;  // a group of letters only (no digit) longer than this ends a token
  std::size_t max_length = 128;      // longer chains are cut into tokens of this length ...
  std::size_t overlap = 64;          // ... overlapping by this much (>= the longest match)
};

// Appends, in increasing order, the numeric tokens around every trigger position in data[0, size).
// A token is a maximal chain  G (S G)*  where G is a run of [A-Za-z0-9] that holds a digit or is at
// most max_letter_group letters, and S is one or two bytes of " .-/()+"; up to two '(' or '+' before
// the first group belong to the token too ("(021) 555-0100"). A run longer than max_group is clipped
// to the max_group bytes next to the chain (or around the trigger) and ends the chain. Chains longer
// than max_length are cut into tokens overlapping by `overlap`.
void FindNumericTokens(const char* data, std::size_t size, const NumericTokenRules& rules,
                       std::vector<NumericToken>& out);
// The same, byte by byte and without vector instructions: the reference FindNumericTokens is tested
// against.
void FindNumericTokensScalar(const char* data, std::size_t size, const NumericTokenRules& rules,
                             std::vector<NumericToken>& out);

// Number of '\n' bytes in data[0, size).
std::size_t CountNewlines(const char* data, std::size_t size);

// Appends the positions of the bytes equal to `c` in data[0, size), in increasing order. AVX2 (32 bytes
// a step) where the CPU has it, else SSE2 or plain C++; all give the same positions. For bytes that are
// frequent (':' in source code): memchr's cost per call dominates there.
void FindByte(const char* data, std::size_t size, char c, std::vector<std::uint32_t>& out);

}  // namespace leakguard::detect
