// Data-driven detection cases (tests/cases/*.yaml) and the examples of every built-in info type.
//
// A case file holds
//
//   cases:
//     - name: visa grouped, with context
//       text: "card: 4111 1111 1111 1111"
//       min_confidence: low        # optional, default medium
//       findings:                  # exactly these findings (type, value; confidence optional)
//         - {type: CREDIT_CARD_NUMBER, value: "4111 1111 1111 1111", confidence: high}
//
// Each case is scanned with one Engine compiled from the built-in catalog (ScanOptions::reveal so the
// exact value can be compared); every mismatch is reported with the file, line and name of its case.
// The values in the case files are synthetic test vectors, so printing them is safe.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "leakguard/engine.h"
#include "test_support.h"

namespace leakguard {
namespace {

namespace fs = std::filesystem;

using testing::SourceDir;

fs::path CasesDir() { return fs::path(SourceDir()) / "tests" / "cases"; }

struct ExpectedFinding {
  std::string type;
  std::string value;
  std::optional<Confidence> confidence;
};

struct Case {
  std::string file;  // file name, for messages
  int line = 0;
  std::string name;
  std::string text;
  Confidence min_confidence = Confidence::kMedium;
  std::vector<ExpectedFinding> findings;
};

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CasesDir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Parses one case file; a malformed file is reported as a failure of the test that loads it.
std::vector<Case> LoadCases(const fs::path& path, std::string* error) {
  std::vector<Case> cases;
  const std::string file = path.filename().string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    *error = file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return cases;
  }
  if (!root["cases"] || !root["cases"].IsSequence()) {
    *error = file + ": needs a top-level 'cases' list";
    return cases;
  }
  std::set<std::string> names;
  for (const auto& node : root["cases"]) {
    Case c;
    c.file = file;
    c.line = node.Mark().line + 1;
    const std::string where = file + ":" + std::to_string(c.line) + ": ";
    if (!node.IsMap() || !node["name"] || !node["text"]) {
      *error = where + "each case needs 'name' and 'text'";
      return {};
    }
    c.name = node["name"].as<std::string>();
    c.text = node["text"].as<std::string>();
    if (!names.insert(c.name).second) {
      *error = where + "duplicate case name '" + c.name + "'";
      return {};
    }
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      if (key != "name" && key != "text" && key != "min_confidence" && key != "findings") {
        *error = where + "unknown key '" + key + "' in case '" + c.name + "'";
        return {};
      }
    }
    if (node["min_confidence"]) {
      auto conf = ParseConfidence(node["min_confidence"].as<std::string>());
      if (!conf) {
        *error = where + "bad min_confidence in case '" + c.name + "'";
        return {};
      }
      c.min_confidence = *conf;
    }
    if (node["findings"]) {
      if (!node["findings"].IsSequence()) {
        *error = where + "'findings' must be a list in case '" + c.name + "'";
        return {};
      }
      for (const auto& f : node["findings"]) {
        if (!f.IsMap() || !f["type"] || !f["value"]) {
          *error = where + "each finding needs 'type' and 'value' in case '" + c.name + "'";
          return {};
        }
        ExpectedFinding e;
        e.type = f["type"].as<std::string>();
        e.value = f["value"].as<std::string>();
        if (f["confidence"]) {
          e.confidence = ParseConfidence(f["confidence"].as<std::string>());
          if (!e.confidence) {
            *error = where + "bad confidence in case '" + c.name + "'";
            return {};
          }
        }
        c.findings.push_back(std::move(e));
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

using testing::BuiltinEngine;

std::string Describe(const Finding& f) {
  std::ostringstream out;
  out << "{" << f.info_type << ", \"" << f.value << "\", " << ConfidenceName(f.confidence) << ", rule "
      << f.rule << "}";
  return out.str();
}

std::string Describe(const ExpectedFinding& e) {
  std::ostringstream out;
  out << "{" << e.type << ", \"" << e.value << "\"";
  if (e.confidence) out << ", " << ConfidenceName(*e.confidence);
  return out.str() + "}";
}

// Compares the findings of one case; returns the mismatches (empty when the case passes).
std::vector<std::string> RunCase(Scanner& scanner, const Case& c) {
  std::vector<std::string> problems;
  ScanOptions options;
  options.min_confidence = c.min_confidence;
  options.reveal = true;
  auto result = scanner.ScanBlock(c.text, options);
  if (!result) return {"scan failed: " + result.error().ToString()};
  std::vector<Finding> actual = std::move(*result);
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : c.findings) {
    bool matched = false;
    for (std::size_t i = 0; i < actual.size(); ++i) {
      if (used[i] || actual[i].info_type != e.type || actual[i].value != e.value) continue;
      used[i] = true;
      matched = true;
      if (e.confidence && *e.confidence != actual[i].confidence) {
        problems.push_back("confidence of " + Describe(e) + " is " +
                           std::string(ConfidenceName(actual[i].confidence)) + " (rule " + actual[i].rule +
                           ")");
      }
      break;
    }
    if (!matched) problems.push_back("missing " + Describe(e));
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!used[i]) problems.push_back("unexpected " + Describe(actual[i]));
  }
  return problems;
}

class CaseFileTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(CaseFileTest, FindingsMatch) {
  const auto& engine = BuiltinEngine();
  ASSERT_TRUE(engine);
  std::string error;
  std::vector<Case> cases = LoadCases(GetParam(), &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_FALSE(cases.empty()) << GetParam() << " holds no cases";
  Scanner scanner(engine);
  int failed = 0;
  for (const Case& c : cases) {
    std::vector<std::string> problems = RunCase(scanner, c);
    if (problems.empty()) continue;
    ++failed;
    std::string msg = c.file + ":" + std::to_string(c.line) + ": case '" + c.name + "'";
    for (const auto& p : problems) msg += "\n    " + p;
    ADD_FAILURE() << msg;
  }
  RecordProperty("cases", static_cast<int>(cases.size()));
  EXPECT_EQ(failed, 0) << failed << " of " << cases.size() << " cases in " << GetParam().filename()
                       << " failed";
}

std::string FileTestName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, CaseFileTest, ::testing::ValuesIn(CaseFiles()), FileTestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CaseFileTest);

TEST(DetectionCases, CaseFilesExist) {
  ASSERT_FALSE(CaseFiles().empty()) << "no case files in " << CasesDir();
  std::size_t total = 0;
  for (const auto& f : CaseFiles()) {
    std::string error;
    total += LoadCases(f, &error).size();
    EXPECT_TRUE(error.empty()) << error;
  }
  EXPECT_GE(total, 100u) << "the case files should pin a few hundred behaviours";
}

// Every built-in type's examples: each valid one is found as that type at >= medium confidence, each
// invalid one does not produce that type at any confidence.
TEST(CatalogExamples, ValidFoundInvalidNot) {
  const auto& engine = BuiltinEngine();
  ASSERT_TRUE(engine);
  Scanner scanner(engine);
  int checked = 0;
  for (const InfoTypeInfo& type : engine->types()) {
    if (!type.builtin) continue;
    for (const auto& example : type.valid_examples) {
      ScanOptions options;
      options.reveal = true;
      auto found = scanner.ScanBlock(example, options);
      ASSERT_TRUE(found) << found.error().ToString();
      bool ok =
          std::any_of(found->begin(), found->end(), [&](const Finding& f) { return f.info_type == type.id; });
      std::string got;
      for (const auto& f : *found) got += " " + Describe(f);
      EXPECT_TRUE(ok) << type.id << " (" << type.source << "): valid example \"" << example
                      << "\" is not found at >= medium; found:" << (got.empty() ? " nothing" : got);
      ++checked;
    }
    for (const auto& example : type.invalid_examples) {
      ScanOptions options;
      options.reveal = true;
      options.min_confidence = Confidence::kLow;
      auto found = scanner.ScanBlock(example, options);
      ASSERT_TRUE(found) << found.error().ToString();
      for (const auto& f : *found) {
        EXPECT_NE(f.info_type, type.id) << type.id << " (" << type.source << "): invalid example \""
                                        << example << "\" produces " << Describe(f);
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace leakguard
