// Validators for further national identifiers (beyond those in validators.cc). Algorithms follow the
// issuing authorities' published rules; each function documents its rule in one line and
// intl_validators.h lists them.
#include "detect/validators/intl_validators.h"

#include <array>
#include <cctype>
#include <string>

#include "detect/validators/validators.h"

namespace leakguard::detect {
namespace {

inline bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
inline int DigitAt(std::string_view s, std::size_t i) { return s[i] - '0'; }

// The match without the separators people write inside identifiers (space, dash, dot, slash), upper-
// cased. Returns false when another character occurs, so "12a4" and "12_34" are not silently accepted.
bool Compact(std::string_view match, std::string& out) {
  out.clear();
  for (char c : match) {
    if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '\t') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return true;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsDigitChar(c)) return false;
  return true;
}

bool AllSame(std::string_view s) {
  for (char c : s)
    if (c != s[0]) return false;
  return true;
}

// Digits only, exactly `n` of them, separators allowed; all-equal digits (placeholders) are rejected.
bool DigitsOf(std::string_view match, std::size_t n, std::string& out) {
  if (!Compact(match, out) || out.size() != n || !AllDigits(out)) return false;
  return !AllSame(out);
}

int Two(std::string_view s, std::size_t i) { return DigitAt(s, i) * 10 + DigitAt(s, i + 1); }

bool LuhnDigits(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    int d = DigitAt(digits, i);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

constexpr std::string_view kSpainLetters = "TRWAGMYFPDXBNJZSQVHLCKE";

}  // namespace

bool IsValidDate(int year, int month, int day) {
  if (year < 1800 || year > 2199 || month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[static_cast<std::size_t>(month - 1)];
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) max = 29;
  return day <= max;
}

// --- Australia ---------------------------------------------------------------------------------------

// TFN: weights 1,4,3,7,5,8,6,9,10 (9 digits) or 10,7,8,4,6,3,5,1 (8 digits); the sum is divisible by 11.
bool AustraliaTfnValid(std::string_view match) {
  std::string d;
  if (!Compact(match, d) || !AllDigits(d) || AllSame(d)) return false;
  static constexpr std::array<int, 9> kW9 = {1, 4, 3, 7, 5, 8, 6, 9, 10};
  static constexpr std::array<int, 8> kW8 = {10, 7, 8, 4, 6, 3, 5, 1};
  int sum = 0;
  if (d.size() == 9) {
    for (std::size_t i = 0; i < 9; ++i) sum += DigitAt(d, i) * kW9[i];
  } else if (d.size() == 8) {
    for (std::size_t i = 0; i < 8; ++i) sum += DigitAt(d, i) * kW8[i];
  } else {
    return false;
  }
  return sum % 11 == 0;
}

// ABN: subtract 1 from the first digit, weights 10,1,3,5,…,19; the sum is divisible by 89.
bool AustraliaAbnValid(std::string_view match) {
  std::string d;
  if (!DigitsOf(match, 11, d) || d[0] == '0') return false;
  static constexpr std::array<int, 11> kW = {10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19};
  int sum = (DigitAt(d, 0) - 1) * kW[0];
  for (std::size_t i = 1; i < 11; ++i) sum += DigitAt(d, i) * kW[i];
  return sum % 89 == 0;
}

// ACN: weights 8,7,…,1 over the first 8 digits; check digit = (10 - sum mod 10) mod 10.
bool AustraliaAcnValid(std::string_view match) {
  std::string d;
  if (!Compact(match, d) || d.size() != 9 || !AllDigits(d)) return false;
  if (d == "000000000") return false;
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += DigitAt(d, i) * static_cast<int>(8 - i);
  return (10 - sum % 10) % 10 == DigitAt(d, 8);
}

// Medicare: first digit 2–6, weights 1,3,7,9,1,3,7,9 over the first 8 digits; sum mod 10 is digit 9;
// digit 10 is the card issue number, an optional 11th the individual reference number.
bool AustraliaMedicareValid(std::string_view match) {
  std::string d;
  if (!Compact(match, d) || (d.size() != 10 && d.size() != 11) || !AllDigits(d)) return false;
  if (d[0] < '2' || d[0] > '6' || d[9] == '0') return false;
  if (d.size() == 11 && d[10] == '0') return false;
  static constexpr std::array<int, 8> kW = {1, 3, 7, 9, 1, 3, 7, 9};
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += DigitAt(d, i) * kW[i];
  return sum % 10 == DigitAt(d, 8);
}

// --- Europe ------------------------------------------------------------------------------------------

// DNI/NIF: the number mod 23 indexes the control letter table.
bool SpainNifValid(std::string_view match) {
  std::string s;
  if (!Compact(match, s) || s.size() < 8 || s.size() > 9) return false;
  std::string_view num(s.data(), s.size() - 1);
  char letter = s.back();
  if (!AllDigits(num) || !std::isupper(static_cast<unsigned char>(letter))) return false;
  if (AllSame(num) && num[0] == '0') return false;
  long n = std::stol(std::string(num));
  return kSpainLetters[static_cast<std::size_t>(n % 23)] == letter;
}

// NIE: X, Y, Z stand for 0, 1, 2; then as the DNI.
bool SpainNieValid(std::string_view match) {
  std::string s;
  if (!Compact(match, s) || s.size() != 9) return false;
  int prefix = s[0] == 'X' ? 0 : s[0] == 'Y' ? 1 : s[0] == 'Z' ? 2 : -1;
  if (prefix < 0) return false;
  std::string_view num(s.data() + 1, 7);
  char letter = s[8];
  if (!AllDigits(num) || !std::isupper(static_cast<unsigned char>(letter))) return false;
  long n = prefix * 10000000L + std::stol(std::string(num));
  return kSpainLetters[static_cast<std::size_t>(n % 23)] == letter;
}

// Codice fiscale: 6 letters (surname, name), year, month letter, day (+40 for women), municipality
// (letter + 3 digits), check letter from the odd/even position tables. Digits in the numeric positions
// may be replaced by the "omocodia" letters LMNPQRSTUV.
bool ItalyFiscalCodeValid(std::string_view match) {
  std::string s;
  if (!Compact(match, s) || s.size() != 16) return false;
  constexpr std::string_view kOmocodia = "LMNPQRSTUV";
  auto numeric = [&](char c, int& v) {
    if (IsDigitChar(c)) {
      v = c - '0';
      return true;
    }
    auto p = kOmocodia.find(c);
    if (p == std::string_view::npos) return false;
    v = static_cast<int>(p);
    return true;
  };
  for (std::size_t i : {0u, 1u, 2u, 3u, 4u, 5u, 8u, 11u, 15u})
    if (!std::isupper(static_cast<unsigned char>(s[i]))) return false;
  int v[7];
  const std::size_t num_pos[7] = {6, 7, 9, 10, 12, 13, 14};
  for (int i = 0; i < 7; ++i)
    if (!numeric(s[num_pos[i]], v[i])) return false;
  if (std::string_view("ABCDEHLMPRST").find(s[8]) == std::string_view::npos) return false;
  int day = v[2] * 10 + v[3];
  if (day > 40) day -= 40;
  if (day < 1 || day > 31) return false;
  static constexpr std::array<int, 26> kOddLetters = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                                      20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  static constexpr std::array<int, 10> kOddDigits = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21};
  int sum = 0;
  for (std::size_t i = 0; i < 15; ++i) {
    char c = s[i];
    bool odd = i % 2 == 0;  // 1-based odd positions
    if (IsDigitChar(c)) {
      sum += odd ? kOddDigits[static_cast<std::size_t>(c - '0')] : c - '0';
    } else {
      sum += odd ? kOddLetters[static_cast<std::size_t>(c - 'A')] : c - 'A';
    }
  }
  return s[15] == static_cast<char>('A' + sum % 26);
}

// PESEL: YYMMDD (month +80/+0/+20/+40/+60 for the 1800s…2200s), serial, check digit with weights
// 1,3,7,9,1,3,7,9,1,3.
bool PolandPeselValid(std::string_view match) {
  if (match.size() != 11 || !AllDigits(match) || AllSame(match)) return false;
  static constexpr std::array<int, 10> kW = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (std::size_t i = 0; i < 10; ++i) sum += DigitAt(match, i) * kW[i];
  if ((10 - sum % 10) % 10 != DigitAt(match, 10)) return false;
  int yy = Two(match, 0), mm = Two(match, 2), dd = Two(match, 4);
  static constexpr std::array<int, 5> kCentury = {1900, 2000, 2100, 2200, 1800};
  if (mm < 1 || mm > 92) return false;
  int century = kCentury[static_cast<std::size_t>((mm - 1) / 20)];
  int month = (mm - 1) % 20 + 1;
  return IsValidDate(century + yy, month, dd);
}

// Henkilötunnus: DDMMYY, century sign (+ 1800s; - U V W X Y 1900s; A–F 2000s), individual number
// NNN, check character = "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYNNN mod 31].
bool FinlandHetuValid(std::string_view match) {
  if (match.size() != 11) return false;
  std::string s(match);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u})
    if (!IsDigitChar(s[i])) return false;
  char sign = s[6];
  int century;
  if (sign == '+') {
    century = 1800;
  } else if (sign == '-' || (sign >= 'U' && sign <= 'Y')) {
    century = 1900;
  } else if (sign >= 'A' && sign <= 'F') {
    century = 2000;
  } else {
    return false;
  }
  if (!IsValidDate(century + Two(s, 4), Two(s, 2), Two(s, 0))) return false;
  int individual = DigitAt(s, 7) * 100 + Two(s, 8);
  if (individual < 2) return false;  // 000 and 001 are not issued
  long n = std::stol(s.substr(0, 6) + s.substr(7, 3));
  constexpr std::string_view kCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  return kCheck[static_cast<std::size_t>(n % 31)] == s[10];
}

// Personnummer: YYMMDD or YYYYMMDD (day + 60 for a samordningsnummer), optional - or +, 4 digits;
// Luhn over the 10-digit form.
bool SwedenPersonnummerValid(std::string_view match) {
  std::string d;
  for (char c : match) {
    if (IsDigitChar(c)) {
      d += c;
    } else if (c != '-' && c != '+') {
      return false;
    }
  }
  if (d.size() != 10 && d.size() != 12) return false;
  std::string_view ten(d);
  int full_year = -1;
  if (d.size() == 12) {
    full_year = std::stoi(d.substr(0, 4));
    if (full_year < 1800 || full_year > 2199) return false;
    ten.remove_prefix(2);
  }
  int yy = Two(ten, 0), mm = Two(ten, 2), dd = Two(ten, 4);
  if (dd > 60) dd -= 60;
  bool date_ok = full_year >= 0 ? IsValidDate(full_year, mm, dd)
                                : IsValidDate(1900 + yy, mm, dd) || IsValidDate(2000 + yy, mm, dd);
  return date_ok && LuhnDigits(ten);
}

// T.C. Kimlik No: 11 digits, first not 0; d10 = (7·(d1+d3+d5+d7+d9) − (d2+d4+d6+d8)) mod 10;
// d11 = (d1+…+d10) mod 10.
bool TurkeyTcknValid(std::string_view match) {
  if (match.size() != 11 || !AllDigits(match) || match[0] == '0' || AllSame(match)) return false;
  int odd = 0, even = 0, total = 0;
  for (std::size_t i = 0; i < 9; ++i) (i % 2 == 0 ? odd : even) += DigitAt(match, i);
  if (((odd * 7 - even) % 10 + 10) % 10 != DigitAt(match, 9)) return false;
  for (std::size_t i = 0; i < 10; ++i) total += DigitAt(match, i);
  return total % 10 == DigitAt(match, 10);
}

// --- Asia --------------------------------------------------------------------------------------------

namespace {

// YYMMDD-GNNNNNC: 13 digits, an optional dash after the date; G gives sex and century.
bool KoreaRrnStructure(std::string_view match, std::string& d) {
  d.clear();
  for (std::size_t i = 0; i < match.size(); ++i) {
    char c = match[i];
    if (IsDigitChar(c)) {
      d += c;
    } else if (!(c == '-' && i == 6)) {
      return false;
    }
  }
  if (d.size() != 13 || AllSame(d)) return false;
  int g = DigitAt(d, 6);
  // 1/2: born 1900–1999, 3/4: 2000–2099. 5–8 are foreigners' registration numbers (a separate
  // scheme) and 9/0 the 1800s: neither is accepted.
  int century = (g == 1 || g == 2) ? 1900 : (g == 3 || g == 4) ? 2000 : -1;
  if (century < 0) return false;
  return IsValidDate(century + Two(d, 0), Two(d, 2), Two(d, 4));
}

}  // namespace

// Check digit (numbers issued before October 2020): (11 − Σ wᵢdᵢ mod 11) mod 10, weights 2…9,2…5.
bool KoreaRrnValid(std::string_view match) {
  std::string d;
  if (!KoreaRrnStructure(match, d)) return false;
  static constexpr std::array<int, 12> kW = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) sum += DigitAt(d, i) * kW[i];
  return (11 - sum % 11) % 10 == DigitAt(d, 12);
}

bool KoreaRrnFormatValid(std::string_view match) {
  std::string d;
  return KoreaRrnStructure(match, d);
}

// 13 digits (often written 1-2345-67890-12-1): first digit 1–8, a province code (digits 2–3) that
// exists, check digit (11 − Σ (13−i)·dᵢ mod 11) mod 10.
bool ThailandTninValid(std::string_view match) {
  std::string d;
  if (!DigitsOf(match, 13, d)) return false;
  if (d[0] < '1' || d[0] > '8' || d[1] == '0') return false;
  int province = Two(d, 1);
  switch (province) {
    case 28:
    case 29:
    case 59:
    case 68:
    case 69:
    case 78:
    case 79:
    case 87:
    case 88:
    case 89:
    case 97:
    case 98:
    case 99:
      return false;
    default:
      break;
  }
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) sum += DigitAt(d, i) * static_cast<int>(13 - i);
  return (11 - sum % 11) % 10 == DigitAt(d, 12);
}

// UEN (ACRA): format A, businesses: 8 digits + check letter; format B, local companies: year (4) +
// 5 digits + check letter; format C, other entities: T/S/R + year (2) + entity type (2 letters) +
// 4 digits + check letter. Each has its own weights and check alphabet.
bool SingaporeUenValid(std::string_view match) {
  std::string s;
  if (!Compact(match, s)) return false;
  if (s.size() == 9 && AllDigits(std::string_view(s).substr(0, 8)) &&
      std::isupper(static_cast<unsigned char>(s[8]))) {
    static constexpr std::array<int, 8> kW = {10, 4, 9, 3, 8, 2, 7, 1};
    int sum = 0;
    for (std::size_t i = 0; i < 8; ++i) sum += DigitAt(s, i) * kW[i];
    return std::string_view("XMKECAWLJDB")[static_cast<std::size_t>(sum % 11)] == s[8];
  }
  if (s.size() != 10) return false;
  if (AllDigits(std::string_view(s).substr(0, 9)) && std::isupper(static_cast<unsigned char>(s[9]))) {
    int year = std::stoi(s.substr(0, 4));
    if (year < 1800 || year > 2100) return false;
    static constexpr std::array<int, 9> kW = {10, 8, 6, 4, 9, 7, 5, 3, 1};
    int sum = 0;
    for (std::size_t i = 0; i < 9; ++i) sum += DigitAt(s, i) * kW[i];
    return std::string_view("ZKCMDNERGWH")[static_cast<std::size_t>(sum % 11)] == s[9];
  }
  if (s[0] != 'T' && s[0] != 'S' && s[0] != 'R') return false;
  if (!IsDigitChar(s[1]) || !IsDigitChar(s[2]) || !AllDigits(std::string_view(s).substr(5, 4))) return false;
  static constexpr std::string_view kEntityTypes =
      "LP LL FC PF RF MQ MM NB CC CS MB FM GS DP CP NR CM CD MD HS VH CH MH CL XL CX HC RP TU TC FB FN PA PB "
      "SS "
      "MC SM GA GB";
  std::string type = s.substr(3, 2);
  bool known = false;
  for (std::size_t i = 0; i + 2 <= kEntityTypes.size(); i += 3) known |= kEntityTypes.substr(i, 2) == type;
  if (!known) return false;
  constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWX0123456789";
  static constexpr std::array<int, 9> kW = {4, 3, 5, 3, 10, 2, 2, 5, 7};
  int sum = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    auto p = kAlphabet.find(s[i]);
    if (p == std::string_view::npos) return false;
    sum += static_cast<int>(p) * kW[i];
  }
  return kAlphabet[static_cast<std::size_t>(((sum - 5) % 11 + 11) % 11)] == s[9];
}

// --- Americas, Africa --------------------------------------------------------------------------------

// CPF: two check digits, each (10·Σ wᵢdᵢ mod 11) mod 10 with descending weights.
bool BrazilCpfValid(std::string_view match) {
  std::string d;
  if (!DigitsOf(match, 11, d)) return false;
  for (std::size_t n : {9u, 10u}) {
    int sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += DigitAt(d, i) * static_cast<int>(n + 1 - i);
    if ((sum * 10) % 11 % 10 != DigitAt(d, n)) return false;
  }
  return true;
}

// YYMMDD, 4-digit sequence (sex), citizenship digit 0/1/2, a digit, Luhn check digit.
bool SouthAfricaIdValid(std::string_view match) {
  std::string d;
  if (!DigitsOf(match, 13, d)) return false;
  int yy = Two(d, 0), mm = Two(d, 2), dd = Two(d, 4);
  if (!IsValidDate(1900 + yy, mm, dd) && !IsValidDate(2000 + yy, mm, dd)) return false;
  if (d[10] > '2') return false;
  return LuhnDigits(d);
}

bool NigeriaNinValid(std::string_view match) {
  if (match.size() != 11 || !AllDigits(match) || AllSame(match)) return false;
  return VerhoeffValid(match);
}

// --- Registry ----------------------------------------------------------------------------------------

std::span<const ValidatorInfo> IntlValidators() {
  static constexpr ValidatorInfo kValidators[] = {
      {"australia_tfn", "Australian tax file number: 8 or 9 digits, weighted mod 11", AustraliaTfnValid},
      {"australia_abn", "Australian business number: 11 digits, weighted mod 89", AustraliaAbnValid},
      {"australia_acn", "Australian company number: 9 digits, weighted mod 10 check digit",
       AustraliaAcnValid},
      {"australia_medicare", "Australian Medicare card number: 10–11 digits, weighted mod 10",
       AustraliaMedicareValid},
      {"spain_nif", "Spanish DNI/NIF: 8 digits and the mod-23 control letter", SpainNifValid},
      {"spain_nie", "Spanish NIE: X/Y/Z, 7 digits and the mod-23 control letter", SpainNieValid},
      {"italy_fiscal_code", "Italian codice fiscale: structure, birth day and check letter",
       ItalyFiscalCodeValid},
      {"poland_pesel", "Polish PESEL: birth date and weighted check digit", PolandPeselValid},
      {"finland_hetu", "Finnish personal identity code: birth date, century sign and mod-31 check",
       FinlandHetuValid},
      {"sweden_personnummer", "Swedish personnummer: birth date and Luhn check digit",
       SwedenPersonnummerValid},
      {"turkey_tckn", "Turkish identity number: 11 digits and two check digits", TurkeyTcknValid},
      {"korea_rrn", "Korean resident registration number: birth date, gender digit and check digit",
       KoreaRrnValid},
      {"korea_rrn_format",
       "Korean resident registration number: birth date and gender digit (no check digit)",
       KoreaRrnFormatValid},
      {"thailand_tnin", "Thai national ID: province code and weighted mod-11 check digit", ThailandTninValid},
      {"singapore_uen", "Singapore UEN: formats A, B and C with their check letters", SingaporeUenValid},
      {"brazil_cpf", "Brazilian CPF: two mod-11 check digits", BrazilCpfValid},
      {"south_africa_id", "South African ID number: birth date, citizenship digit and Luhn",
       SouthAfricaIdValid},
      {"nigeria_nin", "Nigerian national identification number: 11 digits, Verhoeff check", NigeriaNinValid},
  };
  return kValidators;
}

}  // namespace leakguard::detect
