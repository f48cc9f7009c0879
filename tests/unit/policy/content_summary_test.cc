// Content -> FindingsSummary through extraction, the engine and classification (policy/content_summary.h).
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include "classify/classify.h"
#include "policy/content_summary.h"
#include "test_support.h"

namespace leakguard::policy {
namespace {

// A zip in memory with the given members (stored, no compression).
std::string Zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, data] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string Docx(const std::string& body, const std::string& custom_xml) {
  std::vector<std::pair<std::string, std::string>> m = {
      {"[Content_Types].xml",
       R"(<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)"},
      {"_rels/.rels",
       R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>)"},
      {"word/document.xml",
       R"(<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>)" +
           body + "</w:t></w:r></w:p></w:body></w:document>"}};
  if (!custom_xml.empty()) m.push_back({"docProps/custom.xml", custom_xml});
  return Zip(m);
}

class ContentSummaryTest : public ::testing::Test {
 protected:
  ContentSummaryTest() : classifier_({}, classify::TypeCatalog::Builtin()) {
    options_.classifier = &classifier_;
  }
  classify::Classifier classifier_;
  ContentOptions options_;
};

TEST_F(ContentSummaryTest, CountsFindingsAndClassifies) {
  ASSERT_TRUE(leakguard::testing::BuiltinEngine());
  ContentInspector inspector(leakguard::testing::BuiltinEngine());
  std::vector<Finding> seen;
  FindingSink also = [&](Finding&& f) { seen.push_back(std::move(f)); };
  auto s = inspector.InspectBuffer("CONFIDENTIAL\ncard 4556 7375 8689 9855 and NIK: 3404021011880001\n", "",
                                   options_, &also);
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_NE(s->Find("CREDIT_CARD_NUMBER"), nullptr);
  EXPECT_EQ(s->Find("CREDIT_CARD_NUMBER")->samples[0], "4556 **** **** 9855");
  ASSERT_NE(s->Find("INDONESIA_NIK"), nullptr);
  EXPECT_EQ(s->label, Label::kRestricted);
  EXPECT_EQ(s->markings, std::vector<std::string>{"CONFIDENTIAL"});
  EXPECT_TRUE(s->complete);
  EXPECT_EQ(seen.size(), s->Total());
  for (const auto& t : s->types)
    for (const auto& sample : t.samples) EXPECT_EQ(sample.find("4556 7375"), std::string::npos);
}

TEST_F(ContentSummaryTest, OfficeSensitivityLabelOfATopLevelDocument) {
  ContentInspector inspector(leakguard::testing::BuiltinEngine());
  const std::string custom =
      R"(<?xml version="1.0"?><Properties xmlns:vt="v"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="MSIP_Label_1234_Enabled"><vt:lpwstr>true</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="MSIP_Label_1234_Name"><vt:lpwstr>Highly Confidential</vt:lpwstr></property></Properties>)";
  auto s = inspector.InspectBuffer(Docx("quarterly plan", custom), "plan.docx", options_);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->markings, std::vector<std::string>{"msip:Highly Confidential"});
  EXPECT_EQ(s->label, Label::kRestricted);
  auto plain = inspector.InspectBuffer(Docx("quarterly plan", ""), "plan.docx", options_);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->markings.empty());
  EXPECT_EQ(plain->label, Label::kPublic);
}

TEST_F(ContentSummaryTest, LimitsMakeTheSummaryIncomplete) {
  ContentInspector inspector(leakguard::testing::BuiltinEngine());
  options_.limits.max_depth = 0;
  auto s = inspector.InspectBuffer(Zip({{"a.txt", "card 4556 7375 8689 9855"}}), "a.zip", options_);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_FALSE(s->complete);
  EXPECT_TRUE(s->incomplete_reason.starts_with("EXTRACTION_LIMIT: ")) << s->incomplete_reason;
}

TEST_F(ContentSummaryTest, BuilderForCallersWithTheirOwnInspector) {
  SummaryBuilder b(&classifier_);
  ASSERT_NE(b.observer(), nullptr);
  Finding f;
  f.info_type = "UNREADABLE_CONTENT";
  f.confidence = Confidence::kHigh;
  f.masked = "truncated zip";
  f.part = "x.zip";
  b.Add(f);
  b.AddMarking("msip:General");
  FindingsSummary s = b.Finish();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.incomplete_reason, "UNREADABLE_CONTENT: truncated zip (at x.zip)");
  EXPECT_EQ(s.label, Label::kInternal);
  SummaryBuilder none(nullptr);
  EXPECT_EQ(none.observer(), nullptr);
  EXPECT_EQ(none.Finish().label, Label::kPublic);
}

}  // namespace
}  // namespace leakguard::policy
