#include <gtest/gtest.h>

#include <string>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Fixture;
using testing::RecordingEmitter;

TEST(OdfTest, OdtParagraphsSpacesTabsHeadersAndMeta) {
  RecordingEmitter out;
  ExtractOdf(Fixture("letter.odt"), out, Limits{});
  auto doc = out.TextOf("document");
  ASSERT_TRUE(doc) << out.Dump();
  EXPECT_EQ(*doc,
            "Customer letter\nDear Ren\xC3\xA9"
            "e,\nyour SSN 078-05-1120\tis on file.\n"
            "Card 4111 1111 1111 1111\niban\nDE89 3704 0044 0532 0130 00");
  auto headers = out.TextOf("headers");
  ASSERT_TRUE(headers) << out.Dump();
  EXPECT_EQ(*headers, "Header: RESTRICTED\nFooter page");
  auto props = out.TextOf("properties");
  ASSERT_TRUE(props);
  EXPECT_NE(props->find("Letter to customer"), std::string::npos);
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(OdfTest, OdsCellsCountRepeatsAndUseTheHeaderRowAsContext) {
  RecordingEmitter out;
  ExtractOdf(Fixture("customers.ods"), out, Limits{});
  // Two empty rows, then the header row (row 3): name in A, NIK in D (B and C repeated empties).
  const auto* nik = out.Find("Kunden!D4");
  ASSERT_NE(nik, nullptr) << out.Dump();
  EXPECT_EQ(nik->text, "3171234567890123");
  EXPECT_EQ(nik->context, std::vector<std::string>{"NIK"});
  const auto* card = out.Find("Kunden!E4");
  ASSERT_NE(card, nullptr) << out.Dump();
  EXPECT_EQ(card->text, "4111111111111111") << "office:value, not the displayed 4.11111E+15";
  EXPECT_EQ(card->context, std::vector<std::string>{"card_number"});
  const auto* header = out.Find("Kunden!A3");
  ASSERT_NE(header, nullptr);
  EXPECT_TRUE(header->context.empty());
  // Second sheet: a repeated string cell is reported for every column it covers.
  EXPECT_NE(out.Find("Zwei!A1"), nullptr) << out.Dump();
  EXPECT_NE(out.Find("Zwei!B1"), nullptr);
  EXPECT_NE(out.Find("Zwei!D1"), nullptr);
  EXPECT_EQ(out.Find("Zwei!E1"), nullptr);
  // 1,048,570 repeated empty rows of 1024 cells cost nothing and produce nothing.
  EXPECT_EQ(out.texts.size(), 6u + 4u) << out.Dump();
}

TEST(OdfTest, OdpSlidesAndNotes) {
  RecordingEmitter out;
  ExtractOdf(Fixture("deck.odp"), out, Limits{});
  auto s1 = out.TextOf("slide 1");
  ASSERT_TRUE(s1) << out.Dump();
  EXPECT_EQ(*s1, "Title slide");
  auto s2 = out.TextOf("slide 2");
  ASSERT_TRUE(s2);
  EXPECT_EQ(*s2, "Card 4111 1111 1111 1111");
  auto n2 = out.TextOf("notes 2");
  ASSERT_TRUE(n2) << out.Dump();
  EXPECT_EQ(*n2, "Note: SSN 078-05-1120");
}

TEST(OdfTest, EncryptedDocumentIsReportedAndNotParsed) {
  RecordingEmitter out;
  ExtractOdf(Fixture("encrypted.odt"), out, Limits{});
  ASSERT_FALSE(out.reports.empty());
  EXPECT_EQ(out.reports[0].problem, Problem::kEncrypted) << out.Dump();
  EXPECT_TRUE(out.texts.empty()) << out.Dump();
  EXPECT_FALSE(out.HasReport(Problem::kUnreadable)) << "the encrypted content.xml is not parsed";
}

TEST(OdfTest, RepeatedCellCopiesAreCapped) {
  // Two rows, each one string cell repeated over 1024 columns and the row repeated 1000 times: 2M
  // cells if every copy were reported. 256 x 256 per row are kept, 100,000 in all, then a limit.
  std::string row =
      "<table:table-row table:number-rows-repeated=\"1000\"><table:table-cell office:value-type=\"string\" "
      "table:number-columns-repeated=\"1024\"><text:p>078-05-1120</text:p></table:table-cell></"
      "table:table-row>";
  std::string content =
      "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>"
      "<table:table table:name=\"R\">" +
      row + row + "</table:table></office:spreadsheet></office:body></office:document-content>";
  std::string ods = testing::Zip(
      {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", content}});
  RecordingEmitter out;
  ExtractOdf(ods, out, Limits{});
  EXPECT_EQ(out.texts.size(), 2u + 100000u);  // the two original cells and 100,000 copies
  ASSERT_TRUE(out.HasReport(Problem::kLimit)) << out.reports.size();
  EXPECT_NE(out.Find("R!A1"), nullptr);
  EXPECT_NE(out.Find("R!IV256"), nullptr);  // column 256, row 256 of the first run
}

TEST(OdfTest, EmptyRowAndCellElementsCountOnce) {
  std::string content =
      "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>"
      "<table:table table:name=\"E\"><table:table-row table:number-rows-repeated=\"3\"/>"
      "<table:table-row><table:table-cell table:number-columns-repeated=\"2\"/><table:table-cell/>"
      "<table:table-cell "
      "office:value-type=\"string\"><text:p>here</text:p></table:table-cell></table:table-row>"
      "</table:table></office:spreadsheet></office:body></office:document-content>";
  std::string ods = testing::Zip(
      {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", content}});
  RecordingEmitter out;
  ExtractOdf(ods, out, Limits{});
  ASSERT_EQ(out.texts.size(), 1u) << out.Dump();
  EXPECT_EQ(out.texts[0].path, "E!D4");
}

TEST(OdfTest, CorruptZipIsUnreadable) {
  std::string odt = Fixture("letter.odt");
  RecordingEmitter out;
  ExtractOdf(odt.substr(0, odt.size() - 30), out, Limits{});
  EXPECT_TRUE(out.HasReport(Problem::kUnreadable)) << out.Dump();
}

}  // namespace
}  // namespace leakguard::extract
