// The dispatcher and the formats it owns (text, HTML, XML, JSON, CSV/TSV, archives, encoded runs),
// end to end through the built-in engine: text found, part names, offsets, problems.

#include "extract/extract.h"

#include <gtest/gtest.h>
#include <magic.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "extract/dispatcher.h"
#include "extract/encoded.h"
#include "extract/text.h"
#include "extract_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Inspected;
using testing::InspectFixture;
using testing::ReadExtractFixture;

constexpr std::string_view kCard = "CREDIT_CARD_NUMBER";
constexpr std::string_view kSsn = "US_SOCIAL_SECURITY_NUMBER";

TEST(ExtractText, PlainUtf8KeepsInputOffsets) {
  std::string bytes = ReadExtractFixture("notes.txt");
  Inspected r = testing::InspectBytes(bytes, "");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  const Finding* f = r.Find(kCard, "");
  ASSERT_NE(f, nullptr) << r.Dump();
  EXPECT_EQ(f->start, bytes.find("4556"));
  EXPECT_EQ(f->line, 2u);
}

TEST(ExtractText, Utf16AndLatin1AreConverted) {
  for (const char* name : {"notes_utf16.txt", "notes_latin1.txt"}) {
    Inspected r = InspectFixture(name);
    ASSERT_NE(r.Find(kCard, name), nullptr) << name << "\n" << r.Dump();
  }
  EXPECT_EQ(DetectEncoding(std::string("a\0b\0c\0d\0e\0f\0g\0h\0", 16), true), Encoding::kUtf16Le);
  EXPECT_EQ(DetectEncoding(std::string("\0a\0b\0c\0d\0e\0f\0g\0h", 16), true), Encoding::kUtf16Be);
  EXPECT_EQ(DetectEncoding("Caf\xe9 cr\xe8me", true), Encoding::kLatin1);
  EXPECT_EQ(DetectEncoding("Caf\xc3\xa9", true), Encoding::kBytes);
  EXPECT_EQ(ToUtf8("Caf\xe9"), "Caf\xc3\xa9");
  // A surrogate pair split across chunks.
  TextDecoder d(Encoding::kUtf16Le);
  std::string out;
  d.Decode(std::string("\x3d\xd8\x00", 3), out);
  d.Decode(std::string("\xde", 1), out);
  d.Finish(out);
  EXPECT_EQ(out, "\xf0\x9f\x98\x80");
}

TEST(ExtractCsv, CellsNamedAndHeaderIsContext) {
  Inspected r = InspectFixture("customers.csv");
  // The compact SSN is low confidence on its own; the column header "ssn" makes it medium.
  const Finding* ssn = r.Find(kSsn, "customers.csv!B2");
  ASSERT_NE(ssn, nullptr) << r.Dump();
  EXPECT_EQ(ssn->start, 0u);
  EXPECT_EQ(ssn->end, 9u);
  EXPECT_EQ(ssn->evidence.context_word, "ssn");
  EXPECT_EQ(ssn->evidence.context_distance, 0);
  EXPECT_NE(r.Find(kSsn, "customers.csv!B3"), nullptr) << r.Dump();
  const Finding* card = r.Find(kCard, "customers.csv!C2");
  ASSERT_NE(card, nullptr) << r.Dump();
  EXPECT_EQ(card->start, 0u);
  EXPECT_EQ(card->line, 1u);
  EXPECT_EQ(card->column, 1u);
  EXPECT_NE(r.Find(kCard, "customers.csv!C3"), nullptr) << r.Dump();
  EXPECT_NE(r.Find("INDONESIA_NIK", "customers.csv!D2"), nullptr) << r.Dump();
}

TEST(ExtractCsv, TabSeparated) {
  Inspected r = InspectFixture("customers.tsv");
  EXPECT_NE(r.Find(kSsn, "customers.tsv!B2"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kSsn, "customers.tsv!B3"), nullptr) << r.Dump();
}

TEST(ExtractJson, ValuesWithKeyPaths) {
  Inspected r = InspectFixture("data.json");
  EXPECT_NE(r.Find("IBAN_CODE", "data.json!$.customers[0].iban"), nullptr) << r.Dump();
  const Finding* ssn = r.Find(kSsn, "data.json!$.customers[0].ssn");
  ASSERT_NE(ssn, nullptr) << r.Dump();
  EXPECT_EQ(ssn->evidence.context_distance, 0);
  EXPECT_NE(r.Find(kCard, "data.json!$.customers[1].card.number"), nullptr) << r.Dump();
}

TEST(ExtractXml, TextAndAttributes) {
  Inspected r = InspectFixture("data.xml");
  EXPECT_NE(r.Find(kSsn, "data.xml!/customers/customer/ssn"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "data.xml!/customers/customer/card/@number"), nullptr) << r.Dump();
}

TEST(ExtractXml, EntitiesAreNotExpanded) {
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string("<!ENTITY ") + c + " \"";
    for (int i = 0; i < 10; ++i) bomb += std::string("&") + static_cast<char>(c - 1) + ";";
    bomb += "\">";
  }
  bomb += "]><l>&k; <x file=\"/etc/passwd\">card 4556 7375 8689 9855</x></l>";
  Inspected r = testing::InspectBytes(bomb, "bomb.xml");
  EXPECT_TRUE(r.status.ok());
  EXPECT_LT(r.stats.expanded_bytes, 1u << 20);
  EXPECT_EQ(r.Count(kCard), 1u) << r.Dump();
}

TEST(ExtractHtml, TextAndAttributesWithEntitiesDecoded) {
  Inspected r = InspectFixture("page.html");
  EXPECT_NE(r.Find("IBAN_CODE", "page.html"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "page.html"), nullptr) << r.Dump();
}

TEST(ExtractEncoded, Base64AndPercentRunsAreChildParts) {
  std::string bytes = ReadExtractFixture("paste.txt");
  Inspected r = testing::InspectBytes(bytes, "paste.txt");
  // The decoded run is itself a CSV: its cells are parts of their own.
  const std::string b64 = "paste.txt/base64@" + std::to_string(bytes.find("bmFt"));
  EXPECT_NE(r.Find(kSsn, b64 + "!B2"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, b64 + "!C3"), nullptr) << r.Dump();
  EXPECT_EQ(r.Count(kCard), 3u) << r.Dump();  // two in the base64 list, one percent-encoded
  const std::string pct = "paste.txt/percent@" + std::to_string(bytes.find("https://"));
  EXPECT_NE(r.Find(kCard, pct), nullptr) << r.Dump();
}

TEST(ExtractEncoded, Decoders) {
  EXPECT_EQ(DecodeBase64Lenient("aGVsbG8g\nd29ybGQ="), "hello world");
  EXPECT_EQ(DecodeBase64Lenient("PDw_Pz4-"), "<<??>>");
  EXPECT_EQ(DecodeHex("48656c6c6f"), "Hello");
  EXPECT_EQ(DecodePercent("a%20b%2Fc+d%zz"), "a b/c d%zz");
  EXPECT_EQ(DecodeEntities("&#52;&#x31;&amp;&lt;&bogus;&#99999999999;"), "41&<&bogus;&#99999999999;");
  EXPECT_TRUE(LooksInspectable("plain text here"));
  EXPECT_FALSE(LooksInspectable(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)));
  EXPECT_TRUE(LooksInspectable(std::string("PK\x03\x04\x00\x00", 6)));
}

TEST(ExtractEncoded, HashesAndIdentifiersAreNotDecoded) {
  std::string text =
      "\"integrity\": \"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR"
      "BiFd1w5LrFBLig==\"\nsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
      "this_is_a_rather_long_identifier_name_without_digits\n";
  Inspected r = testing::InspectBytes(text, "lock.json");
  EXPECT_EQ(r.stats.parts, 1u) << r.Dump();
}

TEST(ExtractEncoded, TenThousandRunsAreBounded) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    // base64 of "card 4556 7375 8689 9855 #<i>"
    std::string plain = "card 4556 7375 8689 9855 #" + std::to_string(i);
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string enc;
    unsigned val = 0;
    int bits = -6;
    for (unsigned char c : plain) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        enc += kAlphabet[(val >> bits) & 0x3F];
        bits -= 6;
      }
    }
    if (bits > -6) enc += kAlphabet[((val << 8) >> (bits + 8)) & 0x3F];
    while (enc.size() % 4) enc += '=';
    text += "row " + enc + "\n";
  }
  Limits limits;
  Inspected r = testing::InspectBytes(text, "runs.txt", limits);
  EXPECT_EQ(r.Count(kCard), limits.max_decoded_runs) << r.stats.parts;
  const Finding* limit = r.Find(kExtractionLimitType, "runs.txt");
  ASSERT_NE(limit, nullptr);
  EXPECT_NE(limit->masked.find("encoded runs"), std::string::npos) << limit->masked;
  EXPECT_EQ(limit->confidence, Confidence::kHigh);
}

// The finder skips ordinary text 16 bytes at a time and steps byte by byte only through candidate
// runs and tokens; fed in chunks of any size it must report exactly the same runs.
TEST(ExtractEncoded, SameRunsInAnyChunkSize) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "plain words here ",
      "x=1; ",
      "/usr/include/boost/math/special_functions/detail/bessel_i0.hpp ",
      "bmFtZSxzc24sY2FyZApBbGljZSwxMjMtNDUtNjc4OSw0NTU2NzM3NTg2ODk5ODU1Cg== ",
      "TG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQsIGNvbnNlY3RldHVyIGFkaXBpc2Npbmcg\nZWxpdCwgc2VkIGRvIGVpdXNtb2Qg\n",
      "48656c6c6f20776f726c642c2074686973206973206865782074657874 ",
      "q=card%204556%207375%208689%209855 ",
      "&#52;&#53;&#53;&#54; ",
      "\n",
      "\t",
      "aGVsbG8gd29ybGQ=",
      std::string(70, 'A') + " "};
  std::string text;
  while (text.size() < 200000) text += pieces[rng() % pieces.size()];
  Limits limits;
  auto runs = [&](std::size_t chunk) {
    std::vector<std::string> out;
    EncodedRunFinder finder(limits, [&](EncodedRun&& r) {
      out.push_back(std::string(r.kind) + "@" + std::to_string(r.offset) + ":" +
                    std::to_string(r.decoded.size()));
    });
    for (std::size_t i = 0; i < text.size(); i += chunk) finder.Feed(std::string_view(text).substr(i, chunk));
    finder.Finish();
    return out;
  };
  const std::vector<std::string> whole = runs(text.size());
  ASSERT_GT(whole.size(), 100u);
  for (std::size_t chunk : {1u, 7u, 16u, 17u, 4096u}) EXPECT_EQ(runs(chunk), whole) << "chunk " << chunk;
}

TEST(ExtractArchive, ZipMembersNestedZipAndCsvCells) {
  for (const char* name : {"q3.zip", "renamed.jpg"}) {
    Inspected r = InspectFixture(name);
    std::string n = name;
    EXPECT_NE(r.Find(kCard, n + "/notes.txt"), nullptr) << r.Dump();
    EXPECT_NE(r.Find(kCard, n + "/customers.csv!C2"), nullptr) << r.Dump();
    EXPECT_NE(r.Find(kSsn, n + "/customers.csv!B2"), nullptr) << r.Dump();
    EXPECT_NE(r.Find("IBAN_CODE", n + "/inner.zip/data.json!$.customers[0].iban"), nullptr) << r.Dump();
  }
}

TEST(ExtractArchive, TarGzWithNestedTarBz2) {
  Inspected r = InspectFixture("backup.tar.gz");
  EXPECT_NE(r.Find(kCard, "backup.tar.gz/export/customers.csv!C2"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "backup.tar.gz/export/nested.tar.bz2/notes.txt"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "backup.tar.gz/export/page.html"), nullptr) << r.Dump();
}

TEST(ExtractArchive, SingleFileCompressionAnd7z) {
  EXPECT_NE(InspectFixture("notes.txt.gz").Find(kCard, "notes.txt.gz/[gzip]"), nullptr);
  EXPECT_NE(InspectFixture("notes.txt.bz2").Find(kCard, "notes.txt.bz2/[bzip2]"), nullptr);
  EXPECT_NE(InspectFixture("notes.txt.xz").Find(kCard, "notes.txt.xz/[xz]"), nullptr);
  Inspected r = InspectFixture("bundle.7z");
  EXPECT_NE(r.Find(kCard, "bundle.7z/notes.txt"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "bundle.7z/customers.csv!C2"), nullptr) << r.Dump();
}

TEST(ExtractArchive, EncryptedMembers) {
  Inspected zip = InspectFixture("encrypted.zip");
  const Finding* f = zip.Find(kEncryptedContentType, "encrypted.zip/notes.txt");
  ASSERT_NE(f, nullptr) << zip.Dump();
  EXPECT_EQ(f->confidence, Confidence::kHigh);
  EXPECT_EQ(f->rule, "ENCRYPTED_CONTENT/extract");
  EXPECT_EQ(zip.Count(kCard), 0u);
  Inspected sz = InspectFixture("encrypted.7z");
  EXPECT_EQ(sz.Count(kEncryptedContentType), 1u) << sz.Dump();
  EXPECT_EQ(sz.Count(kCard), 0u);
}

TEST(ExtractArchive, TruncatedZipIsUnreadable) {
  Inspected r = InspectFixture("truncated.zip");
  EXPECT_TRUE(r.status.ok());
  EXPECT_GE(r.Count(kUnreadableContentType), 1u) << r.Dump();
}

TEST(ExtractArchive, PathTraversalNamesAreOnlyNames) {
  Inspected r = InspectFixture("traversal.zip");
  EXPECT_NE(r.Find(kCard, "traversal.zip/../../etc/cron.d/evil"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "traversal.zip//tmp/absolute.txt"), nullptr) << r.Dump();
  EXPECT_NE(r.Find(kCard, "traversal.zip/ok/../../../up.txt"), nullptr) << r.Dump();
  EXPECT_FALSE(std::filesystem::exists("/etc/cron.d/evil"));
}

TEST(ExtractLimits, TypesFilterAppliesToProblems) {
  ScanOptions only_cards;
  only_cards.types = {std::string(kCard)};
  EXPECT_EQ(InspectFixture("encrypted.zip", {}, only_cards).findings.size(), 0u);
  ScanOptions with_problems;
  with_problems.types = {std::string(kEncryptedContentType)};
  EXPECT_EQ(InspectFixture("encrypted.zip", {}, with_problems).findings.size(), 1u);
}

TEST(ExtractLimits, DepthPartsBufferedAndTime) {
  Limits shallow;
  shallow.max_depth = 1;
  Inspected r = InspectFixture("q3.zip", shallow);
  const Finding* deep = r.Find(kExtractionLimitType, "q3.zip/inner.zip/data.json");
  ASSERT_NE(deep, nullptr) << r.Dump();
  EXPECT_NE(deep->masked.find("nested"), std::string::npos);
  EXPECT_NE(r.Find(kCard, "q3.zip/notes.txt"), nullptr);  // the rest is still inspected

  Limits few;
  few.max_parts = 2;
  r = InspectFixture("q3.zip", few);
  EXPECT_EQ(r.Count(kExtractionLimitType), 1u) << r.Dump();
  EXPECT_LE(r.stats.parts, 2u);

  Limits small;
  small.max_buffered_bytes = 1024;
  r = InspectFixture("q3.zip", small);
  const Finding* big = nullptr;
  for (const Finding& f : r.findings)
    if (f.info_type == kExtractionLimitType && f.masked.find("larger than 1 KiB") != std::string::npos)
      big = &f;
  ASSERT_NE(big, nullptr) << r.Dump();

  Limits bytes;
  bytes.max_total_bytes = 100;
  r = InspectFixture("q3.zip", bytes);
  EXPECT_EQ(r.Count(kExtractionLimitType), 1u) << r.Dump();

  Limits quick;
  quick.max_time = std::chrono::milliseconds(1);
  std::string big_text(64 << 20, 'x');
  r = testing::InspectBytes(big_text, "big.txt", quick);
  EXPECT_EQ(r.Count(kExtractionLimitType), 1u) << r.Dump();
  EXPECT_NE(r.findings.back().masked.find("time limit"), std::string::npos);
}

TEST(ExtractPaths, JoinPath) {
  EXPECT_EQ(JoinPath("", ""), "");
  EXPECT_EQ(JoinPath("a.zip", ""), "a.zip");
  EXPECT_EQ(JoinPath("", "b.csv"), "b.csv");
  EXPECT_EQ(JoinPath("a.zip", "b.csv"), "a.zip/b.csv");
  EXPECT_EQ(JoinPath("a.zip/b.csv", "!C12"), "a.zip/b.csv!C12");
  EXPECT_EQ(JoinPath("", "!C12"), "C12");
}

TEST(ExtractSniff, TypesByContentNotName) {
  EXPECT_EQ(SniffMimeType(ReadExtractFixture("renamed.jpg")), "application/zip");
  EXPECT_EQ(SniffMimeType(ReadExtractFixture("backup.tar.gz")), "application/gzip");
  EXPECT_EQ(SniffMimeType(""), "inode/x-empty");
  Inspected empty = testing::InspectBytes("", "empty");
  EXPECT_TRUE(empty.status.ok());
  EXPECT_TRUE(empty.findings.empty());
}

// Plain text skips libmagic's text rules unless they could change how it is opened: these are the
// cases they decide (mail and news headers, tags anywhere in the first 4 KiB, RTF, PDF) and the ones
// they do not (prose, Markdown with '<', JSON, CSV, a channel's MIME entity).
TEST(ExtractSniff, TextRulesOnlyWhereTheyMatter) {
  const std::string filler = "\nsome words on a line\nand another line of text\n";
  auto kind = [](std::string_view head) { return Classify(SniffMimeType(head), head); };
  EXPECT_EQ(kind("From: a@example.com\nTo: b@example.com\nSubject: x\n\nhello\n"), Kind::kMime);
  EXPECT_EQ(kind("Received: from mx.example.com\nFrom: a@example.com\n\nhello\n"), Kind::kMime);
  EXPECT_EQ(kind("Return-Path: <a@example.com>\nFrom: a@example.com\n\nhello\n"), Kind::kMime);
  EXPECT_EQ(kind("MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello <table>\r\n"), Kind::kMime);
  EXPECT_EQ(kind("Dear Bob,\nsee <a href=\"x\">this</a>" + filler), Kind::kHtml);
  EXPECT_EQ(kind("notes first" + filler + "<TABLE border=1><tr><td>1</td></tr></TABLE>\n"), Kind::kHtml);
  EXPECT_EQ(kind("  <?xml version=\"1.0\"?>\n<a>x</a>\n"), Kind::kXml);
  EXPECT_EQ(kind("{\\rtf1\\ansi hello}\n"), Kind::kRtf);
  EXPECT_EQ(kind("%PDF-1.4\n%%EOF\n"), Kind::kPdf);
  EXPECT_EQ(kind("# Title\n\nUse `a < b` and <https://example.com>." + filler), Kind::kText);
  EXPECT_EQ(kind("the quick brown fox" + filler), Kind::kText);
  EXPECT_EQ(kind("{\"a\": [1, 2, {\"b\": \"<c>\"}]}"), Kind::kJson);
  EXPECT_EQ(kind("name,iban,city\nA,DE89370400440532013000,Berlin\nB,DE89370400440532013000,Bonn\n"
                 "C,DE89370400440532013000,Köln\n"),
            Kind::kCsv);
}

// The CSV shape test that stands in for libmagic's on plain text agrees with libmagic itself (its
// whole database, as the dispatcher used it before) on random comma, quote and newline texts.
TEST(ExtractSniff, CsvShapeAgreesWithLibmagic) {
  magic_t whole = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
  ASSERT_NE(whole, nullptr);
  ASSERT_EQ(magic_load(whole, nullptr), 0);
  std::mt19937 rng(7);
  constexpr std::string_view kAlphabet = "ab,,\"\n\n x1";
  int csv = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text;
    const std::size_t length = 1 + rng() % 120;
    for (std::size_t i = 0; i < length; ++i) text += kAlphabet[rng() % kAlphabet.size()];
    if (round % 3 == 0) {  // repeated lines: the shape CSV has
      const std::string line = text.substr(0, text.find('\n')) + "\n";
      text.clear();
      for (std::size_t n = 1 + rng() % 14; n > 0; --n) text += line;
      if (rng() % 2 != 0) text += "tail,x";
    }
    const char* type = magic_buffer(whole, text.data(), text.size());
    const std::string expected = type != nullptr ? type : "application/octet-stream";
    csv += expected == "text/csv";
    EXPECT_EQ(Classify(expected, text), Classify(SniffMimeType(text), text)) << expected << " for: " << text;
  }
  magic_close(whole);
  EXPECT_GT(csv, 50);  // the comparison covered CSV
}

}  // namespace
}  // namespace leakguard::extract
