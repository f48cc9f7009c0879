#include <gtest/gtest.h>

#include <string>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Fixture;
using testing::RecordingEmitter;

TEST(PdfTest, TextPerPageAndProperties) {
  RecordingEmitter out;
  ExtractPdf(Fixture("payroll.pdf"), out, Limits{});
  auto p1 = out.TextOf("page 1");
  ASSERT_TRUE(p1) << out.Dump();
  EXPECT_NE(p1->find("Payroll page one"), std::string::npos) << *p1;
  EXPECT_NE(p1->find("SSN: 078-05-1120"), std::string::npos) << *p1;
  auto p2 = out.TextOf("page 2");
  ASSERT_TRUE(p2);
  EXPECT_NE(p2->find("card 4111 1111 1111 1111"), std::string::npos);
  EXPECT_EQ(out.TextOf("page 3"), std::nullopt);
  auto props = out.TextOf("properties");
  ASSERT_TRUE(props);
  EXPECT_NE(props->find("Title: Payroll export"), std::string::npos);
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(PdfTest, UserPasswordIsEncrypted) {
  RecordingEmitter out;
  ExtractPdf(Fixture("locked.pdf"), out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u) << out.Dump();
  EXPECT_EQ(out.reports[0].problem, Problem::kEncrypted);
  EXPECT_TRUE(out.texts.empty());
}

TEST(PdfTest, OwnerPasswordAloneDoesNotStopExtraction) {
  RecordingEmitter out;
  ExtractPdf(Fixture("owner_only.pdf"), out, Limits{});
  auto p1 = out.TextOf("page 1");
  ASSERT_TRUE(p1) << out.Dump();
  EXPECT_NE(p1->find("078-05-1120"), std::string::npos);
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(PdfTest, TruncatedIsUnreadableWithReason) {
  RecordingEmitter out;
  ExtractPdf(Fixture("truncated.pdf"), out, Limits{});
  ASSERT_TRUE(out.HasReport(Problem::kUnreadable)) << out.Dump();
  EXPECT_NE(out.reports[0].reason.find("truncated"), std::string::npos) << out.reports[0].reason;
}

TEST(PdfTest, GarbageIsUnreadable) {
  RecordingEmitter out;
  ExtractPdf("%PDF-1.7\nthis is not a pdf", out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u) << out.Dump();
  EXPECT_EQ(out.reports[0].problem, Problem::kUnreadable);
}

TEST(PdfTest, AttachmentsAreChildren) {
  RecordingEmitter out;
  ExtractPdf(Fixture("attachment.pdf"), out, Limits{});
  ASSERT_EQ(out.children.size(), 1u) << out.Dump();
  EXPECT_EQ(out.children[0].path, "attachment[1]:keys.txt");
  EXPECT_EQ(out.children[0].bytes, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n");
}

TEST(PdfTest, StopsBetweenPages) {
  RecordingEmitter out(/*stop_after=*/2);  // properties + page 1
  ExtractPdf(Fixture("payroll.pdf"), out, Limits{});
  EXPECT_EQ(out.TextOf("page 2"), std::nullopt) << out.Dump();
}

}  // namespace
}  // namespace leakguard::extract
