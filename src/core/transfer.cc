#include "leakguard/transfer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "core/ascii.h"
#include "leakguard/verdict.h"

namespace leakguard {
namespace {

// Looks `name` up in a table of names indexed by enum value.
template <typename E, std::size_t N>
std::optional<E> ParseName(std::string_view name, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i)
    if (EqualsIgnoreCase(name, names[i])) return static_cast<E>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> kChannels = {"web", "mail", "endpoint", "discover", "api"};
constexpr std::array<std::string_view, 4> kLabels = {"public", "internal", "confidential", "restricted"};
constexpr std::array<std::string_view, 8> kActions = {"allow",   "audit",  "alert",      "justify",
                                                      "encrypt", "redact", "quarantine", "block"};
constexpr std::array<std::string_view, 5> kSeverities = {"info", "low", "medium", "high", "critical"};

}  // namespace

std::string_view ChannelName(Channel c) { return kChannels[static_cast<std::size_t>(c)]; }
std::optional<Channel> ParseChannel(std::string_view name) { return ParseName<Channel>(name, kChannels); }
std::string_view LabelName(Label l) { return kLabels[static_cast<std::size_t>(l)]; }
std::optional<Label> ParseLabel(std::string_view name) { return ParseName<Label>(name, kLabels); }
std::string_view ActionName(Action a) { return kActions[static_cast<std::size_t>(a)]; }
std::optional<Action> ParseAction(std::string_view name) { return ParseName<Action>(name, kActions); }
std::string_view SeverityName(Severity s) { return kSeverities[static_cast<std::size_t>(s)]; }
std::optional<Severity> ParseSeverity(std::string_view name) {
  return ParseName<Severity>(name, kSeverities);
}

Destination DestinationFromString(std::string_view text) {
  auto lower = [](std::string_view v) {
    std::string out(v);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  Destination d;
  if (text.starts_with("usb:") || text.starts_with("printer:")) {
    d.device = std::string(text);
    return d;
  }
  if (auto scheme = text.find("://"); scheme != std::string_view::npos) {
    d.url = std::string(text);
    std::string_view rest = text.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);  // user:pass@
    if (rest.starts_with("[")) {
      d.ip = std::string(rest.substr(1, rest.find(']') - 1));
      return d;
    }
    rest = rest.substr(0, rest.find(':'));  // port
    d.host = lower(rest);
  } else if (auto at = text.rfind('@'); at != std::string_view::npos) {
    d.address = std::string(text);
    d.host = lower(text.substr(at + 1));
    return d;
  } else {
    d.host = lower(text);
  }
  // A literal address is an ip, not a host name.
  const bool v6 = d.host.find(':') != std::string::npos;
  const bool v4 = !d.host.empty() && std::all_of(d.host.begin(), d.host.end(),
                                                 [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (v4 || v6) d.ip = std::exchange(d.host, std::string());
  return d;
}

std::uint32_t TypeSummary::CountAtLeast(Confidence min) const {
  switch (min) {
    case Confidence::kLow:
      return count_low + count_medium + count_high;
    case Confidence::kMedium:
      return count_medium + count_high;
    case Confidence::kHigh:
      return count_high;
  }
  return 0;
}

void FindingsSummary::Add(const Finding& f) {
  auto it = std::lower_bound(types.begin(), types.end(), f.info_type,
                             [](const TypeSummary& t, const std::string& id) { return t.type < id; });
  if (it == types.end() || it->type != f.info_type) {
    it = types.insert(it, TypeSummary{});
    it->type = f.info_type;
  }
  switch (f.confidence) {
    case Confidence::kLow:
      ++it->count_low;
      break;
    case Confidence::kMedium:
      ++it->count_medium;
      break;
    case Confidence::kHigh:
      ++it->count_high;
      break;
  }
  if (it->samples.size() < TypeSummary::kMaxSamples &&
      std::find(it->samples.begin(), it->samples.end(), f.masked) == it->samples.end())
    it->samples.push_back(f.masked);
}

const TypeSummary* FindingsSummary::Find(std::string_view type) const {
  auto it = std::lower_bound(types.begin(), types.end(), type,
                             [](const TypeSummary& t, std::string_view id) { return t.type < id; });
  return it != types.end() && it->type == type ? &*it : nullptr;
}

std::uint64_t FindingsSummary::Total(Confidence min) const {
  std::uint64_t n = 0;
  for (const auto& t : types) n += t.CountAtLeast(min);
  return n;
}

}  // namespace leakguard
