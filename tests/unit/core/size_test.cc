#include "core/size.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

TEST(ParseByteSize, UnitsAndErrors) {
  EXPECT_EQ(ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(ParseByteSize("64KiB"), 64u << 10);
  EXPECT_EQ(ParseByteSize(" 16 MiB "), 16u << 20);
  EXPECT_EQ(ParseByteSize("2g"), 2ull << 30);
  EXPECT_EQ(ParseByteSize("2GB"), 2'000'000'000ull);
  EXPECT_EQ(ParseByteSize("512k"), 512u << 10);
  EXPECT_EQ(ParseByteSize("7B"), 7u);
  EXPECT_FALSE(ParseByteSize(""));
  EXPECT_FALSE(ParseByteSize("MiB"));
  EXPECT_FALSE(ParseByteSize("-1"));
  EXPECT_FALSE(ParseByteSize("10 parsecs"));
  EXPECT_FALSE(ParseByteSize("99999999999999999999"));
  EXPECT_FALSE(ParseByteSize("20000000000GiB"));
}

}  // namespace
}  // namespace leakguard
