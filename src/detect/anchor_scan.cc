#include "detect/anchor_scan.h"

#include "detect/byte_scan.h"

#include <cstdlib>
#include <cstring>

namespace leakguard::detect {
namespace {

// The built-in patterns (data/infotypes/personal.yaml) the finders below implement the prefilters of.
constexpr std::string_view kEmailRegex =
    R"((?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})(?![\w-])(?!\.[A-Za-z0-9]))";
constexpr std::string_view kEmailPrefilter = R"(@[A-Za-z0-9-]+\.)";
constexpr std::size_t kEmailLead = 130;

constexpr std::string_view kIpv6Regex =
    R"((?<![\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){6}(?:\d{1,3}\.){3}\d{1,3}|::(?:[0-9A-Fa-f]{1,4}:){0,5}(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{1,4}:){1,5}:(?:[0-9A-Fa-f]{1,4}:){0,4}(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})(?:%[0-9A-Za-z]{1,15})?(?![\w:])(?!\.\d))";
constexpr std::string_view kIpv6Prefilter =
    R"(::(?:[0-9A-Fa-f]|[^\w:]|$)|(?:[0-9A-Fa-f]{1,4}:){6}[0-9A-Fa-f])";
constexpr std::size_t kIpv6Lead = 64;

inline bool IsDigit(unsigned char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline bool IsAlpha(unsigned char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
inline bool IsAlnum(unsigned char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsWord(unsigned char c) { return IsAlnum(c) || c == '_'; }
inline bool IsHex(unsigned char c) { return IsDigit(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6; }

// Calls fn(position) for every byte equal to c, in increasing order.
template <typename Fn>
void ForEachByte(const char* data, std::size_t size, char c, Fn&& fn) {
  const char* end = data + size;
  for (const char* p = data; p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, c, static_cast<std::size_t>(end - p)));
    if (p == nullptr) return;
    fn(static_cast<std::size_t>(p - data));
  }
}

// EMAIL_ADDRESS/address. The lookbehind (?<![\w.%+-]) forbids every byte a local part is made of, so a
// match starts where the run of [\w.%+-] before its '@' starts (a local part holds no '@'). The
// prefilter: '@', a run of [A-Za-z0-9-], '.'.
void FindEmail(const char* data, std::size_t size, std::size_t lead, std::vector<Anchor>& out) {
  const auto* d = reinterpret_cast<const unsigned char*>(data);
  auto local = [](unsigned char c) { return IsWord(c) || c == '.' || c == '%' || c == '+' || c == '-'; };
  ForEachByte(data, size, '@', [&](std::size_t at) {
    std::size_t q = at + 1;
    while (q < size && (IsAlnum(d[q]) || d[q] == '-')) ++q;
    if (q == at + 1 || q >= size || d[q] != '.') return;
    const std::size_t end = q + 1;
    std::size_t s = at;
    while (s > 0 && at - s <= 64 && local(d[s - 1])) --s;
    // A local part is 1 to 64 bytes and starts with a letter or digit.
    if (s == at || at - s > 64 || !IsAlnum(d[s]) || end - s > lead) return;
    out.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(end)});
  });
}

// IP_ADDRESS/ipv6. The lookbehind (?<![\w:.]) forbids every byte before a zone index ('%'), so a match
// starts where the run of [\w:.] holding the prefilter hit starts. The prefilter: "::" followed by a
// hex digit, a byte that is neither a word character nor ':', or the end of a line or of the data; or
// six groups of 1-4 hex digits each followed by ':', then a hex digit.
// Where (?:[0-9A-Fa-f]{1,4}:){6} ending with the colon at c has its last hex digit, or SIZE_MAX.
std::size_t SixGroupsBefore(const unsigned char* d, std::size_t c) {
  std::size_t pos = c;                       // a colon
  for (int group = 0; group < 5; ++group) {  // groups 6..2: 1-4 hex digits between two colons
    std::size_t n = 0;
    while (n < 5 && pos > n && IsHex(d[pos - 1 - n])) ++n;
    if (n == 0 || n > 4 || pos < n + 1 || d[pos - n - 1] != ':') return SIZE_MAX;
    pos -= n + 1;
  }
  return pos > 0 && IsHex(d[pos - 1]) ? pos - 1 : SIZE_MAX;  // group 1: a hex digit at least
}

void FindIpv6(const char* data, std::size_t size, std::size_t lead, std::vector<std::uint32_t>& colons,
              std::vector<Anchor>& out) {
  const auto* d = reinterpret_cast<const unsigned char*>(data);
  auto run = [](unsigned char c) { return IsWord(c) || c == ':' || c == '.'; };
  std::size_t last_start = SIZE_MAX;
  auto hit = [&](std::size_t first, std::size_t end) {
    std::size_t s = first;
    while (s > 0 && first - s <= lead && run(d[s - 1])) --s;
    if (end - s > lead || s == last_start) return;
    last_start = s;
    // Every alternative starts with a hex digit or ':', and the hex digits and colons from there can
    // only be followed by '.', '%' or a byte that is neither a word character nor ':' (the match ends
    // there or goes on with an embedded IPv4 address or a zone index): "Foo::Bar" cannot match.
    std::size_t e = s;
    while (e < size && (IsHex(d[e]) || d[e] == ':')) ++e;
    if (e == s || (e < size && IsWord(d[e]))) return;
    out.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(end)});
  };
  colons.clear();
  FindByte(data, size, ':', colons);
  for (std::size_t c : colons) {
    // "::" at c.
    if (c + 1 < size && d[c + 1] == ':') {
      const std::size_t q = c + 2;
      if (q == size || d[q] == '\n') {
        hit(c, q);  // `$` (multiline): before the newline
      } else if (IsHex(d[q]) || !(IsWord(d[q]) || d[q] == ':')) {
        hit(c, q + 1);
      }
    }
    // Six groups, the sixth ending at c, then a hex digit.
    if (c + 1 < size && IsHex(d[c + 1])) {
      if (std::size_t first = SixGroupsBefore(d, c); first != SIZE_MAX) hit(first, c + 2);
    }
  }
}

}  // namespace

AnchorFinder AnchorFinderFor(std::string_view regex, std::string_view prefilter, bool case_insensitive,
                             std::size_t lead) {
  static const bool enabled = [] {
    const char* v = std::getenv("LEAKGUARD_ANCHORS");
    return v == nullptr || std::string_view(v) != "off";
  }();
  if (!enabled || case_insensitive) return AnchorFinder::kNone;
  if (regex == kEmailRegex && prefilter == kEmailPrefilter && lead == kEmailLead) return AnchorFinder::kEmail;
  if (regex == kIpv6Regex && prefilter == kIpv6Prefilter && lead == kIpv6Lead) return AnchorFinder::kIpv6;
  return AnchorFinder::kNone;
}

void FindAnchors(AnchorFinder finder, const char* data, std::size_t size, std::size_t lead,
                 std::vector<std::uint32_t>& scratch, std::vector<Anchor>& out) {
  switch (finder) {
    case AnchorFinder::kEmail:
      FindEmail(data, size, lead, out);
      break;
    case AnchorFinder::kIpv6:
      FindIpv6(data, size, lead, scratch, out);
      break;
    case AnchorFinder::kNone:
      break;
  }
}

}  // namespace leakguard::detect
