#include "incident/siem/format.h"

#include <gtest/gtest.h>

#include "incident/siem/config.h"
#include "incident/siem/sink.h"
#include "unit/incident/siem_testing.h"

namespace leakguard::incident::siem {
namespace {

using testing::SampleEvent;

FormatOptions Options() {
  FormatOptions o;
  o.product_version = "0.1.0";
  o.hostname = "dlp01";
  o.facility = 16;
  o.pid = 4242;
  return o;
}

TEST(SiemFormat, CefGolden) {
  EXPECT_EQ(
      FormatCef(SampleEvent(), Options()),
      "CEF:0|LeakGuard|LeakGuard|0.1.0|default/cards-external|DLP block: default/cards-external|8|"
      "rt=1795450547123 cat=incident.created act=block cs4Label=incidentId "
      "cs4=INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8 "
      "externalId=INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8 suser=alice@corp.example src=10.1.2.3 shost=pc-alice "
      "cs6Label=channel cs6=web dhost=upload.example.com dst=203.0.113.7 "
      "cs1Label=ruleIds cs1=default/pii-audit,default/cards-external cs2Label=label cs2=restricted cnt=4 "
      "cs3Label=infoTypes cs3=CREDIT_CARD_NUMBER:3,EMAIL_ADDRESS:1 cs5Label=policyVersion "
      "cs5=sha256:0123abcd deviceDirection=1 dvchost=dlp01 fsize=12345 fname=cards.xlsx "
      "request=https://upload.example.com/form?a\\=b "
      "msg=EMAIL_ADDRESS x1 (medium); CREDIT_CARD_NUMBER x3 (high) to upload.example.com (external)");
}

TEST(SiemFormat, CefCarriesNoSamples) {
  std::string cef = FormatCef(SampleEvent(), Options());
  EXPECT_EQ(cef.find("4111"), std::string::npos);
  EXPECT_EQ(cef.find("****"), std::string::npos);
}

TEST(SiemFormat, SyslogGolden) {
  Event e = SampleEvent();
  // PRI = local0 (16) * 8 + error (3, severity high).
  EXPECT_EQ(FormatSyslog(e, Options(), "CEF:0|x"),
            "<131>1 2026-11-23T16:15:47.123Z dlp01 leakguard 4242 incident - CEF:0|x");
  FormatOptions bare;
  bare.hostname = "";
  bare.pid = 0;
  bare.facility = 4;  // auth
  e.incident.verdict.severity = Severity::kCritical;
  e.type = EventType::kIncidentUpdated;
  EXPECT_EQ(FormatSyslog(e, bare, "m"), "<34>1 2026-11-23T16:15:47.123Z - leakguard - incident-update - m");
  bare.hostname = "host with space";
  EXPECT_EQ(FormatSyslog(e, bare, "m"),
            "<34>1 2026-11-23T16:15:47.123Z host_with_space leakguard - incident-update - m");
}

TEST(SiemFormat, SeverityMaps) {
  EXPECT_EQ(CefSeverity(Severity::kInfo), 1);
  EXPECT_EQ(CefSeverity(Severity::kLow), 3);
  EXPECT_EQ(CefSeverity(Severity::kMedium), 5);
  EXPECT_EQ(CefSeverity(Severity::kHigh), 8);
  EXPECT_EQ(CefSeverity(Severity::kCritical), 10);
  EXPECT_EQ(SyslogSeverity(Severity::kInfo), 6);
  EXPECT_EQ(SyslogSeverity(Severity::kCritical), 2);
  EXPECT_EQ(ParseFacility("local7"), 23);
  EXPECT_EQ(ParseFacility("auth"), 4);
  EXPECT_FALSE(ParseFacility("local8"));
}

TEST(SiemFormat, CefEscaping) {
  EXPECT_EQ(CefEscapeHeader("a|b\\c=d"), "a\\|b\\\\c=d");
  EXPECT_EQ(CefEscapeHeader("line\nbreak"), "line break");
  EXPECT_EQ(CefEscapeExtension("a=b\\c|d"), "a\\=b\\\\c|d");
  EXPECT_EQ(CefEscapeExtension("one\r\ntwo"), "one\\r\\ntwo");
  EXPECT_EQ(CefEscapeExtension(std::string("tab\there\x01", 9)), "tab here ");
  EXPECT_EQ(CefEscapeExtension("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept
  EXPECT_EQ(CefEscapeExtension("bad\xff\xfe"), "bad??");        // not UTF-8: replaced
  EXPECT_EQ(CefEscapeExtension("abc\xc3", 100), "abc?");        // cut sequence: replaced
  // Cut at the limit never splits an escape or a UTF-8 sequence.
  EXPECT_EQ(CefEscapeExtension("ab=c", 3), "ab");
  EXPECT_EQ(CefEscapeExtension("ab\xc3\xa9", 3), "ab");
  EXPECT_EQ(CefEscapeHeader("ab|", 3), "ab");
}

TEST(SiemFormat, CefEscapesHostileFields) {
  Event e = SampleEvent();
  e.incident.transfer.name = "evil| name=x\nmsg=forged";
  e.incident.verdict.matched[1].rule = "pol|icy/rule";
  std::string cef = FormatCef(e, Options());
  EXPECT_NE(cef.find("|pol\\|icy/rule|DLP block: pol\\|icy/rule|"), std::string::npos) << cef;
  EXPECT_NE(cef.find("fname=evil| name\\=x\\nmsg\\=forged request="), std::string::npos) << cef;
  // Exactly 7 unescaped pipes before the extensions.
  int pipes = 0;
  const std::size_t ext = cef.find("|rt=");
  for (std::size_t i = 1; i <= ext; ++i)
    if (cef[i] == '|' && cef[i - 1] != '\\') ++pipes;
  EXPECT_EQ(pipes, 7);
}

TEST(SiemFormat, CefUpdateEvent) {
  Incident inc = testing::SampleIncident();
  inc.status = IncidentStatus::kResolved;
  Event e =
      IncidentUpdated(inc, {{1795450600000, "bob", "status", "new", "resolved"},
                            {1795450600000, "bob", "note", "", "the card 4111111111111111 was a test"}});
  std::string cef = FormatCef(e, Options());
  EXPECT_TRUE(
      cef.starts_with("CEF:0|LeakGuard|LeakGuard|0.1.0|incident-updated|DLP incident updated: status, note|8|"
                      "rt=1795450600000 cat=incident.updated act=block"))
      << cef;
  EXPECT_TRUE(cef.ends_with("msg=status new -> resolved by bob; note added by bob")) << cef;
  EXPECT_EQ(e.time_ms, 1795450600000);
  EXPECT_TRUE(e.id.starts_with("EVT-"));
  EXPECT_EQ(e.id.size(), 30u);
}

TEST(SiemFormat, CefWithoutRulesOrDestinations) {
  Event e = SampleEvent();
  e.incident.verdict.matched.clear();
  e.incident.transfer.destinations.clear();
  e.incident.transfer.identity = {};
  e.incident.summary = {};
  std::string cef = FormatCef(e, Options());
  EXPECT_TRUE(cef.starts_with("CEF:0|LeakGuard|LeakGuard|0.1.0|action:block|DLP block: web transfer|8|"))
      << cef;
  EXPECT_EQ(cef.find("suser="), std::string::npos);
  EXPECT_EQ(cef.find("dhost="), std::string::npos);
  EXPECT_NE(cef.find("cnt=0"), std::string::npos);
}

TEST(SiemFormat, TopRuleIsStrictestThenMostSevere) {
  Verdict v;
  v.action = Action::kBlock;
  v.matched = {{"a", Action::kAudit, Severity::kCritical, "", {}, false},
               {"b", Action::kBlock, Severity::kMedium, "", {}, false},
               {"c", Action::kBlock, Severity::kHigh, "", {}, false},
               {"d", Action::kBlock, Severity::kHigh, "", {}, false}};
  ASSERT_NE(TopRule(v), nullptr);
  EXPECT_EQ(TopRule(v)->rule, "c");
  EXPECT_EQ(TopRule(Verdict{}), nullptr);
}

TEST(SiemFormat, JsonLine) {
  std::string line = FormatJsonLine(SampleEvent(), Options());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = Json::parse(line);
  EXPECT_EQ(j["type"], "incident.created");
  EXPECT_EQ(j["event_id"], "EVT-01JDQ3Z8K4AAAAAAAAAAAAAAAA");
  EXPECT_EQ(j["time"], "2026-11-23T16:15:47.123Z");
  EXPECT_EQ(j["host"], "dlp01");
  EXPECT_EQ(j["product"]["version"], "0.1.0");
  EXPECT_EQ(j["severity"], "high");
  EXPECT_EQ(j["cef_severity"], 8);
  EXPECT_EQ(j["incident"], ToJson(testing::SampleIncident()));
  EXPECT_FALSE(j.contains("changes"));
  // The incident comes back whole from the export.
  auto back = IncidentFromJson(j["incident"]);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->summary.types[0].samples[0], "4111 **** **** 1111");
}

TEST(SiemFormat, JsonLineSurvivesInvalidUtf8) {
  Event e = SampleEvent();
  e.incident.transfer.name = "bad\xff.txt";
  std::string line = FormatJsonLine(e, Options());
  EXPECT_TRUE(Json::accept(line));
}

TEST(SiemFormat, Rfc3339) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339(1795450547123), "2026-11-23T16:15:47.123Z");
  EXPECT_EQ(Rfc3339(-1), "1969-12-31T23:59:59.999Z");
}

TEST(SiemFormat, TruncateMessage) {
  EXPECT_EQ(TruncateMessage("hello", 10), "hello");
  EXPECT_EQ(TruncateMessage("hello", 3), "hel");
  EXPECT_EQ(TruncateMessage("ab\xc3\xa9z", 3), "ab");  // not inside é
  EXPECT_EQ(TruncateMessage("ab\xc3\xa9z", 4), "ab\xc3\xa9");
  EXPECT_EQ(TruncateMessage("ab\\=c", 3), "ab");       // not after half an escape
  EXPECT_EQ(TruncateMessage("ab\\\\c", 4), "ab\\\\");  // a whole escaped backslash stays
}

TEST(SiemFormat, UdpSizedCefKeepsTheHeadFields) {
  Event e = SampleEvent();
  e.incident.verdict.matched[1].reason = std::string(5000, 'x');
  std::string msg = FormatSyslog(e, Options(), FormatCef(e, Options()));
  EXPECT_GT(msg.size(), 1500u);
  EXPECT_LT(msg.size(), 2048u);  // msg is capped at 1023 bytes (ArcSight's limit)
  std::string_view cut = TruncateMessage(msg, 1200);
  EXPECT_EQ(cut.size(), 1200u);
  EXPECT_NE(cut.find("cs4=INC-01JDQ3Z8K4M2N6P8R0S2T4V6X8"), std::string_view::npos);
  EXPECT_NE(cut.find("suser=alice@corp.example"), std::string_view::npos);
  EXPECT_NE(cut.find(" msg=EMAIL"), std::string_view::npos);
}

TEST(SiemFormat, RenderPayloadPerSinkType) {
  SinkConfig syslog;
  syslog.type = SinkType::kSyslog;
  std::string p = RenderPayload(syslog, SampleEvent(), Options());
  EXPECT_TRUE(
      p.starts_with("<131>1 2026-11-23T16:15:47.123Z dlp01 leakguard 4242 incident - CEF:0|LeakGuard|"));
  syslog.format = SyslogFormat::kJson;
  p = RenderPayload(syslog, SampleEvent(), Options());
  EXPECT_TRUE(p.starts_with("<131>1 2026-11-23T16:15:47.123Z dlp01 leakguard 4242 incident - {\"type\":"));
  SinkConfig jsonl;
  jsonl.type = SinkType::kJsonl;
  EXPECT_EQ(RenderPayload(jsonl, SampleEvent(), Options()), FormatJsonLine(SampleEvent(), Options()));
}

}  // namespace
}  // namespace leakguard::incident::siem
