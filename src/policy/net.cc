#include "policy/net.h"

#include <arpa/inet.h>

#include <cstring>

namespace leakguard::policy {

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  IpAddress ip;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    ip.v4 = true;
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
    return ip;
  }
  return std::nullopt;
}

Result<IpNetwork> IpNetwork::Parse(std::string_view text) {
  IpNetwork n;
  n.text = std::string(text);
  std::string_view addr = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3)
      return Unexpected(Status::InvalidArgument("bad prefix length in '" + n.text + "'"));
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9')
        return Unexpected(Status::InvalidArgument("bad prefix length in '" + n.text + "'"));
      v = v * 10 + (c - '0');
    }
    prefix = v;
  }
  auto ip = ParseIp(addr);
  if (!ip)
    return Unexpected(Status::InvalidArgument("'" + n.text + "' is not an IP address or CIDR network"));
  const int max = ip->v4 && addr.find(':') == std::string_view::npos ? 32 : 128;
  int len = prefix.value_or(max);
  if (len > max)
    return Unexpected(
        Status::InvalidArgument("prefix length above " + std::to_string(max) + " in '" + n.text + "'"));
  if (max == 32) len += 96;
  n.prefix = len;
  n.base = *ip;
  for (int bit = len; bit < 128; ++bit)
    n.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return n;
}

bool IpNetwork::Contains(const IpAddress& ip) const {
  const int full = prefix / 8;
  if (std::memcmp(ip.bytes.data(), base.bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (ip.bytes[full] & mask) == (base.bytes[full] & mask);
}

bool IsPrivateOrLoopback(const IpAddress& ip) {
  static const IpNetwork* const kNets = [] {
    static IpNetwork nets[11];
    const char* texts[] = {"127.0.0.0/8",   "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",
                           "100.64.0.0/10", "169.254.0.0/16", "0.0.0.0/32",    "::1/128",
                           "fc00::/7",      "fe80::/10",      "::/128"};
    for (int i = 0; i < 11; ++i) nets[i] = *IpNetwork::Parse(texts[i]);
    return nets;
  }();
  for (int i = 0; i < 11; ++i)
    if (kNets[i].Contains(ip)) return true;
  return false;
}

}  // namespace leakguard::policy
