// National and professional identifiers with a structure or a check digit.
#include <cstdint>
#include <initializer_list>

#include "detect/validators/validators.h"

namespace leakguard::detect {

namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr char ToUpper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Accepts `s` when it is either all digits (the sum of `groups`), or the digit groups of exactly
// those lengths joined by one separator taken from `seps`, the same separator throughout. Writes the
// digits to `out` (which must hold the sum of `groups`).
bool ParseGrouped(std::string_view s, std::initializer_list<int> groups, std::string_view seps, char* out) {
  size_t total = 0;
  for (int g : groups) total += static_cast<size_t>(g);
  if (s.size() == total) {
    for (size_t i = 0; i < total; ++i) {
      if (!IsDigit(s[i])) return false;
      out[i] = s[i];
    }
    return true;
  }
  if (s.size() != total + groups.size() - 1) return false;
  char sep = 0;
  size_t pos = 0, n = 0, gi = 0;
  for (int g : groups) {
    if (gi++ > 0) {
      const char c = s[pos++];
      if (seps.find(c) == std::string_view::npos) return false;
      if (sep == 0) sep = c;
      if (c != sep) return false;
    }
    for (int i = 0; i < g; ++i) {
      const char c = s[pos++];
      if (!IsDigit(c)) return false;
      out[n++] = c;
    }
  }
  return true;
}

bool AllSame(const char* d, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    if (d[i] != d[0]) return false;
  }
  return true;
}

int Num(const char* d, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + (d[i] - '0');
  return v;
}

// Copies letters and digits of `s` (which must be exactly `n` of them after removing the separators
// allowed by the caller) upper-cased into `out`; rejects mixed-case input.
bool UpperConsistent(std::string_view s, char* out, size_t n) {
  if (s.size() != n) return false;
  bool upper = false, lower = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    upper = upper || IsUpper(c);
    lower = lower || IsLower(c);
    out[i] = ToUpper(c);
  }
  return !(upper && lower);
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int month, int year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

// --- Indonesia: region codes ----------------------------------------------------------------------
//
// The first six digits of a NIK are the Kemendagri region code of the place of registration:
// province (2), regency (2), district (2). Regency codes are 01..N for kabupaten and 71..M for kota.
// The table holds N and M per province. It keeps the highest code ever issued, because a NIK keeps
// the code it was issued under after a region is split (e.g. Kalimantan Utara, 65, from Kalimantan
// Timur, 64; Papua's 2022 split into 91-96), so retired codes must stay valid.
struct Province {
  uint8_t code;
  uint8_t max_kabupaten;  // regencies 01..max_kabupaten
  uint8_t max_kota;       // cities 71..max_kota (0: none)
};

constexpr Province kProvinces[] = {
    {11, 18, 75},  // Aceh
    {12, 25, 78},  // Sumatera Utara
    {13, 12, 77},  // Sumatera Barat
    {14, 10, 73},  // Riau (1472 was Batam before Kepulauan Riau)
    {15, 9, 72},   // Jambi
    {16, 13, 74},  // Sumatera Selatan
    {17, 9, 71},   // Bengkulu
    {18, 13, 72},  // Lampung
    {19, 6, 71},   // Kepulauan Bangka Belitung
    {21, 5, 72},   // Kepulauan Riau
    {31, 1, 75},   // DKI Jakarta
    {32, 18, 79},  // Jawa Barat
    {33, 29, 76},  // Jawa Tengah
    {34, 4, 71},   // DI Yogyakarta
    {35, 29, 79},  // Jawa Timur
    {36, 4, 74},   // Banten
    {51, 8, 71},   // Bali
    {52, 8, 72},   // Nusa Tenggara Barat
    {53, 21, 71},  // Nusa Tenggara Timur
    {61, 12, 72},  // Kalimantan Barat
    {62, 13, 71},  // Kalimantan Tengah
    {63, 11, 72},  // Kalimantan Selatan
    {64, 11, 74},  // Kalimantan Timur (incl. codes retired in 2012)
    {65, 4, 71},   // Kalimantan Utara
    {71, 11, 74},  // Sulawesi Utara
    {72, 13, 71},  // Sulawesi Tengah
    {73, 26, 73},  // Sulawesi Selatan
    {74, 17, 72},  // Sulawesi Tenggara
    {75, 5, 71},   // Gorontalo
    {76, 6, 0},    // Sulawesi Barat
    {81, 11, 72},  // Maluku
    {82, 10, 72},  // Maluku Utara
    {91, 36, 71},  // Papua (Kemendagri 91; BPS-style codes up to 36 appear in older records)
    {92, 13, 71},  // Papua Barat
    {93, 4, 0},    // Papua Selatan (2022)
    {94, 36, 71},  // Papua Tengah (2022); also BPS's code for Papua
    {95, 8, 0},    // Papua Pegunungan (2022)
    {96, 6, 71},   // Papua Barat Daya (2022)
};

bool IndonesiaRegionValid(const char* d) {
  const int province = Num(d, 2);
  const int regency = Num(d + 2, 2);
  const int district = Num(d + 4, 2);
  if (district == 0) return false;
  for (const Province& p : kProvinces) {
    if (p.code != province) continue;
    if (regency >= 1 && regency <= p.max_kabupaten) return true;
    return regency >= 71 && regency <= p.max_kota;
  }
  return false;
}

bool NikDigitsValid(const char* d) {
  if (!IndonesiaRegionValid(d)) return false;
  int day = Num(d + 6, 2);
  const int month = Num(d + 8, 2);
  const int yy = Num(d + 10, 2);
  if (day > 40) day -= 40;  // women: day + 40
  if (month < 1 || month > 12 || day < 1) return false;
  // The century is not encoded; 29 February is accepted for every year divisible by four (2000 was a
  // leap year, so "00" is fine too).
  if (day > DaysInMonth(month, 2000 + yy)) return false;
  return Num(d + 12, 4) != 0;  // serial 0001..9999
}

bool NpwpDigitsValid(const char* d) {
  if (AllSame(d, 15)) return false;
  // Digits 1-9 are the taxpayer number whose 9th digit is a Luhn check digit over the first eight;
  // digits 10-12 the tax office (KPP), 13-15 the status/branch code.
  return LuhnValid(std::string_view(d, 9));
}

}  // namespace

bool UsSsnValid(std::string_view match) {
  char d[9];
  if (!ParseGrouped(Trim(match), {3, 2, 4}, " -.", d)) return false;
  const int area = Num(d, 3), group = Num(d + 3, 2), serial = Num(d + 5, 4);
  if (area == 0 || area == 666 || area >= 900) return false;
  if (group == 0 || serial == 0) return false;
  if (AllSame(d, 9)) return false;
  // Numbers printed in advertising and samples (the Woolworth wallet card 078-05-1120, the 1940s
  // ad 219-09-9999, the LifeLock ad 457-55-5462) and the obvious 123-45-6789, never issued.
  const std::string_view v(d, 9);
  return v != "078051120" && v != "219099999" && v != "457555462" && v != "123456789";
}

bool UsItinValid(std::string_view match) {
  char d[9];
  if (!ParseGrouped(Trim(match), {3, 2, 4}, " -.", d)) return false;
  if (d[0] != '9') return false;
  const int group = Num(d + 3, 2);
  const bool group_ok = (group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
                        (group >= 90 && group <= 92) || (group >= 94 && group <= 99);
  return group_ok && Num(d + 5, 4) != 0;
}

bool IndonesiaNikValid(std::string_view match) {
  // Printed compact on the e-KTP; also written 6-6-4 or 2-2-2-6-4 (spaces, dots, dashes) or 4-4-4-4.
  const std::string_view s = Trim(match);
  char d[16];
  if (!ParseGrouped(s, {16}, "", d) && !ParseGrouped(s, {6, 6, 4}, " .-", d) &&
      !ParseGrouped(s, {2, 2, 2, 6, 4}, " .-", d) && !ParseGrouped(s, {4, 4, 4, 4}, " ", d)) {
    return false;
  }
  return NikDigitsValid(d);
}

bool IndonesiaNpwpValid(std::string_view match) {
  const std::string_view s = Trim(match);
  char d[16];
  // 15-digit form: compact or "01.234.567.8-901.000".
  if (s.size() == 15 && ParseGrouped(s, {15}, "", d)) return NpwpDigitsValid(d);
  if (s.size() == 20) {
    static constexpr std::string_view kLayout = "dd.ddd.ddd.d-ddd.ddd";
    size_t n = 0;
    for (size_t i = 0; i < kLayout.size(); ++i) {
      if (kLayout[i] == 'd') {
        if (!IsDigit(s[i])) return false;
        d[n++] = s[i];
      } else if (s[i] != kLayout[i]) {
        return false;
      }
    }
    return NpwpDigitsValid(d);
  }
  // 16-digit form (2024): the NIK for residents, or '0' followed by the 15-digit NPWP.
  if (s.size() == 16 && ParseGrouped(s, {16}, "", d)) {
    if (d[0] == '0') return NpwpDigitsValid(d + 1);
    return NikDigitsValid(d);
  }
  return false;
}

bool AadhaarValid(std::string_view match) {
  char d[12];
  if (!ParseGrouped(Trim(match), {4, 4, 4}, " -", d)) return false;
  if (d[0] < '2' || AllSame(d, 12)) return false;
  bool palindrome = true;  // UIDAI never issues palindromes
  for (int i = 0; i < 6; ++i) palindrome = palindrome && d[i] == d[11 - i];
  if (palindrome) return false;
  return VerhoeffValid(std::string_view(d, 12));
}

bool IndiaPanValid(std::string_view match) {
  // Upper case only: PANs are issued and printed in capitals, while lower-case strings of this shape
  // are mostly identifiers and hashes in code.
  const std::string_view p = Trim(match);
  if (p.size() != 10) return false;
  for (int i = 0; i < 5; ++i) {
    if (!IsUpper(p[i])) return false;
  }
  for (int i = 5; i < 9; ++i) {
    if (!IsDigit(p[i])) return false;
  }
  if (!IsUpper(p[9])) return false;
  // Fourth character: holder type (Person, Company, HUF, Firm, AOP, Trust, BOI, Local authority,
  // artificial Juridical person, Government).
  return std::string_view("PCHFATBLJG").find(p[3]) != std::string_view::npos && Num(p.data() + 5, 4) != 0;
}

bool UkNhsValid(std::string_view match) {
  char d[10];
  if (!ParseGrouped(Trim(match), {3, 3, 4}, " -", d)) return false;
  if (AllSame(d, 10)) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == d[9] - '0';
}

bool UkNinoValid(std::string_view match) {
  // Accepted layouts: "AB123456C", "AB 12 34 56 C", "AB 123456 C", "AB 123456C", "AB123456 C"; upper or
  // lower case (not mixed). Spaces are single and only between blocks; the digit pairs are split
  // either all three or not at all.
  const std::string_view s = Trim(match);
  char v[9];
  size_t n = 0;
  unsigned space_after = 0;  // bit k: a space follows the k-th character
  bool upper = false, lower = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ') {
      if (n != 2 && n != 4 && n != 6 && n != 8) return false;
      if (space_after & (1u << n)) return false;  // doubled space
      space_after |= 1u << n;
      continue;
    }
    if (n == 9) return false;
    upper = upper || IsUpper(c);
    lower = lower || IsLower(c);
    v[n++] = ToUpper(c);
  }
  if (n != 9 || (upper && lower)) return false;
  const unsigned inner = space_after & ((1u << 4) | (1u << 6));
  if (inner != 0 && (inner != ((1u << 4) | (1u << 6)) || !(space_after & (1u << 2)))) return false;
  if (!IsUpper(v[0]) || !IsUpper(v[1]) || !IsUpper(v[8])) return false;
  for (int i = 2; i < 8; ++i) {
    if (!IsDigit(v[i])) return false;
  }
  // HMRC: D, F, I, Q, U and V are never used as the first or second letter, O never as the second;
  // BG, GB, KN, NK, NT, TN and ZZ are not allocated (TN is for temporary numbers).
  static constexpr std::string_view kBadFirst = "DFIQUV";
  static constexpr std::string_view kBadSecond = "DFIOQUV";
  if (kBadFirst.find(v[0]) != std::string_view::npos) return false;
  if (kBadSecond.find(v[1]) != std::string_view::npos) return false;
  const std::string_view prefix(v, 2);
  for (std::string_view bad : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}) {
    if (prefix == bad) return false;
  }
  return v[8] >= 'A' && v[8] <= 'D';
}

bool CanadaSinValid(std::string_view match) {
  char d[9];
  if (!ParseGrouped(Trim(match), {3, 3, 3}, " -", d)) return false;
  if (d[0] == '0' || d[0] == '8' || AllSame(d, 9)) return false;
  return LuhnValid(std::string_view(d, 9));
}

bool SingaporeNricValid(std::string_view match) {
  char v[9];
  if (!UpperConsistent(Trim(match), v, 9)) return false;
  const char prefix = v[0];
  if (prefix != 'S' && prefix != 'T' && prefix != 'F' && prefix != 'G' && prefix != 'M') return false;
  for (int i = 1; i < 8; ++i) {
    if (!IsDigit(v[i])) return false;
  }
  static constexpr int kWeights[] = {2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 7; ++i) sum += (v[i + 1] - '0') * kWeights[i];
  if (prefix == 'T' || prefix == 'G') sum += 4;
  if (prefix == 'M') sum += 3;
  const int r = sum % 11;
  static constexpr std::string_view kSt = "JZIHGFEDCBA";
  static constexpr std::string_view kFg = "XWUTRQPNMLK";
  static constexpr std::string_view kM = "XWUTRQPNJLK";
  const std::string_view table = (prefix == 'S' || prefix == 'T') ? kSt : prefix == 'M' ? kM : kFg;
  return v[8] == table[static_cast<size_t>(r)];
}

bool UsNpiValid(std::string_view match) {
  const std::string_view s = Trim(match);
  char d[15] = {'8', '0', '8', '4', '0'};
  if (!ParseGrouped(s, {4, 3, 3}, " -", d + 5) && !ParseGrouped(s, {3, 3, 4}, " -", d + 5)) return false;
  if (d[5] != '1' && d[5] != '2') return false;
  if (AllSame(d + 5, 9) || AllSame(d + 6, 9)) return false;  // 1111111112-style fillers
  return LuhnValid(std::string_view(d, 15));
}

bool UsDeaValid(std::string_view match) {
  const std::string_view s = Trim(match);
  if (s.size() != 9) return false;
  // Registrant type (A/B/F/G: practitioners, hospitals; M: mid-level; P-U: distributors etc.; X:
  // DATA-waived), then the first letter of the registrant's surname or business, or '9'.
  if (std::string_view("ABCDEFGHJKLMPRSTUX").find(s[0]) == std::string_view::npos) return false;
  if (!IsUpper(s[1]) && s[1] != '9') return false;
  for (size_t i = 2; i < 9; ++i) {
    if (!IsDigit(s[i])) return false;
  }
  const char* d = s.data() + 2;
  if (AllSame(d, 6) && d[0] == '0') return false;
  const int sum =
      (d[0] - '0') + (d[2] - '0') + (d[4] - '0') + 2 * ((d[1] - '0') + (d[3] - '0') + (d[5] - '0'));
  return sum % 10 == d[6] - '0';
}

}  // namespace leakguard::detect
