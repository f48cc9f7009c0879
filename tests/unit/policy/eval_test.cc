// Rule matching and combining (leakguard/policy.h, docs/policies.md "How rules combine").
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "policy/policy_model.h"
#include "policy_test_support.h"

namespace leakguard {
namespace {

using testing::Findings;
using testing::MustLoad;
using testing::RuleIds;
using testing::To;

constexpr const char* kCombining = R"(
name: combo
rules:
  - id: audit-cards
    when: {content: {types: [CREDIT_CARD_NUMBER]}}
    action: audit
    severity: low
    notify: [siem]
  - id: block-cards-external
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
    notify: ["mailto:soc@corp.example", siem]
    keep_evidence: true
  - id: justify-many
    when: {content: {types: [CREDIT_CARD_NUMBER], min_count: 5}}
    action: justify
    severity: critical
  - id: never
    enabled: false
    when: {}
    action: block
)";

TEST(PolicyEvalTest, StrictestActionWinsSeverityIsTheMaximumAllMatchesInPolicyOrder) {
  auto p = MustLoad(kCombining);
  Verdict v =
      p->Decide(To(Channel::kWeb, {"https://shop.example.net/pay"}), Findings({{"CREDIT_CARD_NUMBER", 6}}));
  EXPECT_EQ(v.action, Action::kBlock);         // block > justify > audit
  EXPECT_EQ(v.severity, Severity::kCritical);  // from justify-many, not from the winning rule
  EXPECT_EQ(RuleIds(v), (std::vector<std::string>{"audit-cards", "block-cards-external", "justify-many"}));
  EXPECT_EQ(v.matched[0].rule, "combo/audit-cards");
  EXPECT_EQ(v.notify,
            (std::vector<std::string>{"siem", "mailto:soc@corp.example"}));  // union, first seen first
  EXPECT_TRUE(v.keep_evidence);
  EXPECT_TRUE(v.incident());
  EXPECT_EQ(v.policy_version, p->version());
  EXPECT_NE(v.message.find("Blocked"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("block-cards-external"), std::string::npos) << v.message;
}

TEST(PolicyEvalTest, NothingMatchedIsAllowInfo) {
  auto p = MustLoad(kCombining);
  Verdict v =
      p->Decide(To(Channel::kWeb, {"https://shop.example.net/pay"}), Findings({{"EMAIL_ADDRESS", 6}}));
  EXPECT_EQ(v.action, Action::kAllow);
  EXPECT_EQ(v.severity, Severity::kInfo);
  EXPECT_TRUE(v.matched.empty());
  EXPECT_FALSE(v.incident());
  EXPECT_FALSE(v.keep_evidence);
  EXPECT_TRUE(v.message.empty());
}

TEST(PolicyEvalTest, InternalDestinationDropsTheBlock) {
  auto p = MustLoad(kCombining);
  Verdict v = p->Decide(To(Channel::kMail, {"ops@corp.example"}), Findings({{"CREDIT_CARD_NUMBER", 1}}));
  EXPECT_EQ(v.action, Action::kAudit);
  EXPECT_EQ(RuleIds(v), std::vector<std::string>{"audit-cards"});
  EXPECT_FALSE(v.keep_evidence);
}

TEST(PolicyEvalTest, AnyDestinationMatches) {
  auto p = MustLoad(kCombining);
  Verdict v = p->Decide(To(Channel::kMail, {"a@corp.example", "b@sub.corp.example", "c@gmail.com"}),
                        Findings({{"CREDIT_CARD_NUMBER", 1}}));
  EXPECT_EQ(v.action, Action::kBlock);
  EXPECT_NE(v.matched[1].reason.find("gmail.com (external)"), std::string::npos) << v.matched[1].reason;
  // No destination at all: a destination condition cannot hold.
  v = p->Decide(To(Channel::kDiscover, {}), Findings({{"CREDIT_CARD_NUMBER", 1}}));
  EXPECT_EQ(v.action, Action::kAudit);
}

TEST(PolicyEvalTest, ConfidenceAndCountThresholds) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: high-only
    when: {content: {types: [US_SOCIAL_SECURITY_NUMBER, INDONESIA_NIK], min_confidence: high, min_count: 3}}
    action: alert
)");
  Transfer t = To(Channel::kApi, {});
  EXPECT_EQ(p->Decide(t, Findings({{"INDONESIA_NIK", 2}})).action, Action::kAllow);
  EXPECT_EQ(p->Decide(t, Findings({{"INDONESIA_NIK", 2}, {"US_SOCIAL_SECURITY_NUMBER", 1}})).action,
            Action::kAlert);
  EXPECT_EQ(p->Decide(t, Findings({{"INDONESIA_NIK", 5}}, Confidence::kMedium)).action, Action::kAllow);
  Verdict v = p->Decide(t, Findings({{"INDONESIA_NIK", 3}}));
  EXPECT_EQ(v.matched[0].reason, "INDONESIA_NIK x3 (high+)");
}

TEST(PolicyEvalTest, LabelsMarkingsAndIncompleteInspection) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: restricted
    when: {content: {min_label: restricted}}
    action: block
  - id: confidential-exactly
    when: {content: {label: confidential}}
    action: justify
  - id: at-most-internal
    when: {content: {max_label: internal, markings: ["msip:*"]}}
    action: audit
  - id: not-inspected
    when: {content: {incomplete: true}}
    action: quarantine
)");
  Transfer t = To(Channel::kWeb, {"https://x.example.org/"});
  FindingsSummary s;
  s.label = Label::kRestricted;
  EXPECT_EQ(RuleIds(p->Decide(t, s)), std::vector<std::string>{"restricted"});
  s.label = Label::kConfidential;
  EXPECT_EQ(RuleIds(p->Decide(t, s)), std::vector<std::string>{"confidential-exactly"});
  s.label = Label::kInternal;
  EXPECT_TRUE(p->Decide(t, s).matched.empty());
  s.markings = {"msip:General"};
  EXPECT_EQ(RuleIds(p->Decide(t, s)), std::vector<std::string>{"at-most-internal"});
  s.complete = false;
  Verdict v = p->Decide(t, s);
  EXPECT_EQ(v.action, Action::kQuarantine);
  EXPECT_EQ(v.label, Label::kInternal);
}

TEST(PolicyEvalTest, InternalAndExternalDestinations) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: ext
    when: {destination: {external: true}}
    action: audit
)");
  auto external = [&](std::vector<std::string> d) {
    return p->Decide(To(Channel::kWeb, std::move(d)), {}).action == Action::kAudit;
  };
  EXPECT_FALSE(external({"https://corp.example/x"}));
  EXPECT_FALSE(external({"https://wiki.eu.Corp.Example./x"}));  // subdomain, case, trailing dot
  EXPECT_TRUE(external({"https://corp.example.evil.net/x"}));   // not a subdomain
  EXPECT_TRUE(external({"https://evilcorp.example/x"}));        // suffix without a dot boundary
  EXPECT_FALSE(external({"10.1.2.3"}));                         // internal network
  EXPECT_FALSE(external({"http://[2001:db8:ffff::1]:8080/"}));  // internal v6 network
  EXPECT_FALSE(external({"192.168.1.10"}));                     // private: internal by default
  EXPECT_FALSE(external({"::ffff:10.9.9.9"}));                  // IPv4-mapped
  EXPECT_TRUE(external({"203.0.113.5"}));
  EXPECT_TRUE(external({"usb:SanDisk 1234"}));  // removable media leave the estate
  EXPECT_FALSE(external({"http://localhost:8080/"}));
  EXPECT_FALSE(external({}));  // nothing known: no destination
  // The name decides over the address: a public name resolving to a private address is external.
  Transfer t = To(Channel::kWeb, {"https://files.example.net/"});
  t.destinations[0].ip = "10.1.1.1";
  EXPECT_EQ(p->Decide(t, {}).action, Action::kAudit);

  // Without private_networks_internal, only the configured networks are internal.
  auto org = OrgConfig::Load({"o.yaml", "organization: {private_networks_internal: false}"}, "");
  ASSERT_TRUE(org);
  auto strict = MustLoad(
      "name: t\nrules:\n  - id: ext\n    when: {destination: {external: true}}\n    action: audit\n", *org);
  EXPECT_EQ(strict->Decide(To(Channel::kWeb, {"192.168.1.10"}), {}).action, Action::kAudit);
}

TEST(PolicyEvalTest, DomainsUrlsNetworksDevices) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: gmail
    when: {destination: {domains: [gmail.com, "*.google.com"]}}
    action: audit
  - id: upload-url
    when: {destination: {urls: ["https://*.example.net/upload*"]}}
    action: alert
  - id: net
    when: {destination: {networks: [203.0.113.0/24, "2001:db8:1::/48"]}}
    action: justify
  - id: usb
    when: {destination: {devices: ["usb:*"]}}
    action: block
)");
  auto ids = [&](std::vector<std::string> d) {
    return RuleIds(p->Decide(To(Channel::kWeb, std::move(d)), {}));
  };
  EXPECT_EQ(ids({"bob@Gmail.com"}), std::vector<std::string>{"gmail"});
  EXPECT_TRUE(ids({"bob@fakegmail.com"}).empty());
  EXPECT_EQ(ids({"https://drive.google.com/"}), std::vector<std::string>{"gmail"});
  EXPECT_TRUE(ids({"https://google.com/"}).empty());  // *.google.com is subdomains only
  EXPECT_EQ(ids({"https://files.example.net/upload?id=3"}), std::vector<std::string>{"upload-url"});
  EXPECT_TRUE(ids({"https://files.example.net/download"}).empty());
  EXPECT_EQ(ids({"203.0.113.77"}), std::vector<std::string>{"net"});
  EXPECT_EQ(ids({"2001:db8:1:2::9"}), std::vector<std::string>{"net"});
  EXPECT_TRUE(ids({"2001:db8:2::9"}).empty());
  EXPECT_EQ(ids({"usb:Kingston"}), std::vector<std::string>{"usb"});
}

TEST(PolicyEvalTest, CountriesAndUnknownCountry) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: abroad
    when: {destination: {not_countries: [ID]}}
    action: block
  - id: sg
    when: {destination: {countries: [sg]}}
    action: audit
)");
  auto ids = [&](std::string host, std::string country) {
    Transfer t = To(Channel::kWeb, {host});
    t.destinations[0].country = country;
    return RuleIds(p->Decide(t, {}));
  };
  EXPECT_TRUE(ids("a.example.id", "ID").empty());
  EXPECT_TRUE(ids("a.example.id", "id").empty());  // case-insensitive
  EXPECT_EQ(ids("a.example.sg", "SG"), (std::vector<std::string>{"abroad", "sg"}));
  EXPECT_EQ(ids("a.example.net", ""), std::vector<std::string>{"abroad"});  // unknown counts as not in ID
}

TEST(PolicyEvalTest, IdentityChannelsDirection) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: contractors-mail
    when:
      identity: {groups: [Contractors]}
      channels: [mail, web]
      direction: out
    action: alert
  - id: admins
    when: {identity: {users: ["adm-*", "root@*"]}}
    action: audit
)");
  Transfer t = To(Channel::kMail, {"x@example.org"}, "erik");
  EXPECT_TRUE(p->Decide(t, {}).matched.empty());
  t.identity.groups = {"engineering", "contractors"};
  Verdict v = p->Decide(t, {});
  EXPECT_EQ(RuleIds(v), std::vector<std::string>{"contractors-mail"});
  EXPECT_EQ(v.matched[0].reason, "sender in group contractors");
  t.channel = Channel::kEndpoint;
  EXPECT_TRUE(p->Decide(t, {}).matched.empty());
  t.channel = Channel::kWeb;
  t.direction = "in";
  EXPECT_TRUE(p->Decide(t, {}).matched.empty());
  EXPECT_EQ(RuleIds(p->Decide(To(Channel::kApi, {}, "ADM-bob"), {})), std::vector<std::string>{"admins"});
  EXPECT_EQ(RuleIds(p->Decide(To(Channel::kApi, {}, "root@host1"), {})), std::vector<std::string>{"admins"});
  EXPECT_TRUE(p->Decide(To(Channel::kApi, {}, "bob"), {}).matched.empty());
}

TEST(PolicyEvalTest, TimeWindowsInAZone) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: office
    when: {time: {days: mon-fri, hours: "08:00-17:00", timezone: Asia/Jakarta}}
    action: audit
  - id: night
    when: {time: {hours: "22:00-06:00", timezone: "+07:00"}}
    action: alert
  - id: weekend
    when: {time: {days: [sat, sunday]}}
    action: justify
)");
  auto ids = [&](std::string iso) {
    Transfer t = To(Channel::kWeb, {});
    t.time_ms = *policy::ParseIsoTime(iso);
    return RuleIds(p->Decide(t, {}));
  };
  EXPECT_EQ(ids("2026-03-03T09:00:00+07:00"), std::vector<std::string>{"office"});  // Tuesday morning
  EXPECT_EQ(ids("2026-03-03T02:00:00Z"), std::vector<std::string>{"office"});       // same instant
  EXPECT_TRUE(ids("2026-03-03T17:00:00+07:00").empty());                            // end is exclusive
  EXPECT_EQ(ids("2026-03-03T23:30:00+07:00"), std::vector<std::string>{"night"});
  EXPECT_EQ(ids("2026-03-04T05:59:00+07:00"), std::vector<std::string>{"night"});  // wraps midnight
  EXPECT_EQ(ids("2026-03-07T12:00:00Z"), std::vector<std::string>{"weekend"});     // Saturday (UTC)
  // Saturday 01:00 at +07:00 is night, but `weekend` has no zone (UTC), where it is Friday 18:00.
  EXPECT_EQ(ids("2026-03-06T18:00:00Z"), std::vector<std::string>{"night"});
}

TEST(PolicyEvalTest, UnlessAllAnyNot) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: r
    when:
      any:
        - content: {types: [PRIVATE_KEY]}
        - all:
            - content: {types: [PASSWORD_IN_URL]}
            - channels: [web]
      not:
        identity: {groups: [security-team]}
    unless:
      - destination: {domains: [vault.corp.example]}
      - identity: {users: [svc-backup]}
    action: block
)");
  EXPECT_EQ(p->Decide(To(Channel::kMail, {"a@b.example"}), Findings({{"PRIVATE_KEY", 1}})).action,
            Action::kBlock);
  EXPECT_EQ(p->Decide(To(Channel::kMail, {"a@b.example"}), Findings({{"PASSWORD_IN_URL", 1}})).action,
            Action::kAllow);
  EXPECT_EQ(p->Decide(To(Channel::kWeb, {"a.example"}), Findings({{"PASSWORD_IN_URL", 1}})).action,
            Action::kBlock);
  Transfer sec = To(Channel::kMail, {"a@b.example"}, "carol");
  sec.identity.groups = {"security-team"};
  EXPECT_EQ(p->Decide(sec, Findings({{"PRIVATE_KEY", 1}})).action, Action::kAllow);
  EXPECT_EQ(
      p->Decide(To(Channel::kWeb, {"https://vault.corp.example/"}), Findings({{"PRIVATE_KEY", 1}})).action,
      Action::kAllow);
  EXPECT_EQ(p->Decide(To(Channel::kWeb, {"https://x.example/"}, "svc-backup"), Findings({{"PRIVATE_KEY", 1}}))
                .action,
            Action::kAllow);
}

TEST(PolicyEvalTest, PolicyExceptionsCoverListedRulesUntilTheyExpire) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: a
    when: {content: {types: [GITHUB_TOKEN]}}
    action: block
  - id: b
    when: {content: {types: [GITHUB_TOKEN]}}
    action: audit
exceptions:
  - id: pentest
    when: {identity: {groups: [red-team]}}
    rules: [a]
    expires: 2026-06-30
  - id: everything-for-robots
    when: {identity: {users: [robot]}}
)");
  Transfer t = To(Channel::kWeb, {"https://x.example/"}, "carol");
  t.identity.groups = {"red-team"};
  t.time_ms = *policy::ParseIsoTime("2026-06-30T23:59:00Z");
  EXPECT_EQ(RuleIds(p->Decide(t, Findings({{"GITHUB_TOKEN", 1}}))), std::vector<std::string>{"b"});
  t.time_ms = *policy::ParseIsoTime("2026-07-01T00:00:00Z");
  EXPECT_EQ(RuleIds(p->Decide(t, Findings({{"GITHUB_TOKEN", 1}}))), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(p->Decide(To(Channel::kWeb, {"https://x.example/"}, "robot"), Findings({{"GITHUB_TOKEN", 1}}))
                  .matched.empty());
  EXPECT_EQ(p->exception_count(), 2u);
}

TEST(PolicyEvalTest, MessagesAndReasonsHoldNoValues) {
  auto p = MustLoad(R"(
name: t
rules:
  - id: r
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    message: "{policy}/{rule}: {action} ({severity}, {label}) because {reason}. {unknown}"
)");
  FindingsSummary s;
  Finding f;
  f.info_type = "CREDIT_CARD_NUMBER";
  f.confidence = Confidence::kHigh;
  f.masked = "4111 **** **** 1111";
  f.value = "4111 1111 1111 1111";
  s.Add(f);
  s.label = Label::kRestricted;
  Verdict v = p->Decide(To(Channel::kWeb, {"https://pay.example.net/"}), s);
  EXPECT_EQ(v.message,
            "t/r: block (medium, restricted) because CREDIT_CARD_NUMBER x1; to pay.example.net (external). "
            "{unknown}");
  EXPECT_EQ(v.message.find("4111"), std::string::npos);
  EXPECT_EQ(v.matched[0].reason.find("4111"), std::string::npos);
}

TEST(PolicyEvalTest, DecideIsThreadSafe) {
  auto p = MustLoad(kCombining);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 500; ++k) {
        Verdict v = p->Decide(To(Channel::kWeb, {"https://shop.example.net/pay"}),
                              Findings({{"CREDIT_CARD_NUMBER", 6}}));
        if (v.action != Action::kBlock || v.matched.size() != 3) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(DestinationFactsTest, HostsFromUrlsAndAddresses) {
  Destination d;
  d.url = "https://user:pw@Files.Example.NET:8443/a?b#c";
  EXPECT_EQ(policy::HostOf(d), "files.example.net");
  d = {};
  d.address = "Bob <bob@Example.ORG>";
  EXPECT_EQ(policy::HostOf(d), "example.org");
  d = {};
  d.url = "http://[2001:db8::1]:80/";
  policy::OrgFacts org;
  auto f = policy::FactsOf(d, org);
  EXPECT_TRUE(f.host.empty());
  ASSERT_TRUE(f.ip);
  EXPECT_FALSE(f.internal);
}

TEST(IsoTimeTest, Parses) {
  EXPECT_EQ(policy::ParseIsoTime("1970-01-01"), 0);
  EXPECT_EQ(policy::ParseIsoTime("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(policy::ParseIsoTime("1970-01-01T07:00:00+07:00"), 0);
  EXPECT_EQ(policy::ParseIsoTime("1970-01-01T00:00-0130"), 5400000);
  EXPECT_EQ(policy::ParseIsoTime("2026-01-01T10:00:00Z"), 1767261600000);
  EXPECT_FALSE(policy::ParseIsoTime("2026-13-01"));
  EXPECT_FALSE(policy::ParseIsoTime("tomorrow"));
  EXPECT_FALSE(policy::ParseIsoTime("2026-01-01T10:00:00+07:00x"));
}

}  // namespace
}  // namespace leakguard
