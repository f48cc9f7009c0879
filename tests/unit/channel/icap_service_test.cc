// The ICAP service (channel/icap/icap_service.h) with a real decision point: a policy file, a SQLite
// incident store in a temporary folder and the built-in catalog. Requests are the bytes Squid sends;
// answers are checked byte by byte where it matters (204, 100 Continue, the echoed body) and for what
// must never be in them (the full card number).
#include "channel/icap/icap_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "incident/store.h"
#include "test_support.h"

namespace leakguard::channel::icap {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCard = "4111 1111 1111 1111";

class IcapServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lg-icap-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "policy.yaml") << R"(name: icap-test
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
  - id: emails
    when:
      content: {types: [EMAIL_ADDRESS]}
    action: redact
    severity: low
  - id: ibans
    when:
      content: {types: [IBAN_CODE]}
    action: justify
    severity: medium
)";
    std::ofstream(dir_ / "config.yaml")
        << "organization:\n  internal_domains: [corp.example]\npolicy: policy.yaml\n"
        << "incidents:\n  store: sqlite:" << (dir_ / "incidents.db").string() << "\n";
    engine_ = leakguard::testing::BuiltinEngine();
    ASSERT_NE(engine_, nullptr);
    incident::DecisionPointOptions o;
    o.config_path = (dir_ / "config.yaml").string();
    o.watch_files = false;
    o.log = [](std::string_view) {};
    auto dp = incident::DecisionPoint::Create(o, [this] { return engine_; });
    ASSERT_TRUE(dp) << dp.error().ToString();
    decisions_ = std::move(*dp);
    Make({});
  }
  void TearDown() override {
    service_.reset();
    decisions_.reset();
    fs::remove_all(dir_);
  }
  void Make(IcapOptions options) {
    options.spool_dir = dir_.string();
    service_ = std::make_unique<IcapService>(options, engine_, decisions_.get());
  }

  // Feeds a whole request to a fresh transaction and collects every byte of its answer.
  std::string Exchange(const std::string& request, Transaction* t = nullptr) {
    std::unique_ptr<Transaction> own;
    if (t == nullptr) {
      own = service_->NewTransaction("127.0.0.1");
      t = own.get();
    }
    std::string out;
    std::string_view rest = request;
    while (!rest.empty()) {
      std::size_t used = t->Feed(rest);
      rest.remove_prefix(used);
      do out += t->TakeOutput();
      while (t->has_more_output());
      if (t->close_after_output()) break;
    }
    return out;
  }

  static std::string Reqmod(const std::string& http_head, const std::string& body,
                            std::string extra = "Allow: 204\r\n", std::size_t piece = 0) {
    std::string r = "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1:1344\r\n" + extra +
                    "X-Client-IP: 10.1.2.3\r\nX-Authenticated-User: YWxpY2U=\r\n";
    if (body.empty() && http_head.starts_with("GET")) {
      return r + "Encapsulated: req-hdr=0, null-body=" + std::to_string(http_head.size()) + "\r\n\r\n" +
             http_head;
    }
    r += "Encapsulated: req-hdr=0, req-body=" + std::to_string(http_head.size()) + "\r\n\r\n" + http_head;
    const std::size_t step = piece == 0 ? std::max<std::size_t>(body.size(), 1) : piece;
    for (std::size_t i = 0; i < body.size(); i += step) {
      std::string c = body.substr(i, step);
      char size[20];
      std::snprintf(size, sizeof size, "%zx\r\n", c.size());
      r += size + c + "\r\n";
    }
    return r + "0\r\n\r\n";
  }
  static std::string Post(const std::string& url, const std::string& type, std::size_t length) {
    return "POST " + url +
           " HTTP/1.1\r\nHost: " + url.substr(url.find("//") + 2, url.find('/', 8) - url.find("//") - 2) +
           "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
  }

  fs::path dir_;
  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<incident::DecisionPoint> decisions_;
  std::unique_ptr<IcapService> service_;
};

TEST_F(IcapServiceTest, OptionsAdvertiseTheService) {
  std::string out = Exchange("OPTIONS icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(out.starts_with("ICAP/1.0 200 OK\r\n")) << out;
  EXPECT_NE(out.find("Methods: REQMOD\r\n"), std::string::npos);
  EXPECT_NE(out.find("ISTag: \"LG-"), std::string::npos);
  EXPECT_NE(out.find("Allow: 204\r\n"), std::string::npos);
  out = Exchange("OPTIONS icap://127.0.0.1:1344/respmod ICAP/1.0\r\n\r\n");
  EXPECT_NE(out.find("Methods: RESPMOD\r\n"), std::string::npos);
  out = Exchange("OPTIONS icap://127.0.0.1:1344/nothing ICAP/1.0\r\n\r\n");
  EXPECT_TRUE(out.starts_with("ICAP/1.0 404 ")) << out;
}

TEST_F(IcapServiceTest, GetWithoutBodyIs204) {
  std::string out = Exchange(Reqmod("GET http://example.org/ HTTP/1.1\r\nHost: example.org\r\n\r\n", ""));
  EXPECT_TRUE(out.starts_with("ICAP/1.0 204 No Content\r\n")) << out;
}

TEST_F(IcapServiceTest, CardInAFormToAnExternalSiteGetsTheBlockPage) {
  const std::string body = "name=alice&card=" + std::string("4111+1111+1111+1111") + "&note=thanks";
  std::string out = Exchange(Reqmod(
      Post("http://paste.example.net/submit", "application/x-www-form-urlencoded", body.size()), body));
  ASSERT_TRUE(out.starts_with("ICAP/1.0 200 OK\r\n")) << out;
  EXPECT_NE(out.find("Encapsulated: res-hdr=0, res-body="), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 403 Forbidden\r\n"), std::string::npos);
  EXPECT_NE(out.find("icap-test/cards"), std::string::npos);
  const std::size_t inc = out.find("X-LeakGuard-Incident: INC-");
  ASSERT_NE(inc, std::string::npos);
  const std::string id = out.substr(inc + 22, 30);
  EXPECT_EQ(out.find("4111"), std::string::npos) << "the block page must not hold the card number";
  auto got = decisions_->store().Get(id);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->transfer.identity.user, "alice");
  EXPECT_EQ(got->transfer.identity.client_ip, "10.1.2.3");
  ASSERT_EQ(got->transfer.destinations.size(), 1u);
  EXPECT_EQ(got->transfer.destinations[0].host, "paste.example.net");
  EXPECT_EQ(got->transfer.channel, Channel::kWeb);
}

TEST_F(IcapServiceTest, CleanUploadIs204OrEchoedByteForByte) {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "line " + std::to_string(i) + " of a harmless report\n";
  const std::string head = Post("http://files.example.net/up", "text/plain", body.size());
  std::string out = Exchange(Reqmod(head, body, "Allow: 204\r\n", 1000));
  EXPECT_TRUE(out.starts_with("ICAP/1.0 204 No Content\r\n")) << out.substr(0, 200);
  // Without Allow: 204 the request comes back unchanged, body included (spooled to a file here).
  IcapOptions small;
  small.spool_memory = 1024;
  Make(small);
  out = Exchange(Reqmod(head, body, ""));
  ASSERT_TRUE(out.starts_with("ICAP/1.0 200 OK\r\n")) << out.substr(0, 300);
  const std::size_t start = out.find("\r\n\r\n") + 4;
  ASSERT_EQ(out.compare(start, head.size(), head), 0);
  // De-chunk what follows and compare.
  std::string echoed;
  std::size_t pos = start + head.size();
  while (true) {
    std::size_t nl = out.find("\r\n", pos);
    std::size_t n = std::stoul(out.substr(pos, nl - pos), nullptr, 16);
    if (n == 0) break;
    echoed += out.substr(nl + 2, n);
    pos = nl + 2 + n + 2;
  }
  EXPECT_EQ(echoed, body);
}

TEST_F(IcapServiceTest, PreviewAsksForTheRestThenDecides) {
  const std::string body = "card " + std::string(kCard) + " please";
  const std::string head = Post("https://upload.example.com/x", "text/plain", body.size());
  std::string first =
      "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nAllow: 204\r\nPreview: 5\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(head.size()) + "\r\n\r\n" + head + "5\r\n" + body.substr(0, 5) + "\r\n0\r\n\r\n";
  auto t = service_->NewTransaction("127.0.0.1");
  std::string out = Exchange(first, t.get());
  EXPECT_EQ(out, "ICAP/1.0 100 Continue\r\n\r\n");
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size() - 5);
  out = Exchange(std::string(size) + body.substr(5) + "\r\n0\r\n\r\n", t.get());
  EXPECT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos) << out;
  EXPECT_TRUE(t->idle());
}

TEST_F(IcapServiceTest, JsonWithAnEmailIsRedactedAndLengthFixed) {
  const std::string body = R"({"to": "someone@example.org", "text": "hello"})";
  std::string out =
      Exchange(Reqmod(Post("https://api.example.net/send", "application/json", body.size()), body));
  ASSERT_TRUE(out.starts_with("ICAP/1.0 200 OK\r\n")) << out;
  EXPECT_NE(out.find("Encapsulated: req-hdr=0, req-body="), std::string::npos);
  EXPECT_EQ(out.find("someone@example.org"), std::string::npos) << out;
  EXPECT_NE(out.find("\"text\": \"hello\""), std::string::npos) << out;
  const std::size_t cl = out.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos);
  const std::size_t len = std::stoul(out.substr(cl + 16));
  const std::size_t body_start = out.find("\r\n\r\n", cl) + 4;
  const std::size_t nl = out.find("\r\n", body_start);
  EXPECT_EQ(std::stoul(out.substr(body_start, nl - body_start), nullptr, 16), len);
}

TEST_F(IcapServiceTest, FailClosedWhenTheBodyIsTooLargeAndTheChoiceIsRecorded) {
  IcapOptions o;
  o.max_body = 100;
  Make(o);
  const std::string body(1000, 'x');
  std::string out = Exchange(Reqmod(Post("http://x.example.net/u", "text/plain", body.size()), body));
  EXPECT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos) << out;
  const std::size_t inc = out.find("X-LeakGuard-Incident: ");
  ASSERT_NE(inc, std::string::npos);
  auto got = decisions_->store().Get(out.substr(inc + 22, 30));
  ASSERT_TRUE(got);
  ASSERT_FALSE(got->verdict.matched.empty());
  EXPECT_EQ(got->verdict.matched.back().rule, "icap/fail-closed");
  EXPECT_FALSE(got->summary.complete);
  // Fail-open lets it through and records that too.
  o.fail_open = true;
  Make(o);
  out = Exchange(Reqmod(Post("http://x.example.net/u", "text/plain", body.size()), body));
  EXPECT_TRUE(out.starts_with("ICAP/1.0 204")) << out;
}

TEST_F(IcapServiceTest, JustifyPageThenOverrideForTheSameSenderAndHost) {
  IcapOptions o;
  o.justify_url = "http://127.0.0.1:8080/v1/justify";
  Make(o);
  const std::string body = "please pay to IBAN DE89 3704 0044 0532 0130 00 today";
  const std::string req = Reqmod(Post("https://bank.example.net/pay", "text/plain", body.size()), body);
  std::string out = Exchange(req);
  ASSERT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos) << out;
  ASSERT_NE(out.find("action=\"http://127.0.0.1:8080/v1/justify\""), std::string::npos) << out;
  auto field = [&](const std::string& name) {
    std::size_t p = out.find("name=\"" + name + "\" value=\"");
    EXPECT_NE(p, std::string::npos) << name;
    p += name.size() + 15;
    return out.substr(p, out.find('"', p) - p);
  };
  const std::string incident = field("incident");
  const std::string ticket = field("ticket");
  EXPECT_FALSE(decisions_->Justify(incident, ticket + "0", "because").has_value());  // tampered
  EXPECT_FALSE(decisions_->Justify(incident, ticket, "  ").has_value());             // no reason
  auto j = decisions_->Justify(incident, ticket, "quarterly supplier payment, approved by finance");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ(j->host, "bank.example.net");
  auto got = decisions_->store().Get(incident);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->justification, "quarterly supplier payment, approved by finance");
  // The same upload from the same sender now goes through (and is still recorded).
  out = Exchange(req);
  EXPECT_TRUE(out.starts_with("ICAP/1.0 204")) << out;
  // Another destination host still asks.
  out = Exchange(Reqmod(Post("https://other.example.net/pay", "text/plain", body.size()), body));
  EXPECT_NE(out.find("HTTP/1.1 403 Forbidden"), std::string::npos);
}

TEST_F(IcapServiceTest, MalformedRequestsGetAnErrorAndClose) {
  auto t = service_->NewTransaction("127.0.0.1");
  std::string out = Exchange("REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n", t.get());
  EXPECT_TRUE(out.starts_with("ICAP/1.0 400 Bad Request\r\n")) << out;
  EXPECT_TRUE(t->close_after_output());
  out = Exchange(Reqmod(Post("http://a.example/", "text/plain", 3), "abc").replace(0, 6, "FOOMOD"));
  EXPECT_TRUE(out.starts_with("ICAP/1.0 501 ")) << out;
}

}  // namespace
}  // namespace leakguard::channel::icap
