// SHA-256 (FIPS 180-4), for policy versions and file change detection: a policy's version is the hash
// of its text, so an incident names exactly which policy text decided it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace leakguard::policy {

std::array<std::uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);  // 64 lower-case hex digits

}  // namespace leakguard::policy
