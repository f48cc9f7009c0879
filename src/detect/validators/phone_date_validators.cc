// Telephone numbers and calendar dates.
#include <cstdint>
#include <iterator>

#include "detect/validators/validators.h"

namespace leakguard::detect {

namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int Num(std::string_view d) {
  int v = 0;
  for (char c : d) v = v * 10 + (c - '0');
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Phone numbers

struct CallingCode {
  uint16_t code;
  uint8_t min_nsn;  // national significant number length range
  uint8_t max_nsn;
};

// ITU-T E.164 country calling codes in use, with the national significant number lengths of their
// numbering plans (from libphonenumber's metadata, Apache-2.0; +1 is checked separately by the NANP
// rules below; +229 widened for Benin's 2024 move to ten digits).
constexpr CallingCode kCallingCodes[] = {
    {1, 10, 10},   {7, 10, 10},   {20, 8, 10},   {27, 5, 10},  {30, 10, 12}, {31, 5, 11},  {32, 8, 9},
    {33, 9, 9},    {34, 9, 9},    {36, 8, 9},    {39, 6, 12},  {40, 6, 9},   {41, 9, 12},  {43, 4, 13},
    {44, 7, 10},   {45, 8, 8},    {46, 6, 12},   {47, 5, 8},   {48, 6, 10},  {49, 4, 15},  {51, 8, 9},
    {52, 10, 11},  {53, 6, 10},   {54, 10, 11},  {55, 8, 11},  {56, 9, 11},  {57, 10, 11}, {58, 10, 10},
    {60, 8, 10},   {61, 5, 12},   {62, 7, 13},   {63, 6, 13},  {64, 5, 10},  {65, 8, 11},  {66, 8, 13},
    {81, 8, 17},   {82, 5, 14},   {84, 7, 10},   {86, 7, 12},  {90, 7, 13},  {91, 8, 13},  {92, 8, 12},
    {93, 9, 9},    {94, 9, 9},    {95, 6, 10},   {98, 4, 10},  {211, 9, 9},  {212, 9, 9},  {213, 8, 9},
    {216, 8, 8},   {218, 9, 9},   {220, 7, 7},   {221, 9, 9},  {222, 8, 8},  {223, 8, 8},  {224, 8, 9},
    {225, 10, 10}, {226, 8, 8},   {227, 8, 8},   {228, 8, 8},  {229, 8, 10}, {230, 7, 10}, {231, 7, 9},
    {232, 8, 8},   {233, 8, 9},   {234, 7, 14},  {235, 8, 8},  {236, 8, 8},  {237, 8, 9},  {238, 7, 7},
    {239, 7, 7},   {240, 9, 9},   {241, 7, 8},   {242, 9, 9},  {243, 7, 9},  {244, 9, 9},  {245, 7, 9},
    {246, 7, 7},   {247, 5, 6},   {248, 7, 7},   {249, 9, 9},  {250, 8, 9},  {251, 9, 9},  {252, 6, 9},
    {253, 8, 8},   {254, 7, 10},  {255, 9, 9},   {256, 9, 9},  {257, 8, 8},  {258, 8, 9},  {260, 9, 9},
    {261, 9, 9},   {262, 9, 9},   {263, 5, 10},  {264, 8, 9},  {265, 7, 9},  {266, 8, 8},  {267, 7, 10},
    {268, 8, 9},   {269, 7, 7},   {290, 4, 5},   {291, 7, 7},  {297, 7, 7},  {298, 6, 6},  {299, 6, 6},
    {350, 8, 8},   {351, 9, 9},   {352, 4, 11},  {353, 7, 10}, {354, 7, 9},  {355, 6, 9},  {356, 8, 8},
    {357, 8, 8},   {358, 5, 12},  {359, 6, 9},   {370, 8, 8},  {371, 8, 8},  {372, 7, 10}, {373, 8, 8},
    {374, 8, 8},   {375, 6, 11},  {376, 6, 9},   {377, 8, 9},  {378, 6, 10}, {380, 9, 10}, {381, 6, 12},
    {382, 8, 9},   {383, 8, 9},   {385, 6, 9},   {386, 5, 8},  {387, 8, 9},  {389, 8, 8},  {420, 9, 12},
    {421, 6, 9},   {423, 7, 9},   {500, 5, 5},   {501, 7, 11}, {502, 8, 11}, {503, 7, 11}, {504, 8, 11},
    {505, 8, 8},   {506, 8, 10},  {507, 7, 11},  {508, 6, 9},  {509, 8, 8},  {590, 9, 9},  {591, 8, 9},
    {592, 7, 7},   {593, 8, 11},  {594, 9, 9},   {595, 6, 11}, {596, 9, 9},  {597, 6, 7},  {598, 7, 10},
    {599, 7, 8},   {670, 7, 8},   {672, 6, 6},   {673, 7, 7},  {674, 7, 7},  {675, 7, 8},  {676, 5, 7},
    {677, 5, 7},   {678, 5, 7},   {679, 7, 11},  {680, 7, 7},  {681, 6, 9},  {682, 5, 5},  {683, 4, 7},
    {685, 5, 10},  {686, 5, 8},   {687, 6, 6},   {688, 5, 7},  {689, 6, 9},  {690, 4, 7},  {691, 7, 7},
    {692, 7, 7},   {800, 8, 8},   {808, 8, 8},   {850, 8, 10}, {852, 5, 11}, {853, 7, 8},  {855, 8, 10},
    {856, 8, 10},  {870, 9, 12},  {878, 12, 12}, {880, 6, 10}, {881, 9, 9},  {882, 7, 12}, {883, 9, 12},
    {886, 7, 11},  {888, 11, 11}, {960, 7, 10},  {961, 7, 8},  {962, 8, 9},  {963, 8, 9},  {964, 8, 10},
    {965, 7, 8},   {966, 9, 10},  {967, 7, 9},   {968, 7, 9},  {970, 8, 10}, {971, 5, 12}, {972, 7, 12},
    {973, 8, 8},   {974, 7, 9},   {975, 7, 8},   {976, 8, 10}, {977, 8, 11}, {979, 9, 9},  {992, 9, 9},
    {993, 8, 8},   {994, 9, 9},   {995, 9, 9},   {996, 9, 10}, {998, 9, 9},
};

// Calling code (1-999) to 1 + index in kCallingCodes (0: unassigned).
struct CallingCodeIndex {
  uint8_t slot[1000] = {};
  constexpr CallingCodeIndex() {
    for (size_t i = 0; i < std::size(kCallingCodes); ++i)
      slot[kCallingCodes[i].code] = static_cast<uint8_t>(i + 1);
  }
};
constexpr CallingCodeIndex kCallingCodeIndex;

const CallingCode* FindCallingCode(int code) {
  if (code <= 0 || code >= 1000) return nullptr;
  const uint8_t slot = kCallingCodeIndex.slot[code];
  return slot == 0 ? nullptr : &kCallingCodes[slot - 1];
}

// Countries whose national significant numbers begin with 0 (Italy, San Marino, Côte d'Ivoire, Benin
// since 2024, Gabon, Congo): for everyone else a 0 right after the country code is a wrongly kept
// trunk prefix.
bool LeadingZeroAllowed(int code) {
  return code == 39 || code == 378 || code == 225 || code == 229 || code == 241 || code == 242;
}

// North American Numbering Plan: NPA [2-9][0-8]X, NXX [2-9]XX; N11 service codes are not area codes.
bool NanpValid(const char* d) {
  if (d[0] < '2' || d[3] < '2') return false;
  if (d[1] == '9') return false;
  if (d[1] == '1' && d[2] == '1') return false;
  if (d[4] == '1' && d[5] == '1') return false;
  return true;
}

bool Monotone(const char* d, size_t n) {
  if (n < 7) return false;
  bool up = true, down = true;
  for (size_t i = 1; i < n; ++i) {
    up = up && d[i] == static_cast<char>('0' + (d[i - 1] - '0' + 1) % 10);
    down = down && d[i] == static_cast<char>('0' + (d[i - 1] - '0' + 9) % 10);
  }
  return up || down;
}

bool AllSame(const char* d, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    if (d[i] != d[0]) return false;
  }
  return true;
}

// Removes an extension suffix: "x123", "ext 123", "ext. 123", "#123" (1-6 digits).
std::string_view StripExtension(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && IsDigit(s[i - 1])) --i;
  const size_t digits = s.size() - i;
  if (digits == 0 || digits > 6) return s;
  size_t j = i;
  while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '.')) --j;
  if (j > 0 && (s[j - 1] == 'x' || s[j - 1] == 'X' || s[j - 1] == '#')) {
    --j;
  } else if (j >= 3 && ToLower(s[j - 3]) == 'e' && ToLower(s[j - 2]) == 'x' && ToLower(s[j - 1]) == 't') {
    j -= 3;
  } else {
    return s;
  }
  return Trim(s.substr(0, j));
}

}  // namespace

bool PhoneValid(std::string_view match) {
  std::string_view s = Trim(match);
  if (s.size() > 40) return false;
  s = StripExtension(s);
  if (s.empty()) return false;
  if (Ipv4Valid(s) || DateValid(s)) return false;
  // ddd-dd-dddd is the US SSN layout (a sample SSN such as 078-05-1120 is not a phone number).
  if (s.size() == 11 && s[3] == '-' && s[6] == '-' && DigitsOnly(s).size() == 9) return false;

  bool plus = false;
  size_t i = 0;
  if (s[0] == '+') {
    plus = true;
    i = 1;
  }
  char d[24];
  size_t n = 0;
  int trunk_zero_at = -1;  // index in d of a "(0)" trunk digit to drop from international numbers
  bool in_paren = false, had_paren = false;
  size_t paren_start = 0;
  int slashes = 0;
  char prev = plus ? '+' : 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (IsDigit(c)) {
      if (n == sizeof(d)) return false;
      d[n++] = c;
    } else if (c == '(') {
      if (had_paren || in_paren || (prev != 0 && prev != ' ' && prev != '+' && !IsDigit(prev))) return false;
      in_paren = had_paren = true;
      paren_start = n;
    } else if (c == ')') {
      if (!in_paren || n == paren_start || n - paren_start > 5) return false;
      in_paren = false;
      if (n - paren_start == 1 && d[paren_start] == '0') trunk_zero_at = static_cast<int>(paren_start);
    } else if (c == ' ' || c == '-' || c == '.' || c == '/') {
      // One separator between digit groups; a space may also follow ')' or precede '('.
      if (!(IsDigit(prev) || (c == ' ' && prev == ')') || (prev == ')' && c == '-') ||
            (c == ' ' && prev == '+'))) {
        return false;
      }
      if (in_paren) return false;
      if (c == '/' && ++slashes > 1) return false;
    } else {
      return false;
    }
    prev = c;
  }
  if (in_paren || n == 0 || !IsDigit(s.back())) return false;

  // International form: '+' or the 00 international prefix.
  size_t start = 0;
  bool international = plus;
  if (!plus && n >= 10 && d[0] == '0' && d[1] == '0' && d[2] != '0') {
    international = true;
    start = 2;
  }
  if (international) {
    if (trunk_zero_at >= 0) {
      for (size_t k = static_cast<size_t>(trunk_zero_at); k + 1 < n; ++k) d[k] = d[k + 1];
      --n;
    }
    const char* digits = d + start;
    const size_t len = n - start;
    if (len < 7 || len > 15) return false;
    for (size_t cc_len = 1; cc_len <= 3; ++cc_len) {
      const CallingCode* cc = FindCallingCode(Num(std::string_view(digits, cc_len)));
      if (cc == nullptr) continue;
      const char* nsn = digits + cc_len;
      const size_t nsn_len = len - cc_len;
      if (nsn_len < cc->min_nsn || nsn_len > cc->max_nsn) return false;
      if (nsn[0] == '0' && !LeadingZeroAllowed(cc->code)) return false;
      if (AllSame(nsn, nsn_len) || Monotone(nsn, nsn_len)) return false;
      if (cc->code == 1) return NanpValid(nsn);
      if (cc->code == 62 && nsn[0] == '8') return nsn_len >= 9 && nsn_len <= 12;  // Indonesian mobile
      return true;
    }
    return false;
  }

  // National forms.
  if (n < 7 || n > 15) return false;
  if (n == 8 && s.size() == 9 && (s[4] == '-' || s[4] == '/')) {  // "2019-2023": a span of years
    const int from = Num(std::string_view(d, 4)), to = Num(std::string_view(d + 4, 4));
    if (from >= 1900 && to <= 2099 && from <= to) return false;
  }
  if (AllSame(d, n) || Monotone(d, n)) return false;
  if (n == 10 && s[0] == '(' && d[0] != '0') return NanpValid(d);                      // (415) 555-0132
  if (n == 11 && d[0] == '1' && !had_paren && s.size() > 11) return NanpValid(d + 1);  // 1-415-555-0132
  if (d[0] == '0' && d[1] == '8' && d[2] != '0') return n >= 10 && n <= 13;  // Indonesian mobile 08xx
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Dates

namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// `year` is a full year, or -1..-100 for a two-digit year yy encoded as -(yy+1) (century unknown).
bool DayValid(int day, int month, int year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  if (month == 2 && day == 29) {
    if (year < 0) return (-year - 1) % 4 == 0;
    return IsLeap(year);
  }
  return day <= kDays[month - 1];
}

// Parses a year token: four digits in 1900-2099, or two digits (returned as -(yy+1)). 0 on failure.
int ParseYear(std::string_view t) {
  if (t.size() == 4) {
    const int y = Num(t);
    return (y >= 1900 && y <= 2099) ? y : 0;
  }
  if (t.size() == 2) return -(Num(t) + 1);
  return 0;
}

int MonthFromName(std::string_view t) {
  if (t.size() < 3 || t.size() > 9) return 0;
  char buf[10];
  size_t n = 0;
  for (char c : t) buf[n++] = ToLower(c);
  const std::string_view w(buf, n);
  struct Name {
    std::string_view name;
    int month;
  };
  // English and Indonesian names and their usual abbreviations.
  static constexpr Name kNames[] = {
      {"january", 1}, {"januari", 1},   {"jan", 1},       {"february", 2}, {"februari", 2},  {"feb", 2},
      {"march", 3},   {"maret", 3},     {"mar", 3},       {"april", 4},    {"apr", 4},       {"may", 5},
      {"mei", 5},     {"june", 6},      {"juni", 6},      {"jun", 6},      {"july", 7},      {"juli", 7},
      {"jul", 7},     {"august", 8},    {"agustus", 8},   {"aug", 8},      {"agu", 8},       {"agt", 8},
      {"agst", 8},    {"september", 9}, {"sept", 9},      {"sep", 9},      {"october", 10},  {"oktober", 10},
      {"oct", 10},    {"okt", 10},      {"november", 11}, {"nov", 11},     {"december", 12}, {"desember", 12},
      {"dec", 12},    {"des", 12},
  };
  for (const Name& m : kNames) {
    if (m.name == w) return m.month;
  }
  return 0;
}

// "14:30", "14:30:00", "14:30:00.123", optionally followed by "Z", "+02:00", "-0500".
bool TimeValid(std::string_view t) {
  auto two = [&](size_t at, int max) {
    return at + 2 <= t.size() && IsDigit(t[at]) && IsDigit(t[at + 1]) && Num(t.substr(at, 2)) <= max;
  };
  if (!two(0, 23) || t.size() < 5 || t[2] != ':' || !two(3, 59)) return false;
  size_t i = 5;
  if (i < t.size() && t[i] == ':') {
    if (!two(i + 1, 60)) return false;
    i += 3;
    if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
      const size_t frac = ++i;
      while (i < t.size() && IsDigit(t[i])) ++i;
      if (i == frac || i - frac > 9) return false;
    }
  }
  if (i == t.size()) return true;
  if (t[i] == 'Z' && i + 1 == t.size()) return true;
  if (t[i] != '+' && t[i] != '-') return false;
  const std::string_view z = t.substr(i + 1);
  if (z.size() == 5) return two(i + 1, 14) && z[2] == ':' && two(i + 4, 59);
  if (z.size() == 4) return two(i + 1, 14) && two(i + 3, 59);
  if (z.size() == 2) return two(i + 1, 14);
  return false;
}

// TimeValid, and the clock reads 00:00(:00(.000…)).
bool MidnightValid(std::string_view t) {
  if (!TimeValid(t)) return false;
  for (size_t i = 0; i < t.size() && t[i] != 'Z' && t[i] != '+' && t[i] != '-'; ++i) {
    if (IsDigit(t[i]) && t[i] != '0') return false;
  }
  return true;
}

bool NumericDateValid(std::string_view s) {
  // Three digit runs joined by one separator, the same one twice.
  std::string_view parts[3];
  size_t np = 0, start = 0;
  char sep = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && IsDigit(s[i])) continue;
    if (i < s.size()) {
      const char c = s[i];
      if (c != '-' && c != '/' && c != '.') return false;
      if (sep == 0) sep = c;
      if (c != sep) return false;
    }
    if (i == start || np == 3) return false;
    parts[np++] = s.substr(start, i - start);
    start = i + 1;
  }
  if (np != 3) return false;
  const std::string_view a = parts[0], b = parts[1], c = parts[2];
  if (a.size() == 4) {  // Y-M-D
    const int y = ParseYear(a);
    return y != 0 && b.size() <= 2 && c.size() <= 2 && DayValid(Num(c), Num(b), y);
  }
  if (a.size() > 2 || b.size() > 2) return false;
  const int y = ParseYear(c);
  if (y == 0) return false;
  // D-M-Y or M-D-Y: accepted when either reading is a real date.
  return DayValid(Num(a), Num(b), y) || DayValid(Num(b), Num(a), y);
}

bool NamedDateValid(std::string_view s) {
  // Tokens: letters or digits; between them 1-2 separator characters from " ,.-/".
  std::string_view tok[3];
  size_t nt = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t begin = i;
    if (IsDigit(s[i])) {
      while (i < s.size() && IsDigit(s[i])) ++i;
      // Ordinal suffix: 1st, 2nd, 3rd, 12th.
      if (i + 1 < s.size() && IsAlpha(s[i]) && IsAlpha(s[i + 1]) &&
          (i + 2 == s.size() || !IsAlpha(s[i + 2]))) {
        const char a = ToLower(s[i]), b = ToLower(s[i + 1]);
        if (!((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
              (a == 't' && b == 'h'))) {
          return false;
        }
        if (nt == 3) return false;
        tok[nt++] = s.substr(begin, i - begin);
        i += 2;
      } else {
        if (nt == 3) return false;
        tok[nt++] = s.substr(begin, i - begin);
      }
    } else if (IsAlpha(s[i])) {
      while (i < s.size() && IsAlpha(s[i])) ++i;
      if (nt == 3) return false;
      tok[nt++] = s.substr(begin, i - begin);
    } else {
      return false;
    }
    const size_t sep = i;
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '.' || s[i] == '-' || s[i] == '/')) ++i;
    if (i - sep > 2) return false;
    if (i == s.size() && i != sep && s[sep] != '.') return false;  // only "Jan." style may end in '.'
  }
  if (nt != 3) return false;
  auto is_num = [](std::string_view t) { return !t.empty() && IsDigit(t[0]); };
  int day = 0, month = 0, year = 0;
  if (is_num(tok[0]) && !is_num(tok[1]) && is_num(tok[2])) {  // 12 March 1985, 5-MAY-2021, 1985 Mar 12
    month = MonthFromName(tok[1]);
    if (tok[0].size() == 4 && tok[2].size() <= 2) {
      year = ParseYear(tok[0]);
      day = Num(tok[2]);
    } else {
      if (tok[0].size() > 2) return false;
      day = Num(tok[0]);
      year = ParseYear(tok[2]);
    }
  } else if (!is_num(tok[0]) && is_num(tok[1]) && is_num(tok[2])) {  // March 12, 1985
    month = MonthFromName(tok[0]);
    if (tok[1].size() > 2) return false;
    day = Num(tok[1]);
    year = ParseYear(tok[2]);
  } else {
    return false;
  }
  return month != 0 && year != 0 && DayValid(day, month, year);
}

}  // namespace

bool DateValid(std::string_view match) {
  const std::string_view s = Trim(match);
  if (s.size() < 6 || s.size() > 64) return false;
  // ISO 8601 date-time at midnight ("1985-03-12T00:00:00.000Z"): how databases and JSON serializers
  // write a date-only value such as a date of birth. Any other time of day is a timestamp, not a date.
  if (s.size() > 10 && IsDigit(s[0]) && (s[10] == 'T' || s[10] == ' ') && s[4] == '-') {
    return NumericDateValid(s.substr(0, 10)) && MidnightValid(s.substr(11));
  }
  bool letters = false;
  for (char c : s) letters = letters || IsAlpha(c);
  return letters ? NamedDateValid(s) : NumericDateValid(s);
}

}  // namespace leakguard::detect
