// Tests for ipv4, ipv6, email and jwt.
//
// IP and e-mail vectors copied from microsoft/presidio presidio-analyzer/tests
// (test_ip_recognizer.py, test_email_recognizer.py; MIT).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "detect/validators/validators.h"

namespace leakguard::detect {
namespace {

TEST(Ipv4Validator, Valid) {
  for (std::string_view s : {"192.168.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.0", "169.254.1.1",
                             "192.168.1.0/24", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32", "8.8.8.8"}) {
    EXPECT_TRUE(Ipv4Valid(s)) << s;
  }
}

TEST(Ipv4Validator, Invalid) {
  for (std::string_view s : {"192.168.0", "256.256.256.256", "192.168.1.256", "300.168.1.1", "192.168.1.1.1",
                             "192.168.01.1", "192.168.1.1/33", "192.168.1.1/", "1.2.3.4/08", "1..2.3",
                             ".1.2.3", "1.2.3.", "1.2.3.4a", "a.b.c.d", "", "1234.1.1.1", "1.2.3.4/24/1"}) {
    EXPECT_FALSE(Ipv4Valid(s)) << s;
  }
}

TEST(Ipv6Validator, Valid) {
  for (std::string_view s : {"684D:1111:222:3333:4444:5555:6:77",
                             "2345:0425:2CA1:0000:0000:0567:5673:23b5",
                             "2345:0425:2CA1::0567:5673:23b5",
                             "2400:c401::5054:ff:fe1b:b031",
                             "::",
                             "::1",
                             "fe80::1",
                             "2001:db8::8a2e:370:7334",
                             "fe80::1%eth0",
                             "A099::09C0:876A:130B",
                             "::ffff:192.0.2.1",
                             "::ffff:0.0.0.0",
                             "::ffff:0:192.168.1.1",
                             "::192.168.1.1",
                             "2001:db8::192.168.1.1",
                             "64:ff9b::192.0.2.1",
                             "0:0:0:0:0:FFFF:129.144.52.38",
                             "2001:db8:0:0:0:0:192.168.1.1",
                             "ff02::1",
                             "2001:db8::/32",
                             "fe80::/10",
                             "::1/128",
                             "fe80::1%eth0/64",
                             "2001:db8::%eth0/128",
                             "::/0",
                             "::ffff:192.168.1.0/96",
                             "1::",
                             "1:2:3:4:5:6:7::"}) {
    EXPECT_TRUE(Ipv6Valid(s)) << s;
  }
}

TEST(Ipv6Validator, Invalid) {
  for (std::string_view s : {"684D:1111:222:3333:4444:5555:77",
                             "::ffff:256.0.0.1",
                             "::ffff:192.168.1",
                             "2001:db8::256.1.1.1",
                             "aa:bb:cc:dd:ee:ff",
                             "12:34:56",
                             "1:2:3:4",
                             "gggg:hhhh::1234",
                             "12345:db8::1",
                             "2001::db8::1",
                             "2001::25de::cade",
                             ":::",
                             "std::cout",
                             "MyClass::toString",
                             "abc:def:ghi",
                             "123:abc",
                             ":1::",
                             "1:",
                             "1:2:3:4:5:6:7:8:9",
                             "::1/129",
                             "fe80::1%",
                             "fe80::1%a b",
                             "",
                             ":",
                             "2001:db8::1.2.3.4.5",
                             "1:2:3:4:5:6:7:8::"}) {
    EXPECT_FALSE(Ipv6Valid(s)) << s;
  }
}

TEST(EmailValidator, Valid) {
  for (std::string_view s :
       {"info@presidio.site", "anotherinfo@presidio.site", "user@xn--80ak6aa92e.com",
        "a@xn--d1acufc.xn--p1ai", "sabrinagonzales@example.org", "first.last+tag@mail.co.id",
        "o'neil@example.ie", "x_y-z@sub-domain.example.museum"}) {
    EXPECT_TRUE(EmailValid(s)) << s;
  }
}

TEST(EmailValidator, Invalid) {
  for (std::string_view s : {"info@presidio.",         "hello-world",
                             "janedoe.at.domain.id",   "",
                             "@example.com",           "user@",
                             "user@localhost",         "user@@example.com",
                             "a@b@example.com",        ".user@example.com",
                             "user.@example.com",      "us..er@example.com",
                             "user@exa..mple.com",     "user@-example.com",
                             "user@example-.com",      "user@example.c",
                             "user@example.123",       "user name@example.com",
                             "user@exam_ple.com",      "user@[192.168.0.1]",
                             "\"quoted\"@example.com", "us\xc3\xa9r@example.com"}) {
    EXPECT_FALSE(EmailValid(s)) << s;
  }
  EXPECT_FALSE(EmailValid(std::string(65, 'a') + "@example.com"));  // local part over 64
  EXPECT_FALSE(EmailValid("a@" + std::string(64, 'b') + ".com"));   // label over 63
}

constexpr std::string_view kJwtIo =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

TEST(JwtValidator, Valid) {
  EXPECT_TRUE(JwtValid(kJwtIo));
  EXPECT_TRUE(JwtValid("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0."));  // unsecured: empty signature
  EXPECT_TRUE(JwtValid("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.IHsiaXNzIjoieCJ9IA.c2ln"));  // padded JSON
  EXPECT_TRUE(JwtValid("eyJhbGciOiJub25lIn0=.eyJzdWIiOiIxMjM0In0=.c2ln"));               // '=' padding
}

TEST(JwtValidator, Invalid) {
  EXPECT_FALSE(JwtValid("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0In0.c2ln"));  // header without "alg"
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0.aGVsbG8gd29ybGQ.c2ln"));     // payload is not JSON
  EXPECT_FALSE(JwtValid("WyJhbGciXQ.eyJzdWIiOiIxMjM0In0.c2ln"));          // header is an array
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0"));      // two parts
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.c2ln.c2ln"));
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.c2+n/w"));  // not base64url
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0..c2ln"));
  EXPECT_FALSE(JwtValid(".eyJzdWIiOiIxMjM0In0.c2ln"));
  EXPECT_FALSE(JwtValid("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In.c2ln"));  // truncated payload
  EXPECT_FALSE(JwtValid("eyJ.eyJ.eyJ"));
  EXPECT_FALSE(JwtValid(""));
  EXPECT_FALSE(JwtValid("...."));
  std::string garbage(4096, 'A');
  garbage[100] = '.';
  garbage[2000] = '.';
  EXPECT_FALSE(JwtValid(garbage));
  EXPECT_FALSE(JwtValid(std::string_view("eyJhbGciOiJub25lIn0.eyJ\0In0.c2ln", 31)));
}

}  // namespace
}  // namespace leakguard::detect
