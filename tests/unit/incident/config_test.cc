// The incidents: section of the configuration file, and the audit key file.

#include "incident/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "unit/incident/store_test_support.h"

namespace leakguard::incident {
namespace {

TEST(IncidentConfig, ReadsItsSectionAndIgnoresOthers) {
  auto cfg = ParseIncidentConfig(R"(
infotypes: []
policy: {file: p.yaml}
siem: {sinks: []}
incidents:
  store: postgresql://lg@db:5432/leakguard
  evidence: {public_key: keys/evidence.pub, max_bytes: 4MiB}
  audit: {key: /etc/leakguard/audit.key}
  retry_seconds: 2.5
)",
                                 "cfg.yaml", "/etc/leakguard");
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  EXPECT_EQ(cfg->store, "postgresql://lg@db:5432/leakguard");
  EXPECT_EQ(cfg->evidence_public_key, "/etc/leakguard/keys/evidence.pub");
  EXPECT_EQ(cfg->evidence_max_bytes, 4u << 20);
  EXPECT_EQ(cfg->audit_key, "/etc/leakguard/audit.key");
  EXPECT_DOUBLE_EQ(cfg->retry_seconds, 2.5);

  auto none = ParseIncidentConfig("infotypes: []\n", "cfg.yaml", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->store, "");
}

TEST(IncidentConfig, ErrorsNameTheFileLineAndKey) {
  auto bad = ParseIncidentConfig("incidents:\n  stor: x\n", "cfg.yaml", "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), StatusCode::kParseError);
  EXPECT_NE(bad.error().message().find("cfg.yaml:2"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("incidents.stor"), std::string::npos);
  auto size = ParseIncidentConfig("incidents:\n  evidence:\n    max_bytes: lots\n", "cfg.yaml", "");
  ASSERT_FALSE(size);
  EXPECT_NE(size.error().message().find("max_bytes"), std::string::npos);
  auto yaml = ParseIncidentConfig("incidents: [\n", "cfg.yaml", "");
  ASSERT_FALSE(yaml);
  EXPECT_EQ(yaml.error().code(), StatusCode::kParseError);
}

TEST(IncidentConfig, OpensTheConfiguredStoreWithItsKeys) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteNewEvidenceKeys(dir / "ev").ok());
  ASSERT_TRUE(WriteNewAuditKey(dir / "audit.key").ok());
  EXPECT_FALSE(WriteNewAuditKey(dir / "audit.key").ok());  // never overwritten
  std::ofstream(dir / "lg.yaml") << "incidents:\n  store: sqlite:" << (dir / "x.db")
                                 << "\n  evidence: {public_key: ev.pub}\n  audit: {key: audit.key}\n";
  auto cfg = LoadIncidentConfig(dir / "lg.yaml");
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  auto store = OpenConfiguredStore(*cfg);
  ASSERT_TRUE(store) << store.error().ToString();
  auto audit = (*store)->ListAudit(1, 1);
  ASSERT_TRUE(audit);
  EXPECT_FALSE(audit->front().mac.empty());  // keyed chain
  auto report = (*store)->VerifyAudit();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->macs_checked);
  EXPECT_TRUE(report->intact());
}

TEST(IncidentConfig, DefaultStoreUrlFollowsLeakguardDataDir) {
  const char* old = std::getenv("LEAKGUARD_DATA_DIR");
  std::string saved = old ? old : "";
  ::setenv("LEAKGUARD_DATA_DIR", "/srv/lg", 1);
  EXPECT_EQ(DefaultStoreUrl(), "sqlite:/srv/lg/incidents.db");
  if (old)
    ::setenv("LEAKGUARD_DATA_DIR", saved.c_str(), 1);
  else
    ::unsetenv("LEAKGUARD_DATA_DIR");
  EXPECT_TRUE(DefaultStoreUrl().starts_with("sqlite:"));
}

TEST(IncidentStoreUrl, UnknownSchemesAreRefused) {
  auto s = IncidentStore::Open("mysql://db/x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), StatusCode::kInvalidArgument);
}

TEST(IncidentStoreUrl, UnreachablePostgresIsUnavailable) {
  StoreOptions opt;
  opt.retry_for = std::chrono::milliseconds(300);
  opt.connect_timeout_s = 1;
  auto s = IncidentStore::Open("postgresql://postgres@127.0.0.1:1/none", opt);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable) << s.error().ToString();
}

}  // namespace
}  // namespace leakguard::incident
