// Derives, from a regex, a set of literal strings such that every match of the regex contains at
// least one of them (the idea of RE2's prefilter). A Vectorscan database of such literals runs at
// memory speed, where the full regexes would each add an automaton to every byte scanned; PCRE2 then
// confirms the regex around each literal hit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakguard::detect {

// A literal as a Vectorscan expression: every byte that is not a letter or digit becomes \xHH.
std::string VectorscanLiteral(std::string_view literal);
// Literals as one Vectorscan alternation ("a|b|c").
std::string VectorscanAlternation(const std::vector<std::string>& literals);

struct LiteralPrefilter {
  std::vector<std::string> literals;  // every match contains one of these
  bool caseless = false;              // compare case-insensitively (literals are lower-case then)
  std::string Expression() const;     // the literals as one Vectorscan alternation
};

// nullopt when the regex has no usable literal (every alternative needs >= `min_length` bytes), or
// uses syntax the analysis does not understand (it then gives up rather than guess).
std::optional<LiteralPrefilter> DeriveLiteralPrefilter(std::string_view regex, bool caseless,
                                                       std::size_t min_length = 3);

}  // namespace leakguard::detect
