// Byte-level scans over the input that run before (and much faster than) pattern matching.
//
// FindDigitWindows finds where digit-shaped info types may be: positions that start three consecutive
// ASCII digits ("123"), a digit, a dot and a digit ("1.2"), or two digit pairs split by a space, '-' or
// '.' ("12 34"). Every match of a `trigger: digits` pattern contains
// such a position, so those patterns only need to be searched in windows around them. SSE2 on x86-64
// (16 bytes a step), plain C++ elsewhere; both give the same positions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leakguard::detect {

struct ByteRange {
  std::size_t begin;
  std::size_t end;
};

// Appends to `out` the merged windows [p - radius, p + radius + 5) (clipped to [0, size)) around every
// trigger position p in data[0, size). Windows come out sorted and non-overlapping.
void FindDigitWindows(const char* data, std::size_t size, std::size_t radius, std::vector<ByteRange>& out);

// Number of '\n' bytes in data[0, size).
std::size_t CountNewlines(const char* data, std::size_t size);

}  // namespace leakguard::detect
