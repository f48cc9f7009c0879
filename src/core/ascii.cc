#include "core/ascii.h"

#include <algorithm>

namespace leakguard {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

void AppendPrometheusCounter(std::string& out, std::string_view name, std::string_view help,
                             unsigned long long value) {
  out.append("# HELP ")
      .append(name)
      .append(" ")
      .append(help)
      .append("\n# TYPE ")
      .append(name)
      .append(" counter\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace leakguard
