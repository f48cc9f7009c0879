// Bank identifiers: IBAN, SWIFT/BIC and US ABA routing numbers.
#include <cstdint>
#include <iterator>

#include "detect/validators/validators.h"

namespace leakguard::detect {

namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsAlnumUpper(char c) { return IsDigit(c) || IsUpper(c); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------------------------------
// IBAN

struct IbanCountry {
  char cc[3];
  uint8_t length;    // total IBAN length
  const char* bban;  // BBAN structure in registry notation without '!': n digits, a upper letters, c alnum
};

// SWIFT IBAN Registry (release 99, 2024): every country that issues IBANs in the registry's format.
// Dependent territories that use their parent's code (e.g. French overseas departments use FR, Jersey
// uses GB) are covered by the parent entry. Countries with "experimental" IBANs that are not in the
// registry (e.g. DZ, AO, IR, and most of francophone Africa) are deliberately absent; Indonesia has no
// IBAN.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24, "4n4n12c"},     {"AE", 23, "3n16n"},         {"AL", 28, "8n16c"},
    {"AT", 20, "5n11n"},       {"AZ", 28, "4a20c"},         {"BA", 20, "3n3n8n2n"},
    {"BE", 16, "3n7n2n"},      {"BG", 22, "4a4n2n8c"},      {"BH", 22, "4a14c"},
    {"BI", 27, "5n5n11n2n"},   {"BR", 29, "8n5n10n1a1c"},   {"BY", 28, "4c4n16c"},
    {"CH", 21, "5n12c"},       {"CR", 22, "4n14n"},         {"CY", 28, "3n5n16c"},
    {"CZ", 24, "4n6n10n"},     {"DE", 22, "8n10n"},         {"DJ", 27, "5n5n11n2n"},
    {"DK", 18, "4n9n1n"},      {"DO", 28, "4c20n"},         {"EE", 20, "2n2n11n1n"},
    {"EG", 29, "4n4n17n"},     {"ES", 24, "4n4n1n1n10n"},   {"FI", 18, "3n11n"},
    {"FK", 18, "2a12n"},       {"FO", 18, "4n9n1n"},        {"FR", 27, "5n5n11c2n"},
    {"GB", 22, "4a6n8n"},      {"GE", 22, "2a16n"},         {"GI", 23, "4a15c"},
    {"GL", 18, "4n9n1n"},      {"GR", 27, "3n4n16c"},       {"GT", 28, "4c20c"},
    {"HN", 28, "4a20n"},       {"HR", 21, "7n10n"},         {"HU", 28, "3n4n1n15n1n"},
    {"IE", 22, "4a6n8n"},      {"IL", 23, "3n3n13n"},       {"IQ", 23, "4a3n12n"},
    {"IS", 26, "4n2n6n10n"},   {"IT", 27, "1a5n5n12c"},     {"JO", 30, "4a4n18c"},
    {"KW", 30, "4a22c"},       {"KZ", 20, "3n13c"},         {"LB", 28, "4n20c"},
    {"LC", 32, "4a24c"},       {"LI", 21, "5n12c"},         {"LT", 20, "5n11n"},
    {"LU", 20, "3n13c"},       {"LV", 21, "4a13c"},         {"LY", 25, "3n3n15n"},
    {"MC", 27, "5n5n11c2n"},   {"MD", 24, "2c18c"},         {"ME", 22, "3n13n2n"},
    {"MK", 19, "3n10c2n"},     {"MN", 20, "4n12n"},         {"MR", 27, "5n5n11n2n"},
    {"MT", 31, "4a5n18c"},     {"MU", 30, "4a2n2n12n3n3a"}, {"NI", 28, "4a20n"},
    {"NL", 18, "4a10n"},       {"NO", 15, "4n6n1n"},        {"OM", 23, "3n16c"},
    {"PK", 24, "4a16c"},       {"PL", 28, "8n16n"},         {"PS", 29, "4a21c"},
    {"PT", 25, "4n4n11n2n"},   {"QA", 29, "4a21c"},         {"RO", 24, "4a16c"},
    {"RS", 22, "3n13n2n"},     {"RU", 33, "9n5n15c"},       {"SA", 24, "2n18c"},
    {"SC", 31, "4a2n2n16n3a"}, {"SD", 18, "2n12n"},         {"SE", 24, "3n16n1n"},
    {"SI", 19, "5n8n2n"},      {"SK", 24, "4n6n10n"},       {"SM", 27, "1a5n5n12c"},
    {"SO", 23, "4n3n12n"},     {"ST", 25, "4n4n11n2n"},     {"SV", 28, "4a20n"},
    {"TL", 23, "3n14n2n"},     {"TN", 24, "2n3n13n2n"},     {"TR", 26, "5n1n16c"},
    {"UA", 29, "6n19c"},       {"VA", 22, "3n15n"},         {"VG", 24, "4a16n"},
    {"XK", 20, "4n10n2n"},     {"YE", 30, "4a4n18c"},
};

constexpr size_t kMaxIban = 34;

// 26x26 table from country code letters to 1 + index in kIbanCountries (0: no IBAN).
struct IbanIndex {
  uint8_t slot[26][26] = {};
  constexpr IbanIndex() {
    for (size_t i = 0; i < std::size(kIbanCountries); ++i) {
      slot[kIbanCountries[i].cc[0] - 'A'][kIbanCountries[i].cc[1] - 'A'] = static_cast<uint8_t>(i + 1);
    }
  }
};
constexpr IbanIndex kIbanIndex;

const IbanCountry* FindIbanCountry(char a, char b) {
  if (!IsUpper(a) || !IsUpper(b)) return nullptr;
  const uint8_t slot = kIbanIndex.slot[a - 'A'][b - 'A'];
  return slot == 0 ? nullptr : &kIbanCountries[slot - 1];
}

bool BbanMatches(std::string_view bban, const char* spec) {
  size_t pos = 0;
  for (const char* p = spec; *p != '\0';) {
    int count = 0;
    while (IsDigit(*p)) count = count * 10 + (*p++ - '0');
    const char kind = *p++;
    for (int i = 0; i < count; ++i, ++pos) {
      if (pos >= bban.size()) return false;
      const char c = bban[pos];
      const bool ok = kind == 'n' ? IsDigit(c) : kind == 'a' ? IsUpper(c) : IsAlnumUpper(c);
      if (!ok) return false;
    }
  }
  return pos == bban.size();
}

// Remainder mod 97 of the decimal number formed by `s`, letters expanded to 10..35. Reduces only when
// the accumulator nears 2^63, so a 34-character IBAN costs a handful of divisions.
int Mod97(std::string_view s, int start = 0) {
  uint64_t acc = static_cast<uint64_t>(start);
  for (char c : s) {
    if (acc >= 10'000'000'000'000'000ull) acc %= 97;
    if (IsDigit(c)) {
      acc = acc * 10 + static_cast<uint64_t>(c - '0');
    } else {
      acc = acc * 100 + static_cast<uint64_t>(c - 'A' + 10);
    }
  }
  return static_cast<int>(acc % 97);
}

int DigitsMod(std::string_view digits, int m) {
  int acc = 0;
  for (char c : digits) acc = (acc * 10 + (c - '0')) % m;
  return acc;
}

// National check digits inside the BBAN, where they are public and unambiguous (the same set
// python-stdnum checks): Belgium, Spain, Montenegro, Norway.
bool NationalCheckValid(std::string_view iban) {
  const std::string_view bban = iban.substr(4);
  const char a = iban[0], b = iban[1];
  if (a == 'B' && b == 'E') {  // 3n bank, 7n account, 2n = first 10 digits mod 97 (0 -> 97)
    int check = DigitsMod(bban.substr(0, 10), 97);
    if (check == 0) check = 97;
    return check == (bban[10] - '0') * 10 + (bban[11] - '0');
  }
  if (a == 'E' && b == 'S') {  // CCC: bank 4, branch 4, two control digits, account 10
    auto control = [](std::string_view digits, int skip_weights) {
      static constexpr int kWeights[] = {1, 2, 4, 8, 5, 10, 9, 7, 3, 6};
      int sum = 0;
      for (size_t i = 0; i < digits.size(); ++i) sum += (digits[i] - '0') * kWeights[i + skip_weights];
      const int r = 11 - sum % 11;
      return r == 11 ? 0 : r == 10 ? 1 : r;
    };
    // First control digit covers bank+branch (weights start at the third position), the second the
    // account number.
    return control(bban.substr(0, 8), 2) == bban[8] - '0' && control(bban.substr(10, 10), 0) == bban[9] - '0';
  }
  if (a == 'M' && b == 'E') return DigitsMod(bban, 97) == 1;
  if (a == 'N' && b == 'O') {  // kontonummer: mod 11, weights 5 4 3 2 7 6 5 4 3 2
    static constexpr int kWeights[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += (bban[i] - '0') * kWeights[i];
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    return check != 10 && check == bban[10] - '0';
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// ISO 3166-1 alpha-2 country codes (all 249 assigned codes) plus XK (Kosovo, user-assigned but used
// by SWIFT and the IBAN registry).
constexpr std::string_view kIsoCountries =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

struct CountryBitmap {
  uint32_t rows[26] = {};
  constexpr CountryBitmap() {
    for (size_t i = 0; i + 1 < kIsoCountries.size(); i += 3) {
      rows[kIsoCountries[i] - 'A'] |= 1u << (kIsoCountries[i + 1] - 'A');
    }
  }
  constexpr bool Has(char a, char b) const {
    return IsUpper(a) && IsUpper(b) && ((rows[a - 'A'] >> (b - 'A')) & 1u);
  }
};
constexpr CountryBitmap kCountries;

}  // namespace

bool IbanValid(std::string_view match) {
  std::string_view s = Trim(match);
  // Layout: compact, or groups of four separated by one space (or one '-'), the last group 1-4 long.
  char buf[kMaxIban];
  size_t n = 0;
  char sep = 0;
  size_t run = 0;
  bool has_upper = false, has_lower = false;
  for (char c : s) {
    if (c == ' ' || c == '-') {
      if (sep == 0) sep = c;
      if (c != sep || run != 4) return false;
      run = 0;
      continue;
    }
    if (IsLower(c)) {
      has_lower = true;
      c = static_cast<char>(c - 'a' + 'A');
    } else if (IsUpper(c)) {
      has_upper = true;
    } else if (!IsDigit(c)) {
      return false;
    }
    if (n == kMaxIban) return false;
    buf[n++] = c;
    ++run;
  }
  if (run == 0 || (sep != 0 && run > 4)) return false;
  if (has_upper && has_lower) return false;  // "GB29nwbk…" is not how anyone writes an IBAN
  if (n < 15) return false;
  const std::string_view iban(buf, n);
  const IbanCountry* country = FindIbanCountry(iban[0], iban[1]);
  if (country == nullptr || country->length != n) return false;
  if (!IsDigit(iban[2]) || !IsDigit(iban[3])) return false;
  const int check = (iban[2] - '0') * 10 + (iban[3] - '0');
  if (check < 2 || check > 98) return false;
  if (!BbanMatches(iban.substr(4), country->bban)) return false;
  if (Mod97(iban.substr(0, 4), Mod97(iban.substr(4))) != 1) return false;
  return NationalCheckValid(iban);
}

bool SwiftBicValid(std::string_view match) {
  const std::string_view s = Trim(match);
  if (s.size() != 8 && s.size() != 11) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (!IsUpper(s[i])) return false;  // institution code
  }
  if (!kCountries.Has(s[4], s[5])) return false;
  // Location: two alphanumerics; the second is never the letter O (reserved against confusion with
  // zero, which itself marks a test BIC and is accepted).
  if (!IsAlnumUpper(s[6]) || !IsAlnumUpper(s[7]) || s[7] == 'O') return false;
  if (s.size() == 11) {
    for (size_t i = 8; i < 11; ++i) {
      if (!IsAlnumUpper(s[i])) return false;
    }
    // A branch code starting with X is only allowed as "XXX" (primary office).
    if (s[8] == 'X' && (s[9] != 'X' || s[10] != 'X')) return false;
  }
  return true;
}

bool AbaRoutingValid(std::string_view match) {
  const std::string_view s = Trim(match);
  char d[9];
  if (s.size() == 9) {
    for (size_t i = 0; i < 9; ++i) {
      if (!IsDigit(s[i])) return false;
      d[i] = s[i];
    }
  } else if (s.size() == 11 && s[4] == '-' && s[9] == '-') {  // "3222-7162-7", as Presidio writes them
    size_t n = 0;
    for (size_t i = 0; i < 11; ++i) {
      if (i == 4 || i == 9) continue;
      if (!IsDigit(s[i])) return false;
      d[n++] = s[i];
    }
  } else {
    return false;
  }
  bool all_same = true;
  for (int i = 1; i < 9; ++i) all_same = all_same && d[i] == d[0];
  if (all_same) return false;
  // Federal Reserve routing symbol prefixes: 00 (government), 01-12 (districts), 21-32 (thrifts),
  // 61-72 (electronic), 80 (traveller's cheques).
  const int prefix = (d[0] - '0') * 10 + (d[1] - '0');
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix == 80)) {
    return false;
  }
  static constexpr int kWeights[] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * kWeights[i];
  return sum % 10 == 0;
}

}  // namespace leakguard::detect
