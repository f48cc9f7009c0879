// Payment card numbers (PANs): issuer identification ranges, lengths per brand, grouping and Luhn.
//
// Ranges follow the card networks' published IIN tables as collected by braintree/credit-card-type
// (MIT), extended with RuPay, Naranja, Troy, the 15-digit legacy JCB ranges and Visa's 13/19-digit
// PANs. A number is accepted when at least one range claims its prefix *and* its length.
//
// Luhn is required, with one exception: UnionPay cards in the 622126-622925 block are accepted without
// a Luhn check, because some UnionPay issuers there do not use it (braintree/card-validator accepts
// non-Luhn UnionPay numbers for that reason; card_cases.jsonl has such a number labelled valid). The
// exception is deliberately narrow: the rest of the 62 range stays Luhn-checked, because a bare
// 16-digit number starting with 62 is also an Indonesian NIK of Kalimantan Tengah (province 62), whose
// regency codes (01-13, 71) never fall inside 6221-6229.
#include <cstdint>

#include "detect/validators/validators.h"

namespace leakguard::detect {

namespace {

enum class Brand : uint8_t {
  kVisa,
  kMastercard,
  kAmex,
  kDiners,
  kDiscover,
  kJcb,
  kUnionPay,
  kMaestro,
  kMir,
  kElo,
  kHiper,
  kHipercard,
  kVerve,
  kRuPay,
  kNaranja,
  kTroy,
  kUatp,
};

constexpr std::string_view kBrandNames[] = {
    "visa",        "mastercard", "american-express",
    "diners-club", "discover",   "jcb",
    "unionpay",    "maestro",    "mir",
    "elo",         "hiper",      "hipercard",
    "verve",       "rupay",      "naranja",
    "troy",        "uatp",
};

// Bit i set = length i allowed.
constexpr uint32_t Len(int lo, int hi) {
  uint32_t m = 0;
  for (int i = lo; i <= hi; ++i) m |= 1u << i;
  return m;
}
constexpr uint32_t Len1(int a) { return 1u << a; }

struct CardRange {
  uint32_t lo;     // first prefix value, `digits` digits long
  uint32_t hi;     // last prefix value (inclusive)
  uint8_t digits;  // prefix length in digits
  Brand brand;
  uint32_t lengths;  // allowed PAN lengths (bit mask)
};

// The one block accepted without a Luhn check (see the header comment).
constexpr CardRange kUnionPayNoLuhn = {622126, 622925, 6, Brand::kUnionPay, Len(16, 19)};

constexpr uint32_t kVisaLen = Len1(13) | Len1(16) | Len1(19);
constexpr uint32_t kVerveLen = Len1(16) | Len1(18) | Len1(19);

constexpr CardRange kRanges[] = {
    // Visa
    {4, 4, 1, Brand::kVisa, kVisaLen},
    // Mastercard
    {51, 55, 2, Brand::kMastercard, Len1(16)},
    {2221, 2720, 4, Brand::kMastercard, Len1(16)},
    // American Express
    {34, 34, 2, Brand::kAmex, Len1(15)},
    {37, 37, 2, Brand::kAmex, Len1(15)},
    // Diners Club (International and Carte Blanche)
    {300, 305, 3, Brand::kDiners, Len(14, 19)},
    {3095, 3095, 4, Brand::kDiners, Len(14, 19)},
    {36, 36, 2, Brand::kDiners, Len(14, 19)},
    {38, 39, 2, Brand::kDiners, Len(14, 19)},
    // Discover
    {6011, 6011, 4, Brand::kDiscover, Len(16, 19)},
    {644, 649, 3, Brand::kDiscover, Len(16, 19)},
    {65, 65, 2, Brand::kDiscover, Len(16, 19)},
    // JCB (and the legacy 15-digit ranges)
    {3528, 3589, 4, Brand::kJcb, Len(16, 19)},
    {1800, 1800, 4, Brand::kJcb, Len(15, 16)},
    {2131, 2131, 4, Brand::kJcb, Len(15, 16)},
    // UnionPay
    // 14- and 15-digit UnionPay cards are rare; 628 + 11-12 digits is far more often an Indonesian
    // mobile number written with its country code but without '+', so 628 needs 16-19 digits.
    {62, 62, 2, Brand::kUnionPay, Len(16, 19)},
    {620, 627, 3, Brand::kUnionPay, Len(14, 15)},
    {629, 629, 3, Brand::kUnionPay, Len(14, 15)},
    {622126, 622925, 6, Brand::kUnionPay, Len(16, 19)},
    {8100, 8171, 4, Brand::kUnionPay, Len(16, 19)},
    // Maestro
    {493698, 493698, 6, Brand::kMaestro, Len(12, 19)},
    {50, 50, 2, Brand::kMaestro, Len(12, 19)},
    {56, 61, 2, Brand::kMaestro, Len(12, 19)},
    {63, 63, 2, Brand::kMaestro, Len(12, 19)},
    {66, 69, 2, Brand::kMaestro, Len(12, 19)},
    // (62, 64 and 65 belong to UnionPay and Discover: a Maestro catch-all there would turn every
    // Luhn-valid "62 8xx" Indonesian mobile number written without '+' into a card.)
    // Mir
    {2200, 2204, 4, Brand::kMir, Len(16, 19)},
    // Elo
    {401178, 401179, 6, Brand::kElo, Len1(16)},
    {431274, 431274, 6, Brand::kElo, Len1(16)},
    {438935, 438935, 6, Brand::kElo, Len1(16)},
    {451416, 451416, 6, Brand::kElo, Len1(16)},
    {457393, 457393, 6, Brand::kElo, Len1(16)},
    {457631, 457632, 6, Brand::kElo, Len1(16)},
    {504175, 504175, 6, Brand::kElo, Len1(16)},
    {506699, 506778, 6, Brand::kElo, Len1(16)},
    {509000, 509999, 6, Brand::kElo, Len1(16)},
    {627780, 627780, 6, Brand::kElo, Len1(16)},
    {636297, 636297, 6, Brand::kElo, Len1(16)},
    {636368, 636368, 6, Brand::kElo, Len1(16)},
    {650031, 650033, 6, Brand::kElo, Len1(16)},
    {650035, 650051, 6, Brand::kElo, Len1(16)},
    {650405, 650439, 6, Brand::kElo, Len1(16)},
    {650485, 650538, 6, Brand::kElo, Len1(16)},
    {650541, 650598, 6, Brand::kElo, Len1(16)},
    {650700, 650718, 6, Brand::kElo, Len1(16)},
    {650720, 650727, 6, Brand::kElo, Len1(16)},
    {650901, 650978, 6, Brand::kElo, Len1(16)},
    {651652, 651679, 6, Brand::kElo, Len1(16)},
    {655000, 655019, 6, Brand::kElo, Len1(16)},
    {655021, 655058, 6, Brand::kElo, Len1(16)},
    // Hiper / Hipercard
    {637095, 637095, 6, Brand::kHiper, Len1(16)},
    {637568, 637568, 6, Brand::kHiper, Len1(16)},
    {637599, 637599, 6, Brand::kHiper, Len1(16)},
    {637609, 637609, 6, Brand::kHiper, Len1(16)},
    {637612, 637612, 6, Brand::kHiper, Len1(16)},
    {63737423, 63737423, 8, Brand::kHiper, Len1(16)},
    {63743358, 63743358, 8, Brand::kHiper, Len1(16)},
    {606282, 606282, 6, Brand::kHipercard, Len1(16)},
    // Verve (Nigeria)
    {506099, 506127, 6, Brand::kVerve, kVerveLen},
    {506129, 506129, 6, Brand::kVerve, kVerveLen},
    {506133, 506150, 6, Brand::kVerve, kVerveLen},
    {506158, 506163, 6, Brand::kVerve, kVerveLen},
    {506166, 506166, 6, Brand::kVerve, kVerveLen},
    {506168, 506168, 6, Brand::kVerve, kVerveLen},
    {506170, 506170, 6, Brand::kVerve, kVerveLen},
    {506173, 506173, 6, Brand::kVerve, kVerveLen},
    {506176, 506180, 6, Brand::kVerve, kVerveLen},
    {506184, 506184, 6, Brand::kVerve, kVerveLen},
    {506187, 506188, 6, Brand::kVerve, kVerveLen},
    {506191, 506191, 6, Brand::kVerve, kVerveLen},
    {506195, 506195, 6, Brand::kVerve, kVerveLen},
    {506197, 506197, 6, Brand::kVerve, kVerveLen},
    {507865, 507866, 6, Brand::kVerve, kVerveLen},
    {507868, 507877, 6, Brand::kVerve, kVerveLen},
    {507880, 507888, 6, Brand::kVerve, kVerveLen},
    {507900, 507900, 6, Brand::kVerve, kVerveLen},
    {507941, 507941, 6, Brand::kVerve, kVerveLen},
    // RuPay (India)
    {508500, 508999, 6, Brand::kRuPay, Len1(16)},
    {606985, 607984, 6, Brand::kRuPay, Len1(16)},
    {608001, 608500, 6, Brand::kRuPay, Len1(16)},
    {652150, 653149, 6, Brand::kRuPay, Len1(16)},
    // Naranja (Argentina)
    {589562, 589562, 6, Brand::kNaranja, Len1(16)},
    // Troy (Turkey)
    {9792, 9792, 4, Brand::kTroy, Len1(16)},
    // UATP (airline travel cards; Presidio's test set has its 122000000000003 test number)
    {1, 1, 1, Brand::kUatp, Len1(15)},
};

constexpr size_t kMaxPan = 19;
constexpr size_t kMinPan = 12;

struct Pan {
  char digits[kMaxPan];
  size_t len = 0;
  uint32_t prefix[9] = {};  // prefix[k]: value of the first k digits (k <= len)

  void ComputePrefixes() {
    uint32_t v = 0;
    for (size_t k = 1; k <= 8 && k <= len; ++k) {
      v = v * 10 + static_cast<uint32_t>(digits[k - 1] - '0');
      prefix[k] = v;
    }
  }
};

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits `s` into digit groups separated by one separator character (' ', '-' or '.'), the same one
// throughout. Fills `pan` and the group lengths. False on any other character, doubled separators,
// mixed separators, or more than kMaxPan digits.
bool ParseGroups(std::string_view s, Pan& pan, uint8_t* groups, size_t& ngroups, size_t max_groups) {
  char sep = 0;
  ngroups = 0;
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (pan.len == kMaxPan) return false;
      pan.digits[pan.len++] = c;
      ++run;
      continue;
    }
    if (c != ' ' && c != '-' && c != '.') return false;
    if (sep == 0) sep = c;
    if (c != sep || run == 0) return false;  // mixed or doubled separator, or leading separator
    if (ngroups == max_groups) return false;
    groups[ngroups++] = static_cast<uint8_t>(run);
    run = 0;
  }
  if (run == 0) return false;  // empty input or trailing separator
  if (ngroups == max_groups) return false;
  groups[ngroups++] = static_cast<uint8_t>(run);
  return true;
}

// Groupings printed on cards and used by payment forms: 4-4-4-4(-1..4) with a short last group,
// 4-6-5 (Amex) and 4-6-4 (Diners), or no separators at all.
bool StandardGrouping(const uint8_t* g, size_t n) {
  if (n == 1) return true;
  if (n == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 4 || g[2] == 5)) return true;
  if (n < 3) return false;
  for (size_t i = 0; i + 1 < n; ++i) {
    if (g[i] != 4) return false;
  }
  return g[n - 1] >= 1 && g[n - 1] <= 4;
}

bool ParsePan(std::string_view match, Pan& pan) {
  uint8_t groups[8];
  size_t ngroups = 0;
  if (!ParseGroups(Trim(match), pan, groups, ngroups, 8)) return false;
  if (pan.len < kMinPan || pan.len > kMaxPan) return false;
  if (!StandardGrouping(groups, ngroups)) return false;
  pan.ComputePrefixes();
  return true;
}

bool InRange(const Pan& pan, const CardRange& r) {
  if (pan.len < r.digits) return false;
  const uint32_t v = pan.prefix[r.digits];
  return v >= r.lo && v <= r.hi;
}

// True when every digit from position `from` on is the same.
bool AllSame(const Pan& pan, size_t from = 0) {
  for (size_t i = from + 1; i < pan.len; ++i) {
    if (pan.digits[i] != pan.digits[from]) return false;
  }
  return true;
}

// The most specific range claiming the number: longest prefix, preferring one that allows its length.
const CardRange* BestRange(const Pan& pan) {
  const CardRange* best = nullptr;
  bool best_len_ok = false;
  for (const CardRange& r : kRanges) {
    if (!InRange(pan, r)) continue;
    const bool len_ok = (r.lengths >> pan.len) & 1u;
    if (best == nullptr || (len_ok && !best_len_ok) || (len_ok == best_len_ok && r.digits > best->digits)) {
      best = &r;
      best_len_ok = len_ok;
    }
  }
  return best;
}

}  // namespace

bool CreditCardValid(std::string_view match) {
  Pan pan;
  if (!ParsePan(match, pan)) return false;
  if (AllSame(pan)) return false;
  const uint32_t len_bit = 1u << pan.len;
  if (!LuhnValid(std::string_view(pan.digits, pan.len))) {
    // Without the Luhn check nothing else vouches for the number: placeholders such as
    // 6222000000000000 (IIN followed by one repeated digit) are not accepted.
    return (kUnionPayNoLuhn.lengths & len_bit) && InRange(pan, kUnionPayNoLuhn) && !AllSame(pan, 6);
  }
  for (const CardRange& r : kRanges) {
    if ((r.lengths & len_bit) && InRange(pan, r)) return true;
  }
  return false;
}

std::string_view CardBrand(std::string_view match) {
  // Brand detection is lenient about layout (any spaces, dashes or dots) and length: it names the
  // issuer a prefix belongs to, CreditCardValid decides whether the number is a card.
  Pan pan;
  for (char c : Trim(match)) {
    if (c >= '0' && c <= '9') {
      if (pan.len == kMaxPan) break;  // the prefix is what matters
      pan.digits[pan.len++] = c;
    } else if (c != ' ' && c != '-' && c != '.') {
      return {};
    }
  }
  if (pan.len < 2) return {};
  pan.ComputePrefixes();
  const CardRange* r = BestRange(pan);
  if (r == nullptr) return {};
  return kBrandNames[static_cast<size_t>(r->brand)];
}

}  // namespace leakguard::detect
