// The evidence vault's cryptography and key files, without a store.

#include "incident/evidence.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "unit/incident/store_test_support.h"

namespace leakguard::incident {
namespace {

using testing::TempDir;

TEST(EvidenceKeys, KeygenWritesAPublicAndAnOwnerOnlySecretKeyAndRefusesToOverwrite) {
  TempDir dir;
  ASSERT_TRUE(WriteNewEvidenceKeys(dir / "r").ok());
  struct stat sb {};
  ASSERT_EQ(::stat((dir / "r.key").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  auto pub = LoadEvidencePublicKey(dir / "r.pub");
  auto sec = LoadEvidenceSecretKey(dir / "r.key");
  ASSERT_TRUE(pub && sec);
  EXPECT_EQ(pub->bytes, sec->public_bytes);
  Status again = WriteNewEvidenceKeys(dir / "r");
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("refusing to overwrite"), std::string::npos);
  // Swapped files and loose permissions are refused.
  EXPECT_EQ(LoadEvidencePublicKey(dir / "r.key").error().code(), StatusCode::kParseError);
  ::chmod((dir / "r.key").c_str(), 0644);
  EXPECT_EQ(LoadEvidenceSecretKey(dir / "r.key").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadEvidencePublicKey(dir / "missing.pub").error().code(), StatusCode::kNotFound);
}

TEST(EvidenceCrypto, ChunksRoundTripAndTamperingIsDetected) {
  TempDir dir;
  ASSERT_TRUE(WriteNewEvidenceKeys(dir / "r").ok());
  auto pub = *LoadEvidencePublicKey(dir / "r.pub");
  auto sec = *LoadEvidenceSecretKey(dir / "r.key");
  auto sealer = EvidenceSealer::Start(pub, "EV-1\nINC-1");
  ASSERT_TRUE(sealer);
  std::vector<std::string> chunks = {sealer->Push("first ", false), sealer->Push("second ", false),
                                     sealer->Push("last", true)};
  EXPECT_EQ(chunks[0].find("first"), std::string::npos);

  auto open = [&](const std::string& ad, std::vector<std::string> cs) -> Result<std::string> {
    auto opener = EvidenceOpener::Start(sec, sealer->sealed_key(), sealer->header(), ad);
    if (!opener) return Unexpected(opener.error());
    std::string out;
    bool last = false;
    for (const auto& c : cs) {
      auto p = opener->Pull(c, &last);
      if (!p) return Unexpected(p.error());
      out += *p;
    }
    if (!last) return Unexpected(Status::InvalidArgument("incomplete"));
    return out;
  };
  EXPECT_EQ(open("EV-1\nINC-1", chunks).value_or("?"), "first second last");
  EXPECT_FALSE(open("EV-2\nINC-1", chunks));                             // other evidence's id
  EXPECT_FALSE(open("EV-1\nINC-1", {chunks[1], chunks[0], chunks[2]}));  // reordered
  EXPECT_FALSE(open("EV-1\nINC-1", {chunks[0], chunks[1]}));             // end cut off
  auto flipped = chunks;
  flipped[1][3] ^= 1;
  EXPECT_FALSE(open("EV-1\nINC-1", flipped));

  ASSERT_TRUE(WriteNewEvidenceKeys(dir / "other").ok());
  auto wrong = *LoadEvidenceSecretKey(dir / "other.key");
  auto refused = EvidenceOpener::Start(wrong, sealer->sealed_key(), sealer->header(), "EV-1\nINC-1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("wrong key"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::incident
