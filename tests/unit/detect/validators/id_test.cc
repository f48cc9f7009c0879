// Tests for the national and professional identifier validators.
//
// Vectors copied from test data under the MIT license: joke2k/faker seeded samples (faker_samples.jsonl,
// US SSN/ITIN with an independent oracle), microsoft/presidio presidio-analyzer/tests (US_SSN,
// US_ITIN, CA_SIN, IN_AADHAAR, IN_PAN, UK_NHS, UK_NINO, SG_NRIC_FIN, US_NPI recognizer tests) and
// agraris/nusantara-valid src/test (NIK, NPWP).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "detect/validators/validators.h"

namespace leakguard::detect {
namespace {

constexpr std::string_view kFakerSsnValid[] = {
    "647-64-7806", "428-67-7197", "222-57-3976", "514-93-6271", "369-10-8787", "127-33-1132", "702-60-3489",
    "721-99-1097", "568-27-7284", "327-92-7981", "192-81-1752", "131-31-5623", "651-16-7364", "291-55-2114",
    "629-08-2680", "870-39-8949", "667-11-4278", "886-16-8626", "471-09-2355", "663-47-3045", "557-65-5463",
    "320-52-3519", "257-09-2941", "480-79-2001", "252-71-6996", "452-04-7557", "378-03-0971", "386-17-0821",
    "052-61-5423", "541-88-4940", "183-83-1427", "200-53-8773", "203-04-7522", "738-10-7446", "509-60-6787",
    "068-64-8554", "191-79-5892", "533-79-7777", "097-64-0535", "873-42-7382", "692-12-8044", "561-28-4320",
    "432-70-4338", "466-03-0550", "863-93-4503", "810-17-0556", "125-58-6956", "294-71-2278", "154-14-7841",
    "680-18-4521",
};

// Group 00, serial 0000, area 000 or 9xx.
constexpr std::string_view kFakerSsnInvalid[] = {
    "337-03-0000", "827-07-0000", "609-45-0000", "124-75-0000", "514-94-0000", "612-00-7300", "293-81-0000",
    "111-00-0103", "924-14-5211", "960-28-1906", "372-00-0835", "001-00-5680", "506-00-5189", "316-00-1882",
    "825-54-0000", "069-97-0000", "508-24-0000", "932-51-9356", "910-14-3787", "000-28-2563", "261-22-0000",
    "545-00-3583", "829-00-9559", "046-00-1255", "229-00-9966", "426-15-0000", "021-31-0000", "242-00-6061",
    "470-00-7414", "256-00-7424", "854-00-9887", "216-00-4662", "305-43-0000", "077-00-6042", "657-00-8428",
    "620-93-0000", "459-00-1485", "642-00-4558", "392-63-0000", "578-46-0000", "033-00-0944", "642-00-6659",
    "166-00-9556", "478-00-6357", "220-00-7701", "140-85-0000", "372-00-5144", "851-75-0000", "134-22-0000",
    "010-00-4290",
};

TEST(UsSsnValidator, FakerCorpus) {
  for (std::string_view s : kFakerSsnValid) EXPECT_TRUE(UsSsnValid(s)) << s;
  for (std::string_view s : kFakerSsnInvalid) EXPECT_FALSE(UsSsnValid(s)) << s;
}

TEST(UsSsnValidator, PresidioCorpus) {
  for (std::string_view s : {"078051121", "078-05-1123", "078.05.1123", "078 05 1123"}) {
    EXPECT_TRUE(UsSsnValid(s)) << s;
  }
  for (std::string_view s :
       {"0780511201", "078051120", "000000000", "666000000", "078-05-0000", "078 00 1123", "693-09.4444"}) {
    EXPECT_FALSE(UsSsnValid(s)) << s;
  }
  // Presidio's "very weak" patterns also take half-separated forms; they are not SSN layouts and we
  // reject them.
  EXPECT_FALSE(UsSsnValid("078-051121"));
  EXPECT_FALSE(UsSsnValid("07805-1121"));
}

TEST(UsSsnValidator, Rules) {
  EXPECT_TRUE(UsSsnValid("899-12-3456"));
  EXPECT_TRUE(UsSsnValid("665-12-3456"));
  EXPECT_FALSE(UsSsnValid("666-12-3456"));
  EXPECT_FALSE(UsSsnValid("900-12-3456"));  // ITIN range
  EXPECT_FALSE(UsSsnValid("123-45-6789"));  // sample number
  EXPECT_FALSE(UsSsnValid("219-09-9999"));  // advertising
  EXPECT_FALSE(UsSsnValid("457-55-5462"));  // advertising
  EXPECT_FALSE(UsSsnValid("111-11-1111"));  // one repeated digit
  EXPECT_FALSE(UsSsnValid("123-45-67890"));
  EXPECT_FALSE(UsSsnValid("12-345-6789"));
  EXPECT_FALSE(UsSsnValid("123 45-6789"));  // mixed separators
  EXPECT_FALSE(UsSsnValid("123--45-6789"));
  EXPECT_FALSE(UsSsnValid(""));
  EXPECT_TRUE(UsSsnValid(" 647-64-7806 "));
}

constexpr std::string_view kFakerItin[] = {
    "918-92-8870", "932-88-4496", "950-80-1372", "945-90-6471", "939-83-8392", "970-78-6784", "968-79-0723",
    "986-78-6639", "967-74-3413", "932-99-3706", "907-95-5395", "938-84-1547", "928-82-3507", "959-99-8246",
    "941-78-1962", "929-98-2342", "901-90-8090", "966-90-7653", "978-78-2716", "991-83-1497", "930-74-1620",
    "931-87-0531", "969-78-2237", "904-85-2270", "960-94-2677", "964-75-6800", "960-97-3950", "957-78-7305",
    "905-88-5658", "981-74-1620", "961-80-3385", "972-70-8217", "956-94-1917", "917-75-0676", "978-77-3335",
    "928-77-9324", "904-92-3450", "931-98-5459", "986-75-9537", "983-84-2173", "916-73-0627", "980-77-9776",
    "967-72-0578", "939-74-9025", "900-72-2731", "979-74-1701", "913-72-3250", "905-87-9544", "906-75-2036",
    "961-70-4980",
};

TEST(UsItinValidator, FakerAndPresidio) {
  for (std::string_view s : kFakerItin) EXPECT_TRUE(UsItinValid(s)) << s;
  for (std::string_view s : {"911701234", "911-70-1234", "911-53-1234", "911-64-1234"}) {
    EXPECT_TRUE(UsItinValid(s)) << s;
  }
  EXPECT_FALSE(UsItinValid("911-89-1234"));  // group 89 is not an ITIN group
  EXPECT_FALSE(UsItinValid("911-701234"));   // half-separated (Presidio's weak pattern)
  EXPECT_FALSE(UsItinValid("911-93-1234"));
  EXPECT_FALSE(UsItinValid("911-66-1234"));
  EXPECT_FALSE(UsItinValid("811-70-1234"));  // not 9xx
  EXPECT_FALSE(UsItinValid("911-70-0000"));
  EXPECT_FALSE(UsSsnValid("911-70-1234"));  // an ITIN is not an SSN
}

TEST(IndonesiaNikValidator, NusantaraCorpus) {
  for (std::string_view s :
       {"3404021011880001", "3101012012990002", "3404031011880001", "3404025011880001", "3101016012990002"}) {
    EXPECT_TRUE(IndonesiaNikValid(s)) << s;
  }
  for (std::string_view s : {"", "34040210118800001", "310101201299002", "310101",
                             "3704031011880001",  // province 37 does not exist
                             "2201012012990002",  // province 22 does not exist
                             "3404021013880001",  // month 13
                             "3101013212990002",  // day 32
                             "3406031011880001",  // Yogyakarta has regencies 01-04 and city 71 only
                             "3102012012990002",  // Jakarta: 01 and 71-75
                             "3472031011880001"}) {
    EXPECT_FALSE(IndonesiaNikValid(s)) << s;
  }
}

TEST(IndonesiaNikValidator, Rules) {
  EXPECT_TRUE(IndonesiaNikValid("3174015506900003"));   // Jakarta Selatan, woman born 15-06-1990
  EXPECT_TRUE(IndonesiaNikValid("6571012902000001"));   // Tarakan, 29-02-2000
  EXPECT_TRUE(IndonesiaNikValid("9171017101990001"));   // Kota Jayapura, woman born 31-01-1999
  EXPECT_FALSE(IndonesiaNikValid("3174015506900000"));  // serial 0000
  EXPECT_FALSE(IndonesiaNikValid("3174005506900003"));  // district 00
  EXPECT_FALSE(IndonesiaNikValid("3100015506900003"));  // regency 00
  EXPECT_FALSE(IndonesiaNikValid("3174013102900003"));  // 31 February
  EXPECT_FALSE(IndonesiaNikValid("3174012902010003"));  // 29 February 2001
  EXPECT_FALSE(IndonesiaNikValid("3174017206900003"));  // day 72 (women: 41-71)
  EXPECT_FALSE(IndonesiaNikValid("3174013506900003"));  // day 35: neither 01-31 nor 41-71
  EXPECT_TRUE(IndonesiaNikValid("317401 550690 0003"));
  EXPECT_TRUE(IndonesiaNikValid("31.74.01.550690.0003"));
  EXPECT_TRUE(IndonesiaNikValid("3174 0155 0690 0003"));
  EXPECT_FALSE(IndonesiaNikValid("3174-0155 0690 0003"));
  EXPECT_FALSE(IndonesiaNikValid("317401550690000x"));
}

TEST(IndonesiaNpwpValidator, NusantaraCorpus) {
  for (std::string_view s : {"092542943407000", "09.254.294.3-407.000"})
    EXPECT_TRUE(IndonesiaNpwpValid(s)) << s;
  for (std::string_view s : {"", "0925429434070000", "09254294340700", "09.254.294.3-407.0000",
                             "09.254.294.3-407.00", "992542943407000", "99.254.294.3-407.000"}) {
    EXPECT_FALSE(IndonesiaNpwpValid(s)) << s;
  }
}

TEST(IndonesiaNpwpValidator, SixteenDigitForms) {
  EXPECT_TRUE(IndonesiaNpwpValid("0092542943407000"));   // '0' + the 15-digit NPWP
  EXPECT_FALSE(IndonesiaNpwpValid("0992542943407000"));  // '0' + an invalid one
  EXPECT_TRUE(IndonesiaNpwpValid("3404021011880001"));   // a resident's NIK
  EXPECT_FALSE(IndonesiaNpwpValid("3704031011880001"));  // not a NIK
  EXPECT_FALSE(IndonesiaNpwpValid("000000000000000"));
  EXPECT_FALSE(IndonesiaNpwpValid("09-254-294-3-407-000"));
  EXPECT_FALSE(IndonesiaNpwpValid("09.254.294.3.407.000"));
}

TEST(AadhaarValidator, PresidioCorpus) {
  for (std::string_view s : {"312345678909", "399876543211", "3123 4567 8909", "3998 7654 3211",
                             "3123-4567-8909", "3998-7654-3211", "400123456787"}) {
    EXPECT_TRUE(AadhaarValid(s)) << s;
  }
  for (std::string_view s : {"123456789012", "1234 5678 9012", "1234-5678-9012", "1234:5678:9012"}) {
    EXPECT_FALSE(AadhaarValid(s)) << s;
  }
  // Presidio also takes colons between the groups; we do not (times, ratios and MAC-like values).
  EXPECT_FALSE(AadhaarValid("3123:4567:8909"));
}

TEST(AadhaarValidator, Rules) {
  EXPECT_TRUE(AadhaarValid("2345 6789 0124"));
  EXPECT_TRUE(AadhaarValid("987654321012"));
  EXPECT_FALSE(AadhaarValid("2345 6789 0125"));  // Verhoeff
  EXPECT_FALSE(AadhaarValid("0345 6789 0124"));  // first digit 0/1 never issued
  EXPECT_FALSE(AadhaarValid("2345 6789-0124"));  // mixed separators
  EXPECT_FALSE(AadhaarValid("23456 789 0124"));
  EXPECT_FALSE(AadhaarValid("2345678901245"));
  EXPECT_FALSE(AadhaarValid(""));
}

TEST(IndiaPanValidator, Rules) {
  for (std::string_view s : {"ABCPD1234Z", "ABBPM4567S", "AAACB1234F", " AAAPL1234C\n"}) {
    EXPECT_TRUE(IndiaPanValid(s)) << s;
  }
  // Presidio tp rows we reject: 4th character S and N are not holder types; the last is not a PAN.
  for (std::string_view s : {"AAASA1111R", "ABCND1234Z", "A1111DFSFS", "ABCD1234", "ABCPD0000Z", "AbCPD1234Z",
                             "ABCPD12345", "ABCPD1234", "1BCPD1234Z", "abcpd1234z", ""}) {
    EXPECT_FALSE(IndiaPanValid(s)) << s;
  }
}

TEST(UkNhsValidator, Rules) {
  for (std::string_view s : {"401-023-2137", "221 395 1837", "0032698674", "943 476 5919", "9434765919"}) {
    EXPECT_TRUE(UkNhsValid(s)) << s;
  }
  for (std::string_view s :
       {"401-023-2138", "943 476 5918", "943-476 5919", "9434 765 919", "0000000000", "943476591", ""}) {
    EXPECT_FALSE(UkNhsValid(s)) << s;
  }
}

TEST(UkNinoValidator, PresidioCorpus) {
  for (std::string_view s : {"AA 12 34 56 B", "hh 01 02 03 d", "tw987654a", "PR 123612C", " YZ 61 48 68 B"}) {
    EXPECT_TRUE(UkNinoValid(s)) << s;
  }
  for (std::string_view s : {"AA 12 34 56 H", "AB 12 34 56 1", "ab1234561", "FQ 00 00 00 C", "BG123612A",
                             "nt 99 88 77 a", "UV 98 76 54 B"}) {
    EXPECT_FALSE(UkNinoValid(s)) << s;
  }
}

TEST(UkNinoValidator, Rules) {
  EXPECT_TRUE(UkNinoValid("AB123456C"));
  EXPECT_TRUE(UkNinoValid("AB 123456 C"));
  EXPECT_TRUE(UkNinoValid("AB123456 D"));
  EXPECT_FALSE(UkNinoValid("AO123456C"));  // O never second
  EXPECT_FALSE(UkNinoValid("DA123456C"));  // D never first
  EXPECT_FALSE(UkNinoValid("GB123456C"));
  EXPECT_FALSE(UkNinoValid("TN123456C"));
  EXPECT_FALSE(UkNinoValid("ZZ123456C"));
  EXPECT_FALSE(UkNinoValid("AB123456E"));
  EXPECT_FALSE(UkNinoValid("Ab123456C"));     // mixed case
  EXPECT_FALSE(UkNinoValid("AB 12 3456 C"));  // pairs split partly
  EXPECT_FALSE(UkNinoValid("AB  123456 C"));
  EXPECT_FALSE(UkNinoValid("A B123456C"));
  EXPECT_FALSE(UkNinoValid("AB12345C"));
  EXPECT_FALSE(UkNinoValid(""));
}

TEST(CanadaSinValidator, PresidioCorpus) {
  for (std::string_view s : {"130 692 544", "435 418 165", "948 584 792", "347-677-452", "731-530-150",
                             "130692544", "550090112", "130-692-544", "258 933 688"}) {
    EXPECT_TRUE(CanadaSinValid(s)) << s;
  }
  for (std::string_view s :
       {"130 692 545", "130692545", "435-418-166", "046 454 286", "812 345 678", "111 111 111", "999 999 999",
        "046-454 286", "046 454-286", "13069254", "1306925440", ""}) {
    EXPECT_FALSE(CanadaSinValid(s)) << s;
  }
}

TEST(SingaporeNricValidator, Rules) {
  for (std::string_view s : {"S2740116C", "F2346401L", "M4332674T", "S9108268C", "T7572225C", "S1234567D",
                             "T1234567J", "F1234567N", "G1234567X", "G1122144R", "s1234567d"}) {
    EXPECT_TRUE(SingaporeNricValid(s)) << s;
  }
  // Presidio's recognizer has no checksum: T1234567Z and G1122144L fail the check letter and A/B are
  // not NRIC/FIN prefixes.
  for (std::string_view s : {"T1234567Z", "G1122144L", "A1234567Z", "B1234567Z", "PA12348L", "", "S1234567",
                             "S12345678D", "S1234567E", "s1234567D"}) {
    EXPECT_FALSE(SingaporeNricValid(s)) << s;
  }
}

TEST(UsNpiValidator, PresidioCorpus) {
  for (std::string_view s : {"1234567893", "1245319599", "1003000126", "1234-567-893", "1234 567 893"}) {
    EXPECT_TRUE(UsNpiValid(s)) << s;
  }
  for (std::string_view s : {"0234567893", "3234567893", "9234567893", "123456789", "12345678934",
                             "1111111112", "1234567890", "1234-567 893", ""}) {
    EXPECT_FALSE(UsNpiValid(s)) << s;
  }
}

TEST(UsDeaValidator, Rules) {
  EXPECT_TRUE(UsDeaValid("AB1234563"));
  EXPECT_TRUE(UsDeaValid("BJ6125341"));
  EXPECT_TRUE(UsDeaValid("M91234563"));   // '9' in place of the surname letter
  EXPECT_FALSE(UsDeaValid("AB1234564"));  // check digit
  EXPECT_FALSE(UsDeaValid("IB1234563"));  // I is not a registrant type
  EXPECT_FALSE(UsDeaValid("ab1234563"));
  EXPECT_FALSE(UsDeaValid("AB123456"));
  EXPECT_FALSE(UsDeaValid("AB12345630"));
  EXPECT_FALSE(UsDeaValid("A11234563"));
  EXPECT_FALSE(UsDeaValid("AB0000000"));
  EXPECT_FALSE(UsDeaValid(""));
}

}  // namespace
}  // namespace leakguard::detect
