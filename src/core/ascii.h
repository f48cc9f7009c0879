// core/ascii.h — ASCII-only text helpers for protocol fields (header names, media types, enum names):
// no locale, no allocation where avoidable.
//
// Threads: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace leakguard {

constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

// Equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLowerCopy(std::string_view s);

// A counter in the Prometheus text format (0.0.4): HELP, TYPE and the value, for /metrics.
void AppendPrometheusCounter(std::string& out, std::string_view name, std::string_view help,
                             unsigned long long value);

}  // namespace leakguard
