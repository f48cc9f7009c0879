// Running a policy's own test cases (`tests:` in the policy file; `leakguard policy test`).
//
// Each case's transfer is enriched (directory groups, GeoIP countries) like a live one, its content
// (text or file) goes through extraction, the engine and classification (content_summary.h), or its
// `findings:` are taken as given; then the policy decides and the verdict is compared with `expect:`.
// Threads: one call per thread (it builds its own scanners).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leakguard/engine.h"
#include "leakguard/policy.h"

namespace leakguard::policy {

struct PolicyTestResult {
  std::string name;
  int line = 0;
  bool passed = false;
  std::string error;                    // the case could not run (content file unreadable, engine error)
  std::vector<std::string> mismatches;  // "action: expected block, got audit"
  Verdict verdict;
  FindingsSummary summary;
};

// `engine` is needed only by cases with content (null: such cases fail with an error).
std::vector<PolicyTestResult> RunPolicyTests(const Policy& policy, const OrgConfig& org,
                                             const Enricher& enricher, std::shared_ptr<const Engine> engine);

}  // namespace leakguard::policy
