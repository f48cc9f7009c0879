#include "leakguard/finding.h"

#include <cctype>

namespace leakguard {

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kLow:
      return "low";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kHigh:
      return "high";
  }
  return "low";
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "low") return Confidence::kLow;
  if (lower == "medium") return Confidence::kMedium;
  if (lower == "high") return Confidence::kHigh;
  return std::nullopt;
}

}  // namespace leakguard
