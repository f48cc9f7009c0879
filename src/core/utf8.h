// UTF-8 encoding shared by every decoder (JSON escapes, UTF-16 and Latin-1 text, RTF \u, XML and HTML
// character references). Internal to libleakguard.
#pragma once

#include <cstdint>
#include <string>

namespace leakguard {

// Appends code point `cp` as UTF-8; surrogates and values above U+10FFFF become U+FFFD.
void AppendUtf8(std::string& out, std::uint32_t cp);

}  // namespace leakguard
