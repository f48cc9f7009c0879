// Hostile archives, generated in memory with libarchive's writer (nothing large is committed): a
// 42.zip-style nested bomb, a deep zip-in-zip chain and a gzip bomb. Extraction must stop at a limit
// with an EXTRACTION_LIMIT finding, quickly, with bounded work.

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "extract_test_support.h"

namespace leakguard::extract {
namespace {

la_ssize_t Append(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A zip (or, with raw_gzip, a gzip stream of the single member) of `members` (name, bytes).
std::string Write(const std::vector<std::pair<std::string, std::string>>& members, bool raw_gzip = false) {
  std::string out;
  archive* a = archive_write_new();
  if (raw_gzip) {
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_set_format_zip(a);
    archive_write_zip_set_compression_deflate(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, Append, nullptr);
  for (const auto& [name, bytes] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

const Finding* Limit(const testing::Inspected& r) {
  for (const Finding& f : r.findings)
    if (f.info_type == kExtractionLimitType) return &f;
  return nullptr;
}

TEST(Bombs, NestedZipBombStopsAtTheRatioLimit) {
  // 42.zip-style: 16 copies per level, 4 levels over 4 MiB of zeros: 256 GiB expanded.
  std::string level = Write({{"0.txt", std::string(4 << 20, '\0')}});
  for (int depth = 0; depth < 4; ++depth) {
    std::vector<std::pair<std::string, std::string>> copies;
    for (int i = 0; i < 16; ++i)
      copies.emplace_back("l" + std::to_string(depth) + "_" + std::to_string(i) + ".zip", level);
    level = Write(copies);
  }
  ASSERT_LT(level.size(), 1u << 20);
  auto start = std::chrono::steady_clock::now();
  testing::Inspected r = testing::InspectBytes(level, "42.zip");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.status.ok());
  const Finding* limit = Limit(r);
  ASSERT_NE(limit, nullptr);
  EXPECT_NE(limit->masked.find("expansion ratio"), std::string::npos) << limit->masked;
  Limits defaults;
  EXPECT_LT(r.stats.expanded_bytes, defaults.max_ratio_floor + (8u << 20));
  EXPECT_LT(seconds, 60.0);
}

TEST(Bombs, DeepZipChainStopsAtTheDepthLimit) {
  std::string level = Write({{"secret.txt", "card 4556 7375 8689 9855\n"}});
  for (int depth = 0; depth < 30; ++depth) level = Write({{"d" + std::to_string(depth) + ".zip", level}});
  testing::Inspected r = testing::InspectBytes(level, "deep.zip");
  EXPECT_TRUE(r.status.ok());
  const Finding* limit = Limit(r);
  ASSERT_NE(limit, nullptr) << r.Dump();
  EXPECT_NE(limit->masked.find("nested more than 10"), std::string::npos) << limit->masked;
  EXPECT_EQ(r.Count("CREDIT_CARD_NUMBER"), 0u);
}

TEST(Bombs, GzipBombIsStreamedAndStopped) {
  std::string gz = Write({{"data", std::string(256 << 20, '\0')}}, true);
  ASSERT_LT(gz.size(), 1u << 20);
  testing::Inspected r = testing::InspectBytes(gz, "bomb.gz");
  EXPECT_TRUE(r.status.ok());
  const Finding* limit = Limit(r);
  ASSERT_NE(limit, nullptr) << r.Dump() << gz.size() << " -> " << r.stats.expanded_bytes << " parts "
                            << r.stats.parts << " problems " << r.stats.problems;
  EXPECT_NE(limit->masked.find("expansion ratio"), std::string::npos) << limit->masked;
}

TEST(Bombs, ManySmallMembersStopAtThePartsLimit) {
  std::vector<std::pair<std::string, std::string>> members;
  for (int i = 0; i < 300; ++i) members.emplace_back("m" + std::to_string(i) + ".txt", "x");
  Limits limits;
  limits.max_parts = 100;
  testing::Inspected r = testing::InspectBytes(Write(members), "many.zip", limits);
  const Finding* limit = Limit(r);
  ASSERT_NE(limit, nullptr);
  EXPECT_NE(limit->masked.find("more than 100 parts"), std::string::npos) << limit->masked;
  EXPECT_LE(r.stats.parts, 100u);
}

}  // namespace
}  // namespace leakguard::extract
