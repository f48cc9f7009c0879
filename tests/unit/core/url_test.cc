#include "core/url.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

TEST(Form, DecodeEncodeParse) {
  EXPECT_EQ(FormDecode("4111+1111%201111%2B1111"), "4111 1111 1111+1111");
  EXPECT_EQ(FormDecode("100%"), "100%");
  EXPECT_EQ(FormDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(FormDecode("%41"), "A");
  EXPECT_EQ(FormEncode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(FormDecode(FormEncode("x y+z%")), "x y+z%");
  auto f = ParseForm("incident=INC-1&reason=needed+for+audit&&flag");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1].first, "reason");
  EXPECT_EQ(f[1].second, "needed for audit");
  EXPECT_EQ(f[2].first, "flag");
  EXPECT_EQ(f[2].second, "");
}

}  // namespace
}  // namespace leakguard
