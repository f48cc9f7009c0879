// leakguard_pattern_cost — where does Vectorscan's time go? Ranks the catalog's patterns by the time a
// Vectorscan database holding only that pattern takes to scan a file, and times the engine's own
// combined literal database and the numeric tokenizer on the same bytes.
//
//   build/release/bench/leakguard_pattern_cost FILE [--bytes N] [--top N] [--config YAML]...
//
// Each pattern's regex is compiled alone as the engine would (HS_FLAG_MULTILINE, caseless when the
// pattern says so, prefilter mode when Vectorscan cannot compile it exactly) and scanned over the whole
// input with a callback that only counts matches. "hits" is how many candidates the engine would have
// to confirm with PCRE2 for that pattern. The combined literal database is scanned over the whole input
// too (digits patterns are confirmed only inside numeric tokens, so their lines are an upper bound).
// Single-thread, wall-clock; run it on a quiet machine.
#include <hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "detect/compiled_catalog.h"
#include "leakguard/engine.h"

namespace {

int CountMatch(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<std::size_t*>(ctx);
  return 0;
}

int CountById(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto& counts = *static_cast<std::vector<std::size_t>*>(ctx);
  if (id >= counts.size()) counts.resize(id + 1);
  ++counts[id];
  return 0;
}

// Which entries of the engine's literal database fire most: patterns, keywords or context words.
void LiteralHistogram(const leakguard::detect::CompiledCatalog& catalog, const std::string& text,
                      std::size_t top) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(catalog.literal_db(), &scratch) != HS_SUCCESS) return;
  std::vector<std::size_t> counts;
  hs_scan(catalog.literal_db(), text.data(), static_cast<unsigned>(text.size()), 0, scratch, CountById,
          &counts);
  hs_free_scratch(scratch);
  std::size_t by_kind[3] = {0, 0, 0};
  std::vector<std::pair<std::size_t, std::string>> rows;
  const auto& entries = catalog.literal_entries();
  for (std::size_t id = 0; id < counts.size() && id < entries.size(); ++id) {
    if (counts[id] == 0) continue;
    const auto& e = entries[id];
    std::string name;
    switch (e.kind) {
      case leakguard::detect::LiteralEntry::Kind::kPattern:
        by_kind[0] += counts[id];
        name = "pattern " + catalog.patterns()[e.index].rule;
        break;
      case leakguard::detect::LiteralEntry::Kind::kKeyword:
        by_kind[1] += counts[id];
        name = "keyword of " + catalog.patterns()[e.index].rule;
        break;
      case leakguard::detect::LiteralEntry::Kind::kWord:
        by_kind[2] += counts[id];
        name = "word '" + catalog.words()[e.index] + "'";
        break;
    }
    rows.emplace_back(counts[id], name);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::printf("literal database matches by kind: patterns %zu, keywords %zu, context/exclusion words %zu\n",
              by_kind[0], by_kind[1], by_kind[2]);
  for (std::size_t i = 0; i < std::min(top, rows.size()); ++i)
    std::printf("%10zu  %s\n", rows[i].first, rows[i].second.c_str());
}

// Seconds to scan `text` with `db` (best of `runs`), and the number of matches reported.
double ScanSeconds(const hs_database_t* db, const std::string& text, std::size_t* hits, int runs = 1) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return -1;
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    *hits = 0;
    auto t0 = std::chrono::steady_clock::now();
    hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, CountMatch, hits);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  hs_free_scratch(scratch);
  return best;
}

struct Row {
  double seconds;
  std::size_t hits;
  std::string rule;
  std::string trigger;
  bool prefilter;
};

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::size_t max_bytes = 64u << 20, top = 40;
  std::vector<std::string> configs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bytes" && i + 1 < argc) {
      max_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--top" && i + 1 < argc) {
      top = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--config" && i + 1 < argc) {
      configs.emplace_back(argv[++i]);
    } else if (path.empty() && a[0] != '-') {
      path = a;
    } else {
      std::fprintf(stderr, "usage: %s FILE [--bytes N] [--top N] [--config YAML]...\n", argv[0]);
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: %s FILE [--bytes N] [--top N] [--config YAML]...\n", argv[0]);
    return 2;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::perror(path.c_str());
    return 1;
  }
  std::string text(max_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes));
  text.resize(static_cast<std::size_t>(in.gcount()));
  const double mb = static_cast<double>(text.size()) / 1e6;

  auto engine = leakguard::Engine::CompileFiles(configs);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().ToString().c_str());
    return 1;
  }
  const auto& catalog = (*engine)->catalog();
  std::printf("input: %s, %zu bytes; %zu info types, %zu patterns\n", path.c_str(), text.size(),
              (*engine)->types().size(), catalog.patterns().size());

  std::size_t hits = 0;
  if (catalog.literal_db() != nullptr) {
    double s = ScanSeconds(catalog.literal_db(), text, &hits, 2);
    std::printf("engine literal database: %8.1f ms  %8.1f MB/s  %9zu matches\n", s * 1e3, mb / s, hits);
    LiteralHistogram(catalog, text, top / 2);
  }
  {
    std::vector<leakguard::detect::NumericToken> tokens;
    auto t0 = std::chrono::steady_clock::now();
    leakguard::detect::FindNumericTokens(text.data(), text.size(), catalog.numeric_rules(), tokens);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "engine numeric tokens:   %8.1f ms  %8.1f MB/s  %9zu tokens (digits patterns are confirmed "
        "only in these)\n",
        s * 1e3, mb / s, tokens.size());
  }

  std::vector<Row> rows;
  for (const auto& p : catalog.patterns()) {
    if (p.spec == nullptr || p.spec->regex.empty()) continue;  // keyword lists: literals only
    unsigned flags = HS_FLAG_MULTILINE | (p.spec->case_insensitive ? HS_FLAG_CASELESS : 0u);
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    bool prefilter = false;
    if (hs_compile(p.spec->regex.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      err = nullptr;
      prefilter = true;
      if (hs_compile(p.spec->regex.c_str(), flags | HS_FLAG_PREFILTER, HS_MODE_BLOCK, nullptr, &db, &err) !=
          HS_SUCCESS) {
        std::printf("  (not compilable alone: %s: %s)\n", p.rule.c_str(), err ? err->message : "?");
        hs_free_compile_error(err);
        continue;
      }
    }
    double s = ScanSeconds(db, text, &hits);
    hs_free_database(db);
    rows.push_back(
        {s, hits, p.rule, std::string(leakguard::detect::TriggerName(p.spec->trigger)), prefilter});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  double sum = 0;
  for (const auto& r : rows) sum += r.seconds;
  std::printf("\n%zu patterns compiled alone: %.1f ms in all; the %zu slowest:\n", rows.size(), sum * 1e3,
              std::min(top, rows.size()));
  std::printf("%10s %10s %10s  %-8s %s\n", "ms", "MB/s", "hits", "trigger", "rule");
  for (std::size_t i = 0; i < std::min(top, rows.size()); ++i) {
    const Row& r = rows[i];
    std::printf("%10.1f %10.1f %10zu  %-8s %s%s\n", r.seconds * 1e3, mb / r.seconds, r.hits,
                r.trigger.c_str(), r.rule.c_str(), r.prefilter ? "  (prefilter)" : "");
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.hits > b.hits; });
  std::printf("\nthe %zu patterns with the most Vectorscan matches (candidates for PCRE2):\n",
              std::min(top / 2, rows.size()));
  for (std::size_t i = 0; i < std::min(top / 2, rows.size()); ++i) {
    const Row& r = rows[i];
    std::printf("%10zu  %-8s %s%s\n", r.hits, r.trigger.c_str(), r.rule.c_str(),
                r.prefilter ? "  (prefilter)" : "");
  }
  return 0;
}
