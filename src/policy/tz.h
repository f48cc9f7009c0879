// Time zones for time-of-day rule conditions, without the process-wide TZ variable (not thread-safe)
// and without C++20 <chrono> zones (not in GCC 12's libstdc++).
//
// A zone is "UTC", a fixed offset ("+07:00", "UTC+7", "-0530") or an IANA name ("Asia/Jakarta")
// read from the system's TZif files ($TZDIR or /usr/share/zoneinfo, package tzdata). Past the last
// transition in the file, the zone's POSIX footer gives the offset when the zone has no daylight
// saving time; for zones that have one, the last listed transition's offset is kept (Debian's
// "fat" files list transitions up to 2037).
// Threads: immutable after Load.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::policy {

class TimeZone {
 public:
  TimeZone() = default;  // UTC
  static Result<TimeZone> Load(std::string_view name);

  // Offset from UTC in seconds at a UTC time (seconds since the epoch).
  std::int32_t OffsetAt(std::int64_t utc_seconds) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_ = "UTC";
  std::int32_t fixed_ = 0;                 // offset before the first transition / fixed zones
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<std::int32_t> offsets_;      // offset from each transition on
  bool has_tail_ = false;                  // footer without DST: offset after the last transition
  std::int32_t tail_ = 0;
};

}  // namespace leakguard::policy
