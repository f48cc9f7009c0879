// Test support for the dispatcher and the formats of src/extract that it owns: inspect a fixture or a
// buffer with the built-in engine and collect the findings.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "extract/inspect.h"
#include "test_support.h"

namespace leakguard::extract::testing {

inline std::string ExtractFixturePath(const std::string& name) {
  return leakguard::testing::SourceDir() + "/tests/fixtures/extract/" + name;
}

inline std::string ReadExtractFixture(const std::string& name) {
  std::ifstream in(ExtractFixturePath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name << " (tests/fixtures/extract/make_fixtures.sh)";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Inspected {
  Status status;
  std::vector<Finding> findings;
  ExtractStats stats;

  // The first finding of `type` at `part`, or nullptr.
  const Finding* Find(std::string_view type, std::string_view part) const {
    for (const Finding& f : findings)
      if (f.info_type == type && f.part == part) return &f;
    return nullptr;
  }
  std::size_t Count(std::string_view type) const {
    std::size_t n = 0;
    for (const Finding& f : findings) n += f.info_type == type;
    return n;
  }
  std::string Dump() const {
    std::string out;
    for (const Finding& f : findings)
      out += f.info_type + " @ '" + f.part + "' [" + std::to_string(f.start) + "," + std::to_string(f.end) +
             ") " + f.masked + "\n";
    return out;
  }
};

// Scanners for an Inspector, one per nesting level, built from the built-in engine.
class Scanners {
 public:
  Scanner& At(std::size_t level) {
    while (scanners_.size() <= level)
      scanners_.push_back(std::make_unique<Scanner>(leakguard::testing::BuiltinEngine()));
    return *scanners_[level];
  }
  std::size_t size() const { return scanners_.size(); }

 private:
  std::vector<std::unique_ptr<Scanner>> scanners_;
};

inline Inspected InspectBytes(std::string_view bytes, std::string_view name, const Limits& limits = {},
                              ScanOptions options = {}) {
  Scanners scanners;
  Inspector inspector([&](std::size_t level) -> Scanner& { return scanners.At(level); });
  Inspected out;
  out.status = inspector.InspectBuffer(
      bytes, name, options, limits, [&](Finding&& f) { out.findings.push_back(std::move(f)); }, &out.stats);
  return out;
}

inline Inspected InspectFixture(const std::string& name, const Limits& limits = {},
                                ScanOptions options = {}) {
  return InspectBytes(ReadExtractFixture(name), name, limits, std::move(options));
}

}  // namespace leakguard::extract::testing
