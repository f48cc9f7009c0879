// Validators: checksum and structure checks that turn a pattern match into a trustworthy finding.
//
// Each validator takes the matched text exactly as it appears in the input (separators, spaces and
// letters included) and returns true when the value is structurally valid for its type. Validators
// are pure functions with no state: safe from any thread. They never log the value.
//
// The catalog refers to validators by name (`validator: luhn` in YAML); FindValidator resolves them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leakguard::detect {

using ValidatorFn = bool (*)(std::string_view match);

struct ValidatorInfo {
  std::string_view name;         // as written in the catalog YAML
  std::string_view description;  // one line, shown by `leakguard types ID`
  ValidatorFn fn;
  std::size_t min_digits = 0;  // it rejects values with fewer ASCII digits (lets the engine skip them)
};

// nullptr when no validator has that name. Searches CoreValidators() then IntlValidators().
const ValidatorInfo* FindValidator(std::string_view name);
std::vector<ValidatorInfo> AllValidators();
std::span<const ValidatorInfo> CoreValidators();  // validators.cc
std::span<const ValidatorInfo> IntlValidators();  // intl_validators.cc: further national ids

// Helpers shared by validators and the engine.
std::string DigitsOnly(std::string_view s);  // keeps [0-9]
std::string AlnumUpper(std::string_view s);  // keeps [0-9A-Za-z], upper-cased
double ShannonEntropy(std::string_view s);   // bits per character

// Individual validators (also registered by name; see validators.cc for the list).
bool LuhnValid(std::string_view digits);             // digits only, any length >= 2
bool CreditCardValid(std::string_view match);        // issuer range + length + Luhn + consistent separators
std::string_view CardBrand(std::string_view match);  // "visa", "mastercard"… or "" when unknown
bool IbanValid(std::string_view match);              // per-country length/structure + ISO 7064 mod 97-10
bool SwiftBicValid(std::string_view match);
bool AbaRoutingValid(std::string_view match);
bool UsSsnValid(std::string_view match);
bool UsItinValid(std::string_view match);
bool IndonesiaNikValid(std::string_view match);
bool IndonesiaNpwpValid(std::string_view match);
bool VerhoeffValid(std::string_view digits);
bool AadhaarValid(std::string_view match);
bool IndiaPanValid(std::string_view match);
bool UkNhsValid(std::string_view match);
bool UkNinoValid(std::string_view match);
bool CanadaSinValid(std::string_view match);
bool SingaporeNricValid(std::string_view match);
bool UsNpiValid(std::string_view match);
bool UsDeaValid(std::string_view match);
bool JwtValid(std::string_view match);
bool Ipv4Valid(std::string_view match);
bool Ipv6Valid(std::string_view match);
bool PhoneValid(std::string_view match);
bool DateValid(std::string_view match);
bool EmailValid(std::string_view match);

}  // namespace leakguard::detect
