// IP addresses and networks (CIDR) for destination conditions and internal networks.
//
// Addresses are kept as 16 bytes; an IPv4 address is stored as the IPv4-mapped IPv6 address
// (::ffff:a.b.c.d), so "10.0.0.0/8" is ::ffff:10.0.0.0/104 and also matches "::ffff:10.1.2.3".
// Threads: value types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leakguard/status.h"

namespace leakguard::policy {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;  // written as IPv4 (or IPv4-mapped)
};

// "10.1.2.3", "2001:db8::1", "[2001:db8::1]", "fe80::1%eth0" (zone dropped). nullopt when not an address.
std::optional<IpAddress> ParseIp(std::string_view text);

struct IpNetwork {
  IpAddress base;  // host bits cleared
  int prefix = 0;  // in the 128-bit form
  std::string text;

  // "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (a /32). Errors say what is wrong.
  static Result<IpNetwork> Parse(std::string_view text);
  bool Contains(const IpAddress& ip) const;
};

// Loopback, RFC 1918, CGNAT (100.64/10), link-local, IPv6 ULA (fc00::/7) and unspecified.
bool IsPrivateOrLoopback(const IpAddress& ip);

}  // namespace leakguard::policy
