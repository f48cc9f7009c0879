// Unit tests of the validators in intl_validators.cc. Valid vectors are the issuers' published examples
// or synthetic numbers built with the published algorithm; each invalid vector changes one thing.
#include "detect/validators/intl_validators.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "detect/validators/validators.h"

namespace leakguard::detect {
namespace {

struct Vectors {
  const char* name;
  bool (*fn)(std::string_view);
  std::vector<std::string> valid;
  std::vector<std::string> invalid;
};

// Test names carry the validator; print only that instead of the bytes of the struct.
void PrintTo(const Vectors& v, std::ostream* os) { *os << v.name; }

class IntlValidatorTest : public ::testing::TestWithParam<Vectors> {};

TEST_P(IntlValidatorTest, AcceptsValidAndRejectsInvalid) {
  const Vectors& v = GetParam();
  for (const auto& s : v.valid) EXPECT_TRUE(v.fn(s)) << v.name << " should accept " << s;
  for (const auto& s : v.invalid) EXPECT_FALSE(v.fn(s)) << v.name << " should reject " << s;
}

INSTANTIATE_TEST_SUITE_P(
    All, IntlValidatorTest,
    ::testing::Values(
        Vectors{"australia_tfn",
                AustraliaTfnValid,
                {"876 543 210", "876543210", "628194821", "252-760-189", "385280841"},
                {"876 543 211", "824753557", "111111111", "12345678", "8765432100", "87654321a"}},
        Vectors{"australia_abn",
                AustraliaAbnValid,
                {"51 824 753 556", "51824753556", "85661250090", "73 569 568 058"},
                {"52 824 753 556", "00000000560", "5282475355632", "11111111111", "05824753556"}},
        Vectors{"australia_acn",
                AustraliaAcnValid,
                {"000 000 019", "005 499 981", "006249976", "000000180", "311150035"},
                {"824 753 557", "000000000", "005 499 982", "5282475355"}},
        Vectors{"australia_medicare",
                AustraliaMedicareValid,
                {"2123 45670 1", "2123456701", "2103797146", "2637 78342 9", "21234567011"},
                {"2123 25870 1", "7123456701", "2123456700", "212345670"}},
        Vectors{"spain_nif",
                SpainNifValid,
                {"55555555K", "55555555-K", "1111111-G", "1111111G", "01111111G", "12345678z", "17620290J"},
                {"12345678A", "55555555J", "123456789", "X1234567L", "00000000T"}},
        Vectors{"spain_nie",
                SpainNieValid,
                {"Z8078221M", "X9613851N", "Y8063915Z", "Y8063915-Z", "x9613851n", "Y2051495R"},
                {"Y8063915Q", "Y806391Q", "58063915Q", "W8063915Q", "X96138510"}},
        Vectors{"italy_fiscal_code",
                ItalyFiscalCodeValid,
                {"AAAAAA00B11C333Y", "BDTLRG63E68B244J", "RSTFDR51S17H363K", "rstfdr51s17h363k"},
                {"AAAAAA00B11C333N", "A55AAA00B11C333N", "RSTFDR51S17H363L", "RSTFDR51Z17H363K",
                 "RSTFDR51S77H363K"}},
        Vectors{"poland_pesel",
                PolandPeselValid,
                {"44051401458", "02070803628", "11111111116", "14210347301", "51122285251"},
                {"44051401459", "85040812345", "4405140145", "440514014588", "4405140145A", "11110021111",
                 "00000000000"}},
        Vectors{"finland_hetu",
                FinlandHetuValid,
                {"131052-308T", "010594Y9032", "020594X903P", "040594V902Y", "020504A902E", "201144-694H",
                 "010516b903x"},
                {"111111-111A", "311190-1111", "310289-211C", "012245A110G", "131052/308T", "131052-308U",
                 "131052G308T"}},
        Vectors{"sweden_personnummer",
                SwedenPersonnummerValid,
                {"189004119807", "198712202384", "871220-2384", "19910924-2397", "9201232387", "760210-9410",
                 "701063-2391"},
                {"19000309-3393", "19001309-2393", "200504422381", "871220-2385", "871320-2384"}},
        Vectors{"turkey_tckn",
                TurkeyTcknValid,
                {"10000000146", "76543210794", "36493665440", "77823168620"},
                {"00000000000", "02531814694", "12345678900", "10000000145", "1234567890", "11111111111"}},
        Vectors{"korea_rrn",
                KoreaRrnValid,
                {"960121-1021413", "9601211021413", "050912-2000019", "0509122000019", "4112073444913"},
                {"960121-1234567", "001332-1234567", "960121+1021413", "960111-10214131", "960303-0021413",
                 "96012-11021413"}},
        Vectors{"korea_rrn_format",
                KoreaRrnFormatValid,
                {"960121-1234567", "9601211234567", "000505-3637892", "960121-1021413"},
                {"001332-1234567", "960121+1021413", "960303-5021413", "960230-1234567", "96012112345678"}},
        Vectors{"thailand_tnin",
                ThailandTninValid,
                {"1234567890121", "2345678901234", "3456789012347", "1220000000007", "1-2345-67890-12-1"},
                {"1234567890123", "0234567890124", "1284567890124", "9234567890121", "123456789012",
                 "1111111111111"}},
        Vectors{
            "singapore_uen",
            SingaporeUenValid,
            {"53125226D", "201434292D", "T16RF0037C", "S57TU0392K", "R16RF0037F", "09122564K", "199262642M"},
            {"53125226E", "201434292E", "T16XX0037C", "A16RF0037C", "53125226", "299934292D"}},
        Vectors{"brazil_cpf",
                BrazilCpfValid,
                {"529.982.247-25", "52998224725", "91322331081", "705.119.858-00"},
                {"529.982.247-26", "11111111111", "5299822472", "52998224752"}},
        Vectors{"south_africa_id",
                SouthAfricaIdValid,
                {"8001015009087", "8001015000086", "9202201234088", "0002294321191", "4104041503042"},
                {"8001015009086", "9913326789285", "9902294321191", "8001015009176", "80010150090"}},
        Vectors{"nigeria_nin",
                NigeriaNinValid,
                {"12345678902", "98765432102", "55512345672", "01234567895"},
                {"12345678901", "1234567890", "123456789012", "1234567890a", "00000000000"}}),
    [](const ::testing::TestParamInfo<Vectors>& info) { return std::string(info.param.name); });

TEST(IntlValidatorRegistry, EveryValidatorIsFoundByName) {
  for (const auto& v : IntlValidators()) {
    const ValidatorInfo* found = FindValidator(v.name);
    ASSERT_NE(found, nullptr) << v.name;
    EXPECT_EQ(found->fn, v.fn) << v.name << " is shadowed by a core validator of the same name";
    EXPECT_FALSE(v.description.empty()) << v.name;
  }
}

TEST(IntlValidatorDates, LeapYearsAndRanges) {
  EXPECT_TRUE(IsValidDate(2000, 2, 29));
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(1900, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 4, 31));
  EXPECT_FALSE(IsValidDate(2023, 13, 1));
  EXPECT_FALSE(IsValidDate(2023, 0, 1));
  EXPECT_FALSE(IsValidDate(1700, 1, 1));
}

}  // namespace
}  // namespace leakguard::detect
