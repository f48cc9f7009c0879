// Tests for the validator registry, the shared helpers and the generic check-digit algorithms.
// Per-family validator tests are in tests/unit/detect/validators/.
#include "detect/validators/validators.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <string_view>

namespace leakguard::detect {
namespace {

constexpr std::string_view kCoreNames[] = {
    "luhn",    "credit_card",   "iban",           "swift_bic",      "aba_routing", "us_ssn",
    "us_itin", "indonesia_nik", "indonesia_npwp", "verhoeff",       "aadhaar",     "india_pan",
    "uk_nhs",  "uk_nino",       "canada_sin",     "singapore_nric", "us_npi",      "us_dea",
    "jwt",     "ipv4",          "ipv6",           "phone",          "date",        "email",
};

TEST(ValidatorRegistry, EveryCoreNameIsRegistered) {
  for (std::string_view name : kCoreNames) {
    const ValidatorInfo* v = FindValidator(name);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(v->name, name);
    EXPECT_NE(v->fn, nullptr);
    EXPECT_FALSE(v->description.empty()) << name;
  }
  EXPECT_EQ(CoreValidators().size(), std::size(kCoreNames));
}

TEST(ValidatorRegistry, UnknownNames) {
  EXPECT_EQ(FindValidator(""), nullptr);
  EXPECT_EQ(FindValidator("luhnn"), nullptr);
  EXPECT_EQ(FindValidator("LUHN"), nullptr);  // names are exact
}

TEST(ValidatorRegistry, AllIsCoreThenIntlWithUniqueNames) {
  const std::vector<ValidatorInfo> all = AllValidators();
  ASSERT_EQ(all.size(), CoreValidators().size() + IntlValidators().size());
  for (size_t i = 0; i < CoreValidators().size(); ++i) EXPECT_EQ(all[i].name, CoreValidators()[i].name);
  std::set<std::string_view> names;
  for (const ValidatorInfo& v : all) EXPECT_TRUE(names.insert(v.name).second) << "duplicate " << v.name;
  for (const ValidatorInfo& v : all) {
    const ValidatorInfo* found = FindValidator(v.name);
    ASSERT_NE(found, nullptr) << v.name;
    EXPECT_EQ(found->fn, v.fn) << v.name;
  }
}

TEST(ValidatorRegistry, RegisteredFunctionsMatchTheNamedOnes) {
  EXPECT_EQ(FindValidator("credit_card")->fn, &CreditCardValid);
  EXPECT_EQ(FindValidator("iban")->fn, &IbanValid);
  EXPECT_EQ(FindValidator("email")->fn, &EmailValid);
  // The generic digit validators take the raw match and ignore separators.
  EXPECT_TRUE(FindValidator("luhn")->fn("7992-7398-713"));
  EXPECT_FALSE(FindValidator("luhn")->fn("7992-7398-714"));
  EXPECT_FALSE(FindValidator("luhn")->fn("no digits"));
  EXPECT_TRUE(FindValidator("verhoeff")->fn("236 3"));
  EXPECT_FALSE(FindValidator("verhoeff")->fn("236 4"));
}

TEST(ValidatorHelpers, DigitsOnly) {
  EXPECT_EQ(DigitsOnly("4111-1111 1111.1111"), "4111111111111111");
  EXPECT_EQ(DigitsOnly("abc"), "");
  EXPECT_EQ(DigitsOnly(""), "");
  EXPECT_EQ(DigitsOnly("\xd9\xa1\xd9\xa2 1"), "1");  // Arabic-Indic digits are not ASCII digits
}

TEST(ValidatorHelpers, AlnumUpper) {
  EXPECT_EQ(AlnumUpper("gb29 nwbk-6016.1331"), "GB29NWBK60161331");
  EXPECT_EQ(AlnumUpper("\xc3\xa9t\xc3\xa9"), "T");
  EXPECT_EQ(AlnumUpper(""), "");
}

TEST(ValidatorHelpers, ShannonEntropy) {
  EXPECT_DOUBLE_EQ(ShannonEntropy(""), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("ab"), 1.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("abcd"), 2.0);
  EXPECT_NEAR(ShannonEntropy("0123456789abcdef"), 4.0, 1e-12);
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_NEAR(ShannonEntropy(all), 8.0, 1e-12);
}

TEST(LuhnTest, KnownValues) {
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("00"));
  EXPECT_TRUE(LuhnValid("18"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid("0"));  // shorter than 2
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("7992 7398 713"));  // digits only
  EXPECT_FALSE(LuhnValid("7992739871a"));
}

TEST(LuhnTest, CatchesEverySingleDigitError) {
  const std::string good = "4012888888881881";
  ASSERT_TRUE(LuhnValid(good));
  for (size_t i = 0; i < good.size(); ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == good[i]) continue;
      std::string bad = good;
      bad[i] = d;
      EXPECT_FALSE(LuhnValid(bad)) << bad;
    }
  }
}

TEST(VerhoeffTest, KnownValues) {
  EXPECT_TRUE(VerhoeffValid("2363"));
  EXPECT_TRUE(VerhoeffValid("236"));  // 23 with check digit 6
  EXPECT_TRUE(VerhoeffValid("234567890124"));
  EXPECT_FALSE(VerhoeffValid("2364"));
  EXPECT_FALSE(VerhoeffValid("234567890125"));
  EXPECT_FALSE(VerhoeffValid("0"));
  EXPECT_FALSE(VerhoeffValid(""));
  EXPECT_FALSE(VerhoeffValid("23a"));
}

TEST(VerhoeffTest, CatchesAdjacentTranspositions) {
  const std::string good = "234567890124";
  ASSERT_TRUE(VerhoeffValid(good));
  for (size_t i = 0; i + 1 < good.size(); ++i) {
    if (good[i] == good[i + 1]) continue;
    std::string bad = good;
    std::swap(bad[i], bad[i + 1]);
    EXPECT_FALSE(VerhoeffValid(bad)) << bad;
  }
}

// Every validator must be total: any bytes in, a bool out, no crash, no sanitizer report.
TEST(ValidatorRobustness, HostileInputs) {
  std::vector<std::string> inputs = {
      "",
      " ",
      "\n",
      std::string(1, '\0'),
      std::string(3, '\0'),
      "-",
      ".",
      "+",
      "@",
      "::",
      "...",
      "eyJ..",
      "\xff\xfe\xfd",
      "\xc3\xa9\xc3\xa9\xc3\xa9",
      std::string(100000, '9'),
      std::string(100000, ' '),
      std::string(70000, 'A'),
      std::string(5000, '.'),
      std::string(5000, ':'),
      "+" + std::string(64, '1'),
      "1/" + std::string(300, '2'),
      "4111 1111 1111 1111" + std::string(1, '\0'),
  };
  std::mt19937 rng(1234);
  const std::string alphabet = "0123456789 -./:+()@xeEAZaz_=%{}\"\x80\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const ValidatorInfo& v : CoreValidators()) {
    for (const std::string& in : inputs) (void)v.fn(in);
  }
  for (const std::string& in : inputs) {
    (void)CardBrand(in);
    (void)LuhnValid(in);
    (void)VerhoeffValid(in);
    (void)DigitsOnly(in);
    (void)AlnumUpper(in);
    EXPECT_TRUE(std::isfinite(ShannonEntropy(in)));
  }
  for (const ValidatorInfo& v : CoreValidators()) {
    EXPECT_FALSE(v.fn("")) << v.name;
    EXPECT_FALSE(v.fn(std::string(100000, '9'))) << v.name;
  }
}

}  // namespace
}  // namespace leakguard::detect
