// Policy loading: every error is reported with its file, line and rule; good policies load.
#include <gtest/gtest.h>

#include "policy/policy_model.h"
#include "policy_test_support.h"
#include "test_support.h"

namespace leakguard {
namespace {

using testing::MustLoad;
using testing::TestOrg;

std::vector<std::string> ErrorsOf(const std::string& yaml, const Engine* engine = nullptr) {
  auto p = Policy::Load({"policy.yaml", yaml}, TestOrg(), engine);
  EXPECT_FALSE(p.has_value());
  if (p) return {};
  std::vector<std::string> lines;
  std::string_view m = p.error().message();
  while (!m.empty()) {
    auto nl = m.find('\n');
    lines.emplace_back(m.substr(0, nl));
    if (nl == std::string_view::npos) break;
    m.remove_prefix(nl + 1);
  }
  EXPECT_EQ(p.error().code(), StatusCode::kParseError);
  return lines;
}

TEST(PolicyLoaderTest, LoadsAMinimalPolicy) {
  auto p = MustLoad(R"(
name: minimal
rules:
  - id: r1
    when: {content: {types: [CREDIT_CARD_NUMBER]}}
    action: block
)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name(), "minimal");
  ASSERT_EQ(p->rules().size(), 1u);
  EXPECT_EQ(p->rules()[0].id, "r1");
  EXPECT_EQ(p->rules()[0].action, Action::kBlock);
  EXPECT_EQ(p->rules()[0].severity, Severity::kMedium);  // the default
  EXPECT_EQ(p->rules()[0].line, 4);
  EXPECT_TRUE(p->version().starts_with("sha256:"));
}

TEST(PolicyLoaderTest, UnknownInfoTypeNamesFileLineAndRule) {
  auto errors = ErrorsOf(R"(name: p
rules:
  - id: pci-block
    when:
      content:
        types: [CREDIT_CARD]
    action: block
)",
                         testing::BuiltinEngine().get());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "policy.yaml:6: rule 'pci-block': unknown info type 'CREDIT_CARD' (did you mean "
            "'CREDIT_CARD_NUMBER'?)");
}

TEST(PolicyLoaderTest, WithoutAnEngineUnknownTypesAreAccepted) {
  // Custom types may come from a configuration the loader has not seen.
  EXPECT_TRUE(MustLoad(
      "name: p\nrules:\n  - id: r\n    when: {content: {types: [EMPLOYEE_ID]}}\n    action: audit\n"));
}

TEST(PolicyLoaderTest, ReportsEveryErrorInFileOrder) {
  auto errors = ErrorsOf(R"(name: p
rules:
  - id: a
    when: {content: {min_confidence: hihg}}
    action: blok
  - id: a
    when: {destination: {networks: [10.0.0.0/33], countries: [Indonesia]}}
    action: audit
    severity: urgent
  - action: audit
    when: {chanels: [web]}
)");
  ASSERT_EQ(errors.size(), 8u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "policy.yaml:4: rule 'a': unknown confidence 'hihg' (low, medium, high)");
  EXPECT_TRUE(errors[1].starts_with("policy.yaml:5: rule 'a': unknown action 'blok'")) << errors[1];
  EXPECT_EQ(errors[2], "policy.yaml:6: rule 'a': duplicate rule id");
  EXPECT_EQ(errors[3], "policy.yaml:7: rule 'a': prefix length above 32 in '10.0.0.0/33'");
  EXPECT_TRUE(errors[4].starts_with("policy.yaml:7: rule 'a': country 'INDONESIA'")) << errors[4];
  EXPECT_TRUE(errors[5].starts_with("policy.yaml:9: rule 'a': unknown severity 'urgent'")) << errors[5];
  EXPECT_EQ(errors[6], "policy.yaml:10: rule without 'id:'");
  EXPECT_TRUE(errors[7].starts_with("policy.yaml:11: rule #3: unknown key 'chanels' in a condition"))
      << errors[7];
}

TEST(PolicyLoaderTest, StructuralErrors) {
  EXPECT_EQ(ErrorsOf("[1, 2]")[0], "policy.yaml:1: a policy is a map with 'name:' and 'rules:'");
  auto e = ErrorsOf("name: p\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "policy.yaml:1: the policy has no 'rules:'");
  e = ErrorsOf("name: p\nrules:\n  - id: x\n    action: audit\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_TRUE(e[0].starts_with("policy.yaml:3: rule 'x': no 'when:'")) << e[0];
  e = ErrorsOf("name: p\nrules:\n  - id: x\n    when: {}\n");
  EXPECT_EQ(e[0], "policy.yaml:3: rule 'x': no 'action:'");
}

TEST(PolicyLoaderTest, YamlSyntaxErrorHasItsLine) {
  auto e = ErrorsOf("name: p\nrules:\n  - id: x\n    when: {content: [\n");
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(e[0].starts_with("policy.yaml:")) << e[0];
  EXPECT_NE(e[0].find(':', 12), std::string::npos);
}

TEST(PolicyLoaderTest, UnknownCategoryListsTheKnownOnes) {
  auto e = ErrorsOf(
      "name: p\nrules:\n  - id: x\n    when: {content: {categories: [secrets]}}\n    action: block\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_TRUE(e[0].starts_with("policy.yaml:4: rule 'x': unknown category 'secrets' (")) << e[0];
  EXPECT_NE(e[0].find("credential"), std::string::npos);
}

TEST(PolicyLoaderTest, CategoriesExpandToTheirTypes) {
  auto p = Policy::Load({"p.yaml",
                         "name: p\nrules:\n  - id: x\n    when: {content: {categories: [credential], "
                         "exclude_types: [GENERIC_SECRET]}}\n    action: block\n"},
                        TestOrg(), testing::BuiltinEngine().get());
  ASSERT_TRUE(p) << p.error().message();
  Transfer t = testing::To(Channel::kWeb, {"https://example.net/"});
  EXPECT_EQ((*p)->Decide(t, testing::Findings({{"GITHUB_TOKEN", 1}})).action, Action::kBlock);
  EXPECT_EQ((*p)->Decide(t, testing::Findings({{"PRIVATE_KEY", 1}})).action, Action::kBlock);
  EXPECT_EQ((*p)->Decide(t, testing::Findings({{"GENERIC_SECRET", 3}})).action, Action::kAllow);
  EXPECT_EQ((*p)->Decide(t, testing::Findings({{"CREDIT_CARD_NUMBER", 3}})).action, Action::kAllow);
}

TEST(PolicyLoaderTest, ExceptionsAndTestsAreChecked) {
  auto e = ErrorsOf(R"(name: p
rules:
  - id: r
    when: {}
    action: audit
exceptions:
  - id: x
    when: {identity: {groups: [g]}}
    rules: [missing]
    expires: next year
tests:
  - name: t
    transfer: {channel: fax, time: yesterday}
    expect: {action: maybe, rules: [nope]}
  - transfer: {}
)");
  ASSERT_EQ(e.size(), 8u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], "policy.yaml:9: exception 'x': unknown rule 'missing'");
  EXPECT_TRUE(e[1].starts_with("policy.yaml:10: exception 'x': expires: 'next year' is not a date")) << e[1];
  EXPECT_EQ(e[2], "policy.yaml:13: test 't': unknown channel 'fax'");
  EXPECT_TRUE(e[3].starts_with("policy.yaml:13: test 't': time 'yesterday'")) << e[3];
  EXPECT_EQ(e[4], "policy.yaml:14: test 't': unknown action 'maybe'");
  EXPECT_EQ(e[5], "policy.yaml:14: test 't': unknown rule 'nope'");
  EXPECT_EQ(e[6], "policy.yaml:15: test case without 'name:'");
  EXPECT_EQ(e[7], "policy.yaml:15: test '': a test case needs 'expect: {action: ...}'");
}

TEST(PolicyLoaderTest, TimeConditionErrors) {
  auto e = ErrorsOf(R"(name: p
rules:
  - id: t
    when:
      time:
        days: [mon-fry, someday]
        hours: ["25:00-06:00", "9-17", "08:00-08:00"]
        timezone: Mars/Olympus
    action: block
)");
  ASSERT_EQ(e.size(), 5u) << ::testing::PrintToString(e);
  EXPECT_TRUE(e[0].starts_with("policy.yaml:6: rule 't': bad day range 'mon-fry'")) << e[0];
  EXPECT_TRUE(e[1].starts_with("policy.yaml:6: rule 't': unknown day 'someday'")) << e[1];
  EXPECT_TRUE(e[2].starts_with("policy.yaml:7: rule 't': bad hours '25:00-06:00'")) << e[2];
  EXPECT_TRUE(e[3].starts_with("policy.yaml:7: rule 't': bad hours '08:00-08:00'")) << e[3];
  EXPECT_TRUE(e[4].starts_with("policy.yaml:8: rule 't': unknown time zone 'Mars/Olympus'")) << e[4];
}

TEST(PolicyLoaderTest, DeeplyNestedConditionsAreRefused) {
  std::string when = "{}";
  for (int i = 0; i < 40; ++i) when = "{not: " + when + "}";
  auto e = ErrorsOf("name: p\nrules:\n  - id: deep\n    when: " + when + "\n    action: block\n");
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("nested too deeply"), std::string::npos) << e[0];
}

TEST(PolicyLoaderTest, VersionIsTheHashOfTheText) {
  const std::string yaml = "name: p\nrules:\n  - id: r\n    when: {}\n    action: audit\n";
  auto a = MustLoad(yaml), b = MustLoad(yaml), c = MustLoad(yaml + "# comment\n");
  EXPECT_EQ(a->version(), b->version());
  EXPECT_NE(a->version(), c->version());  // a changed text is a new version, even a comment
  EXPECT_EQ(a->version().size(), 7u + 16u);
}

TEST(PolicyLoaderTest, BuiltinDefaultLoadsAndIsChecked) {
  auto p = Policy::BuiltinDefault(OrgConfig::Defaults(), testing::BuiltinEngine().get());
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->name(), "default");
  EXPECT_EQ((*p)->source(), "builtin:policies/default.yaml");
  EXPECT_FALSE((*p)->tests().empty());
}

TEST(OrgConfigTest, LoadsItsSectionsAndIgnoresOthers) {
  auto c = OrgConfig::Load({"/etc/leakguard/config.yaml", R"(
infotypes: []
incidents: {store: sqlite:///var/lib/leakguard/incidents.db}
siem: {sinks: []}
organization:
  internal_domains: ["*.Corp.Example.", corp.example.co.id]
  internal_networks: [10.0.0.0/8, "2001:db8::/32"]
  private_networks_internal: false
  directory: users.yaml
  geoip: /var/lib/GeoIP/GeoLite2-Country.mmdb
policy: policies/main.yaml
classification:
  use_defaults: false
  rules:
    - {types: [CREDIT_CARD_NUMBER], label: restricted}
)"},
                           "/etc/leakguard");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->internal_domains, (std::vector<std::string>{"corp.example", "corp.example.co.id"}));
  EXPECT_EQ(c->internal_networks.size(), 2u);
  EXPECT_FALSE(c->private_networks_internal);
  EXPECT_EQ(c->directory_path, "/etc/leakguard/users.yaml");
  EXPECT_EQ(c->geoip_path, "/var/lib/GeoIP/GeoLite2-Country.mmdb");
  EXPECT_EQ(c->policy_path, "/etc/leakguard/policies/main.yaml");
  ASSERT_TRUE(c->classifier);
}

TEST(OrgConfigTest, ReportsEveryError) {
  auto c = OrgConfig::Load({"config.yaml", R"(organization:
  internal_domains: ["a b"]
  internal_networks: [10.0.0.0/99, nonsense]
  privat_networks: true
classification:
  rules:
    - {types: [], label: secret}
  markings:
    - {label: restricted}
)"},
                           "");
  ASSERT_FALSE(c);
  const std::string& m = c.error().message();
  EXPECT_NE(m.find("config.yaml:2: internal domain 'a b'"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:3: prefix length above 32 in '10.0.0.0/99'"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:3: 'nonsense' is not an IP address or CIDR network"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:4: unknown key 'privat_networks'"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:7: unknown label 'secret'"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:7: a classification rule needs types or categories"), std::string::npos) << m;
  EXPECT_NE(m.find("config.yaml:9: a marking needs a 'text:'"), std::string::npos) << m;
}

TEST(OrgConfigTest, NoYamlThrowsOut) {
  for (const char* yaml :
       {"", "~", "[", "organization: [1]", "organization: {internal_domains: {a: b}}",
        "classification: {rules: [1, [2], {types: {x: y}}]}", "policy: {a: 1}", "\t\x01"}) {
    auto c = OrgConfig::Load({"c.yaml", yaml}, "");
    (void)c;  // an error or defaults; never an exception
  }
}

}  // namespace
}  // namespace leakguard
