#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "extract/formats.h"
#include "unit/extract/doc_test_support.h"

namespace leakguard::extract {
namespace {

using testing::Fixture;
using testing::RecordingEmitter;

TEST(MimeTest, HeadersAreDecoded) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_basic.eml"), out, Limits{});
  auto headers = out.TextOf("headers");
  ASSERT_TRUE(headers) << out.Dump();
  EXPECT_NE(headers->find("Subject: Kundendaten Q3 \xE2\x80\x93 vertraulich"), std::string::npos) << *headers;
  EXPECT_NE(headers->find("From: J\xC3\xBCrgen M\xC3\xBCller <juergen@example.com>"), std::string::npos)
      << *headers;
  EXPECT_NE(headers->find("Cc: audit@example.org"), std::string::npos);
  EXPECT_NE(headers->find("X-Tracking: ticket 4711"), std::string::npos);
  EXPECT_EQ(headers->find("=?utf-8?"), std::string::npos) << "encoded words left undecoded";
}

TEST(MimeTest, QuotedPrintableBodyIsDecodedUtf8) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_basic.eml"), out, Limits{});
  auto body = out.TextOf("body[1]");
  ASSERT_TRUE(body) << out.Dump();
  EXPECT_NE(body->find("Hallo J\xC3\xBCrgen,"), std::string::npos) << *body;
  EXPECT_NE(body->find("SSN 078-05-1120, Karte 4111 1111 1111 1111."), std::string::npos);
  EXPECT_NE(body->find("Gru\xC3\x9F === Ende"), std::string::npos);
}

TEST(MimeTest, HtmlBodyGoesToTheHtmlExtractorAsAChild) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_basic.eml"), out, Limits{});
  const auto* html = out.FindChild("body[2]");
  ASSERT_NE(html, nullptr) << out.Dump();
  EXPECT_NE(html->bytes.find("<b>Ren\xC3\xA9"
                             "e</b>: card 4111111111111111"),
            std::string::npos)
      << html->bytes;
}

TEST(MimeTest, AttachmentsAreDecodedChildrenNamedByIndexAndFilename) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_basic.eml"), out, Limits{});
  const auto* csv = out.FindChild("attachment[1]:customers.csv");
  ASSERT_NE(csv, nullptr) << out.Dump();
  EXPECT_EQ(csv->bytes, "name,ssn\nRenee,078-05-1120\n");
  const auto* bin = out.FindChild("attachment[2]:blob.bin");
  ASSERT_NE(bin, nullptr) << out.Dump();
  ASSERT_EQ(bin->bytes.size(), 1024u);
  EXPECT_EQ(static_cast<unsigned char>(bin->bytes[255]), 255);
  // RFC 2231 encoded file name.
  const auto* txt = out.FindChild(
      "attachment[3]:\xC3\x9C"
      "bersicht.txt");
  ASSERT_NE(txt, nullptr) << out.Dump();
  EXPECT_NE(txt->bytes.find("NIK 3171234567890123"), std::string::npos);
}

TEST(MimeTest, NestedMessageIsAChildMessage) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_basic.eml"), out, Limits{});
  const auto* inner = out.FindChild("attachment[4]");
  ASSERT_NE(inner, nullptr) << out.Dump();
  EXPECT_NE(inner->bytes.find("Subject: Original: payroll"), std::string::npos) << inner->bytes;
  // Extracting the child again finds its body: recursion works through the dispatcher.
  RecordingEmitter nested;
  ExtractMime(inner->bytes, nested, Limits{});
  auto body = nested.TextOf("body[1]");
  ASSERT_TRUE(body) << nested.Dump();
  EXPECT_NE(body->find("IBAN DE89 3704 0044 0532 0130 00"), std::string::npos);
  EXPECT_TRUE(out.reports.empty()) << out.Dump();
}

TEST(MimeTest, PlainRfc822MessageWithLatin1EncodedWord) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_plain.eml"), out, Limits{});
  auto headers = out.TextOf("headers");
  ASSERT_TRUE(headers);
  EXPECT_NE(headers->find("Subject: Gr\xC3\xBC\xC3\x9F"
                          "e"),
            std::string::npos)
      << *headers;
  auto body = out.TextOf("body[1]");
  ASSERT_TRUE(body) << out.Dump();
  EXPECT_NE(body->find("IBAN GB82 WEST 1234 5698 7654 32"), std::string::npos);
  EXPECT_TRUE(out.children.empty());
}

TEST(MimeTest, PgpArmouredBodyIsReportedEncrypted) {
  RecordingEmitter out;
  ExtractMime(Fixture("mail_pgp.eml"), out, Limits{});
  ASSERT_EQ(out.reports.size(), 1u) << out.Dump();
  EXPECT_EQ(out.reports[0].problem, Problem::kEncrypted);
  EXPECT_EQ(out.reports[0].path, "body[1]");
}

TEST(MimeTest, MultipartEncryptedIsReportedEncrypted) {
  std::string m =
      "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"X\"\r\n\r\n"
      "--X\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
      "--X\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\nabc\r\n"
      "-----END PGP MESSAGE-----\r\n--X--\r\n";
  RecordingEmitter out;
  ExtractMime(m, out, Limits{});
  EXPECT_TRUE(out.HasReport(Problem::kEncrypted)) << out.Dump();
  EXPECT_TRUE(out.children.empty()) << out.Dump();
}

TEST(MimeTest, OpaqueSmimeIsReportedNotSilentlyPassedOn) {
  auto message = [](std::string_view smime_type) {
    return "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; "
           "smime-type=" +
           std::string(smime_type) +
           "; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           "MIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n";
  };
  RecordingEmitter enveloped;
  ExtractMime(message("enveloped-data"), enveloped, Limits{});
  ASSERT_EQ(enveloped.reports.size(), 1u) << enveloped.Dump();
  EXPECT_EQ(enveloped.reports[0].problem, Problem::kEncrypted);
  RecordingEmitter signed_data;
  ExtractMime(message("signed-data"), signed_data, Limits{});
  ASSERT_EQ(signed_data.reports.size(), 1u) << signed_data.Dump();
  EXPECT_EQ(signed_data.reports[0].problem, Problem::kUnreadable);
  EXPECT_TRUE(signed_data.children.empty());
}

TEST(MimeTest, NonPlainTextBodiesAreChildrenForTheirExtractors) {
  std::string m =
      "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
      "--B\r\nContent-Type: text/csv; charset=iso-8859-1\r\n\r\nname,iban\r\nRen\xE9"
      "e,DE89370400440532013000\r\n--B--\r\n";
  RecordingEmitter out;
  ExtractMime(m, out, Limits{});
  const auto* csv = out.FindChild("body[1]");
  ASSERT_NE(csv, nullptr) << out.Dump();
  EXPECT_EQ(csv->bytes,
            "name,iban\r\nRen\xC3\xA9"
            "e,DE89370400440532013000")
      << "converted to UTF-8";
}

std::string ManyParts(int n) {
  std::string m =
      "From: a@example.com\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n";
  for (int i = 0; i < n; ++i)
    m += "--B\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
  m += "--B--\r\n";
  return m;
}

TEST(MimeTest, TenThousandPartsAreAllVisitedInLinearTime) {
  std::string m = ManyParts(10000);
  RecordingEmitter out;
  auto start = std::chrono::steady_clock::now();
  ExtractMime(m, out, Limits{});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(out.texts.size(), 10001u);  // headers + 10,000 bodies
  EXPECT_EQ(out.texts.back().path, "body[10000]");
  EXPECT_EQ(out.texts.back().text, "part 9999");
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 20);
}

TEST(MimeTest, StopsAtThePartsLimit) {
  std::string m = ManyParts(10000);
  RecordingEmitter out(/*stop_after=*/100);
  ExtractMime(m, out, Limits{});
  EXPECT_EQ(out.texts.size(), 100u);
}

TEST(MimeTest, DeeplyNestedMultipartsDoNotOverflow) {
  std::string m = "From: a@example.com\r\nMIME-Version: 1.0\r\n";
  const int depth = 10000;
  for (int i = 0; i < depth; ++i)
    m += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" +
         std::to_string(i) + "\r\n";
  m += "Content-Type: text/plain\r\n\r\nleaf\r\n";
  for (int i = depth - 1; i >= 0; --i) m += "--b" + std::to_string(i) + "--\r\n";
  RecordingEmitter out;
  ExtractMime(m, out, Limits{});
  EXPECT_NE(out.Find("headers"), nullptr);  // did not crash; GMime caps the nesting it builds
}

bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(MimeTest, RawEightBitHeadersBodiesAndNamesComeOutAsUtf8) {
  // Found by mime_fuzz: a header name with raw 8-bit bytes; also Latin-1 values and bodies without a
  // charset, and a raw 8-bit file name.
  std::string m =
      "From: a@example.com\nSubject: Gr\xFC\xDF"
      "e\nMIME\xD0\xA9\x9A: 1.0\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nK\xE4se 078-05-1120\n"
      "--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
      "filename=\"\xE9t\xE9.bin\"\n\nxx\n--B--\n";
  RecordingEmitter out;
  ExtractMime(m, out, Limits{});
  ASSERT_FALSE(out.texts.empty());
  for (const auto& t : out.texts) {
    EXPECT_TRUE(ValidUtf8(t.text)) << t.path;
    EXPECT_TRUE(ValidUtf8(t.path)) << t.path;
  }
  for (const auto& c : out.children) EXPECT_TRUE(ValidUtf8(c.path)) << c.path;
  auto body = out.TextOf("body[1]");
  ASSERT_TRUE(body) << out.Dump();
  EXPECT_NE(body->find("078-05-1120"), std::string::npos);
  ASSERT_EQ(out.children.size(), 1u) << out.Dump();
}

TEST(MimeTest, DeeplyNestedMessagesDoNotOverflow) {
  std::string m = "From: a@example.com\r\nMIME-Version: 1.0\r\n";
  for (int i = 0; i < 10000; ++i)
    m += "Content-Type: message/rfc822\r\n\r\nSubject: level " + std::to_string(i) + "\r\n";
  m += "Content-Type: text/plain\r\n\r\ninnermost 078-05-1120\r\n";
  RecordingEmitter out;
  ExtractMime(m, out, Limits{});
  ASSERT_EQ(out.children.size(), 1u) << out.Dump();  // the next level, for the dispatcher to recurse into
  EXPECT_EQ(out.children[0].path, "attachment[1]");
  // One level further down is again one child: the dispatcher's max_depth ends the descent.
  RecordingEmitter inner;
  ExtractMime(out.children[0].bytes, inner, Limits{});
  ASSERT_EQ(inner.children.size(), 1u) << inner.Dump();
  EXPECT_NE(inner.TextOf("headers")->find("Subject: level 0"), std::string::npos);
}

TEST(MimeTest, GarbageDoesNotCrash) {
  for (std::string g :
       {std::string(), std::string("\0\0\0", 3),
        std::string("Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"), std::string(100000, '-')}) {
    RecordingEmitter out;
    ExtractMime(g, out, Limits{});
  }
}

}  // namespace
}  // namespace leakguard::extract
