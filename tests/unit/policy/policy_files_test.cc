// Data-driven policy tests: every policy file with `tests:` — the built-in default
// (data/policies/default.yaml), the examples (examples/policies/*.yaml) and the rule-matching and
// combining cases in tests/unit/policy/cases/*.yaml — runs its own test cases, as
// `leakguard policy test` does. Adding a case needs no C++.
#include <gtest/gtest.h>

#include <filesystem>

#include "leakguard/policy.h"
#include "policy/policy_testing.h"
#include "test_support.h"

namespace leakguard {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> PolicyFiles() {
  const fs::path src = testing::SourceDir();
  std::vector<std::string> files = {(src / "data/policies/default.yaml").string()};
  for (const char* dir : {"examples/policies", "tests/unit/policy/cases"}) {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(src / dir))
      if (e.path().extension() == ".yaml") found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

class PolicyFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PolicyFileTest, OwnTestCasesPass) {
  const Engine* engine = testing::BuiltinEngine().get();
  ASSERT_NE(engine, nullptr);
  auto first = Policy::LoadFile(GetParam(), OrgConfig::Defaults(engine), engine);
  ASSERT_TRUE(first) << first.error().message();
  OrgConfig org = OrgConfig::Defaults(engine);
  std::shared_ptr<const Policy> policy = *first;
  if (!policy->test_config().empty()) {
    auto o = OrgConfig::LoadFile(policy->test_config(), engine);
    ASSERT_TRUE(o) << o.error().message();
    org = std::move(*o);
    auto again = Policy::LoadFile(GetParam(), org, engine);
    ASSERT_TRUE(again) << again.error().message();
    policy = *again;
  }
  ASSERT_FALSE(policy->tests().empty()) << GetParam() << " has no test cases";
  auto enricher = Enricher::Create(org);
  ASSERT_TRUE(enricher) << enricher.error().message();
  for (const auto& r : policy::RunPolicyTests(*policy, org, **enricher, testing::BuiltinEngine())) {
    std::string why = r.error;
    for (const auto& m : r.mismatches) why += "\n  " + m;
    for (const auto& m : r.verdict.matched) why += "\n  matched " + m.rule + ": " + m.reason;
    EXPECT_TRUE(r.passed && r.error.empty()) << GetParam() << ":" << r.line << ": " << r.name << why;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PolicyFileTest, ::testing::ValuesIn(PolicyFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = fs::path(info.param).parent_path().filename().string() + "_" +
                                           fs::path(info.param).stem().string();
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(PolicyTestRunnerTest, MismatchesAreReported) {
  auto p = Policy::Load({"p.yaml", R"(name: p
rules:
  - id: r
    when: {content: {types: [CREDIT_CARD_NUMBER]}}
    action: block
    severity: high
tests:
  - name: wrong on purpose
    transfer: {channel: web, destination: "https://x.example/"}
    findings: {CREDIT_CARD_NUMBER: 1}
    expect: {action: audit, severity: low, rules: [], label: public}
  - name: content without an engine
    content: "x"
    expect: {action: allow}
)"},
                        OrgConfig::Defaults());
  ASSERT_TRUE(p) << p.error().message();
  OrgConfig org = OrgConfig::Defaults();
  auto e = Enricher::Create(org);
  ASSERT_TRUE(e);
  auto results = policy::RunPolicyTests(**p, org, **e, nullptr);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].passed);
  EXPECT_EQ(
      results[0].mismatches,
      (std::vector<std::string>{"action: expected audit, got block", "severity: expected low, got high",
                                "rules: expected [], got [r]", "label: expected public, got restricted"}));
  EXPECT_FALSE(results[1].error.empty());
}

}  // namespace
}  // namespace leakguard
