// Incidents written per second by IncidentStore::Record, per backend, with 1, 2 and 4 writer threads,
// plus CPU time (this process, and the PostgreSQL server processes) per incident, because the
// benchmark machines are shared and wall-clock rates alone mislead.
//
//   leakguard_incident_store_bench [--seconds S] [--evidence BYTES] URL...
//   bench/incident_store_bench.sh   (starts a loopback PostgreSQL, runs SQLite and PostgreSQL)
//
// Every Record is durable when it returns (SQLite: WAL fsync; PostgreSQL: COMMIT), so this measures
// the commit path, not an in-memory queue.

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "incident/store.h"

namespace {

using leakguard::incident::IncidentStore;
using namespace leakguard;

double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of every process named "postgres" (the server and its backends), in seconds.
double PostgresCpuSeconds() {
  double total = 0;
  long tick = ::sysconf(_SC_CLK_TCK);
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (line.substr(open + 1, close - open - 1) != "postgres") continue;
    // Fields after the comm: state(3) ... utime(14) stime(15).
    std::vector<std::string> f;
    std::size_t pos = close + 2;
    while (pos < line.size() && f.size() < 13) {
      auto sp = line.find(' ', pos);
      f.push_back(line.substr(pos, sp - pos));
      pos = sp == std::string::npos ? line.size() : sp + 1;
    }
    if (f.size() >= 13) total += (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(tick);
  }
  ::closedir(d);
  return total;
}

incident::TransferRecord Sample(int i, bool evidence) {
  incident::TransferRecord r;
  r.transfer.channel = Channel::kMail;
  r.transfer.identity.user = "user" + std::to_string(i % 50) + "@corp.example";
  Destination d;
  d.address = "x" + std::to_string(i) + "@gmail.com";
  d.host = "gmail.com";
  r.transfer.destinations.push_back(d);
  r.transfer.name = "report.xlsx";
  TypeSummary t;
  t.type = "CREDIT_CARD_NUMBER";
  t.count_high = 3;
  t.samples = {"4111 **** **** 1111", "5500 **** **** 0004"};
  r.summary.types.push_back(t);
  r.summary.label = Label::kRestricted;
  r.verdict.action = Action::kBlock;
  r.verdict.severity = Severity::kHigh;
  r.verdict.keep_evidence = evidence;
  RuleMatch m;
  m.rule = "pci/cards-to-personal-mail";
  m.action = Action::kBlock;
  m.severity = Severity::kHigh;
  m.reason = "CREDIT_CARD_NUMBER x3 (high) to gmail.com (external)";
  r.verdict.matched.push_back(m);
  return r;
}

void Run(const std::string& url, int threads, double seconds, std::size_t evidence_bytes,
         const std::optional<incident::EvidencePublicKey>& key) {
  incident::StoreOptions opt;
  opt.evidence_key = key;
  opt.evidence_max_bytes = 64ull << 20;
  auto store = IncidentStore::Open(url, opt);
  if (!store) {
    std::fprintf(stderr, "cannot open %s: %s\n", url.c_str(), store.error().ToString().c_str());
    std::exit(2);
  }
  std::string content(evidence_bytes, 'x');
  for (std::size_t i = 0; i < content.size(); i += 61) content[i] = static_cast<char>('a' + i % 26);
  std::atomic<bool> stop{false};
  std::atomic<long> done{0}, failed{0};
  const bool pg = (*store)->dialect() == "postgresql";
  const double cpu0 = CpuSeconds(), pg0 = pg ? PostgresCpuSeconds() : 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = t * 10'000'000; !stop; ++i) {
        auto src = incident::EvidenceFromMemory(content);
        auto r = (*store)->Record(Sample(i, evidence_bytes > 0), evidence_bytes > 0 ? &src : nullptr);
        (r ? done : failed)++;
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0, pgcpu = pg ? PostgresCpuSeconds() - pg0 : 0;
  const long n = done.load();
  std::printf(
      "%-10s threads=%d evidence=%-7zu incidents=%-6ld failed=%ld  %8.0f incidents/s  client CPU %.3f "
      "ms/incident",
      std::string((*store)->dialect()).c_str(), threads, evidence_bytes, n, failed.load(), n / wall,
      n ? cpu * 1000 / n : 0.0);
  if (pg) std::printf("  server CPU %.3f ms/incident", n ? pgcpu * 1000 / n : 0.0);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::size_t evidence = 65536;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (a == "--evidence" && i + 1 < argc)
      evidence = static_cast<std::size_t>(std::atoll(argv[++i]));
    else
      urls.push_back(a);
  }
  if (urls.empty()) {
    std::fprintf(stderr, "usage: %s [--seconds S] [--evidence BYTES] URL...\n", argv[0]);
    return 2;
  }
  char dir[] = "/tmp/leakguard-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 2;
  std::string prefix = std::string(dir) + "/resp";
  std::optional<incident::EvidencePublicKey> key;
  if (incident::WriteNewEvidenceKeys(prefix).ok()) key = *incident::LoadEvidencePublicKey(prefix + ".pub");
  for (const auto& url : urls) {
    Run(url, 1, seconds, 0, key);
    Run(url, 2, seconds, 0, key);
    Run(url, 4, seconds, 0, key);  // group commit: writers share a flush
    if (evidence > 0) Run(url, 1, seconds, evidence, key);
  }
  std::remove((prefix + ".pub").c_str());
  std::remove((prefix + ".key").c_str());
  ::rmdir(dir);
  return 0;
}
