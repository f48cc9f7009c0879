// Validators for further national and business identifiers (beyond those in validators.h), each a
// checksum and structure check that makes a number shape a trustworthy finding. Registered by name in
// IntlValidators() (intl_validators.cc) and referred to from data/infotypes/*.yaml.
//
// Like every validator, each takes the matched text exactly as it appears in the input (separators
// such as spaces, dashes and dots included; letters in either case unless noted) and returns true
// when the value is structurally valid. Pure functions, no state, safe from any thread; they never log.
#pragma once

#include <string_view>

namespace leakguard::detect {

// Australia
bool AustraliaTfnValid(std::string_view match);       // tax file number: 8 or 9 digits, weighted mod 11
bool AustraliaAbnValid(std::string_view match);       // business number: 11 digits, weighted mod 89
bool AustraliaAcnValid(std::string_view match);       // company number: 9 digits, weighted mod 10 check digit
bool AustraliaMedicareValid(std::string_view match);  // Medicare card: 10 (or 11) digits, first 2–6, mod 10

// Europe
bool SpainNifValid(std::string_view match);            // DNI/NIF: 7–8 digits + mod-23 control letter
bool SpainNieValid(std::string_view match);            // NIE: X/Y/Z + 7 digits + mod-23 control letter
bool ItalyFiscalCodeValid(std::string_view match);     // codice fiscale: 16 characters, date, check letter
bool PolandPeselValid(std::string_view match);         // PESEL: 11 digits, birth date, weighted check digit
bool FinlandHetuValid(std::string_view match);         // henkilötunnus: DDMMYY, century sign, NNN, mod 31
bool SwedenPersonnummerValid(std::string_view match);  // (YY)YYMMDD[-+]NNNC: date (or +60 day) and Luhn
bool TurkeyTcknValid(std::string_view match);          // T.C. Kimlik No: 11 digits, two check digits

// Asia
bool KoreaRrnValid(std::string_view match);        // RRN with the pre-2020 check digit, date and gender
bool KoreaRrnFormatValid(std::string_view match);  // RRN date and gender digit only (post-2020 numbers)
bool ThailandTninValid(std::string_view match);    // 13 digits, province code, weighted mod 11
bool SingaporeUenValid(std::string_view match);    // UEN formats A, B and C with their check letters

// Americas, Africa
bool BrazilCpfValid(std::string_view match);      // CPF: 11 digits, two mod-11 check digits
bool SouthAfricaIdValid(std::string_view match);  // 13 digits: birth date, citizenship digit, Luhn
bool NigeriaNinValid(std::string_view match);     // NIN: 11 digits, Verhoeff check digit

// Helpers shared with the tests.
bool IsValidDate(int year, int month, int day);  // Gregorian calendar, years 1800–2199

}  // namespace leakguard::detect
