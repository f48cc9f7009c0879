// Tests for phone and date.
//
// Phone vectors copied from microsoft/presidio test_phone_recognizer.py, agraris/nusantara-valid
// _cellularNumber.spec.ts / _telephoneNumber.spec.ts and joke2k/faker seeded samples (all MIT); date
// vectors from presidio test_date_recognizer.py.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "detect/validators/validators.h"

namespace leakguard::detect {
namespace {

TEST(PhoneValidator, PresidioCorpus) {
  for (std::string_view s : {"(415) 555-0132", "+1 415 555 0132", "09-7625400", "(415)555-0132",
                             "415-555-0132", "+55 11 98456 5666", "090-1234-5678", "13812345678",
                             "91-415-555-0132", "+91 4155 550132", "+91 4155550132", "+44 (20) 7123 4567",
                             "+49 30 1234567", "+39 06 678 4343", "+30 21 0 1234567", "+33 1 42 68 53 00"}) {
    EXPECT_TRUE(PhoneValid(s)) << s;
  }
}

TEST(PhoneValidator, Indonesia) {
  for (std::string_view s :
       {"08181234567", "628181234567", "+628181234567", "0818-1234-1234", "+62 812 3456 7890",
        "+62 (0)21 5299 1234", "021-5299-1234", "0274123456", "(0274) 123456"}) {
    EXPECT_TRUE(PhoneValid(s)) << s;
  }
  // Mobile numbers are 08 + 8-11 digits.
  EXPECT_FALSE(PhoneValid("081812345"));
  EXPECT_FALSE(PhoneValid("08181234567890"));
  EXPECT_FALSE(PhoneValid("+62 81234567"));       // mobile NSN too short
  EXPECT_FALSE(PhoneValid("+62-0694-762-9677"));  // trunk 0 kept after the country code
  EXPECT_FALSE(PhoneValid("+62 (003) 821-3728"));
}

TEST(PhoneValidator, FakerSamples) {
  for (std::string_view s :
       {"(583)498-4053x9744", "449-609-8085x4668",     "348.468.5750x33184", "700.531.2520",
        "001-825-214-9242",   "+1-526-635-8540x95548", "+441174960550",      "0118 496 0497",
        "+4420 74960136",     "+44(0)808 1570103",     "029 2018 0791",      "+49(0)6213 976323",
        "04751 64850",        "+49 (0) 1572 618126",   "(08246) 896682",     "+33 2 55 98 97 73",
        "07 65 89 28 58",     "+33 (0)2 14 38 94 97",  "070-2063-1457",      "+919641005751",
        "(0246) 549-9645",    "082 454 3027",          "+62 (35) 798-7730"}) {
    EXPECT_TRUE(PhoneValid(s)) << s;
  }
  // Faker output that is not a real number: N11 area code, unknown country after 00, 0 after +62.
  for (std::string_view s : {"+1-311-968-9267", "0089383678", "+62-016-797-0049"}) {
    EXPECT_FALSE(PhoneValid(s)) << s;
  }
}

TEST(PhoneValidator, SsnLayoutIsNotAPhoneNumber) {
  EXPECT_FALSE(PhoneValid("078-05-1120"));  // the Woolworth sample SSN, found as a phone in a docx
  EXPECT_FALSE(PhoneValid("123-45-6789"));
  EXPECT_TRUE(PhoneValid("0812-345-6789"));
}

TEST(PhoneValidator, Invalid) {
  for (std::string_view s : {"",
                             "+",
                             "123",
                             "12345",
                             "0000000000",
                             "5555555555",
                             "1234567890",
                             "0123456789",
                             "+999 1234 5678",
                             "+1 055 555 0132",
                             "(415) 155-0132",
                             "+44 20 7123 4567 8901 23",
                             "415--555-0132",
                             "415 555 0132 -",
                             "(415 555-0132",
                             "415) 555-0132",
                             "(41) (55) 50132",
                             "415/555/0132",
                             "phone: 415-555-0132",
                             "12.03.1985",
                             "192.168.100.200",
                             "+62 812 3456 78901 2",
                             "415\xc2\xa0"
                             "555 0132"}) {
    EXPECT_FALSE(PhoneValid(s)) << s;
  }
  EXPECT_FALSE(PhoneValid(std::string(5000, '5')));
}

TEST(DateValidator, Valid) {
  for (std::string_view s : {"1985-03-12",
                             "12/03/1985",
                             "03/12/1985",
                             "12-03-1985",
                             "12.03.1985",
                             "12 March 1985",
                             "March 12, 1985",
                             "5-20-2021",
                             "5/20/2021",
                             "2021-05-21",
                             "21.5.2021",
                             "21.5.21",
                             "5-MAY-2021",
                             "5-May-2021",
                             "05/21/21",
                             "5/21/21",
                             "21/05/21",
                             "21/5/21",
                             "1985-03-12T00:00:00.000Z",
                             "1985-03-12T00:00:00+07:00",
                             "1985-03-12T00:00",
                             "1985-03-12 00:00:00",
                             "29/02/2000",
                             "29.02.2024",
                             "12 Maret 1985",
                             "17 Agustus 1945",
                             "1 Jan. 2020",
                             "Dec 31 1999",
                             "December 31st, 1999",
                             "1999 Dec 31",
                             "31-Des-1999",
                             "2099-12-31",
                             "1900-01-01"}) {
    EXPECT_TRUE(DateValid(s)) << s;
  }
}

TEST(DateValidator, Invalid) {
  for (std::string_view s :
       {"", "May-21", "21-May", "05/21", "5/2021", "May-2021", "1985-02-29", "29/02/1900", "31/04/1985",
        "32/01/1985", "13/13/1985", "00/01/1985", "1899-12-31", "2100-01-01", "1985/03-12", "12.03-1985",
        "12 Foo 1985", "March 32, 1985", "1.2.3", "123.45.67", "2024-03-15T25:00", "2024-03-15T14:60",
        "2024-03-15T14:30:00+25:00", "2024-03-15X14:30", "12 March 1985 extra", "12 March, 1985,",
        "12th 1985", "1985-3-12-1", "2021-05-21T",
        // Timestamps with a time of day are not dates (of birth).
        "2024-06-05T09:15:30.500-07:00", "2024-03-15T14:30:00.123456Z", "2024-12-31T23:59:59+00:00",
        "2024-03-15T14:30Z", "2024-03-15 14:30:00", "1985-03-12T00:00:00.001Z"}) {
    EXPECT_FALSE(DateValid(s)) << s;
  }
}

}  // namespace
}  // namespace leakguard::detect
