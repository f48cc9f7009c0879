// Helpers for the policy tests: load a policy from inline YAML, build transfers and summaries.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "leakguard/policy.h"

namespace leakguard::testing {

inline OrgConfig TestOrg() {
  auto org = OrgConfig::Load({"org.yaml", R"(
organization:
  internal_domains: [corp.example]
  internal_networks: [10.0.0.0/8, 2001:db8:ffff::/48]
)"},
                             "");
  EXPECT_TRUE(org.has_value()) << (org ? "" : org.error().ToString());
  return org ? *org : OrgConfig::Defaults();
}

inline std::shared_ptr<const Policy> MustLoad(const std::string& yaml, const OrgConfig& org = TestOrg(),
                                              const Engine* engine = nullptr) {
  auto p = Policy::Load({"test.yaml", yaml}, org, engine);
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message());
  return p ? *p : nullptr;
}

inline FindingsSummary Findings(std::initializer_list<std::pair<const char*, int>> counts,
                                Confidence confidence = Confidence::kHigh) {
  FindingsSummary s;
  for (const auto& [type, n] : counts) {
    Finding f;
    f.info_type = type;
    f.confidence = confidence;
    f.masked = "****";
    for (int i = 0; i < n; ++i) s.Add(f);
  }
  return s;
}

inline Transfer To(Channel channel, std::vector<std::string> destinations, std::string user = "alice") {
  Transfer t;
  t.channel = channel;
  t.identity.user = std::move(user);
  t.time_ms = 1767261600000;  // 2026-01-01T10:00:00Z, a Thursday
  for (auto& d : destinations) {
    Destination dest;
    if (d.starts_with("usb:"))
      dest.device = d;
    else if (d.find("://") != std::string::npos)
      dest.url = d;
    else if (d.find('@') != std::string::npos)
      dest.address = d;
    else if (d.find_first_not_of("0123456789.:abcdef") == std::string::npos)
      dest.ip = d;
    else
      dest.host = d;
    t.destinations.push_back(std::move(dest));
  }
  return t;
}

inline std::vector<std::string> RuleIds(const Verdict& v) {
  std::vector<std::string> ids;
  for (const auto& m : v.matched) ids.push_back(m.rule.substr(m.rule.find('/') + 1));
  return ids;
}

}  // namespace leakguard::testing
