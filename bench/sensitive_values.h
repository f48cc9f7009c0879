// Valid sensitive values with realistic context, drawn from a deterministic PRNG: shared by the corpus
// generator (bench/gen_corpus.cc) and the microbenchmarks (bench/*_bench.cc).
//
// Every value passes the checks a real detector applies: card numbers are in issuer ranges with a
// Luhn check digit, IBANs have correct mod-97 check digits for their country's length, GitHub tokens
// carry their CRC32 checksum, NIKs have a valid province, date and serial, SSNs avoid the invalid
// areas (000, 666, 9xx). None is a real person's; the names and domains are made up.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace leakguard_bench {

// --- deterministic randomness ---------------------------------------------------------------------
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t Next() {  // splitmix64
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  int Range(int lo, int hi) { return lo + static_cast<int>(Below(static_cast<std::uint64_t>(hi - lo + 1))); }
  char Digit() { return static_cast<char>('0' + Below(10)); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += Digit();
    return s;
  }
  std::string FromAlphabet(std::string_view alphabet, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += alphabet[Below(alphabet.size())];
    return s;
  }
  template <typename T, std::size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Below(N)];
  }

 private:
  std::uint64_t s_;
};

inline constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
inline constexpr std::string_view kAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline std::string Pad2(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

// --- valid sensitive values -----------------------------------------------------------------------
inline char LuhnCheckDigit(std::string_view body) {  // digit that makes body+digit pass Luhn
  int sum = 0;
  bool dbl = true;  // the rightmost body digit is doubled once the check digit is appended
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

inline std::string Group(std::string_view s, std::initializer_list<int> sizes, char sep) {
  std::string out;
  std::size_t pos = 0;
  for (int n : sizes) {
    if (!out.empty()) out += sep;
    out += s.substr(pos, static_cast<std::size_t>(n));
    pos += static_cast<std::size_t>(n);
  }
  return out;
}

inline std::string CardNumber(Rng& r) {
  int kind = r.Range(0, 3);
  std::string body;
  if (kind <= 1) {  // Visa, 16 digits
    body = "4" + r.Digits(14);
  } else if (kind == 2) {  // Mastercard 51-55, 16 digits
    body = "5" + std::string(1, static_cast<char>('1' + r.Below(5))) + r.Digits(13);
  } else {  // American Express 34/37, 15 digits
    body = std::string(r.Below(2) ? "34" : "37") + r.Digits(12);
  }
  std::string pan = body + LuhnCheckDigit(body);
  int fmt = r.Range(0, 2);
  char sep = fmt == 0 ? ' ' : '-';
  if (fmt == 2) return pan;
  if (pan.size() == 15) return Group(pan, {4, 6, 5}, sep);
  return Group(pan, {4, 4, 4, 4}, sep);
}

inline std::string Ssn(Rng& r) {
  int area;
  do {
    area = r.Range(1, 899);
  } while (area == 666);
  char b[16];
  std::snprintf(b, sizeof b, "%03d-%02d-%04d", area, r.Range(1, 99), r.Range(1, 9999));
  return b;
}

inline int Mod97(std::string_view numeric) {
  int m = 0;
  for (char c : numeric) m = (m * 10 + (c - '0')) % 97;
  return m;
}

inline std::string Iban(Rng& r, bool grouped) {
  static const std::array<std::string_view, 3> kCountries = {"DE", "GB", "NL"};
  std::string_view cc = r.Pick(kCountries);
  std::string bban;
  if (cc == "DE") bban = r.Digits(18);
  if (cc == "GB") bban = r.FromAlphabet(kUpper, 4) + r.Digits(14);
  if (cc == "NL") bban = r.FromAlphabet(kUpper, 4) + r.Digits(10);
  std::string rearranged = bban + std::string(cc) + "00", numeric;
  for (char c : rearranged) {
    if (c >= 'A' && c <= 'Z') {
      numeric += std::to_string(c - 'A' + 10);
    } else {
      numeric += c;
    }
  }
  std::string iban = std::string(cc) + Pad2(98 - Mod97(numeric)) + bban;
  if (!grouped) return iban;
  std::string out;
  for (std::size_t i = 0; i < iban.size(); i += 4) {
    if (i) out += ' ';
    out += iban.substr(i, 4);
  }
  return out;
}

inline std::string Nik(Rng& r, bool female) {
  static const std::array<int, 34> kProvinces = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32,
                                                 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
                                                 71, 72, 73, 74, 75, 76, 81, 82, 91, 94};
  // Regencies (kabupaten) 01-04 exist in every province but DKI Jakarta (31), whose NIKs mostly carry
  // its cities 71-75; districts 01-06 exist in all of them.
  const int province = r.Pick(kProvinces);
  const int regency = province == 31 ? r.Range(71, 75) : r.Range(1, 4);
  int day = r.Range(1, 28) + (female ? 40 : 0);
  char b[32];
  std::snprintf(b, sizeof b, "%02d%02d%02d%02d%02d%02d%04d", province, regency, r.Range(1, 6), day,
                r.Range(1, 12), r.Range(60, 99), r.Range(1, 999));
  return b;
}

// CRC-32 (IEEE 802.3, as zlib's crc32), bitwise: only used for a few bytes per token.
inline std::uint32_t Crc32(std::string_view s) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

inline std::string Base62(std::uint32_t v, int width) {
  std::string s;
  while (v) {
    s += kAlnum[v % 62];
    v /= 62;
  }
  while (static_cast<int>(s.size()) < width) s += '0';
  std::reverse(s.begin(), s.end());
  return s;
}

inline std::string GithubToken(Rng& r) {
  static const std::array<std::string_view, 3> kPrefixes = {"ghp_", "gho_", "ghs_"};
  std::string entropy = r.FromAlphabet(kAlnum, 30);
  std::uint32_t crc = Crc32(entropy);
  return std::string(r.Pick(kPrefixes)) + entropy + Base62(crc, 6);
}

inline std::string Base64Url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(acc >> bits) & 63];
    }
  }
  if (bits) out += kBase64Url[(acc << (6 - bits)) & 63];
  return out;
}

inline const std::array<std::string_view, 12> kFirst = {"budi",  "siti",  "john", "maria", "ahmad", "dewi",
                                                        "james", "linda", "agus", "sarah", "rizky", "kevin"};
inline const std::array<std::string_view, 12> kLast = {"santoso", "rahayu",  "smith",   "garcia",
                                                       "hidayat", "lestari", "brown",   "chen",
                                                       "wijaya",  "miller",  "pratama", "novak"};
inline const std::array<std::string_view, 8> kDomains = {
    "sinarjaya.co.id",      "globex-corp.com", "initech.io", "mail.contoso.net",
    "bankmandiri-kc.co.id", "northwind.org",   "gmail.com",  "yahoo.co.id"};

inline std::string Capital(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

inline std::string PersonName(Rng& r) { return Capital(r.Pick(kFirst)) + " " + Capital(r.Pick(kLast)); }

inline std::string Email(Rng& r) {
  return std::string(r.Pick(kFirst)) + (r.Below(2) ? "." : "_") + std::string(r.Pick(kLast)) +
         (r.Below(3) ? "" : std::to_string(r.Range(1, 99))) + "@" + std::string(r.Pick(kDomains));
}

inline std::string Phone(Rng& r) {
  switch (r.Range(0, 2)) {
    case 0:  // Indonesian mobile
      return "+62 8" + std::to_string(r.Range(11, 59)) + "-" + r.Digits(4) + "-" + r.Digits(4);
    case 1: {  // NANP, no 555
      int area = r.Range(201, 989), exch;
      do {
        exch = r.Range(200, 999);
      } while (exch == 555);
      return "+1 (" + std::to_string(area) + ") " + std::to_string(exch) + "-" + r.Digits(4);
    }
    default:  // UK London
      return "+44 20 " + std::to_string(r.Range(7000, 8999)) + " " + r.Digits(4);
  }
}

inline std::string Ipv4(Rng& r) {
  int a;
  do {
    a = r.Range(11, 223);
  } while (a == 127 || a == 100 || a == 169 || a == 172 || a == 192 || a == 198 || a == 203);
  return std::to_string(a) + "." + std::to_string(r.Range(0, 255)) + "." + std::to_string(r.Range(0, 255)) +
         "." + std::to_string(r.Range(1, 254));
}

// One injected line (or block). `kind` is reported in the manifest.
struct Injection {
  std::string kind;
  std::string text;
};

inline Injection MakeInjection(Rng& r) {
  switch (r.Range(0, 13)) {
    case 0:
      return {"CREDIT_CARD_NUMBER", "Payment received, card number " + CardNumber(r) + " exp " +
                                        Pad2(r.Range(1, 12)) + "/" + Pad2(r.Range(26, 31)) + " for order #" +
                                        r.Digits(7) + ".\n"};
    case 1:
      return {"CREDIT_CARD_NUMBER",
              "  \"cc\": \"" + CardNumber(r) + "\", \"holder\": \"" + PersonName(r) + "\",\n"};
    case 2:
      return {"US_SOCIAL_SECURITY_NUMBER", "Employee: " + PersonName(r) + ", SSN: " + Ssn(r) + ", hired " +
                                               std::to_string(r.Range(2001, 2024)) + ".\n"};
    case 3:
      return {"IBAN_CODE", "Please transfer the invoice total to IBAN " + Iban(r, r.Below(2)) + " (" +
                               PersonName(r) + ").\n"};
    case 4:
      return {"EMAIL_ADDRESS", "Reported-by: " + PersonName(r) + " <" + Email(r) + ">\n"};
    case 5:
      return {"PHONE_NUMBER", "For questions call " + PersonName(r) + " at " + Phone(r) + ".\n"};
    case 6:
      return {"AWS_ACCESS_KEY_ID", "[default]\naws_access_key_id = AKIA" +
                                       r.FromAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) +
                                       "\naws_secret_access_key = " + r.FromAlphabet(kBase64, 40) + "\n"};
    case 7:
      return {"GITHUB_TOKEN", "export GITHUB_TOKEN=" + GithubToken(r) + "\n"};
    case 8:
      return {"SLACK_TOKEN", "slack_bot_token: xoxb-" + r.Digits(12) + "-" + r.Digits(13) + "-" +
                                 r.FromAlphabet(kAlnum, 24) + "\n"};
    case 9:
      return {"STRIPE_SECRET_KEY", "stripe.api_key = \"sk_live_" + r.FromAlphabet(kAlnum, 24) + "\"\n"};
    case 10: {
      std::string pem =
          "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + r.FromAlphabet(kBase64, 48) + "\n";
      for (int i = 0; i < 8; ++i) pem += r.FromAlphabet(kBase64, 64) + "\n";
      pem += r.FromAlphabet(kBase64, 36) + "==\n-----END RSA PRIVATE KEY-----\n";
      return {"PRIVATE_KEY", pem};
    }
    case 11: {
      std::string header = Base64Url(R"({"alg":"HS256","typ":"JWT"})");
      std::string payload = Base64Url(R"({"sub":")" + r.Digits(8) + R"(","name":")" + PersonName(r) +
                                      R"(","iat":)" + std::to_string(1600000000 + r.Below(100000000)) + "}");
      return {"JSON_WEB_TOKEN", "Authorization: Bearer " + header + "." + payload + "." +
                                    r.FromAlphabet(kBase64Url, 43) + "\n"};
    }
    case 12:
      return {"INDONESIA_NIK", "Nama: " + PersonName(r) + ", NIK: " + Nik(r, r.Below(2)) +
                                   ", alamat Jl. Merdeka No. " + std::to_string(r.Range(1, 200)) + "\n"};
    default:
      return {"IP_ADDRESS", "Accepted publickey for deploy from " + Ipv4(r) + " port " +
                                std::to_string(r.Range(1024, 65535)) + " ssh2\n"};
  }
}

}  // namespace leakguard_bench
