// core/size.h — byte sizes as written in configuration files: "1048576", "64KiB", "16 MiB", "2GB".
//
// Units (case-insensitive): none or B = bytes; K, KiB = 1024; M, MiB = 1024^2; G, GiB = 1024^3;
// KB = 1000, MB = 1000^2, GB = 1000^3 (as a disk vendor means them). Overflow and anything else is
// nullopt. Threads: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace leakguard {

std::optional<std::uint64_t> ParseByteSize(std::string_view text);

}  // namespace leakguard
