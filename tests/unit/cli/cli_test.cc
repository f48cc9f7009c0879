#include "cli/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace leakguard::cli {
namespace {

namespace fs = std::filesystem;

// A custom catalog so these tests do not depend on the built-in one.
constexpr const char* kTestTypes = R"(infotypes:
  - id: EMPLOYEE_ID
    name: Employee id
    category: custom
    description: Internal employee number.
    patterns:
      - id: main
        regex: 'EMP-\d{6}'
        confidence: high
  - id: PROJECT_CODE
    name: Project code
    category: custom
    description: Code name of a secret project.
    patterns:
      - id: main
        regex: 'PRJ-[A-Z]{4}'
        confidence: low
)";

std::shared_ptr<const Engine> TestEngine() {
  static std::shared_ptr<const Engine> engine = [] {
    CompileOptions options;
    options.include_builtin = false;
    options.configs.push_back(ConfigSource{"test.yaml", kTestTypes});
    auto compiled = Engine::Compile(options);
    if (!compiled) {
      ADD_FAILURE() << compiled.error().ToString();
      return std::shared_ptr<const Engine>();
    }
    return *compiled;
  }();
  return engine;
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("leakguard_cli_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Path(const std::string& rel = "") const {
    return rel.empty() ? path_.string() : (path_ / rel).string();
  }
  std::string Write(const std::string& rel, const std::string& content) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary) << content;
    return Path(rel);
  }

 private:
  fs::path path_;
};

struct RunResult {
  int code;
  std::string out;
  std::string err;
};

RunResult Scan(ScanArgs args) {
  std::ostringstream out;
  std::ostringstream err;
  auto engine = TestEngine();
  if (!engine) return {-1, "", "no engine"};
  int code = RunScan(args, engine, out, err);
  return {code, out.str(), err.str()};
}

RunResult RunMain(std::vector<const char*> argv) {
  argv.insert(argv.begin(), "leakguard");
  std::ostringstream out;
  std::ostringstream err;
  int code = Main(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

std::vector<nlohmann::json> ParseLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// --- argument handling ---------------------------------------------------------------------------

TEST(Main, UnknownFlagIsExit2WithMessage) {
  RunResult r = RunMain({"scan", "--bogus", "x"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.err.rfind("leakguard: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
}

TEST(Main, BadEnumValues) {
  EXPECT_EQ(RunMain({"scan", "--format", "xml", "x"}).code, kExitError);
  EXPECT_EQ(RunMain({"scan", "--min-confidence", "certain", "x"}).code, kExitError);
  EXPECT_EQ(RunMain({"scan", "-j", "many", "x"}).code, kExitError);
  EXPECT_EQ(RunMain({"types", "--format", "yaml"}).code, kExitError);
}

TEST(Main, MissingPathsAndSubcommand) {
  RunResult no_paths = RunMain({"scan"});
  EXPECT_EQ(no_paths.code, kExitError);
  EXPECT_NE(no_paths.err.find("leakguard: error:"), std::string::npos);
  EXPECT_EQ(RunMain({}).code, kExitError);
  EXPECT_EQ(RunMain({"frobnicate"}).code, kExitError);
}

TEST(Main, VersionAndHelp) {
  RunResult v = RunMain({"version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out, "leakguard " + std::string(kVersion) + "\n");
  RunResult flag = RunMain({"--version"});
  EXPECT_EQ(flag.code, 0);
  EXPECT_NE(flag.out.find(std::string(kVersion)), std::string::npos);
  RunResult help = RunMain({"scan", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--min-confidence"), std::string::npos);
}

TEST(Main, BadListenAddress) {
  RunResult r = RunMain({"serve", "--listen", "localhost"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos);
}

TEST(Main, MissingConfigIsExit2) {
  RunResult r = RunMain({"scan", "--config", "/nonexistent/leakguard.yaml", "-"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_NE(r.err.find("/nonexistent/leakguard.yaml"), std::string::npos) << r.err;
}

TEST(Main, RepeatableOptionsTakeOneValueEach) {
  TempDir dir;
  std::string config = dir.Write("types.yaml", kTestTypes);
  std::string file = dir.Write("a.txt", "EMP-123456 PRJ-ABCD\n");
  std::string missing = dir.Path("missing.txt");
  // --config must not swallow the paths after it; --types takes a comma list and repeats.
  RunResult r = RunMain({"scan", "--no-builtin", "--format", "jsonl", "--min-confidence", "LOW", "--types",
                         "employee_id,PROJECT_CODE", "--types", "EMPLOYEE_ID", "--config", config.c_str(),
                         missing.c_str(), file.c_str()});
  EXPECT_EQ(r.code, kExitError) << r.err;
  EXPECT_NE(r.err.find("cannot read '" + missing + "'"), std::string::npos) << r.err;
  EXPECT_EQ(ParseLines(r.out).size(), 2u) << r.out;

  RunResult excluded = RunMain({"scan", "--no-builtin", "--config", config.c_str(), "--exclude", "*.log",
                                "--exclude", "a.txt", file.c_str()});
  EXPECT_EQ(excluded.code, kExitClean) << excluded.err;
}

TEST(ParseListen, Forms) {
  auto v4 = ParseListen("127.0.0.1:8080");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = ParseListen("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_FALSE(ParseListen("127.0.0.1").has_value());
  EXPECT_FALSE(ParseListen(":80").has_value());
  EXPECT_FALSE(ParseListen("host:99999").has_value());
  EXPECT_FALSE(ParseListen("host:8o").has_value());
  EXPECT_FALSE(ParseListen("::1:80").has_value());
}

// --- scanning ------------------------------------------------------------------------------------

TEST(RunScan, CleanFileExits0) {
  TempDir dir;
  ScanArgs args;
  args.paths = {dir.Write("clean.txt", "nothing to see here\n")};
  RunResult r = Scan(args);
  EXPECT_EQ(r.code, kExitClean) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("scanned 1 file"), std::string::npos) << r.err;
}

TEST(RunScan, TextFindingExits1) {
  TempDir dir;
  ScanArgs args;
  std::string path = dir.Write("a.txt", "first line\nid: EMP-123456 ok\n");
  args.paths = {path};
  RunResult r = Scan(args);
  EXPECT_EQ(r.code, kExitFindings) << r.err;
  EXPECT_NE(r.out.find(path + ":2:5: EMPLOYEE_ID (high) "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("EMP-123456"), std::string::npos) << "value must be masked: " << r.out;
}

TEST(RunScan, JsonlFieldsAndReveal) {
  TempDir dir;
  std::string path = dir.Write("a.txt", "id: EMP-123456\n");
  ScanArgs args;
  args.paths = {path};
  args.format = OutputFormat::kJsonl;
  RunResult r = Scan(args);
  ASSERT_EQ(r.code, kExitFindings) << r.err;
  auto lines = ParseLines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["path"], path);
  EXPECT_EQ(lines[0]["type"], "EMPLOYEE_ID");
  EXPECT_EQ(lines[0]["start"], 4);
  EXPECT_EQ(lines[0]["end"], 14);
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[0]["column"], 5);
  EXPECT_EQ(lines[0]["rule"], "EMPLOYEE_ID/main");
  EXPECT_FALSE(lines[0].contains("value"));
  EXPECT_EQ(r.out.find("EMP-123456"), std::string::npos);

  args.reveal = true;
  RunResult revealed = Scan(args);
  auto rl = ParseLines(revealed.out);
  ASSERT_EQ(rl.size(), 1u);
  EXPECT_EQ(rl[0]["value"], "EMP-123456");
}

TEST(RunScan, MatchAcrossChunkBoundaries) {
  TempDir dir;
  std::string path = dir.Write("a.txt", std::string(1000, 'x') + " EMP-654321 " + std::string(1000, 'y'));
  ScanArgs args;
  args.paths = {path};
  args.format = OutputFormat::kJsonl;
  args.chunk_size = 7;
  RunResult r = Scan(args);
  ASSERT_EQ(r.code, kExitFindings) << r.err;
  auto lines = ParseLines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["start"], 1001);
}

TEST(RunScan, TypesAndMinConfidenceFilter) {
  TempDir dir;
  std::string path = dir.Write("a.txt", "EMP-123456 and PRJ-ABCD\n");
  ScanArgs args;
  args.paths = {path};
  args.format = OutputFormat::kJsonl;
  args.min_confidence = Confidence::kLow;
  EXPECT_EQ(ParseLines(Scan(args).out).size(), 2u);
  args.types = {"PROJECT_CODE"};
  auto only = ParseLines(Scan(args).out);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["type"], "PROJECT_CODE");
  args.types.clear();
  args.min_confidence = Confidence::kMedium;  // PRJ is low: dropped
  auto medium = ParseLines(Scan(args).out);
  ASSERT_EQ(medium.size(), 1u);
  EXPECT_EQ(medium[0]["type"], "EMPLOYEE_ID");
}

TEST(RunScan, UnknownTypeIsExit2) {
  TempDir dir;
  ScanArgs args;
  args.paths = {dir.Write("a.txt", "x")};
  args.types = {"NO_SUCH_TYPE"};
  RunResult r = Scan(args);
  EXPECT_EQ(r.code, kExitError);
  EXPECT_NE(r.err.find("leakguard: error: unknown info type 'NO_SUCH_TYPE'"), std::string::npos) << r.err;
}

TEST(RunScan, ErrorWinsOverFindings) {
  TempDir dir;
  ScanArgs args;
  args.paths = {dir.Path("missing.txt"), dir.Write("a.txt", "EMP-123456\n")};
  args.format = OutputFormat::kJsonl;
  RunResult r = Scan(args);
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(ParseLines(r.out).size(), 1u);
  EXPECT_NE(r.err.find("leakguard: error: cannot read '" + dir.Path("missing.txt") + "'"), std::string::npos);
}

TEST(RunScan, ParallelOutputIsDeterministicAndGroupedByFile) {
  TempDir dir;
  for (int i = 0; i < 60; ++i) {
    std::string content;
    for (int k = 0; k < 1 + i % 4; ++k) content += "line EMP-" + std::to_string(100000 + i * 10 + k) + "\n";
    content += std::string(static_cast<std::size_t>(i) * 997, 'z');
    char name[32];
    std::snprintf(name, sizeof name, "d%d/f%02d.txt", i % 3, i);
    dir.Write(name, content);
  }
  ScanArgs args;
  args.paths = {dir.Path()};
  args.format = OutputFormat::kJsonl;
  args.jobs = 1;
  RunResult serial = Scan(args);
  args.jobs = 4;
  args.chunk_size = 512;
  RunResult parallel = Scan(args);
  ASSERT_EQ(serial.code, kExitFindings);
  ASSERT_EQ(parallel.code, kExitFindings);
  EXPECT_EQ(serial.out, parallel.out);
  auto lines = ParseLines(parallel.out);
  EXPECT_EQ(lines.size(), 60u / 4 * (1 + 2 + 3 + 4));
  // Sorted paths; within a file increasing offsets.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string a = lines[i - 1]["path"], b = lines[i]["path"];
    ASSERT_LE(a, b);
    if (a == b) {
      EXPECT_LT(lines[i - 1]["start"].get<int>(), lines[i]["start"].get<int>());
    }
  }
}

TEST(RunScan, Stdin) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string input = "stdin has EMP-111222\n";
  ASSERT_EQ(::write(fds[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(fds[1]);
  ScanArgs args;
  args.paths = {"-"};
  args.stdin_fd = fds[0];
  args.format = OutputFormat::kJsonl;
  RunResult r = Scan(args);
  ::close(fds[0]);
  ASSERT_EQ(r.code, kExitFindings) << r.err;
  auto lines = ParseLines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["path"], "-");
  ScanArgs twice;
  twice.paths = {"-", "-"};
  EXPECT_EQ(Scan(twice).code, kExitError);
}

TEST(RunScan, JsonAndSarifDocuments) {
  TempDir dir;
  std::string path = dir.Write("a b.txt", "EMP-123456\n");
  ScanArgs args;
  args.paths = {path};
  args.format = OutputFormat::kJson;
  RunResult json = Scan(args);
  ASSERT_EQ(json.code, kExitFindings);
  EXPECT_EQ(json.err, "");  // machine formats: nothing on stderr when it is not a terminal
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["summary"]["files"], 1);
  EXPECT_EQ(doc["summary"]["by_type"]["EMPLOYEE_ID"], 1);

  args.format = OutputFormat::kSarif;
  RunResult sarif = Scan(args);
  auto log = nlohmann::json::parse(sarif.out);
  const auto& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["id"], "EMPLOYEE_ID");
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["fullDescription"]["text"], "Internal employee number.");
  EXPECT_EQ(run["results"][0]["level"], "error");
  std::string uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
  EXPECT_NE(uri.find("a%20b.txt"), std::string::npos);
  EXPECT_EQ(sarif.out.find("EMP-123456"), std::string::npos);
}

TEST(RunScan, ExcludeAndQuiet) {
  TempDir dir;
  dir.Write("keep/a.txt", "EMP-123456\n");
  dir.Write("skip/b.txt", "EMP-123457\n");
  ScanArgs args;
  args.paths = {dir.Path()};
  args.format = OutputFormat::kJsonl;
  args.excludes = {"skip"};
  args.quiet = true;
  RunResult r = Scan(args);
  EXPECT_EQ(ParseLines(r.out).size(), 1u);
  EXPECT_EQ(r.err, "");
}

// --- types ---------------------------------------------------------------------------------------

TEST(RunTypes, ListAndDetail) {
  auto engine = TestEngine();
  ASSERT_TRUE(engine);
  std::ostringstream out, err;
  ASSERT_EQ(RunTypes(TypesArgs{}, *engine, out, err), 0);
  std::string list = out.str();
  EXPECT_EQ(list.rfind("ID ", 0), 0u);
  EXPECT_NE(list.find("EMPLOYEE_ID   custom    Employee id"), std::string::npos) << list;

  std::ostringstream detail;
  TypesArgs one;
  one.id = "EMPLOYEE_ID";
  ASSERT_EQ(RunTypes(one, *engine, detail, err), 0);
  EXPECT_NE(detail.str().find("Internal employee number."), std::string::npos);

  std::ostringstream json;
  one.json = true;
  ASSERT_EQ(RunTypes(one, *engine, json, err), 0);
  EXPECT_EQ(nlohmann::json::parse(json.str())["category"], "custom");

  std::ostringstream unknown_err;
  one.id = "NOPE";
  EXPECT_EQ(RunTypes(one, *engine, out, unknown_err), kExitError);
  EXPECT_NE(unknown_err.str().find("unknown info type 'NOPE'"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::cli
