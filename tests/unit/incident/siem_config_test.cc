#include "incident/siem/config.h"

#include <gtest/gtest.h>

#include "unit/incident/siem_testing.h"

namespace leakguard::incident::siem {
namespace {

using testing::TempDir;

TEST(SiemConfig, FullExample) {
  TempDir dir;
  testing::WriteFile(dir / "hook.secret", "s3cret\n");
  std::string yaml = R"(
infotypes:
  - id: SOMETHING_ELSE
organization:
  internal_domains: [corp.example]
siem:
  spool: spool
  spool_max_bytes: 64MiB
  spool_max_events: 1000
  hostname: dlp01
  facility: auth
  retry: {initial: 250ms, max: 1m}
  sinks:
    - name: soc
      type: syslog
      url: tls://10.0.0.5
      tls: {ca: ca.pem, cert: client.pem, key: client.key, server_name: siem.corp.example}
      format: cef
      min_severity: medium
    - type: syslog
      url: udp://[::1]:5514
      max_message: 1KiB
    - type: syslog
      url: tcp://127.0.0.1
    - type: jsonl
      path: /var/log/leakguard/incidents.jsonl
      fsync: false
      rotate: {max_bytes: 100MiB, keep: 3}
    - name: tickets
      type: webhook
      url: https://hooks.example.com/dlp?x=1
      secret_file: hook.secret
      all: false
      updates: no
      timeout: 3s
      headers: {X-Tenant: corp}
incidents:
  store: sqlite
)";
  auto c = ParseSiemConfig(yaml, dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  ASSERT_TRUE(c->has_value());
  SiemConfig s = **c;
  EXPECT_EQ(s.spool_dir, dir / "spool");
  EXPECT_EQ(s.spool_max_bytes, 64u << 20);
  EXPECT_EQ(s.spool_max_events, 1000u);
  EXPECT_EQ(s.hostname, "dlp01");
  EXPECT_EQ(s.facility, 4);
  EXPECT_EQ(s.retry_initial.count(), 250);
  EXPECT_EQ(s.retry_max.count(), 60000);
  ASSERT_EQ(s.sinks.size(), 5u);
  EXPECT_EQ(s.sinks[2].name, "syslog-3");
  EXPECT_EQ(s.sinks[2].endpoint.port, 514);
  s.sinks.erase(s.sinks.begin() + 2);
  EXPECT_EQ(s.sinks[0].name, "soc");
  EXPECT_EQ(s.sinks[0].transport, SyslogTransport::kTls);
  EXPECT_EQ(s.sinks[0].endpoint.port, 6514);
  EXPECT_TRUE(s.sinks[0].tls_enabled);
  EXPECT_EQ(s.sinks[0].tls.ca_file, dir / "ca.pem");
  EXPECT_EQ(s.sinks[0].tls.server_name, "siem.corp.example");
  EXPECT_EQ(s.sinks[0].min_severity, Severity::kMedium);
  EXPECT_EQ(s.sinks[0].max_message, 65536u);
  EXPECT_EQ(s.sinks[1].name, "syslog");  // default name: the type, unless taken
  EXPECT_EQ(s.sinks[1].transport, SyslogTransport::kUdp);
  EXPECT_EQ(s.sinks[1].endpoint.host, "::1");
  EXPECT_EQ(s.sinks[1].endpoint.port, 5514);
  EXPECT_EQ(s.sinks[1].max_message, 1024u);
  EXPECT_EQ(s.sinks[2].name, "jsonl");
  EXPECT_EQ(s.sinks[2].path, "/var/log/leakguard/incidents.jsonl");
  EXPECT_FALSE(s.sinks[2].fsync);
  EXPECT_EQ(s.sinks[2].rotate_bytes, 100u << 20);
  EXPECT_EQ(s.sinks[2].rotate_keep, 3);
  EXPECT_EQ(s.sinks[3].secret, "s3cret");
  EXPECT_FALSE(s.sinks[3].all);
  EXPECT_FALSE(s.sinks[3].updates);
  EXPECT_EQ(s.sinks[3].timeout.count(), 3000);
  EXPECT_EQ(s.sinks[3].endpoint.port, 443);
  EXPECT_EQ(s.sinks[3].endpoint.target, "/dlp?x=1");
  ASSERT_EQ(s.sinks[3].headers.size(), 1u);
}

TEST(SiemConfig, NoSection) {
  auto c = ParseSiemConfig("policy: {}\n", "");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->has_value());
}

void ExpectError(const std::string& yaml, const std::string& needle) {
  auto c = ParseSiemConfig(yaml, "");
  ASSERT_FALSE(c.has_value()) << yaml;
  EXPECT_EQ(c.error().code(), StatusCode::kParseError);
  EXPECT_NE(c.error().message().find(needle), std::string::npos) << c.error().message();
}

TEST(SiemConfig, ErrorsNameTheKeyAndLine) {
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: syslog\n      url: udp://h\n      fromat: cef\n",
              "siem.sinks[0].fromat (line 6): unknown key");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: syslog\n      url: http://h\n",
              "siem.sinks[0].url (line 5)");
  ExpectError("siem:\n  sinks:\n    - type: jsonl\n      path: /x\n", "a spool folder is required");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: kafka\n", "unknown sink type 'kafka'");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: webhook\n      url: https://h/\n",
              "needs 'secret_file'");
  ExpectError(
      "siem:\n  spool: /s\n  sinks:\n    - type: webhook\n      url: https://h/\n      secret_file: "
      "/nonexistent\n",
      "cannot read secret file");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: syslog\n      url: tcp://h\n      tls: {ca: x}\n",
              "TLS settings need a tls://");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - type: jsonl\n      path: /a\n      url: udp://h\n",
              "not a setting of a jsonl sink");
  ExpectError(
      "siem:\n  spool: /s\n  sinks:\n    - {type: jsonl, path: /a, name: x}\n    - {type: jsonl, path: /b, "
      "name: x}\n",
      "used twice");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - {type: jsonl, path: /a, name: ../x}\n", "letters, digits");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - {type: jsonl, path: /a, fsync: maybe}\n",
              "expected true or false");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - {type: syslog, url: 'udp://h:99999'}\n", "bad port");
  ExpectError("siem:\n  spool: /s\n  retry: {initial: 10s, max: 1s}\n", "0 < initial <= max");
  ExpectError("siem:\n  spool: /s\n  sinks:\n    - {type: jsonl, path: /a, min_severity: urgent}\n",
              "expected info, low");
  ExpectError("siem: [1, 2\n", "siem:");
}

TEST(SiemConfig, SecretFromEnvironment) {
  ::setenv("LG_SIEM_TEST_SECRET", "from-env", 1);
  auto c = ParseSiemConfig(
      "siem:\n  spool: /s\n  sinks:\n    - {type: webhook, url: 'http://127.0.0.1:8080/x', secret_env: "
      "LG_SIEM_TEST_SECRET}\n",
      "");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ((*c)->sinks[0].secret, "from-env");
  EXPECT_EQ((*c)->sinks[0].endpoint.port, 8080);
  EXPECT_FALSE((*c)->sinks[0].tls_enabled);
}

TEST(SiemConfig, DurationsAndSizes) {
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("1.5")->count(), 1500);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_EQ(ParseDuration("1h")->count(), 3600000);
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseSize("2MB"), 2000000u);
  EXPECT_EQ(*ParseSize("1GiB"), 1u << 30);
  EXPECT_FALSE(ParseSize("12 parsecs"));
  EXPECT_FALSE(ParseSize("99999999999999GiB"));
}

TEST(SiemConfig, Urls) {
  auto u = ParseUrl("HTTPS://Example.com:8443/a/b?c=d#frag");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/a/b?c=d");
  u = ParseUrl("tcp://[fe80::1]:514");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "fe80::1");
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(ParseUrl("no-scheme").has_value());
  EXPECT_FALSE(ParseUrl("http://user:pw@host/").has_value());
  EXPECT_FALSE(ParseUrl("http://:80/").has_value());
}

TEST(SiemConfig, LoadFileResolvesRelativeToIt) {
  TempDir dir;
  testing::WriteFile(dir / "leakguard.yaml",
                     "siem:\n  spool: var/spool\n  sinks:\n    - {type: jsonl, path: out.jsonl}\n");
  auto c = LoadSiemConfig(dir / "leakguard.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ((*c)->spool_dir, dir / "var/spool");
  EXPECT_EQ((*c)->sinks[0].path, dir / "out.jsonl");
  EXPECT_FALSE((*c)->hostname.empty());
  EXPECT_EQ(LoadSiemConfig(dir / "missing.yaml").error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace leakguard::incident::siem
