// The milter's MIME redaction (channel/milter/mail_redact.h) on crafted messages: nested multiparts,
// base64 and quoted-printable text parts, attachments with and without findings, a message that is
// one attachment, values in the Subject; the result is read back by the real extraction.
#include "channel/milter/mail_redact.h"

#include <gtest/gtest.h>

#include "policy/content_summary.h"
#include "test_support.h"

namespace leakguard::channel::milter {
namespace {

constexpr std::string_view kKey = "AKIAZ3MHQ7XK4PL2WQ5R";

std::string Crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// The header block and body of a message, split like the milter sees them.
struct Message {
  std::string whole;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
Message Parse(std::string whole) {
  Message m;
  m.whole = std::move(whole);
  std::size_t end = m.whole.find("\r\n\r\n");
  m.body = m.whole.substr(end + 4);
  std::string_view head = std::string_view(m.whole).substr(0, end + 2);
  while (!head.empty()) {
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    std::size_t colon = line.find(':');
    m.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)));
    head.remove_prefix(eol + 2);
  }
  return m;
}

// Nested: mixed { alternative { text/plain QP, text/html base64 }, report.csv (cards), notes.txt
// (clean, named), scan.pdf (clean) }.
const std::string kNested = Crlf(R"(From: alice@corp.example
To: bob@partner.example
Subject: Q3 numbers
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-b"

This is a multi-part message in MIME format.
--outer-b
Content-Type: multipart/alternative; boundary="inner-b"

--inner-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello team,=20the deploy key: aws_access_key_id =3D AKIAZ3MHQ7XK4PL2WQ5R
caf=C3=A9 at noon, thanks
--inner-b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PGh0bWw+PGJvZHk+PHA+a2V5IGF3c19hY2Nlc3Nfa2V5X2lkID0gQUtJQVozTUhRN1hLNFBMMldR
NVI8L3A+PHA+YnllPC9wPjwvYm9keT48L2h0bWw+DQo=
--inner-b--

--outer-b
Content-Type: text/csv; name="report.csv"
Content-Disposition: attachment; filename="report.csv"
Content-Transfer-Encoding: base64

bmFtZSxjYXJkDQpBbm4sNDExMSAxMTExIDExMTEgMTExMQ0KQm9iLDU1NTUgNTU1NSA1NTU1IDQ0
NDQNCg==
--outer-b
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"
Content-Transfer-Encoding: base64

anVzdCBhIGNsZWFuIG5vdGUNCg==
--outer-b
Content-Type: application/pdf; name="scan.pdf"
Content-Disposition: attachment; filename="scan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQgbm90IHJlYWxseSBhIHBkZiBidXQgY2xlYW4NCg==
--outer-b--
epilogue stays
)");

class MailRedactTest : public ::testing::Test {
 protected:
  MailRedactTest() : scanner_(leakguard::testing::BuiltinEngine()) {}

  Result<MailRedaction> Redact(const Message& m, RedactTypes types, PartFindings parts) {
    RedactRequest r;
    r.message = m.whole;
    r.headers = m.headers;
    r.types = std::move(types);
    r.parts = std::move(parts);
    r.incident = "INC-TEST1";
    return RedactMessage(r, scanner_);
  }

  // What the extraction finds in a message: type -> count (all confidences).
  static std::map<std::string, std::uint64_t> Found(const std::string& message) {
    policy::ContentInspector inspector(leakguard::testing::BuiltinEngine());
    auto s = inspector.InspectBuffer(message, "message.eml", {});
    EXPECT_TRUE(s) << s.error().ToString();
    std::map<std::string, std::uint64_t> out;
    if (s)
      for (const TypeSummary& t : s->types) out[t.type] = t.CountAtLeast(Confidence::kLow);
    return out;
  }

  Scanner scanner_;
};

TEST_F(MailRedactTest, NestedMessage) {
  Message m = Parse(kNested);
  ASSERT_GT(Found(m.whole)["AWS_ACCESS_KEY_ID"], 0u);
  auto r = Redact(m, {{"AWS_ACCESS_KEY_ID", Confidence::kLow}, {"CREDIT_CARD_NUMBER", Confidence::kMedium}},
                  {{"attachment[1]", {{"CREDIT_CARD_NUMBER", 2}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->changed());
  EXPECT_EQ(r->removed, std::vector<std::string>{"report.csv"});
  EXPECT_EQ(r->masked, 2u);  // the key in the plain and in the HTML part
  EXPECT_TRUE(r->header_changes.empty());
  const std::string& body = r->body;
  // Nothing of the key or the cards is left, in any encoding.
  std::string after = m.whole.substr(0, m.whole.size() - m.body.size()) + body;
  auto found = Found(after);
  EXPECT_EQ(found.count("AWS_ACCESS_KEY_ID"), 0u) << body;
  EXPECT_EQ(found.count("CREDIT_CARD_NUMBER"), 0u) << body;
  EXPECT_EQ(body.find(kKey), std::string::npos);
  EXPECT_EQ(body.find("bmFtZSxjYXJk"), std::string::npos);  // the csv's base64
  // The notice in the csv's place, in the same multipart.
  EXPECT_NE(body.find("report.csv was removed by LeakGuard: CREDIT_CARD_NUMBER x2, incident INC-TEST1."),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  // Structure, the untouched parts and their encodings as they were.
  EXPECT_TRUE(body.starts_with("This is a multi-part message in MIME format.\r\n--outer-b\r\n")) << body;
  EXPECT_NE(body.find("--inner-b--\r\n"), std::string::npos);
  EXPECT_NE(body.find("--outer-b--\r\nepilogue stays\r\n"), std::string::npos);
  EXPECT_NE(body.find("Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\nanVzdCBhIGNsZWFuIG5vdGUNCg==\r\n"),
            std::string::npos);
  EXPECT_NE(body.find("JVBERi0xLjQgbm90IHJlYWxseSBhIHBkZiBidXQgY2xlYW4NCg==\r\n"), std::string::npos);
  EXPECT_NE(body.find("Content-Transfer-Encoding: quoted-printable\r\n\r\nHello team, the deploy key: "
                      "aws_access_key_id =3D AKIA"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("caf=C3=A9 at noon, thanks"), std::string::npos);  // re-encoded, charset kept
  EXPECT_NE(body.find("Content-Transfer-Encoding: base64\r\n\r\nPGh0bWw+"), std::string::npos);
  // No bare LF: the body keeps the CRLF line ends Postfix sent.
  for (std::size_t i = body.find('\n'); i != std::string::npos; i = body.find('\n', i + 1))
    ASSERT_TRUE(i > 0 && body[i - 1] == '\r') << "bare LF at " << i;
}

TEST_F(MailRedactTest, AttachmentsWithoutFindingsAndCleanTextAreKeptByteForByte) {
  Message m = Parse(kNested);
  auto r = Redact(m, {{"US_SOCIAL_SECURITY_NUMBER", Confidence::kLow}}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->changed());
  EXPECT_EQ(r->body, m.body);
}

TEST_F(MailRedactTest, Base64TextBodyIsMaskedAndStaysBase64) {
  Message m = Parse(Crlf(R"(From: alice@corp.example
Subject: keys
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

SGVsbG8gdGVhbSwNCnRoZSBkZXBsb3kga2V5OiBhd3NfYWNjZXNzX2tleV9pZCA9IEFLSUFaM01I
UTdYSzRQTDJXUTVSDQp0aGFua3MNCg==
)"));
  auto r = Redact(m, {{"AWS_ACCESS_KEY_ID", Confidence::kLow}}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->masked, 1u);
  EXPECT_TRUE(r->header_changes.empty());  // still base64: the top-level headers stay true
  std::string after = m.whole.substr(0, m.whole.size() - m.body.size()) + r->body;
  EXPECT_EQ(Found(after).count("AWS_ACCESS_KEY_ID"), 0u) << r->body;
  EXPECT_EQ(r->body.find("thanks"), std::string::npos);  // encoded
  EXPECT_EQ(
      r->body.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"),
      std::string::npos)
      << r->body;
}

TEST_F(MailRedactTest, PlainMessageWithoutMimeHeaders) {
  Message m =
      Parse(Crlf("From: a@corp.example\nSubject: key AKIAZ3MHQ7XK4PL2WQ5R inside\n\n"
                 "aws_access_key_id = AKIAZ3MHQ7XK4PL2WQ5R\n.leading dot\nthanks\n"));
  auto r = Redact(m, {{"AWS_ACCESS_KEY_ID", Confidence::kLow}}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->masked, 2u);
  EXPECT_EQ(r->body.find(kKey), std::string::npos);
  EXPECT_NE(r->body.find("\r\n.leading dot\r\nthanks\r\n"), std::string::npos) << r->body;
  ASSERT_EQ(r->header_changes.size(), 1u);
  EXPECT_EQ(r->header_changes[0].name, "Subject");
  EXPECT_EQ(r->header_changes[0].index, 1u);
  EXPECT_EQ(r->header_changes[0].value.find(kKey), std::string::npos);
  EXPECT_TRUE(r->header_changes[0].value.starts_with("key AKIA")) << r->header_changes[0].value;
  EXPECT_TRUE(r->header_changes[0].value.ends_with(" inside"));
}

TEST_F(MailRedactTest, MessageThatIsOneAttachmentBecomesTheNotice) {
  Message m = Parse(Crlf(R"(From: alice@corp.example
Subject: list
MIME-Version: 1.0
Content-Type: text/csv; name="list.csv"
Content-Disposition: attachment; filename="list.csv"
Content-Transfer-Encoding: base64

bmFtZSxjYXJkDQpBbm4sNDExMSAxMTExIDExMTEgMTExMQ0KQm9iLDU1NTUgNTU1NSA1NTU1IDQ0
NDQNCg==
)"));
  auto r = Redact(m, {{"CREDIT_CARD_NUMBER", Confidence::kMedium}},
                  {{"attachment[1]", {{"CREDIT_CARD_NUMBER", 2}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->removed, std::vector<std::string>{"list.csv"});
  EXPECT_NE(r->body.find("list.csv was removed by LeakGuard"), std::string::npos) << r->body;
  std::map<std::string, std::pair<std::uint32_t, std::string>> changes;
  for (const HeaderChange& c : r->header_changes) changes[c.name] = {c.index, c.value};
  EXPECT_EQ(changes["Content-Type"], std::make_pair(1u, std::string("text/plain; charset=utf-8")));
  EXPECT_EQ(changes["Content-Transfer-Encoding"], std::make_pair(1u, std::string("7bit")));
  EXPECT_EQ(changes["Content-Disposition"], std::make_pair(1u, std::string("inline")));
}

TEST_F(MailRedactTest, AttachedMessageWithFindingsIsReplaced) {
  Message m = Parse(Crlf(R"(From: alice@corp.example
Subject: fwd
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

see below
--b
Content-Type: message/rfc822
Content-Disposition: attachment; filename="old.eml"

From: x@corp.example
Subject: old

card 4111 1111 1111 1111
--b--
)"));
  auto r = Redact(m, {{"CREDIT_CARD_NUMBER", Confidence::kMedium}},
                  {{"attachment[1]", {{"CREDIT_CARD_NUMBER", 1}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->removed, std::vector<std::string>{"old.eml"});
  EXPECT_EQ(r->body.find("4111"), std::string::npos);
  EXPECT_NE(r->body.find("see below"), std::string::npos);
}

TEST_F(MailRedactTest, BrokenInputIsNoCrash) {
  for (std::string junk : {std::string(), std::string("\r\n\r\n"), std::string("no header at all"),
                           Crlf("Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\n--x\n--x--"),
                           Crlf("Content-Type: multipart/mixed\n\nno boundary"),
                           std::string("Subject: a\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!")}) {
    RedactRequest r;
    r.message = junk;
    r.types = {{"AWS_ACCESS_KEY_ID", Confidence::kLow}};
    r.parts = {{"attachment[1]", {{"X", 1}}}, {"body[1]", {{"X", 1}}}};
    (void)RedactMessage(r, scanner_);
  }
}

TEST(MailRedact, PartKeyOf) {
  EXPECT_EQ(PartKeyOf("message.eml/attachment[3]:a.xlsx/Sheet1!C3", "message.eml"), "attachment[3]");
  EXPECT_EQ(PartKeyOf("message.eml/attachment[12]", "message.eml"), "attachment[12]");
  EXPECT_EQ(PartKeyOf("message.eml/body[1]", "message.eml"), "body[1]");
  EXPECT_EQ(PartKeyOf("message.eml/body[2]/base64@12", "message.eml"), "body[2]");
  EXPECT_EQ(PartKeyOf("message.eml/headers", "message.eml"), "");
  EXPECT_EQ(PartKeyOf("message.eml", "message.eml"), "");
  EXPECT_EQ(PartKeyOf("other.eml/body[1]", "message.eml"), "");
  EXPECT_EQ(PartKeyOf("message.eml/attachment[]", "message.eml"), "");
  EXPECT_EQ(PartKeyOf("message.eml/attachment[1x]", "message.eml"), "");
  EXPECT_EQ(PartKeyOf("message.eml/body[1]x", "message.eml"), "");
}

TEST(MailRedact, FillNotice) {
  EXPECT_EQ(FillNotice("{file} was removed: {types}, incident {incident}.", "a\r\nb.xlsx",
                       {{"CREDIT_CARD_NUMBER", 3}, {"EMAIL_ADDRESS", 40}}, "INC-1"),
            "ab.xlsx was removed: CREDIT_CARD_NUMBER x3, EMAIL_ADDRESS x40, incident INC-1.");
  EXPECT_EQ(FillNotice("{incident} {types} {unknown}", "", {}, ""),
            "not recorded sensitive content {unknown}");
}

}  // namespace
}  // namespace leakguard::channel::milter
