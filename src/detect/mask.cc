#include "detect/mask.h"

#include <algorithm>

namespace leakguard::detect {
namespace {

// ASCII letters and digits: std::isalnum in the "C" locale the process runs in, without a library
// call per byte.
inline bool IsAsciiAlnum(unsigned char c) {
  return static_cast<unsigned char>(c - '0') < 10 || static_cast<unsigned char>((c | 0x20) - 'a') < 26;
}

}  // namespace

std::string MaskValue(std::string_view value, int keep_first, int keep_last) {
  int alnum = 0;
  for (unsigned char c : value) alnum += IsAsciiAlnum(c) ? 1 : 0;
  if (alnum < 4) {
    keep_first = 0;
    keep_last = 0;
  } else if (keep_first + keep_last > alnum / 2) {
    keep_first = std::min(keep_first, alnum / 4);
    keep_last = std::min(keep_last, alnum / 4);
  }
  std::string out;
  out.reserve(value.size());
  int seen = 0;
  for (unsigned char c : value) {
    if (IsAsciiAlnum(c)) {
      ++seen;
      out += (seen <= keep_first || seen > alnum - keep_last) ? static_cast<char>(c) : '*';
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (c >= 0x80) {
      out += '*';  // part of a multi-byte character: never shown, keeps the output valid UTF-8
    } else {
      out += static_cast<char>(c);
    }
  }
  constexpr std::size_t kMaxShown = 72;
  if (out.size() > kMaxShown) {
    std::string shortened = out.substr(0, 48);
    shortened += "…";
    shortened += out.substr(out.size() - 16);
    shortened += " (" + std::to_string(value.size()) + " bytes)";
    return shortened;
  }
  return out;
}

}  // namespace leakguard::detect
