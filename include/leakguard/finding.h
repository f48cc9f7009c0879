// leakguard/finding.h — what the engine reports.
//
// Owns: Confidence, Evidence and Finding, plain value types.
// A Finding never holds the full sensitive value unless the scan asked for it (ScanOptions::reveal):
// `masked` is always filled, `value` only on request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakguard {

// How sure the engine is that a candidate is the info type it reports. Ordered: kLow < kMedium < kHigh.
enum class Confidence : std::uint8_t { kLow = 1, kMedium = 2, kHigh = 3 };

std::string_view ConfidenceName(Confidence c);                     // "low", "medium", "high"
std::optional<Confidence> ParseConfidence(std::string_view name);  // case-insensitive

// Why a finding has the confidence it has, so a user can see what the engine saw.
struct Evidence {
  std::string validator;               // validator that ran ("luhn", "iban"…); empty when none
  bool checksum_passed = false;        // validator ran and accepted the value
  std::string context_word;            // nearest context word in the window; empty when none
  std::int64_t context_distance = -1;  // bytes between that word and the value; -1 when none
  double entropy = 0;                  // Shannon entropy (bits/char) of the value, for secrets
  std::string note;                    // anything else worth saying ("test value", "placeholder")
};

struct Finding {
  std::string info_type;     // catalog id, e.g. "CREDIT_CARD_NUMBER"
  std::uint64_t start = 0;   // byte offset of the value in the scanned stream (inclusive)
  std::uint64_t end = 0;     // byte offset one past the value
  std::uint64_t line = 0;    // 1-based line of `start`
  std::uint64_t column = 0;  // 1-based byte column of `start` within its line
  Confidence confidence = Confidence::kLow;
  std::string masked;  // the value with most characters replaced by '*', e.g. "4111 **** **** 1111"
  std::string rule;    // "<INFO_TYPE>/<pattern id>": which pattern fired
  Evidence evidence;
  std::string part;   // location inside a container ("a.zip/b.xlsx/Sheet1!C3"); empty for plain input
  std::string value;  // full value: filled only when ScanOptions::reveal is set
};

}  // namespace leakguard
