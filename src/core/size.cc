#include "core/size.h"

#include <cctype>
#include <charconv>
#include <string>

namespace leakguard {

std::optional<std::uint64_t> ParseByteSize(std::string_view text) {
  auto trim = [](std::string_view& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  };
  trim(text);
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  std::string_view unit_text(p, static_cast<std::size_t>(text.data() + text.size() - p));
  trim(unit_text);
  std::string unit;
  for (char c : unit_text) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  if (unit == "k" || unit == "kib") mult = 1ull << 10;
  if (unit == "m" || unit == "mib") mult = 1ull << 20;
  if (unit == "g" || unit == "gib") mult = 1ull << 30;
  if (unit == "kb") mult = 1000;
  if (unit == "mb") mult = 1000'000;
  if (unit == "gb") mult = 1000'000'000;
  if (mult == 0 || value > UINT64_MAX / mult) return std::nullopt;
  return value * mult;
}

}  // namespace leakguard
