#include "incident/incident.h"

#include <array>
#include <cctype>
#include <random>

namespace leakguard::incident {
namespace {

constexpr std::array<std::string_view, 5> kStatuses = {"new", "in_progress", "resolved", "false_positive",
                                                       "accepted_risk"};
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

std::string_view IncidentStatusName(IncidentStatus s) { return kStatuses[static_cast<std::size_t>(s)]; }

std::optional<IncidentStatus> ParseIncidentStatus(std::string_view name) {
  std::string norm;
  for (char c : name)
    norm += c == '-' || c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    if (norm == kStatuses[i]) return static_cast<IncidentStatus>(i);
  return std::nullopt;
}

std::string NewIncidentId(std::int64_t time_ms) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id = "INC-";
  // 48-bit time in 10 base32 digits, most significant first.
  auto t = static_cast<std::uint64_t>(time_ms) & ((1ull << 48) - 1);
  for (int i = 9; i >= 0; --i) id += kCrockford[(t >> (5 * i)) & 31];
  // 80 random bits in 16 base32 digits.
  std::uint64_t hi = rng(), lo = rng();
  for (int i = 0; i < 16; ++i) {
    std::uint64_t& word = i < 8 ? hi : lo;
    id += kCrockford[word & 31];
    word >>= 5;
  }
  return id;
}

}  // namespace leakguard::incident
