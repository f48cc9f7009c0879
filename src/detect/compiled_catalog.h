// The catalog compiled for scanning: Vectorscan databases, PCRE2 programs, context-word tables.
// Immutable after Compile; shared by every Scanner of an Engine (read-only, any thread).
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs.h>
#include <pcre2.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "detect/anchor_scan.h"
#include "detect/byte_scan.h"
#include "detect/catalog.h"
#include "detect/validators/validators.h"
#include "leakguard/engine.h"

namespace leakguard::detect {

// Vectorscan's scan entry point. Debian's Vectorscan 5.4.9 misses matches in its AVX-512 code path
// depending on buffer alignment (upstream fixes in 2026: VectorCamp/vectorscan#375, #378); reproduced
// here with two literal patterns missing at 49 of 64 alignments. Its fat runtime also exports the
// AVX2 variant, which is correct, so on AVX-512 machines the engine calls that instead.
// LEAKGUARD_HS_DISPATCH=native restores the library's own choice.
using HsScanFn = hs_error_t (*)(const hs_database_t*, const char*, unsigned, unsigned, hs_scratch_t*,
                                match_event_handler, void*);
HsScanFn HsScan();
// The platform databases are compiled for: the host without AVX-512, matching HsScan().
const hs_platform_info_t* HsPlatform();

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct Pcre2CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using Pcre2Code = std::unique_ptr<pcre2_code, Pcre2CodeDeleter>;

struct CompiledPattern {
  std::uint32_t type_index = 0;
  const PatternSpec* spec = nullptr;
  std::string rule;                // "TYPE/pattern"
  Pcre2Code code;                  // null for keyword patterns
  bool jit = false;                // code is JIT-compiled: matched with pcre2_jit_match (no option checks)
  std::uint32_t secret_group = 0;  // capture group number of the value; 0 = whole match
  const ValidatorInfo* validator = nullptr;
  std::size_t max_length = 0;
  bool prefiltered = false;  // the database holds spec->prefilter: confirm on both sides of its match
  // Found by a hand-written anchor finder instead of the literal database (anchor_scan.h), and
  // confirmed with `anchored` (the regex compiled with PCRE2_ANCHORED) at each anchor.
  AnchorFinder anchor = AnchorFinder::kNone;
  Pcre2Code anchored;
  bool anchored_jit = false;
  // `trigger: digits` patterns: what a numeric token must have for this pattern to be tried in it.
  std::size_t min_digits = 0;                // digits (in a run of digit groups unless `letters`)
  std::size_t min_digit_run = 0;             // consecutive digits every match holds
  SeparatorCounts min_separators{};          // separators every match holds (regex_shape.h)
  std::size_t min_upper = 0, min_lower = 0;  // letters of each case every match holds
  std::uint64_t digit_runs = 0;              // a match is a whole group of n digits for a bit n here (0: any)
  std::uint64_t groups = 0;                  // a match is a whole group of n [A-Za-z0-9] for a bit n (0: any)
  bool letters = false;                      // a match can hold letters: count every digit of the token
  std::vector<std::bitset<256>> prefix;      // byte sets of a match's first positions
  bool word_start = false;                   // a match never starts right after a word character
  std::vector<std::string> required;         // one of these occurs in every match (lower-case if caseless)
  bool required_caseless = false;
  // This digits pattern's bit in the prefix tables (CompiledCatalog::prefix_table), or UINT32_MAX.
  std::uint32_t prefix_bit = UINT32_MAX;
};

// For the digits patterns with a prefix (up to kPrefixTableWidth byte sets) that never start after a
// word character: table[i][b] has the bit of each pattern whose i-th prefix set holds byte b (or that
// has no i-th set); entry 256 stands for "past the token's end" and has the bits of the patterns whose
// prefix is shorter than i + 1. A word start q fits a pattern iff the AND over i of
// table[i][byte at q + i] has its bit: one pass over a token's word starts serves every pattern.
inline constexpr std::size_t kPrefixTableWidth = 4;
inline constexpr std::size_t kPrefixBits = 128;
struct PrefixBits {
  std::uint64_t w[kPrefixBits / 64] = {};
  bool test(std::uint32_t bit) const { return (w[bit / 64] >> (bit % 64)) & 1u; }
};
using PrefixTable = std::array<std::array<PrefixBits, 257>, kPrefixTableWidth>;

// What a numeric token holds, as bits: each separator of kTokenSeparators, then [A-Z], then [a-z].
inline constexpr std::size_t kTokenFeatureBits = kTokenSeparators.size() + 2;
inline std::uint32_t TokenFeatures(const SeparatorCounts& separators, std::size_t upper, std::size_t lower) {
  std::uint32_t f = 0;
  for (std::size_t k = 0; k < kTokenSeparators.size(); ++k)
    f |= static_cast<std::uint32_t>(separators[k] > 0) << k;
  f |= static_cast<std::uint32_t>(upper > 0) << kTokenSeparators.size();
  f |= static_cast<std::uint32_t>(lower > 0) << (kTokenSeparators.size() + 1);
  return f;
}

// The checks of a digits pattern against a numeric token that need only the token's counts and masks
// (ScanState::FindNumericCandidates), packed so that the patterns a token is tried against sit in a
// few cache lines instead of one CompiledPattern each.
struct DigitFilter {
  std::uint64_t digit_runs = 0;  // CompiledPattern::digit_runs
  std::uint64_t groups = 0;      // CompiledPattern::groups
  SeparatorCounts min_separators{};
  std::uint16_t min_digits = 0;
  std::uint16_t min_digit_run = 0;
  std::uint16_t min_upper = 0, min_lower = 0;
  bool letters = false;
  bool any_separators = false;  // some min_separators entry is not 0
  bool needs_pattern = false;   // a prefix outside the prefix tables, or required literals: TokenFits
  std::uint32_t pattern = 0;
  std::uint32_t prefix_bit = UINT32_MAX;
};

struct CompiledType {
  const InfoTypeSpec* spec = nullptr;
  std::vector<std::uint32_t> context_words;    // sorted word ids
  std::vector<std::uint32_t> exclusion_words;  // sorted word ids
  std::unordered_set<std::string> exclusion_values;
  std::unordered_set<std::string> test_values;
  std::vector<Pcre2Code> exclusion_regexes;
};

// What a match of a Vectorscan id in the literal database means.
struct LiteralEntry {
  enum class Kind : std::uint8_t { kPattern, kKeyword, kWord } kind;
  std::uint32_t index;   // pattern index (kPattern, kKeyword) or word id (kWord)
  std::uint32_t length;  // literal length (kKeyword, kWord)
};

class CompiledCatalog {
 public:
  static Result<std::unique_ptr<CompiledCatalog>> Compile(Catalog catalog);

  const Catalog& catalog() const { return catalog_; }
  const std::vector<CompiledType>& types() const { return types_; }
  const std::vector<CompiledPattern>& patterns() const { return patterns_; }
  const std::vector<InfoTypeInfo>& infos() const { return infos_; }

  const hs_database_t* literal_db() const { return literal_db_.get(); }
  const hs_database_t* words_db() const { return words_db_.get(); }  // hs id = word id
  const std::vector<LiteralEntry>& literal_entries() const { return literal_entries_; }
  // The `trigger: digits` patterns, by increasing min_digits, and how numeric tokens are cut.
  const std::vector<std::uint32_t>& digit_patterns() const { return digit_patterns_; }
  // The same (as filters), only those a token with these features can fit (TokenFeatures: a bit per
  // separator of kTokenSeparators it holds, then one for [A-Z] and one for [a-z]).
  const std::vector<DigitFilter>& digit_patterns(std::uint32_t token_features) const {
    return digit_patterns_by_features_[token_features];
  }
  const NumericTokenRules& numeric_rules() const { return numeric_rules_; }
  const PrefixTable& prefix_table() const { return *prefix_table_; }
  // The patterns found by an anchor finder instead of the literal database.
  const std::vector<std::uint32_t>& anchored_patterns() const { return anchored_patterns_; }
  const std::vector<std::string>& words() const { return words_; }
  // For each word id: the context-trigger patterns to search around it.
  const std::vector<std::vector<std::uint32_t>>& word_context_patterns() const {
    return word_context_patterns_;
  }

  std::size_t overlap() const { return overlap_; }  // segment overlap (engine.h)
  std::uint32_t max_capture_count() const { return max_capture_count_; }
  // A scratch space sized for every database (clone it per Scanner).
  const hs_scratch_t* prototype_scratch() const { return scratch_; }
  ~CompiledCatalog();

 private:
  Catalog catalog_;
  std::vector<CompiledType> types_;
  std::vector<CompiledPattern> patterns_;
  std::vector<InfoTypeInfo> infos_;
  HsDatabase literal_db_;
  HsDatabase words_db_;
  std::vector<LiteralEntry> literal_entries_;
  std::vector<std::uint32_t> digit_patterns_;
  std::vector<std::vector<DigitFilter>> digit_patterns_by_features_;
  std::unique_ptr<PrefixTable> prefix_table_ = std::make_unique<PrefixTable>();
  NumericTokenRules numeric_rules_;
  std::vector<std::uint32_t> anchored_patterns_;
  std::vector<std::string> words_;
  std::vector<std::vector<std::uint32_t>> word_context_patterns_;
  std::size_t overlap_ = 4096;
  std::uint32_t max_capture_count_ = 0;
  hs_scratch_t* scratch_ = nullptr;
};

}  // namespace leakguard::detect
