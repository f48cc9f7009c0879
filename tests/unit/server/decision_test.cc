// /v1/inspect with a decider (ApiOptions::decide): the request's transfer, the summary the policy layer
// sees (every finding, whatever the request's filters) and the verdict in the response.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http_api.h"
#include "server/json_reader.h"
#include "unit/server/test_engine.h"

namespace leakguard::server {
namespace {

using nlohmann::json;

HttpRequest Post(const std::string& body) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/inspect";
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = body;
  return r;
}

Result<Transfer> ParseTransfer(std::string_view text) {
  Result<JsonValue> v = ParseJson(text);
  if (!v) return Unexpected(v.error());
  return TransferFromRequest(*v);
}

TEST(TransferFromRequest, ReadsEveryField) {
  auto t = ParseTransfer(R"({"channel": "mail", "user": "alice", "groups": ["finance", "staff"],
      "client_ip": "10.1.2.3", "host": "ws-17", "source": "smtp:10.1.2.3", "direction": "out",
      "name": "Q3 numbers", "content_type": "message/rfc822", "attributes": {"message_id": "<a@b>"},
      "destinations": ["Bob@Gmail.com", "https://drive.example.org:443/upload?x=1", "203.0.113.9",
                       {"address": "carol@corp.example", "country": "ID"}, "usb:SanDisk Cruzer 1234"]})");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->channel, Channel::kMail);
  EXPECT_EQ(t->identity.user, "alice");
  EXPECT_EQ(t->identity.groups, (std::vector<std::string>{"finance", "staff"}));
  EXPECT_EQ(t->identity.client_ip, "10.1.2.3");
  EXPECT_EQ(t->identity.host, "ws-17");
  EXPECT_EQ(t->source, "smtp:10.1.2.3");
  EXPECT_EQ(t->name, "Q3 numbers");
  EXPECT_EQ(t->content_type, "message/rfc822");
  EXPECT_EQ(t->attributes.at("message_id"), "<a@b>");
  ASSERT_EQ(t->destinations.size(), 5u);
  EXPECT_EQ(t->destinations[0].address, "Bob@Gmail.com");
  EXPECT_EQ(t->destinations[0].host, "gmail.com");
  EXPECT_EQ(t->destinations[1].url, "https://drive.example.org:443/upload?x=1");
  EXPECT_EQ(t->destinations[1].host, "drive.example.org");
  EXPECT_EQ(t->destinations[2].ip, "203.0.113.9");
  EXPECT_EQ(t->destinations[2].host, "");
  EXPECT_EQ(t->destinations[3].host, "corp.example");
  EXPECT_EQ(t->destinations[3].country, "ID");
  EXPECT_EQ(t->destinations[4].device, "usb:SanDisk Cruzer 1234");
}

TEST(TransferFromRequest, ErrorsNameTheField) {
  EXPECT_NE(ParseTransfer(R"({"channel": "fax"})").error().message().find("transfer.channel"),
            std::string::npos);
  EXPECT_NE(ParseTransfer(R"({"groups": "x"})").error().message().find("transfer.groups"), std::string::npos);
  EXPECT_NE(ParseTransfer(R"({"destination": 5})").error().message().find("transfer.destination"),
            std::string::npos);
  EXPECT_NE(ParseTransfer(R"({"color": "red"})").error().message().find("transfer.color"), std::string::npos);
  EXPECT_FALSE(ParseTransfer(R"([1])"));
}

TEST(DestinationFromString, UrlWithCredentialsAndIpv6) {
  Destination d = DestinationFromString("https://user:pw@[2001:db8::1]:8443/x");
  EXPECT_EQ(d.ip, "2001:db8::1");
  EXPECT_EQ(d.host, "");
  d = DestinationFromString("HTTP://Example.COM/path");
  EXPECT_EQ(d.host, "example.com");
  d = DestinationFromString("mail.example.net");
  EXPECT_EQ(d.host, "mail.example.net");
}

class DecisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = test_support::CompileTestEngine();
    ASSERT_NE(engine_, nullptr);
    ApiOptions options;
    options.decide = [this](Transfer& t, FindingsSummary& s,
                            const std::vector<ContentItem>& content) -> Result<Decision> {
      std::lock_guard lock(mu_);
      seen_transfer_ = t;
      seen_summary_ = s;
      seen_content_.clear();
      for (const auto& c : content) seen_content_.emplace_back(c.bytes);
      if (fail_) return Unexpected(Status::Unavailable("store down"));
      Decision d;
      d.verdict.action = s.Find("TEST_CARD") ? Action::kBlock : Action::kAllow;
      d.verdict.severity = Severity::kHigh;
      d.verdict.message = "Card numbers may not leave";
      d.verdict.matched.push_back(
          {"default/cards", Action::kBlock, Severity::kHigh, "TEST_CARD x1", {}, false});
      d.incident_id = "INC-TEST";
      return d;
    };
    api_ = std::make_unique<HttpApi>(options, engine_);
  }

  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<HttpApi> api_;
  std::mutex mu_;
  bool fail_ = false;
  Transfer seen_transfer_;
  FindingsSummary seen_summary_;
  std::vector<std::string> seen_content_;
};

TEST_F(DecisionTest, VerdictAndIncidentInTheResponse) {
  const std::string body =
      json({{"text", "card 4111 1111 1111 1111 and WEAK-1234"},
            {"transfer",
             {{"channel", "web"}, {"user", "alice"}, {"destination", "https://paste.example/new"}}}})
          .dump();
  HttpResponse r = api_->Handle(Post(body));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["verdict"]["action"], "block");
  EXPECT_EQ(j["verdict"]["severity"], "high");
  EXPECT_EQ(j["verdict"]["rules"][0]["rule"], "default/cards");
  EXPECT_EQ(j["incident_id"], "INC-TEST");
  EXPECT_EQ(seen_transfer_.channel, Channel::kWeb);
  EXPECT_EQ(seen_transfer_.identity.user, "alice");
  ASSERT_EQ(seen_transfer_.destinations.size(), 1u);
  EXPECT_EQ(seen_transfer_.destinations[0].host, "paste.example");
  EXPECT_EQ(seen_content_, (std::vector<std::string>{"card 4111 1111 1111 1111 and WEAK-1234"}));
  // The summary holds the low-confidence finding the response leaves out (default min medium).
  ASSERT_NE(seen_summary_.Find("TEST_WEAK"), nullptr);
  EXPECT_EQ(seen_summary_.Find("TEST_WEAK")->count_low, 1u);
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(r.body.find("4111 1111 1111 1111"), std::string::npos);
}

TEST_F(DecisionTest, TypeFilterDoesNotHideFindingsFromThePolicy) {
  const std::string body =
      json({{"text", "card 4111 1111 1111 1111 key AKIAZ7VQ3M2L4KTR8XWP"}, {"types", {"TEST_AWS_KEY"}}})
          .dump();
  HttpResponse r = api_->Handle(Post(body));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["findings"][0]["type"], "TEST_AWS_KEY");
  EXPECT_EQ(j["verdict"]["action"], "block");  // decided on the card the response does not list
  EXPECT_EQ(seen_transfer_.channel, Channel::kApi);
}

TEST_F(DecisionTest, DeciderFailureIs503) {
  fail_ = true;
  HttpResponse r = api_->Handle(Post(json({{"text", "card 4111 1111 1111 1111"}}).dump()));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("decision_failed"), std::string::npos);
}

TEST_F(DecisionTest, BadTransferIs400) {
  HttpResponse r = api_->Handle(Post(json({{"text", "x"}, {"transfer", {{"channel", "fax"}}}}).dump()));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("transfer.channel"), std::string::npos);
}

}  // namespace
}  // namespace leakguard::server

namespace leakguard::server {
namespace {

TEST(JustifyEndpoint, FormAndJsonAndErrors) {
  ApiOptions options;
  std::string seen;
  options.justify = [&](const std::string& incident, const std::string& ticket,
                        const std::string& reason) -> Result<incident::DecisionPoint::Justified> {
    seen = incident + "|" + ticket + "|" + reason;
    if (ticket != "good") return Unexpected(Status::InvalidArgument("the justification link is not valid"));
    return incident::DecisionPoint::Justified{incident, "bank.example.net", 123};
  };
  HttpApi api(options, test_support::CompileTestEngine());
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/justify";
  r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  std::string body = "incident=INC-1&ticket=good&reason=needed+for+the+audit%3C";
  r.body = body;
  HttpResponse out = api.Handle(r);
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(seen, "INC-1|good|needed for the audit<");
  EXPECT_NE(out.body.find("Justification recorded"), std::string::npos);
  EXPECT_NE(out.body.find("bank.example.net"), std::string::npos);
  body = "incident=INC-1&ticket=bad&reason=x";
  r.body = body;
  out = api.Handle(r);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("not valid"), std::string::npos);
  r.headers = {{"Content-Type", "application/json"}};
  body = R"({"incident": "INC-2", "ticket": "good", "reason": "r"})";
  r.body = body;
  out = api.Handle(r);
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.body.find("\"override_until_ms\":123"), std::string::npos) << out.body;
  r.method = "GET";
  EXPECT_EQ(api.Handle(r).status, 405);
}

}  // namespace
}  // namespace leakguard::server
