// Type sniffing cost (docs/PERFORMANCE.md, "Sniffing"): for each file named on stdin (one path per
// line), its first 64 KiB are sniffed with libmagic's whole database, as the dispatcher did before,
// and with extract::SniffMimeType; prints the mean time per content of each and every file whose
// dispatcher kind differs between the two (there should be none).
//
//   cmake --build build/release --target leakguard_sniff_perf
//   find /usr/share/doc -type f | build/release/bench/leakguard_sniff_perf
#include <magic.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "extract/dispatcher.h"
#include "extract/extract.h"

using leakguard::extract::Classify;
using leakguard::extract::KindName;
using leakguard::extract::SniffMimeType;

int main() {
  magic_t whole = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
  if (whole == nullptr || magic_load(whole, nullptr) != 0) {
    std::fprintf(stderr, "libmagic: cannot load its database\n");
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> heads;  // path, first 64 KiB
  std::string path;
  while (std::getline(std::cin, path)) {
    std::ifstream f(path, std::ios::binary);
    if (!f) continue;
    std::string head(64 << 10, '\0');
    f.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(f.gcount()));
    if (!head.empty()) heads.emplace_back(path, std::move(head));
  }
  if (heads.empty()) {
    std::fprintf(stderr, "no readable, non-empty file named on stdin\n");
    return 2;
  }
  (void)SniffMimeType("warm up");
  using Clock = std::chrono::steady_clock;
  double whole_us = 0, sniff_us = 0;
  int differences = 0;
  for (const auto& [name, head] : heads) {
    const auto t0 = Clock::now();
    const char* type = magic_buffer(whole, head.data(), head.size());
    const auto t1 = Clock::now();
    const std::string sniffed = SniffMimeType(head);
    const auto t2 = Clock::now();
    whole_us += std::chrono::duration<double, std::micro>(t1 - t0).count();
    sniff_us += std::chrono::duration<double, std::micro>(t2 - t1).count();
    const std::string before = type != nullptr ? type : "application/octet-stream";
    const auto kind_before = Classify(before, head), kind_now = Classify(sniffed, head);
    if (kind_before != kind_now) {
      ++differences;
      std::printf("differs: %s: %s (%s) -> %s (%s)\n", name.c_str(), before.c_str(),
                  std::string(KindName(kind_before)).c_str(), sniffed.c_str(),
                  std::string(KindName(kind_now)).c_str());
    }
  }
  const double n = static_cast<double>(heads.size());
  std::printf(
      "%zu contents: libmagic's whole database %.0f us each, SniffMimeType %.0f us each; %d kinds differ\n",
      heads.size(), whole_us / n, sniff_us / n, differences);
  magic_close(whole);
  return differences == 0 ? 0 : 1;
}
