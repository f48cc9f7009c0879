// Metrics: the Prometheus text exposition parses (with a small strict parser of the 0.0.4 format),
// counters only go up, the histogram is cumulative and consistent.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace leakguard::server {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family → counter/gauge/histogram
  std::vector<Sample> samples;

  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return NAN;
  }
};

// Parses the text format strictly enough to catch malformed output; fails the test on any error.
void ParseInto(const std::string& text, Exposition& e) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+))");
  static const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)\"(,|$))");
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::istringstream in(text);
  std::string line;
  std::set<std::string> seen_samples;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.starts_with("# HELP")) {
      EXPECT_TRUE(std::regex_match(line, m, kHelp)) << line;
      continue;
    }
    if (line.starts_with("# TYPE")) {
      ASSERT_TRUE(std::regex_match(line, m, kType)) << line;
      EXPECT_FALSE(e.types.contains(m[1])) << "family declared twice: " << line;
      e.types[m[1]] = m[2];
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << "bad sample line: '" << line << "'";
    Sample s;
    s.name = m[1];
    std::string labels = m[3];
    while (!labels.empty()) {
      std::smatch lm;
      ASSERT_TRUE(std::regex_search(labels, lm, kLabel, std::regex_constants::match_continuous)) << line;
      EXPECT_FALSE(s.labels.contains(lm[1])) << line;
      s.labels[lm[1]] = lm[2];
      labels = lm.suffix();
    }
    const std::string value = m[4];
    if (value == "+Inf") {
      s.value = INFINITY;
    } else {
      std::size_t used = 0;
      s.value = std::stod(value, &used);
      EXPECT_EQ(used, value.size()) << line;
    }
    // The sample belongs to a declared family (histograms add _bucket/_sum/_count).
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!e.types.contains(family) && family.ends_with(suffix)) {
        family = family.substr(0, family.size() - std::strlen(suffix));
      }
    }
    EXPECT_TRUE(e.types.contains(family)) << "sample without TYPE: " << line;
    EXPECT_TRUE(seen_samples.insert(line.substr(0, line.rfind(' '))).second) << "duplicate series: " << line;
    e.samples.push_back(std::move(s));
  }
}

Exposition Parse(const std::string& text) {
  Exposition e;
  ParseInto(text, e);
  return e;
}

TEST(MetricsTest, EmptyMetricsParse) {
  Metrics m;
  Exposition e = Parse(m.Render(0));
  EXPECT_EQ(e.types["leakguard_requests_total"], "counter");
  EXPECT_EQ(e.types["leakguard_inspected_bytes_total"], "counter");
  EXPECT_EQ(e.types["leakguard_findings_total"], "counter");
  EXPECT_EQ(e.types["leakguard_request_duration_seconds"], "histogram");
  EXPECT_EQ(e.types["leakguard_engine_types"], "gauge");
  EXPECT_EQ(e.Value("leakguard_inspected_bytes_total"), 0);
  EXPECT_EQ(e.Value("leakguard_engine_types"), 0);
}

TEST(MetricsTest, CountersIncreaseAndParse) {
  Metrics m;
  m.RecordRequest("/v1/inspect", 200, 0.002);
  m.AddInspectedBytes(100);
  m.AddFindings("CREDIT_CARD_NUMBER", 2);
  Exposition first = Parse(m.Render(42));

  m.RecordRequest("/v1/inspect", 200, 0.0001);
  m.RecordRequest("/v1/inspect", 400, 0.0001);
  m.RecordRequest("/healthz", 200, 0.00001);
  m.AddInspectedBytes(50);
  m.AddFindings("CREDIT_CARD_NUMBER", 1);
  m.AddFindings("AWS_ACCESS_KEY", 1);
  m.AddFindings("IGNORED", 0);
  Exposition second = Parse(m.Render(42));

  const std::map<std::string, std::string> ok{{"path", "/v1/inspect"}, {"code", "200"}};
  EXPECT_EQ(first.Value("leakguard_requests_total", ok), 1);
  EXPECT_EQ(second.Value("leakguard_requests_total", ok), 2);
  EXPECT_EQ(second.Value("leakguard_requests_total", {{"path", "/v1/inspect"}, {"code", "400"}}), 1);
  EXPECT_EQ(second.Value("leakguard_requests_total", {{"path", "/healthz"}, {"code", "200"}}), 1);
  EXPECT_EQ(first.Value("leakguard_inspected_bytes_total"), 100);
  EXPECT_EQ(second.Value("leakguard_inspected_bytes_total"), 150);
  EXPECT_EQ(first.Value("leakguard_findings_total", {{"type", "CREDIT_CARD_NUMBER"}}), 2);
  EXPECT_EQ(second.Value("leakguard_findings_total", {{"type", "CREDIT_CARD_NUMBER"}}), 3);
  EXPECT_EQ(second.Value("leakguard_findings_total", {{"type", "AWS_ACCESS_KEY"}}), 1);
  EXPECT_TRUE(std::isnan(second.Value("leakguard_findings_total", {{"type", "IGNORED"}})));
  EXPECT_EQ(second.Value("leakguard_engine_types"), 42);

  // Every series of the first scrape is still there and did not decrease.
  for (const Sample& s : first.samples) {
    if (first.types.contains(s.name) && first.types.at(s.name) == "gauge") continue;
    EXPECT_GE(second.Value(s.name, s.labels), s.value) << s.name;
  }
}

TEST(MetricsTest, HistogramIsCumulativeAndConsistent) {
  Metrics m;
  const std::vector<double> durations = {0.0001, 0.0007, 0.003, 0.003, 0.2, 3, 60};
  for (double d : durations) m.RecordRequest("/v1/inspect", 200, d);
  Exposition e = Parse(m.Render(1));

  std::vector<std::pair<double, double>> buckets;  // (le, count)
  for (const Sample& s : e.samples) {
    if (s.name != "leakguard_request_duration_seconds_bucket") continue;
    EXPECT_EQ(s.labels.at("path"), "/v1/inspect");
    const std::string le = s.labels.at("le");
    buckets.emplace_back(le == "+Inf" ? INFINITY : std::stod(le), s.value);
  }
  ASSERT_EQ(buckets.size(), Metrics::kDurationBuckets.size() + 1);
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_LT(buckets[i - 1].first, buckets[i].first);
    EXPECT_LE(buckets[i - 1].second, buckets[i].second);
  }
  EXPECT_TRUE(std::isinf(buckets.back().first));
  EXPECT_EQ(buckets.back().second, durations.size());
  EXPECT_EQ(e.Value("leakguard_request_duration_seconds_count", {{"path", "/v1/inspect"}}), durations.size());
  double sum = 0;
  for (double d : durations) sum += d;
  EXPECT_NEAR(e.Value("leakguard_request_duration_seconds_sum", {{"path", "/v1/inspect"}}), sum, 1e-6);
  // Bucket counts at some bounds.
  auto at = [&](double le) {
    for (auto [b, c] : buckets) {
      if (std::abs(b - le) < 1e-12) return c;
    }
    return -1.0;
  };
  EXPECT_EQ(at(0.0005), 1);
  EXPECT_EQ(at(0.001), 2);
  EXPECT_EQ(at(0.005), 4);
  EXPECT_EQ(at(0.25), 5);
  EXPECT_EQ(at(5), 6);
  EXPECT_EQ(at(10), 6);
  // No histogram series for paths without requests.
  EXPECT_TRUE(std::isnan(e.Value("leakguard_request_duration_seconds_count", {{"path", "/healthz"}})));
}

TEST(MetricsTest, PathLabelIsBounded) {
  EXPECT_EQ(Metrics::PathLabel("/v1/inspect"), "/v1/inspect");
  EXPECT_EQ(Metrics::PathLabel("/healthz"), "/healthz");
  EXPECT_EQ(Metrics::PathLabel("/metrics"), "/metrics");
  EXPECT_EQ(Metrics::PathLabel("/etc/passwd"), "other");
  EXPECT_EQ(Metrics::PathLabel(""), "other");
  EXPECT_EQ(Metrics::PathLabel("other"), "other");

  Metrics m;
  m.RecordRequest("/something/else", 404, 0);
  m.RecordRequest("/v1/inspect", 999, 0);  // out of range: counted as 500
  EXPECT_EQ(m.requests("other", 404), 1u);
  EXPECT_EQ(m.requests("/v1/inspect", 500), 1u);
  Parse(m.Render(0));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.AddFindings("WEIRD\"TYPE\\X\nY", 1);
  const std::string text = m.Render(0);
  EXPECT_NE(text.find(R"(leakguard_findings_total{type="WEIRD\"TYPE\\X\nY"} 1)"), std::string::npos) << text;
  Exposition e = Parse(text);
  EXPECT_EQ(e.Value("leakguard_findings_total", {{"type", R"(WEIRD\"TYPE\\X\nY)"}}), 1);
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.RecordRequest("/v1/inspect", 200, 0.001);
        m.AddInspectedBytes(10);
        m.AddFindings(i % 2 ? "A" : "TYPE_" + std::to_string(t), 1);
        if (i % 100 == 0) Parse(m.Render(1));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.requests("/v1/inspect", 200), 4000u);
  EXPECT_EQ(m.inspected_bytes(), 40000u);
  EXPECT_EQ(m.findings("A"), 2000u);
  EXPECT_EQ(m.findings("TYPE_3"), 500u);
}

}  // namespace
}  // namespace leakguard::server
