// Microbenchmarks of the scanning core: Scanner::ScanBlock and the stream API on benign and on dense
// text, and Engine::Compile of the built-in catalog. Built as leakguard_microbench (bench/CMakeLists.txt):
//
//   build/release/bench/leakguard_microbench --benchmark_filter=Scan
//
// Benign text is real text read from the machine (/usr/share/common-licenses and the libstdc++
// headers, as in bench/run.sh's corpus), repeated to 8 MB; when none is found a built-in paragraph is
// used. Dense text has one sensitive line (bench/sensitive_values.h) after about every 256 bytes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "detect/compiled_catalog.h"
#include "leakguard/engine.h"
#include "sensitive_values.h"

namespace {

constexpr std::size_t kBenignBytes = 8u << 20;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Real text from the machine, repeated to `bytes` bytes.
const std::string& BenignText() {
  static const std::string text = [] {
    std::vector<std::filesystem::path> files;
    for (const char* dir : {"/usr/share/common-licenses", "/usr/include/c++/12/bits"}) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::string seed;
    for (const auto& f : files) {
      std::string t = ReadFile(f);
      if (t.find('\0') == std::string::npos) seed += t;
      if (seed.size() >= kBenignBytes) break;
    }
    if (seed.empty()) {
      seed =
          "The licensor grants you a worldwide, royalty-free, non-exclusive license to use, copy, modify\n"
          "and distribute the work, provided that the notices above are kept in every copy of the work.\n";
    }
    std::string out;
    out.reserve(kBenignBytes + seed.size());
    while (out.size() < kBenignBytes) out += seed;
    out.resize(kBenignBytes);
    return out;
  }();
  return text;
}

// Benign text with a sensitive line inserted after the first line end past every `every` bytes.
std::string WithValues(std::size_t every) {
  const std::string& base = BenignText();
  leakguard_bench::Rng rng(7);
  std::string out;
  out.reserve(base.size() + base.size() / every * 80);
  std::size_t pos = 0;
  while (pos < base.size()) {
    std::size_t nl = base.find('\n', std::min(base.size(), pos + every));
    std::size_t end = nl == std::string::npos ? base.size() : nl + 1;
    out.append(base, pos, end - pos);
    pos = end;
    if (pos < base.size()) out += leakguard_bench::MakeInjection(rng).text;
  }
  return out;
}

const std::shared_ptr<const leakguard::Engine>& TheEngine() {
  static const std::shared_ptr<const leakguard::Engine> engine = [] {
    auto e = leakguard::Engine::Compile({});
    if (!e) {
      std::fprintf(stderr, "leakguard_microbench: %s\n", e.error().ToString().c_str());
      std::abort();
    }
    return *e;
  }();
  return engine;
}

void ScanBlock(benchmark::State& state, const std::string& text) {
  leakguard::Scanner scanner(TheEngine());
  std::size_t findings = 0;
  for (auto _ : state) {
    auto r = scanner.ScanBlock(text);
    if (!r) state.SkipWithError("ScanBlock failed");
    findings = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["findings"] = static_cast<double>(findings);
}

void BM_ScanBlockBenign(benchmark::State& state) { ScanBlock(state, BenignText()); }
BENCHMARK(BM_ScanBlockBenign)->Unit(benchmark::kMillisecond);

void BM_ScanBlockSparse64K(benchmark::State& state) {  // the density of bench/run.sh's corpus
  static const std::string text = WithValues(64 << 10);
  ScanBlock(state, text);
}
BENCHMARK(BM_ScanBlockSparse64K)->Unit(benchmark::kMillisecond);

void BM_ScanBlockDense(benchmark::State& state) {
  static const std::string text = WithValues(256);
  ScanBlock(state, text);
}
BENCHMARK(BM_ScanBlockDense)->Unit(benchmark::kMillisecond);

// The stream API as `leakguard scan -` and the channels use it, in chunks of range(0) bytes.
void BM_StreamSparse64K(benchmark::State& state) {
  static const std::string text = WithValues(64 << 10);
  const auto chunk = static_cast<std::size_t>(state.range(0));
  leakguard::Scanner scanner(TheEngine());
  std::size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    if (!scanner.Open({}, [&findings](leakguard::Finding&&) { ++findings; }).ok())
      state.SkipWithError("Open");
    for (std::size_t at = 0; at < text.size(); at += chunk) {
      if (!scanner.Write(std::string_view(text).substr(at, chunk)).ok()) state.SkipWithError("Write");
    }
    if (!scanner.Close().ok()) state.SkipWithError("Close");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_StreamSparse64K)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// Small inputs: the fixed cost of a scan (an e-mail body, a form field).
void BM_ScanBlockSmall(benchmark::State& state) {
  static const std::string dense = WithValues(256);
  const std::string text = dense.substr(0, static_cast<std::size_t>(state.range(0)));
  ScanBlock(state, text);
}
BENCHMARK(BM_ScanBlockSmall)->Arg(256)->Arg(4 << 10);

// The engine's Vectorscan databases alone, with a callback that only counts: the floor under ScanBlock.
int CountMatch(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<std::size_t*>(ctx);
  return 0;
}

void ScanDatabase(benchmark::State& state, const hs_database_t* db) {
  const std::string& text = BenignText();
  if (db == nullptr) {
    state.SkipWithError("no such database in this catalog");
    return;
  }
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  std::size_t matches = 0;
  for (auto _ : state) {
    matches = 0;
    hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, CountMatch, &matches);
  }
  hs_free_scratch(scratch);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["matches"] = static_cast<double>(matches);
}

void BM_VectorscanLiteralDbBenign(benchmark::State& state) {
  ScanDatabase(state, TheEngine()->catalog().literal_db());
}
BENCHMARK(BM_VectorscanLiteralDbBenign)->Unit(benchmark::kMillisecond);

// The numeric tokens the digits patterns are confirmed in (byte_scan.h), with the engine's rules.
void BM_NumericTokensBenign(benchmark::State& state) {
  const std::string& text = BenignText();
  std::vector<leakguard::detect::NumericToken> tokens;
  for (auto _ : state) {
    tokens.clear();
    leakguard::detect::FindNumericTokens(text.data(), text.size(), TheEngine()->catalog().numeric_rules(),
                                         tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens.size());
}
BENCHMARK(BM_NumericTokensBenign)->Unit(benchmark::kMillisecond);

void BM_EngineCompileBuiltin(benchmark::State& state) {
  for (auto _ : state) {
    auto e = leakguard::Engine::Compile({});
    if (!e) state.SkipWithError("Compile failed");
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_EngineCompileBuiltin)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
