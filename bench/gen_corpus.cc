// gen_corpus — builds the benchmark corpus: real benign text with sparse, valid sensitive values.
//
//   gen_corpus --out FILE --bytes N [--every BYTES] [--seed S] [--manifest FILE] LIST...
//   gen_corpus --stdout --bytes N ...          (write to standard output instead of a file)
//   gen_corpus --values N [--seed S]           (print N injected lines only, for tests)
//
// Each LIST is a text file of paths (one per line, already sorted by the caller). The generator reads
// the files (gzip-compressed ones such as man pages are decompressed transparently by zlib), skips
// binary files (a NUL byte in the first 64 KiB), and interleaves the sources by bytes: the next file
// always comes from the source that has contributed the fewest bytes so far, so every source gets an
// equal share whatever its file sizes. When every list is used up it starts over.
//
// About every `--every` bytes (default 65536, +-25 % jitter) it inserts, at the next line boundary, one
// line holding one sensitive value with realistic context: a valid card number (issuer range + Luhn),
// a US SSN, an IBAN with correct mod-97 check digits, an e-mail address, a phone number, an AWS key
// pair, a GitHub token with its CRC32 checksum, a Slack or Stripe token, a PEM private key block, a
// JWT, an Indonesian NIK, an IPv4 address. Everything is drawn from a fixed-seed PRNG, so the same
// inputs always give the same bytes. The manifest lists how many values of each kind were injected.
//
// Built by bench/run.sh with `g++ -O2 -std=c++20 gen_corpus.cc -lz`; it does not link libleakguard.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sensitive_values.h"

namespace {

using namespace leakguard_bench;  // NOLINT: the generator is one small tool

// --- reading the sources --------------------------------------------------------------------------
bool ReadWhole(const std::string& path, std::string& out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return false;
  out.clear();
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  bool ok = n == 0;
  gzclose(f);
  return ok;
}

bool LooksBinary(std::string_view s) {
  return s.substr(0, std::min<std::size_t>(s.size(), 1 << 16)).find('\0') != std::string_view::npos;
}

struct Source {
  std::string list;
  std::vector<std::string> paths;
  std::size_t next = 0;
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
};

[[noreturn]] void Usage() {
  std::cerr << "usage: gen_corpus (--out FILE | --stdout) --bytes N [--every B] [--seed S] [--manifest FILE] "
               "LIST...\n       gen_corpus --values N [--seed S]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path, manifest_path;
  bool to_stdout = false;
  std::uint64_t target = 0, every = 65536, seed = 20240601, values = 0;
  std::vector<std::string> lists;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--out") {
      out_path = val();
    } else if (a == "--stdout") {
      to_stdout = true;
    } else if (a == "--bytes") {
      target = std::strtoull(val().c_str(), nullptr, 10);
    } else if (a == "--every") {
      every = std::strtoull(val().c_str(), nullptr, 10);
    } else if (a == "--seed") {
      seed = std::strtoull(val().c_str(), nullptr, 10);
    } else if (a == "--manifest") {
      manifest_path = val();
    } else if (a == "--values") {
      values = std::strtoull(val().c_str(), nullptr, 10);
    } else if (!a.empty() && a[0] == '-') {
      Usage();
    } else {
      lists.push_back(a);
    }
  }
  Rng rng(seed);
  if (values) {
    for (std::uint64_t i = 0; i < values; ++i) std::cout << MakeInjection(rng).text;
    return 0;
  }
  if ((out_path.empty() && !to_stdout) || target == 0 || lists.empty() || every < 1024) Usage();

  std::vector<Source> sources;
  for (const auto& l : lists) {
    std::ifstream in(l);
    Source s;
    s.list = l.substr(l.find_last_of('/') + 1);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) s.paths.push_back(line);
    }
    if (!s.paths.empty()) sources.push_back(std::move(s));
  }
  if (sources.empty()) {
    std::cerr << "gen_corpus: every list is empty\n";
    return 1;
  }

  std::FILE* out = to_stdout ? stdout : std::fopen(out_path.c_str(), "wb");
  if (!out) {
    std::perror(out_path.c_str());
    return 1;
  }
  std::map<std::string, std::uint64_t> injected;
  std::uint64_t written = 0, passes = 1;
  auto next_gap = [&] { return every - every / 4 + rng.Below(every / 2 + 1); };
  std::uint64_t next_inject = next_gap();
  std::string data;
  auto emit = [&](std::string_view s) {
    s = s.substr(0, std::min<std::uint64_t>(s.size(), target - written));
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), out) != s.size()) {
      std::perror("gen_corpus: write");
      std::exit(1);
    }
    written += s.size();
  };
  while (written < target) {
    // The source with the fewest bytes so far that still has files; start over when all are used up.
    Source* src = nullptr;
    for (auto& s : sources) {
      if (s.next < s.paths.size() && (!src || s.bytes < src->bytes)) src = &s;
    }
    if (!src) {
      for (auto& s : sources) s.next = 0;
      ++passes;
      continue;
    }
    const std::string& path = src->paths[src->next++];
    if (!ReadWhole(path, data) || data.empty() || LooksBinary(data)) continue;
    if (data.back() != '\n') data += '\n';
    src->bytes += data.size();
    ++src->files;
    std::string_view rest = data;
    while (!rest.empty() && written < target) {
      std::uint64_t room = next_inject > written ? next_inject - written : 0;
      if (room >= rest.size()) {
        emit(rest);
        break;
      }
      // Inject after the first line end at or past the injection point.
      std::size_t nl = rest.find('\n', static_cast<std::size_t>(room));
      if (nl == std::string_view::npos) {
        emit(rest);
        break;
      }
      emit(rest.substr(0, nl + 1));
      rest.remove_prefix(nl + 1);
      if (written >= target) break;
      Injection inj = MakeInjection(rng);
      if (written + inj.text.size() > target) break;  // no half value at the very end
      ++injected[inj.kind];
      if (inj.kind == "AWS_ACCESS_KEY_ID") ++injected["AWS_SECRET_ACCESS_KEY"];
      emit(inj.text);
      next_inject = written + next_gap();
    }
  }
  if (!to_stdout && std::fclose(out) != 0) {
    std::perror(out_path.c_str());
    return 1;
  }
  if (to_stdout) std::fflush(stdout);

  if (!manifest_path.empty()) {
    std::ofstream m(manifest_path);
    std::uint64_t total = 0;
    for (const auto& [k, v] : injected) total += v;
    m << "bytes\t" << written << "\npasses\t" << passes << "\nseed\t" << seed << "\nevery\t" << every << "\n";
    for (const auto& s : sources)
      m << "source\t" << s.list << "\t" << s.files << " files\t" << s.bytes << " bytes\n";
    m << "injected_total\t" << total << "\n";
    for (const auto& [k, v] : injected) m << "injected\t" << k << "\t" << v << "\n";
  }
  return 0;
}
