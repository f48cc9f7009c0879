// Network-shaped values: IPv4/IPv6 addresses, e-mail addresses and JSON Web Tokens.
#include <cstdint>

#include "detect/validators/validators.h"

namespace leakguard::detect {

namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
constexpr bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decimal number without leading zeros ("0" itself is fine), at most `max`.
bool SmallNumber(std::string_view t, int max) {
  if (t.empty() || t.size() > 3) return false;
  if (t.size() > 1 && t[0] == '0') return false;
  int v = 0;
  for (char c : t) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  return v <= max;
}

bool Ipv4Plain(std::string_view s) {
  int parts = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '.') continue;
    if (++parts > 4 || !SmallNumber(s.substr(start, i - start), 255)) return false;
    start = i + 1;
  }
  return parts == 4;
}

// Splits an optional "/prefix" (0..max_prefix) off `s`.
bool SplitPrefix(std::string_view& s, int max_prefix) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return true;
  if (!SmallNumber(s.substr(slash + 1), max_prefix)) return false;
  s = s.substr(0, slash);
  return true;
}

bool Ipv6Plain(std::string_view s) {
  const size_t n = s.size();
  if (n < 2 || n > 45) return false;
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    compressed = true;
    i = 2;
    if (i == n) return true;  // "::"
  }
  while (i < n) {
    const size_t start = i;
    while (i < n && IsHex(s[i])) ++i;
    if (i < n && s[i] == '.') {  // embedded IPv4 in the last 32 bits
      if (!Ipv4Plain(s.substr(start))) return false;
      groups += 2;
      break;
    }
    const size_t len = i - start;
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == n) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < n && s[i] == ':') {
      if (compressed) return false;  // "::" only once
      compressed = true;
      ++i;
    } else if (i == n) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// --- base64url ---------------------------------------------------------------------------------------

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '_') return c == '-' ? 62 : 63;
  return -1;
}

// Facts about a decoded JSON text, gathered while decoding (no buffer).
struct JsonShape {
  char first = 0;        // first non-whitespace byte
  char last = 0;         // last non-whitespace byte
  bool has_alg = false;  // contains "alg"
};

// Decodes one base64url segment (optional '=' padding) and records its JSON shape. False when the
// segment is empty, has a character outside the alphabet, or an impossible length.
bool DecodeSegment(std::string_view seg, JsonShape& shape) {
  while (!seg.empty() && seg.back() == '=') seg.remove_suffix(1);
  if (seg.empty() || seg.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  uint64_t window = 0;  // last five decoded bytes, to spot "alg"
  constexpr uint64_t kAlg = (uint64_t{'"'} << 32) | (uint64_t{'a'} << 24) | (uint64_t{'l'} << 16) |
                            (uint64_t{'g'} << 8) | uint64_t{'"'};
  for (char c : seg) {
    const int v = B64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const char byte = static_cast<char>((acc >> bits) & 0xFF);
      if (!IsSpace(byte)) {
        if (shape.first == 0) shape.first = byte;
        shape.last = byte;
      }
      window = ((window << 8) | static_cast<uint8_t>(byte)) & 0xFFFFFFFFFFull;
      if (window == kAlg) shape.has_alg = true;
    }
  }
  return true;
}

bool DomainLabelValid(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

// Special addresses (0.0.0.0, loopback, private ranges, broadcast) are accepted: they are addresses,
// and whether one matters is the catalog's business (context words, exclusions). Leading zeros
// ("010.1.1.1") are rejected: they are ambiguous (octal in inet_aton) and usually not an address.
bool Ipv4Valid(std::string_view match) {
  std::string_view s = Trim(match);
  if (s.size() > 18 || !SplitPrefix(s, 32)) return false;
  return Ipv4Plain(s);
}

bool Ipv6Valid(std::string_view match) {
  std::string_view s = Trim(match);
  if (s.size() > 64 || !SplitPrefix(s, 128)) return false;
  const size_t pct = s.find('%');  // zone index: fe80::1%eth0
  if (pct != std::string_view::npos) {
    const std::string_view zone = s.substr(pct + 1);
    if (zone.empty() || zone.size() > 16) return false;
    for (char c : zone) {
      if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
    }
    s = s.substr(0, pct);
  }
  return Ipv6Plain(s);
}

bool EmailValid(std::string_view match) {
  const std::string_view s = Trim(match);
  if (s.size() < 6 || s.size() > 254) return false;
  const size_t at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  // Local part: dot-atom (RFC 5322 atext and single dots); quoted local parts are not accepted.
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  static constexpr std::string_view kAtext = "!#$%&'*+/=?^_`{|}~-";
  char prev = 0;
  for (char c : local) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!IsAlnum(c) && kAtext.find(c) == std::string_view::npos) {
      return false;
    }
    prev = c;
  }
  // Domain: two or more LDH labels; the TLD is 2-63 letters or an IDNA "xn--" label.
  if (domain.size() < 4 || domain.size() > 253) return false;
  size_t labels = 0, start = 0;
  std::string_view tld;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') continue;
    const std::string_view label = domain.substr(start, i - start);
    if (!DomainLabelValid(label)) return false;
    ++labels;
    tld = label;
    start = i + 1;
  }
  if (labels < 2 || tld.size() < 2) return false;
  if (tld.size() > 4 && (tld[0] == 'x' || tld[0] == 'X') && (tld[1] == 'n' || tld[1] == 'N') &&
      tld[2] == '-' && tld[3] == '-') {
    return true;
  }
  for (char c : tld) {
    if (!IsAlpha(c)) return false;
  }
  return true;
}

bool JwtValid(std::string_view match) {
  const std::string_view s = Trim(match);
  if (s.size() < 16 || s.size() > (1u << 20)) return false;
  const size_t dot1 = s.find('.');
  if (dot1 == std::string_view::npos) return false;
  const size_t dot2 = s.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || s.find('.', dot2 + 1) != std::string_view::npos) return false;
  JsonShape header, payload;
  if (!DecodeSegment(s.substr(0, dot1), header)) return false;
  if (header.first != '{' || header.last != '}' || !header.has_alg) return false;
  if (!DecodeSegment(s.substr(dot1 + 1, dot2 - dot1 - 1), payload)) return false;
  if (payload.first != '{' || payload.last != '}') return false;
  // The signature may be empty (unsecured "alg":"none" tokens); otherwise it must be base64url.
  const std::string_view sig = s.substr(dot2 + 1);
  if (sig.empty()) return true;
  JsonShape ignored;
  return DecodeSegment(sig, ignored);
}

}  // namespace leakguard::detect
