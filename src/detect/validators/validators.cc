// Validator registry, shared helpers and the generic check-digit algorithms (Luhn, Verhoeff).
//
// The individual validators live beside this file, grouped by family:
//   card_validator.cc     credit_card (issuer ranges, lengths, grouping, Luhn) and CardBrand
//   bank_validators.cc    iban (SWIFT registry + national check digits), swift_bic, aba_routing
//   id_validators.cc      national and professional identifiers (SSN, ITIN, NIK, NPWP, Aadhaar, …)
//   network_validators.cc ipv4, ipv6, email, jwt
//   phone_date_validators.cc phone, date
//
// Every validator is a pure function of its input: no state, no logging, no exceptions, and no heap
// allocation (digits are gathered into small stack buffers with explicit bounds).
#include "detect/validators/validators.h"

#include <array>
#include <cmath>
#include <cstdint>

namespace leakguard::detect {

namespace {

// A check-digit algorithm over the digits of the value, separators ignored (64 digits at most).
template <bool (*Check)(std::string_view)>
bool DigitsChecksum(std::string_view m) {
  char buf[64];
  size_t n = 0;
  for (char c : m) {
    if (c >= '0' && c <= '9') {
      if (n == sizeof(buf)) return false;
      buf[n++] = c;
    }
  }
  return n >= 2 && Check(std::string_view(buf, n));
}

constexpr ValidatorInfo kCoreValidators[] = {
    {"luhn", "Luhn (mod 10) check digit over the digits of the value", &DigitsChecksum<LuhnValid>},
    {"credit_card", "Payment card: issuer range and length, consistent grouping, Luhn", &CreditCardValid},
    {"iban", "IBAN: SWIFT registry length and BBAN structure per country, ISO 7064 mod 97-10", &IbanValid},
    {"swift_bic", "SWIFT/BIC: bank code, ISO 3166 country, location and branch codes", &SwiftBicValid},
    {"aba_routing", "US ABA routing number: Fed district prefix and 3-7-1 checksum", &AbaRoutingValid},
    {"us_ssn", "US Social Security number: area/group/serial rules, known sample numbers rejected",
     &UsSsnValid},
    {"us_itin", "US ITIN: 9xx area and the IRS group ranges", &UsItinValid},
    {"indonesia_nik", "Indonesian NIK: region codes, birth date (women +40), serial", &IndonesiaNikValid},
    {"indonesia_npwp", "Indonesian NPWP: 15-digit form with Luhn check digit, or 16-digit form",
     &IndonesiaNpwpValid},
    {"verhoeff", "Verhoeff check digit over the digits of the value", &DigitsChecksum<VerhoeffValid>},
    {"aadhaar", "Indian Aadhaar: 12 digits, first 2-9, Verhoeff check digit", &AadhaarValid},
    {"india_pan", "Indian PAN: AAAAA9999A with a valid holder-type letter", &IndiaPanValid},
    {"uk_nhs", "UK NHS number: 10 digits, mod 11 check digit", &UkNhsValid},
    {"uk_nino", "UK National Insurance number: allocated prefixes, suffix A-D", &UkNinoValid},
    {"canada_sin", "Canadian SIN: 9 digits, Luhn, first digit not 0 or 8", &CanadaSinValid},
    {"singapore_nric", "Singapore NRIC/FIN: S/T/F/G/M prefix and check letter", &SingaporeNricValid},
    {"us_npi", "US National Provider Identifier: Luhn with the 80840 prefix", &UsNpiValid},
    {"us_dea", "US DEA registration number: registrant type and check digit", &UsDeaValid},
    {"jwt", "JSON Web Token: base64url header with \"alg\" and a JSON payload", &JwtValid},
    {"ipv4", "IPv4 address (optional /prefix)", &Ipv4Valid},
    {"ipv6", "IPv6 address: full, compressed or with embedded IPv4 (optional %zone, /prefix)", &Ipv6Valid},
    {"phone", "Telephone number: E.164 country codes and plausible national forms", &PhoneValid, 7},
    {"date", "Calendar date, numeric or with month names, years 1900-2099", &DateValid},
    {"email", "E-mail address: local part and domain syntax, TLD", &EmailValid},
};

}  // namespace

std::span<const ValidatorInfo> CoreValidators() { return kCoreValidators; }

const ValidatorInfo* FindValidator(std::string_view name) {
  for (const ValidatorInfo& v : CoreValidators()) {
    if (v.name == name) return &v;
  }
  for (const ValidatorInfo& v : IntlValidators()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::vector<ValidatorInfo> AllValidators() {
  std::span<const ValidatorInfo> core = CoreValidators();
  std::span<const ValidatorInfo> intl = IntlValidators();
  std::vector<ValidatorInfo> all;
  all.reserve(core.size() + intl.size());
  all.insert(all.end(), core.begin(), core.end());
  all.insert(all.end(), intl.begin(), intl.end());
  return all;
}

std::string DigitsOnly(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

std::string AlnumUpper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(c);
    }
  }
  return out;
}

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  const double n = static_cast<double>(s.size());
  double h = 0.0;
  for (uint32_t c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

bool LuhnValid(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    const char c = digits[i];
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool VerhoeffValid(std::string_view digits) {
  // Dihedral group D5 multiplication table and the position permutation table.
  static constexpr uint8_t kD[10][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
                                         {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
                                         {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
                                         {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
                                         {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr uint8_t kP[8][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
                                        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
                                        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
                                        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  if (digits.size() < 2) return false;
  int c = 0;
  size_t pos = 0;
  for (size_t i = digits.size(); i-- > 0; ++pos) {
    const char ch = digits[i];
    if (ch < '0' || ch > '9') return false;
    c = kD[c][kP[pos % 8][ch - '0']];
  }
  return c == 0;
}

}  // namespace leakguard::detect
