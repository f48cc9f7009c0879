#include <gtest/gtest.h>

#include <string>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Docx;
using testing::Fixture;
using testing::RecordingEmitter;

TEST(OoxmlTest, DocxBodyHeadersFootersCommentsAndProperties) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("report.docx"), out, Limits{});
  auto doc = out.TextOf("document");
  ASSERT_TRUE(doc) << out.Dump();
  EXPECT_NE(doc->find("Customer review\nContact: Ren\xC3\xA9"
                      "e Dupont, SSN 078-05-1120.\n"),
            std::string::npos)
      << *doc;
  EXPECT_NE(doc->find("Card 4111 1111 1111 1111"), std::string::npos) << "runs of one paragraph are joined";
  EXPECT_NE(doc->find("iban\tDE89 3704 0044 0532 0130 00"), std::string::npos) << "table cells side by side";
  auto header = out.TextOf("header1");
  ASSERT_TRUE(header) << out.Dump();
  EXPECT_EQ(*header, "CONFIDENTIAL header text");
  auto footer = out.TextOf("footer1");
  ASSERT_TRUE(footer) << out.Dump();
  EXPECT_EQ(*footer, "Footer: internal use");
  auto comments = out.TextOf("comments");
  ASSERT_TRUE(comments) << out.Dump();
  EXPECT_EQ(*comments, "Comment: check passport X1234567");
  auto footnotes = out.TextOf("footnotes");
  ASSERT_TRUE(footnotes) << out.Dump();
  EXPECT_EQ(*footnotes, "Footnote: account 12345678");
  auto props = out.TextOf("properties");
  ASSERT_TRUE(props) << out.Dump();
  EXPECT_NE(props->find("Quarterly customer review"), std::string::npos);
  EXPECT_NE(props->find("Finance Team"), std::string::npos);
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(OoxmlTest, DocxEmbeddedFilesAreChildrenPicturesAreNot) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("report.docx"), out, Limits{});
  ASSERT_EQ(out.children.size(), 1u) << out.Dump();
  EXPECT_EQ(out.children[0].path, "word/embeddings/Microsoft_Excel_Worksheet.xlsx");
  EXPECT_EQ(out.children[0].bytes, Fixture("customers.xlsx"));
}

TEST(OoxmlTest, XlsxCellsAreNamedBySheetAndReferenceWithTheColumnHeaderAsContext) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("customers.xlsx"), out, Limits{});
  EXPECT_GT(out.pieced_calls, 0u) << "cells are sent as pieced parts";
  const auto* ssn = out.Find("Customers!B2");
  ASSERT_NE(ssn, nullptr) << out.Dump();
  EXPECT_EQ(ssn->text, "078-05-1120");
  EXPECT_EQ(ssn->context, std::vector<std::string>{"ssn"});
  const auto* card = out.Find("Customers!C3");
  ASSERT_NE(card, nullptr) << out.Dump();
  EXPECT_EQ(card->text, "5555555555554444");
  EXPECT_EQ(card->context, std::vector<std::string>{"card_number"});
  const auto* name = out.Find("Customers!A2");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->text,
            "Ren\xC3\xA9"
            "e Dupont");
  const auto* balance = out.Find("Customers!D2");
  ASSERT_NE(balance, nullptr);
  EXPECT_EQ(balance->text, "1234.5");
  EXPECT_EQ(balance->context, std::vector<std::string>{"balance"});
  const auto* header = out.Find("Customers!B1");
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->text, "ssn");
  EXPECT_TRUE(header->context.empty()) << "a header cell is not its own context";
  // Second sheet: the sheet name comes from workbook.xml, '&' decoded.
  const auto* note = out.Find("Notes & more!B4");
  ASSERT_NE(note, nullptr) << out.Dump();
  EXPECT_EQ(note->text, "42");
  EXPECT_EQ(note->context, std::vector<std::string>{"no header row here except this"});
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(OoxmlTest, XlsxInlineStringsExponentNumbersBooleansAndAbsoluteTargets) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("inline.xlsx"), out, Limits{});
  const auto* iban = out.Find("Raw!A5");
  ASSERT_NE(iban, nullptr) << out.Dump();
  EXPECT_EQ(iban->text, "DE89 3704 0044 0532 0130 00");
  EXPECT_EQ(iban->context, std::vector<std::string>{"iban"});
  const auto* card = out.Find("Raw!C5");
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->text, "4111111111111111") << "whole numbers in exponent form are written out";
  EXPECT_EQ(card->context, std::vector<std::string>{"card_no"})
      << "rich-text runs of an inline string joined";
  const auto* flag = out.Find("Raw!B5");
  ASSERT_NE(flag, nullptr);
  EXPECT_EQ(flag->text, "TRUE");
  EXPECT_EQ(out.Find("Raw!D5"), nullptr) << "error cells carry no data";
}

TEST(OoxmlTest, SheetNamesWithCharacterReferences) {
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
  std::string xlsx = testing::Zip(
      {{"[Content_Types].xml", "<Types/>"},
       {"_rels/.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"" +
            rel +
            "officeDocument\" Target=\"xl/workbook.xml\"/>"
            "</Relationships>"},
       {"xl/workbook.xml", "<workbook xmlns:r=\"" + rel.substr(0, rel.size() - 1) +
                               "\"><sheets><sheet name=\"A&amp;B &#233;&#x4A; &lt;x&gt;\" r:id=\"rId1\"/>"
                               "</sheets></workbook>"},
       {"xl/_rels/workbook.xml.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
        "Id=\"rId1\" "
        "Type=\"" +
            rel + "worksheet\" Target=\"worksheets/s.xml\"/></Relationships>"},
       {"xl/worksheets/s.xml",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>x&amp;y</t></is>"
        "</c></row></sheetData></worksheet>"}});
  RecordingEmitter out;
  ExtractOoxml(xlsx, out, Limits{});
  const auto* cell = out.Find("A&B \xC3\xA9J <x>!A1");
  ASSERT_NE(cell, nullptr) << out.Dump();
  EXPECT_EQ(cell->text, "x&y");
}

TEST(OoxmlTest, PptxSlidesInPresentationOrderWithNotes) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("deck.pptx"), out, Limits{});
  auto first = out.TextOf("slide 1");
  ASSERT_TRUE(first) << out.Dump();
  EXPECT_EQ(*first, "Agenda\nQ3 numbers");
  auto second = out.TextOf("slide 2");
  ASSERT_TRUE(second) << out.Dump();
  EXPECT_EQ(*second, "Second slide: card 4111 1111 1111 1111\nOwner: Bob");
  auto notes = out.TextOf("notes 2");
  ASSERT_TRUE(notes) << out.Dump();
  EXPECT_EQ(*notes, "Speaker note: SSN 078-05-1120");
}

TEST(OoxmlTest, EncryptedOfficeFileIsReported) {
  RecordingEmitter out;
  ExtractOoxml(Fixture("encrypted.docx"), out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u) << out.Dump();
  EXPECT_EQ(out.reports[0].problem, Problem::kEncrypted);
  EXPECT_TRUE(out.texts.empty());
}

TEST(OoxmlTest, OleFileWithoutEncryptedPackageIsUnreadableNotEncrypted) {
  std::string ole = Fixture("encrypted.docx");
  // Rename the directory entry "EncryptedPackage" -> "EncryptedPackagf".
  std::u16string name = u"EncryptedPackage";
  std::string utf16;
  for (char16_t c : name) utf16 += {static_cast<char>(c & 0xFF), static_cast<char>(c >> 8)};
  auto at = ole.find(utf16);
  ASSERT_NE(at, std::string::npos);
  ole[at + utf16.size() - 2] = 'f';
  RecordingEmitter out;
  ExtractOoxml(ole, out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u) << out.Dump();
  EXPECT_EQ(out.reports[0].problem, Problem::kUnreadable);
}

TEST(OoxmlTest, TruncatedPackageIsUnreadable) {
  std::string docx = Fixture("report.docx");
  RecordingEmitter out;
  ExtractOoxml(docx.substr(0, docx.size() / 2), out, Limits{});
  EXPECT_TRUE(out.HasReport(Problem::kUnreadable)) << out.Dump();
}

TEST(OoxmlTest, SmallBufferLimitIsReportedForLargeMembers) {
  Limits limits;
  limits.max_buffered_bytes = 1024;
  RecordingEmitter out;
  ExtractOoxml(Fixture("report.docx"), out, limits);
  EXPECT_TRUE(out.HasReport(Problem::kLimit)) << out.Dump();
}

TEST(OoxmlTest, StopsWhenTheEmitterStops) {
  RecordingEmitter out(/*stop_after=*/1);
  ExtractOoxml(Fixture("customers.xlsx"), out, Limits{});
  // One pieced column may deliver several pieces, but no further column or sheet is read.
  EXPECT_LT(out.texts.size(), 5u) << out.Dump();
}

constexpr char kW[] = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

TEST(OoxmlTest, Utf16PartsAreDecoded) {
  std::string xml = std::string("<?xml version=\"1.0\" encoding=\"UTF-16\"?><w:document ") + kW +
                    "><w:body><w:p><w:r><w:t>caf\xC3\xA9 078-05-1120</w:t></w:r></w:p></w:body></w:document>";
  // UTF-8 -> UTF-16LE with a byte order mark (the test text is BMP only).
  std::string utf16 = "\xFF\xFE";
  for (std::size_t i = 0; i < xml.size();) {
    auto c = static_cast<unsigned char>(xml[i]);
    std::uint32_t cp = c;
    if (c >= 0xC0) {
      cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(xml[i + 1]) & 0x3F);
      i += 2;
    } else {
      i += 1;
    }
    utf16.push_back(static_cast<char>(cp & 0xFF));
    utf16.push_back(static_cast<char>(cp >> 8));
  }
  RecordingEmitter out;
  ExtractOoxml(Docx(utf16), out, Limits{});
  auto doc = out.TextOf("document");
  ASSERT_TRUE(doc) << out.Dump();
  EXPECT_EQ(*doc, "caf\xC3\xA9 078-05-1120");
}

TEST(OoxmlTest, EntityExpansionBombIsRefused) {
  // Billion laughs: ten levels of ten references each would be 10^10 'a's if expanded.
  std::string dtd = "<!DOCTYPE w:document [<!ENTITY l0 \"aaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&l" + std::to_string(i - 1) + ";";
    dtd += "\">";
  }
  std::string xml = dtd + "]><w:document " + kW +
                    "><w:body><w:p><w:r><w:t>before &l9; after</w:t></w:r></w:p></w:body></w:document>";
  RecordingEmitter out;
  ExtractOoxml(Docx(xml), out, Limits{});
  EXPECT_LT(out.AllText().size(), 1000u) << "entity expanded";
  EXPECT_TRUE(out.HasReport(Problem::kUnreadable)) << out.Dump();
}

TEST(OoxmlTest, ExternalEntitiesAreNotFetched) {
  std::string xml =
      std::string("<!DOCTYPE w:document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><w:document ") + kW +
      "><w:body><w:p><w:r><w:t>before &xxe; after</w:t></w:r></w:p></w:body></w:document>";
  RecordingEmitter out;
  ExtractOoxml(Docx(xml), out, Limits{});
  std::string all = out.AllText();
  EXPECT_NE(all.find("before"), std::string::npos) << out.Dump();
  EXPECT_NE(all.find("after"), std::string::npos) << out.Dump();
  EXPECT_EQ(all.find("root:"), std::string::npos) << "external entity fetched";
}

TEST(OoxmlTest, PackagesWithTooManyMembersAreCapped) {
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("[Content_Types].xml", "<Types/>");
  for (int i = 0; i < 70000; ++i) files.emplace_back("x/" + std::to_string(i), "");
  RecordingEmitter out;
  ExtractOoxml(testing::Zip(files), out, Limits{});
  EXPECT_TRUE(out.HasReport(Problem::kLimit)) << out.Dump();
}

TEST(OoxmlTest, ZipBombMemberStopsAtTheExpansionBudget) {
  // 16 MiB of empty paragraphs deflate to a few KiB; no text comes out, so only the member budget
  // (ratio limit) can stop the decompression.
  std::string xml = std::string("<w:document ") + kW + "><w:body>";
  std::string filler;
  for (int i = 0; i < (16 << 20) / 6; ++i) filler += "<w:p/>";
  xml += filler + "<w:p><w:r><w:t>tail</w:t></w:r></w:p></w:body></w:document>";
  std::string docx = Docx(xml);
  ASSERT_LT(docx.size(), 200000u);
  Limits limits;
  limits.max_ratio = 10;
  limits.max_ratio_floor = 1 << 20;
  RecordingEmitter out;
  ExtractOoxml(docx, out, limits);
  ASSERT_TRUE(out.HasReport(Problem::kLimit)) << out.Dump();
  EXPECT_EQ(out.AllText().find("tail"), std::string::npos);
  // With the default limits the same document is read to the end.
  RecordingEmitter full;
  ExtractOoxml(docx, full, Limits{});
  EXPECT_NE(full.AllText().find("tail"), std::string::npos) << full.Dump();
}

}  // namespace
}  // namespace leakguard::extract
