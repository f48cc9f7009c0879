// The pieces under the policy layer: IP networks, time zones, SHA-256, GeoIP, the directory file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "leakguard/policy.h"
#include "policy/directory.h"
#include "policy/geoip.h"
#include "policy/net.h"
#include "policy/sha256.h"
#include "policy/tz.h"
#include "policy/yaml_util.h"
#include "test_support.h"

namespace leakguard::policy {
namespace {

std::string TestGeoIpPath() {
  return leakguard::testing::SourceDir() + "/examples/policies/config/test-geoip.mmdb";
}

TEST(NetTest, ParsesAndMatches) {
  auto n = IpNetwork::Parse("10.0.0.0/8");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->Contains(*ParseIp("10.255.1.2")));
  EXPECT_TRUE(n->Contains(*ParseIp("::ffff:10.1.1.1")));
  EXPECT_FALSE(n->Contains(*ParseIp("11.0.0.1")));
  auto host = IpNetwork::Parse("192.0.2.7");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->Contains(*ParseIp("192.0.2.7")));
  EXPECT_FALSE(host->Contains(*ParseIp("192.0.2.8")));
  auto v6 = IpNetwork::Parse("2001:db8::/33");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains(*ParseIp("2001:db8:7fff::1")));
  EXPECT_FALSE(v6->Contains(*ParseIp("2001:db8:8000::1")));
  EXPECT_TRUE(IpNetwork::Parse("10.1.2.3/8")->Contains(*ParseIp("10.9.9.9")));  // host bits ignored
  EXPECT_TRUE(IpNetwork::Parse("0.0.0.0/0")->Contains(*ParseIp("8.8.8.8")));
  EXPECT_FALSE(IpNetwork::Parse("0.0.0.0/0")->Contains(*ParseIp("2001:db8::1")));
  for (const char* bad :
       {"10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x", "host.example", ""})
    EXPECT_FALSE(IpNetwork::Parse(bad)) << bad;
  EXPECT_TRUE(ParseIp("[2001:db8::1]"));
  EXPECT_TRUE(ParseIp("fe80::1%eth0"));
  EXPECT_FALSE(ParseIp("1.2.3.4.5"));
}

TEST(NetTest, PrivateRanges) {
  for (const char* ip : {"127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.0.1", "100.64.0.1",
                         "169.254.1.1", "::1", "fd00::1", "fe80::1"})
    EXPECT_TRUE(IsPrivateOrLoopback(*ParseIp(ip))) << ip;
  for (const char* ip : {"172.32.0.1", "8.8.8.8", "203.0.113.1", "2001:db8::1", "100.128.0.1"})
    EXPECT_FALSE(IsPrivateOrLoopback(*ParseIp(ip))) << ip;
}

TEST(TimeZoneTest, FixedOffsetsAndZoneFiles) {
  EXPECT_EQ(TimeZone::Load("UTC")->OffsetAt(0), 0);
  EXPECT_EQ(TimeZone::Load("+07:00")->OffsetAt(0), 7 * 3600);
  EXPECT_EQ(TimeZone::Load("UTC-0530")->OffsetAt(0), -(5 * 3600 + 1800));
  EXPECT_EQ(TimeZone::Load("GMT+7")->OffsetAt(0), 7 * 3600);
  EXPECT_FALSE(TimeZone::Load("+25:00"));
  EXPECT_FALSE(TimeZone::Load("../../etc/passwd"));
  EXPECT_FALSE(TimeZone::Load("/etc/localtime"));
  if (!std::filesystem::exists("/usr/share/zoneinfo/Asia/Jakarta")) GTEST_SKIP() << "no tzdata";
  auto jakarta = TimeZone::Load("Asia/Jakarta");
  ASSERT_TRUE(jakarta) << jakarta.error().message();
  EXPECT_EQ(jakarta->OffsetAt(1767261600), 7 * 3600);    // 2026
  EXPECT_EQ(jakarta->OffsetAt(4102444800LL), 7 * 3600);  // 2100: past the file's transitions
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->OffsetAt(1767261600), 3600);      // January: CET
  EXPECT_EQ(berlin->OffsetAt(1783000000), 2 * 3600);  // July 2026: CEST
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(GlobTest, Matches) {
  EXPECT_TRUE(GlobMatch("*.gmail.com", "a.b.GMAIL.com"));
  EXPECT_FALSE(GlobMatch("*.gmail.com", "gmail.com"));
  EXPECT_TRUE(GlobMatch("adm-?", "ADM-1"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("a*b*c", std::string(10000, 'a')));  // no blow-up
}

TEST(GeoIpTest, CountriesFromTheTestDatabase) {
  auto g = GeoIp::Open(TestGeoIpPath());
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ((*g)->Country("198.51.100.7"), "ID");
  EXPECT_EQ((*g)->Country("198.51.100.200"), "SG");
  EXPECT_EQ((*g)->Country("::ffff:203.0.113.9"), "US");
  EXPECT_EQ((*g)->Country("2001:db8:1::5"), "ID");
  EXPECT_EQ((*g)->Country("2001:db8:2::5"), "JP");
  EXPECT_EQ((*g)->Country("8.8.8.8"), "");
  EXPECT_EQ((*g)->Country("example.com"), "");  // names are never resolved
  EXPECT_EQ((*g)->Country(""), "");
}

TEST(GeoIpTest, GeneratorWritesWhatItIsAsked) {
  // The generator is the repository's way to a test database (no download): run it with own networks.
  const std::string out = ::testing::TempDir() + "/gen.mmdb";
  const std::string cmd = "python3 " + leakguard::testing::SourceDir() +
                          "/examples/policies/config/make_test_geoip.py " + out +
                          " 10.0.0.0/8=ID 10.1.0.0/16=SG 2001:db8::/32=JP >/dev/null 2>&1";
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto g = GeoIp::Open(out);
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ((*g)->Country("10.2.3.4"), "ID");
  EXPECT_EQ((*g)->Country("10.1.3.4"), "SG");  // the more specific network wins
  EXPECT_EQ((*g)->Country("2001:db8:5::1"), "JP");
  EXPECT_EQ((*g)->Country("11.0.0.1"), "");
}

TEST(GeoIpTest, ErrorsNameTheFile) {
  auto missing = GeoIp::Open("/nonexistent/x.mmdb");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nonexistent/x.mmdb"), std::string::npos);
  const std::string junk = ::testing::TempDir() + "/junk.mmdb";
  std::ofstream(junk) << "not a database";
  auto bad = GeoIp::Open(junk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), StatusCode::kParseError);
}

TEST(DirectoryTest, GroupsWithNesting) {
  auto d = Directory::Load("users.yaml", R"(
users:
  Alice: [finance]
  bob: engineering
  nobody:
groups:
  staff: [finance, engineering, everyone]   # a cycle must not hang
  everyone: [staff]
)");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ((*d)->GroupsOf("alice"), (std::vector<std::string>{"everyone", "finance", "staff"}));
  EXPECT_EQ((*d)->GroupsOf("BOB"), (std::vector<std::string>{"engineering", "everyone", "staff"}));
  EXPECT_TRUE((*d)->GroupsOf("nobody").empty());
  EXPECT_TRUE((*d)->GroupsOf("mallory").empty());
}

TEST(DirectoryTest, ErrorsHaveLines) {
  auto d = Directory::Load("users.yaml", "users:\n  alice: {a: b}\nmembers: []\n");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("users.yaml:2: the groups of 'alice' must be a string or a list"),
            std::string::npos)
      << d.error().message();
  EXPECT_NE(d.error().message().find("users.yaml:3: unknown key 'members'"), std::string::npos);
}

TEST(EnricherTest, GroupsHostsAndCountries) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/users.yaml") << "users:\n  alice: [finance]\n";
  auto org = OrgConfig::Load({dir + "/config.yaml",
                              "organization:\n  internal_domains: [corp.example]\n  directory: "
                              "users.yaml\n  geoip: " +
                                  TestGeoIpPath() + "\n"},
                             dir);
  ASSERT_TRUE(org) << org.error().message();
  auto e = Enricher::Create(*org);
  ASSERT_TRUE(e) << e.error().message();
  Transfer t;
  t.identity.user = "Alice@Corp.Example";
  t.identity.groups = {"FINANCE", "vpn-users"};
  Destination d1;
  d1.url = "https://198.51.100.200/upload";
  Destination d2;
  d2.address = "x@Example.ORG";
  d2.ip = "2001:db8:2::1";
  Destination d3;
  d3.host = "h.example";
  d3.ip = "198.51.100.7";
  d3.country = "SG";  // the channel knew better: kept
  t.destinations = {d1, d2, d3};
  (*e)->Enrich(t);
  EXPECT_EQ(t.identity.groups, (std::vector<std::string>{"FINANCE", "vpn-users"}));  // no duplicate
  EXPECT_EQ(t.destinations[0].ip, "198.51.100.200");
  EXPECT_EQ(t.destinations[0].host, "");
  EXPECT_EQ(t.destinations[0].country, "SG");
  EXPECT_EQ(t.destinations[1].host, "example.org");
  EXPECT_EQ(t.destinations[1].country, "JP");
  EXPECT_EQ(t.destinations[2].country, "SG");
  EXPECT_EQ((*e)->GroupsOf("alice@elsewhere.example"), std::vector<std::string>{});  // not an internal domain
  EXPECT_EQ((*e)->GroupsOf("alice@corp.example"), std::vector<std::string>{"finance"});
}

TEST(EnricherTest, MissingFilesAreErrors) {
  OrgConfig org = OrgConfig::Defaults();
  org.directory_path = "/nonexistent/users.yaml";
  auto e = Enricher::Create(org);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("/nonexistent/users.yaml"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::policy
