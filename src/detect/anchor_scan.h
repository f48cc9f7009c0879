// Hand-written candidate finders for two frequent built-in patterns, EMAIL_ADDRESS/address and
// IP_ADDRESS/ipv6, run instead of their Vectorscan prefilters. On text such as source code and
// documentation these two prefilters cost a third of the literal database ('@' and ':' are common and
// their prefilters are character-class runs, not literals), and confirming them by searching a window
// with PCRE2 was the largest confirmation cost.
//
// Both regexes open with a lookbehind that forbids every byte their matches start with, so a match
// can start at one place only: where the run of such bytes holding the prefilter hit begins. Each
// finder reports that place (and where the prefilter match ends); the engine then runs the pattern's
// regex anchored there, once, with PCRE2 (scan_state.cc). The findings are those of the window search:
// same starts, same leftmost-first matches.
//
// A finder is used only when the pattern is exactly the built-in one (regex, prefilter and lead); a
// configuration that changes it gets the Vectorscan prefilter. LEAKGUARD_ANCHORS=off turns the
// finders off (to compare both paths).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leakguard::detect {

enum class AnchorFinder : std::uint8_t { kNone, kEmail, kIpv6 };

// The finder for a pattern with this regex and prefilter (Vectorscan syntax) and this lead (the most
// bytes a match starts before its prefilter hit ends), or kNone.
AnchorFinder AnchorFinderFor(std::string_view regex, std::string_view prefilter, bool case_insensitive,
                             std::size_t lead);

struct Anchor {
  std::uint32_t start;  // the only place a match holding the hit can start
  std::uint32_t end;    // end of the prefilter match (the first one for this start)
};

// Appends the anchors of data[0, size) in increasing order of start, one per start: the starts of
// which the prefilter matches a hit ending at most `lead` bytes after it. `scratch` is working space.
void FindAnchors(AnchorFinder finder, const char* data, std::size_t size, std::size_t lead,
                 std::vector<std::uint32_t>& scratch, std::vector<Anchor>& out);

}  // namespace leakguard::detect
