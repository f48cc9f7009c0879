// The milter session (channel/milter/milter_service.h) with a real decision point: packets as Postfix
// sends them for a whole SMTP transaction, and the replies and modifications that come back.
#include "channel/milter/milter_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "incident/store.h"
#include "policy/content_summary.h"
#include "test_support.h"

namespace leakguard::channel::milter {
namespace {

namespace fs = std::filesystem;

std::string Str(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) {
    s += p;
    s += '\0';
  }
  return s;
}

class MilterServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lg-milter-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "policy.yaml") << R"(name: mail
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
  - id: keys
    when:
      content: {categories: [credential]}
    action: redact
  - id: ibans
    when:
      content: {types: [IBAN_CODE]}
    action: quarantine
  - id: niks
    when:
      content: {types: [INDONESIA_NIK]}
    action: alert
    notify: ["mailto:soc@corp.example"]
)";
    std::ofstream(dir_ / "config.yaml")
        << "organization:\n  internal_domains: [corp.example]\npolicy: policy.yaml\n"
        << "incidents:\n  store: sqlite:" << (dir_ / "incidents.db").string() << "\n";
    incident::DecisionPointOptions o;
    o.config_path = (dir_ / "config.yaml").string();
    o.watch_files = false;
    o.log = [](std::string_view) {};
    auto dp = incident::DecisionPoint::Create(o, [] { return leakguard::testing::BuiltinEngine(); });
    ASSERT_TRUE(dp) << dp.error().ToString();
    decisions_ = std::move(*dp);
    MilterOptions mo;
    mo.spool_dir = dir_.string();
    service_ = std::make_unique<MilterService>(mo, leakguard::testing::BuiltinEngine(), decisions_.get());
  }
  void TearDown() override {
    service_.reset();
    decisions_.reset();
    fs::remove_all(dir_);
  }

  // One message through a new session; returns the decoded replies after EOB.
  std::vector<Packet> Send(const std::vector<std::string>& rcpts, const std::string& body,
                           std::string subject = "Q3 numbers", std::string content_type = "text/plain",
                           std::vector<std::pair<std::string, std::string>> more_headers = {}) {
    auto session = service_->NewSession("127.0.0.1");
    std::string in = EncodeOptNeg({6, 0x1ff, 0x1fffff});
    in += Encode(cmd::kConnect, std::string("client.corp.example") + '\0' + "4" + std::string("\x30\x39", 2) +
                                    "10.1.2.3" + '\0');
    in += Encode(cmd::kMacro, std::string("M") + Str({"{auth_authen}", "alice"}));
    in += Encode(cmd::kMail, Str({"<alice@corp.example>"}));
    for (const auto& r : rcpts) in += Encode(cmd::kRcpt, Str({"<" + r + ">"}));
    in += Encode(cmd::kHeader, Str({"Subject", subject}));
    in += Encode(cmd::kHeader, Str({"Content-Type", content_type}));
    for (const auto& [name, value] : more_headers) in += Encode(cmd::kHeader, Str({name, value}));
    in += Encode(cmd::kEoh);
    in += Encode(cmd::kBody, body);
    std::string before_eob;
    session->Feed(in);
    before_eob = session->TakeOutput();
    session->Feed(Encode(cmd::kEob));
    std::string out = session->TakeOutput();
    Decoder d;
    std::vector<Packet> replies;
    EXPECT_TRUE(d.Feed(out, replies).ok());
    // Everything before EOB: the OPTNEG answer and one 'c' per command.
    Decoder d0;
    std::vector<Packet> early;
    EXPECT_TRUE(d0.Feed(before_eob, early).ok());
    EXPECT_EQ(early.size(), 1u + 1u + 1u + rcpts.size() + 2u + more_headers.size() + 1u + 1u);
    return replies;
  }
  static bool Has(const std::vector<Packet>& r, char c, std::string_view needle = {}) {
    return std::any_of(r.begin(), r.end(), [&](const Packet& p) {
      return p.command == c && p.data.find(needle) != std::string::npos;
    });
  }

  fs::path dir_;
  std::unique_ptr<incident::DecisionPoint> decisions_;
  std::unique_ptr<MilterService> service_;
};

TEST_F(MilterServiceTest, CleanMailIsDeliveredWithTheHeader) {
  auto r = Send({"bob@gmail.com"}, "Hello Bob,\r\nsee you tomorrow.\r\n");
  EXPECT_TRUE(Has(r, reply::kAddHeader, "action=allow")) << r.size();
  EXPECT_EQ(r.back().command, reply::kContinue);
}

TEST_F(MilterServiceTest, CardToInternalAndPersonalRemovesOnlyThePersonalRecipient) {
  auto r = Send({"carol@corp.example", "me@gmail.com"}, "card 4111 1111 1111 1111\r\n");
  EXPECT_TRUE(Has(r, reply::kDelRcpt, "<me@gmail.com>"));
  EXPECT_FALSE(Has(r, reply::kDelRcpt, "carol"));
  EXPECT_TRUE(Has(r, reply::kAddHeader, "action=block"));
  EXPECT_EQ(r.back().command, reply::kContinue);
}

TEST_F(MilterServiceTest, CardToPersonalOnlyIsRejectedWithTheIncidentId) {
  auto r = Send({"me@gmail.com"}, "card 4111 1111 1111 1111\r\n");
  ASSERT_FALSE(r.empty());
  ASSERT_EQ(r.back().command, reply::kReplyCode);
  EXPECT_TRUE(r.back().data.starts_with("550 5.7.1 ")) << r.back().data;
  const std::size_t at = r.back().data.find("INC-");
  ASSERT_NE(at, std::string::npos);
  auto inc = decisions_->store().Get(r.back().data.substr(at, 30));
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_EQ(inc->transfer.channel, Channel::kMail);
  EXPECT_EQ(inc->transfer.identity.user, "alice");
  EXPECT_EQ(inc->transfer.identity.client_ip, "10.1.2.3");
  EXPECT_EQ(inc->transfer.name, "Q3 numbers");
  EXPECT_EQ(r.back().data.find("4111"), std::string::npos);
}

TEST_F(MilterServiceTest, KeyInTheBodyIsRedacted) {
  auto r = Send({"ops@corp.example"}, "aws_access_key_id = AKIAZ3MHQ7XK4PL2WQ5R\r\nthanks\r\n");
  ASSERT_TRUE(Has(r, reply::kReplaceBody));
  std::string body;
  for (const auto& p : r)
    if (p.command == reply::kReplaceBody) body += p.data;
  EXPECT_EQ(body.find("AKIAZ3MHQ7XK4PL2WQ5R"), std::string::npos) << body;
  EXPECT_NE(body.find("thanks"), std::string::npos);
  EXPECT_EQ(r.back().command, reply::kContinue);
}

// A clean text part, a key in a base64 text part and a key in an attachment: the text is masked and
// stays base64, the attachment becomes the notice, the clean part and the boundaries are kept.
TEST_F(MilterServiceTest, RedactMasksTextPartsAndReplacesTheAttachment) {
  const std::string body =
      "--b1\r\nContent-Type: text/plain\r\n\r\nHello, the files.\r\n"
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "YXdzX2FjY2Vzc19rZXlfaWQgPSBBS0lBWjNNSFE3WEs0UEwyV1E1Ug0KdGhhbmtzDQo=\r\n"  // key + thanks
      "--b1\r\nContent-Type: text/plain; name=\"creds.txt\"\r\n"
      "Content-Disposition: attachment; filename=\"creds.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "YXdzX2FjY2Vzc19rZXlfaWQgPSBBS0lBWjNNSFE3WEs0UEwyV1E1Ug0KdGhhbmtzDQo=\r\n"
      "--b1--\r\n";
  auto r = Send({"ops@corp.example"}, body, "deploy", "multipart/mixed; boundary=\"b1\"",
                {{"MIME-Version", "1.0"}});
  ASSERT_TRUE(Has(r, reply::kReplaceBody)) << r.size();
  std::string out;
  for (const auto& p : r)
    if (p.command == reply::kReplaceBody) out += p.data;
  EXPECT_TRUE(Has(r, reply::kAddHeader, "action=redact"));
  EXPECT_EQ(r.back().command, reply::kContinue);
  EXPECT_NE(out.find("--b1\r\nContent-Type: text/plain\r\n\r\nHello, the files.\r\n--b1\r\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("creds.txt was removed by LeakGuard: AWS_ACCESS_KEY_ID x1, incident INC-"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("--b1--"), std::string::npos);
  EXPECT_EQ(out.find("YXdzX2FjY2Vzc19rZXlfaWQgPSBBS0lBWjNNSFE3WEs0UEwyV1E1Ug0K"), std::string::npos) << out;
  // What leaves holds no key, in any part or encoding.
  policy::ContentInspector inspector(leakguard::testing::BuiltinEngine());
  auto found =
      inspector.InspectBuffer("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" + out, "m.eml", {});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->Find("AWS_ACCESS_KEY_ID"), nullptr) << out;
  EXPECT_NE(service_->RenderMetrics().find("leakguard_milter_attachments_removed_total 1"),
            std::string::npos);
}

// A redact verdict for a message too large to rewrite is a reject, with the incident id.
TEST_F(MilterServiceTest, RedactBeyondTheLimitRejects) {
  MilterOptions mo;
  mo.spool_dir = dir_.string();
  mo.max_redact_bytes = 64;
  service_ = std::make_unique<MilterService>(mo, leakguard::testing::BuiltinEngine(), decisions_.get());
  auto r = Send({"ops@corp.example"}, "aws_access_key_id = AKIAZ3MHQ7XK4PL2WQ5R\r\n" + std::string(200, 'x'));
  ASSERT_FALSE(r.empty());
  EXPECT_FALSE(Has(r, reply::kReplaceBody));
  EXPECT_EQ(r.back().command, reply::kReplyCode);
  EXPECT_TRUE(r.back().data.starts_with("550 5.7.1 ")) << r.back().data;
}

// Alert: delivered, and a notice queued for the sender and the rule's mailto: target — but not for a
// message that is itself automatic (Auto-Submitted), which is how LeakGuard's own notices come back.
TEST_F(MilterServiceTest, AlertSendsANoticeUnlessTheMessageIsAutoSubmitted) {
  MilterOptions mo;
  mo.spool_dir = dir_.string();
  mo.notify.enabled = true;
  mo.notify.smtp.port = 1;  // nothing listens: the notice fails, which the counters show
  mo.notify.smtp.timeout = std::chrono::milliseconds(500);
  mo.notify.retries = 0;
  mo.notify.from = "dlp-noreply@corp.example";
  mo.notify.to = {"sender"};
  service_ = std::make_unique<MilterService>(mo, leakguard::testing::BuiltinEngine(), decisions_.get());
  auto r = Send({"bob@gmail.com"}, "NIK pelanggan 3174015505900003\r\n");
  EXPECT_TRUE(Has(r, reply::kAddHeader, "action=alert"));
  EXPECT_EQ(r.back().command, reply::kContinue);
  ASSERT_TRUE(service_->notifier()->WaitIdle(std::chrono::seconds(10)));
  std::string metrics = service_->RenderMetrics();
  EXPECT_NE(metrics.find("leakguard_milter_notices_failed_total 1"), std::string::npos) << metrics;

  for (std::string value : {"auto-generated", " Auto-Replied; x=1", "AUTO-NOTIFIED"}) {
    r = Send({"bob@gmail.com"}, "NIK pelanggan 3174015505900003\r\n", "notice", "text/plain",
             {{"Auto-Submitted", value}});
    EXPECT_TRUE(Has(r, reply::kAddHeader, "action=alert"));
  }
  r = Send({"bob@gmail.com"}, "NIK pelanggan 3174015505900003\r\n", "person", "text/plain",
           {{"Auto-Submitted", "no"}});
  ASSERT_TRUE(service_->notifier()->WaitIdle(std::chrono::seconds(10)));
  metrics = service_->RenderMetrics();
  EXPECT_NE(metrics.find("leakguard_milter_notices_skipped_total 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("leakguard_milter_notices_failed_total 2"), std::string::npos) << metrics;
}

TEST_F(MilterServiceTest, QuarantineGoesToTheHoldQueue) {
  auto r = Send({"partner@example.org"}, "IBAN DE89 3704 0044 0532 0130 00\r\n");
  EXPECT_TRUE(Has(r, reply::kQuarantine, "incident INC-"));
  EXPECT_EQ(r.back().command, reply::kContinue);
}

TEST_F(MilterServiceTest, MalformedPacketsCloseTheConnection) {
  for (std::string bad : {std::string("\0\0\0\0", 4), std::string("\x7f\xff\xff\xff", 4), Encode('Z', "x"),
                          Encode(cmd::kMail, "no-nul"), Encode(cmd::kOptNeg, "short")}) {
    auto s = service_->NewSession("127.0.0.1");
    s->Feed(bad);
    EXPECT_TRUE(s->close_after_output()) << bad.size();
  }
  // A truncated body is just not complete: nothing happens until more arrives.
  auto s = service_->NewSession("127.0.0.1");
  s->Feed(Encode(cmd::kBody, "hello").substr(0, 6));
  EXPECT_FALSE(s->close_after_output());
}

}  // namespace
}  // namespace leakguard::channel::milter
