#include "policy/policy_testing.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "classify/classify.h"
#include "policy/content_summary.h"

namespace leakguard::policy {
namespace {

std::string RuleId(const std::string& qualified) {
  const auto slash = qualified.find('/');
  return slash == std::string::npos ? qualified : qualified.substr(slash + 1);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

}  // namespace

std::vector<PolicyTestResult> RunPolicyTests(const Policy& policy, const OrgConfig& org,
                                             const Enricher& enricher, std::shared_ptr<const Engine> engine) {
  std::vector<PolicyTestResult> results;
  std::unique_ptr<ContentInspector> inspector;
  for (const PolicyTestCase& tc : policy.tests()) {
    PolicyTestResult r;
    r.name = tc.name;
    r.line = tc.line;
    FindingsSummary summary;
    if (tc.content_text || !tc.content_file.empty()) {
      if (!engine) {
        r.error = "content needs the inspection engine";
        results.push_back(std::move(r));
        continue;
      }
      std::string bytes;
      std::string name;
      if (tc.content_text) {
        bytes = *tc.content_text;
      } else {
        std::ifstream in(tc.content_file, std::ios::binary);
        if (!in) {
          r.error = "cannot read content_file " + tc.content_file;
          results.push_back(std::move(r));
          continue;
        }
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        name = std::filesystem::path(tc.content_file).filename().string();
      }
      if (!inspector) inspector = std::make_unique<ContentInspector>(engine);
      ContentOptions options;
      options.classifier = org.classifier.get();
      auto s = inspector->InspectBuffer(bytes, name, options);
      if (!s) {
        r.error = "inspection failed: " + s.error().ToString();
        results.push_back(std::move(r));
        continue;
      }
      summary = std::move(*s);
    } else if (tc.findings) {
      summary = *tc.findings;
    }
    if (!tc.markings.empty()) {
      for (const auto& m : tc.markings)
        if (std::find(summary.markings.begin(), summary.markings.end(), m) == summary.markings.end())
          summary.markings.push_back(m);
    }
    // Classify is a function of the types and markings, so classifying again after adding the
    // case's markings gives the same label a live inspection would have given.
    if (org.classifier) org.classifier->Classify(summary);
    if (tc.label) {
      summary.label = *tc.label;
      summary.label_reasons = {"test: label given"};
    }
    Transfer t = tc.transfer;
    enricher.Enrich(t);
    r.verdict = policy.Decide(t, summary);
    r.summary = std::move(summary);
    const Verdict& v = r.verdict;
    if (v.action != tc.expect_action)
      r.mismatches.push_back("action: expected " + std::string(ActionName(tc.expect_action)) + ", got " +
                             std::string(ActionName(v.action)));
    if (tc.expect_severity && v.severity != *tc.expect_severity)
      r.mismatches.push_back("severity: expected " + std::string(SeverityName(*tc.expect_severity)) +
                             ", got " + std::string(SeverityName(v.severity)));
    if (tc.expect_rules) {
      std::vector<std::string> got;
      for (const auto& m : v.matched) got.push_back(RuleId(m.rule));
      if (got != *tc.expect_rules)
        r.mismatches.push_back("rules: expected " + Join(*tc.expect_rules) + ", got " + Join(got));
    }
    if (tc.expect_label && v.label != *tc.expect_label)
      r.mismatches.push_back("label: expected " + std::string(LabelName(*tc.expect_label)) + ", got " +
                             std::string(LabelName(v.label)));
    r.passed = r.mismatches.empty();
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace leakguard::policy
