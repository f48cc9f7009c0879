#include "policy/tz.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace leakguard::policy {
namespace {

// "+07:00", "-0530", "+7", "UTC+7", "GMT-03:30" → seconds east of UTC.
bool ParseFixed(std::string_view s, std::int32_t* out) {
  if (s.starts_with("UTC") || s.starts_with("GMT")) s.remove_prefix(3);
  if (s.empty()) {
    *out = 0;
    return true;
  }
  if (s[0] != '+' && s[0] != '-') return false;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  std::string digits;
  for (char c : s) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return false;
    digits += c;
  }
  int h = 0, m = 0;
  if (digits.size() == 1 || digits.size() == 2) {
    h = std::stoi(digits);
  } else if (digits.size() == 3 || digits.size() == 4) {
    h = std::stoi(digits.substr(0, digits.size() - 2));
    m = std::stoi(digits.substr(digits.size() - 2));
  } else {
    return false;
  }
  if (h > 14 || m > 59) return false;
  *out = sign * (h * 3600 + m * 60);
  return true;
}

std::int64_t Be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

// POSIX TZ footer "WIB-7": std name, offset (west positive), no DST part → seconds east.
bool FooterWithoutDst(std::string_view f, std::int32_t* out) {
  std::size_t i = 0;
  if (i < f.size() && f[i] == '<') {
    i = f.find('>');
    if (i == std::string_view::npos) return false;
    ++i;
  } else {
    while (i < f.size() && ((f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= 'a' && f[i] <= 'z'))) ++i;
  }
  std::string_view rest = f.substr(i);
  std::size_t end = 0;
  while (end < rest.size() &&
         (rest[end] == '+' || rest[end] == '-' || rest[end] == ':' || (rest[end] >= '0' && rest[end] <= '9')))
    ++end;
  if (end == 0 || end != rest.size()) return false;  // a DST part follows
  std::string_view off = rest.substr(0, end);
  int sign = 1;
  if (off[0] == '+' || off[0] == '-') {
    sign = off[0] == '-' ? -1 : 1;
    off.remove_prefix(1);
  }
  int parts[3] = {0, 0, 0}, k = 0;
  for (char c : off) {
    if (c == ':') {
      if (++k > 2) return false;
    } else {
      parts[k] = parts[k] * 10 + (c - '0');
    }
  }
  *out = -sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

}  // namespace

Result<TimeZone> TimeZone::Load(std::string_view name) {
  TimeZone tz;
  tz.name_ = std::string(name);
  if (ParseFixed(name, &tz.fixed_)) return tz;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+'))
      return Unexpected(Status::InvalidArgument("unknown time zone '" + tz.name_ + "'"));
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
    return Unexpected(Status::InvalidArgument("unknown time zone '" + tz.name_ + "'"));
  const char* dir = std::getenv("TZDIR");
  std::string path =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") + "/" + tz.name_;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Unexpected(Status::InvalidArgument("unknown time zone '" + tz.name_ + "' (no " + path + ")"));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&] { return Unexpected(Status::ParseError("time zone file " + path + " is not a TZif file")); };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  if (n < 44 || data.compare(0, 4, "TZif") != 0) return bad();
  auto counts = [&](std::size_t at, std::int64_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = Be(p + at + 20 + 4 * i, 4);
  };
  std::int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  for (auto v : c)
    if (v < 0 || v > 100000) return bad();
  std::size_t at = 44;
  int tsize = 4;
  const char version = data[4];
  if (version >= '2') {
    const std::size_t v1 = static_cast<std::size_t>(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    at += v1;
    if (at + 44 > n || data.compare(at, 4, "TZif") != 0) return bad();
    counts(at, c);
    for (auto v : c)
      if (v < 0 || v > 100000) return bad();
    at += 44;
    tsize = 8;
  }
  const std::size_t timecnt = static_cast<std::size_t>(c[3]), typecnt = static_cast<std::size_t>(c[4]);
  const std::size_t need = timecnt * (tsize + 1) + typecnt * 6 + static_cast<std::size_t>(c[5]) +
                           static_cast<std::size_t>(c[2]) * (tsize + 4) +
                           static_cast<std::size_t>(c[1] + c[0]);
  if (typecnt == 0 || at + need > n) return bad();
  const unsigned char* times = p + at;
  const unsigned char* idx = times + timecnt * tsize;
  const unsigned char* types = idx + timecnt;
  std::vector<std::int32_t> type_off(typecnt);
  for (std::size_t i = 0; i < typecnt; ++i) type_off[i] = static_cast<std::int32_t>(Be(types + 6 * i, 4));
  tz.fixed_ = type_off[0];
  for (std::size_t i = 0; i < timecnt; ++i) {
    if (idx[i] >= typecnt) return bad();
    tz.transitions_.push_back(Be(times + i * tsize, tsize));
    tz.offsets_.push_back(type_off[idx[i]]);
  }
  if (version >= '2') {
    std::size_t f = at + need;
    if (f < n && data[f] == '\n') {
      std::size_t e = data.find('\n', f + 1);
      if (e != std::string::npos)
        tz.has_tail_ = FooterWithoutDst(std::string_view(data).substr(f + 1, e - f - 1), &tz.tail_);
    }
  }
  return tz;
}

std::int32_t TimeZone::OffsetAt(std::int64_t utc_seconds) const {
  if (transitions_.empty()) return has_tail_ ? tail_ : fixed_;
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return fixed_;
  if (it == transitions_.end() && has_tail_) return tail_;
  return offsets_[static_cast<std::size_t>(it - transitions_.begin()) - 1];
}

}  // namespace leakguard::policy
