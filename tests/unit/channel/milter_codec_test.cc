// The milter codec (channel/milter/milter_codec.h): packets as Postfix sends them, fed in every piece
// size; payload parsers on valid and broken payloads; the encoders' exact bytes.
#include "channel/milter/milter_codec.h"

#include <gtest/gtest.h>

namespace leakguard::channel::milter {
namespace {

std::string Str(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) {
    s += p;
    s += '\0';
  }
  return s;
}

TEST(MilterCodec, DecodesPacketsInEveryPieceSize) {
  OptNeg o{6, 0x1ff, 0x1fffff};
  std::string stream = EncodeOptNeg(o) +
                       Encode(cmd::kMacro, std::string("C") + Str({"j", "mx.corp.example"})) +
                       Encode(cmd::kMail, Str({"<alice@corp.example>", "SIZE=1000"})) +
                       Encode(cmd::kBody, std::string(70000, 'x')) + Encode(cmd::kEob);
  for (std::size_t step : {1, 2, 3, 5, 64, 100000}) {
    Decoder d;
    std::vector<Packet> got;
    for (std::size_t i = 0; i < stream.size(); i += step)
      ASSERT_TRUE(d.Feed(std::string_view(stream).substr(i, step), got).ok());
    ASSERT_EQ(got.size(), 5u) << step;
    EXPECT_TRUE(d.idle());
    auto on = ParseOptNeg(got[0].data);
    ASSERT_TRUE(on);
    EXPECT_EQ(on->version, 6u);
    EXPECT_EQ(on->actions, 0x1ffu);
    auto m = ParseMacros(got[1].data);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, 'C');
    EXPECT_EQ(m->values[0].second, "mx.corp.example");
    auto mail = ParseStrings(got[2].data);
    ASSERT_TRUE(mail);
    EXPECT_EQ(StripAngles((*mail)[0]), "alice@corp.example");
    EXPECT_EQ(got[3].data.size(), 70000u);
    EXPECT_EQ(got[4].command, cmd::kEob);
  }
}

TEST(MilterCodec, BadLengthsFailAndStayFailed) {
  Decoder d;
  std::vector<Packet> out;
  EXPECT_EQ(d.Feed(std::string("\0\0\0\0", 4), out).code(), StatusCode::kParseError);
  EXPECT_FALSE(d.Feed(Encode(cmd::kEob), out).ok());
  Decoder big(Limits{1024});
  EXPECT_EQ(big.Feed("\x7f\xff\xff\xff", out).code(), StatusCode::kLimitExceeded);
  // A truncated packet is simply not complete yet.
  Decoder t;
  EXPECT_TRUE(t.Feed(Encode(cmd::kBody, "hello").substr(0, 7), out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(t.idle());
}

TEST(MilterCodec, ConnectAndHeaderPayloads) {
  std::string c =
      std::string("client.example") + '\0' + "4" + std::string("\x04\xd2", 2) + "192.0.2.7" + '\0';
  auto con = ParseConnect(c);
  ASSERT_TRUE(con) << con.error().ToString();
  EXPECT_EQ(con->family, '4');
  EXPECT_EQ(con->port, 1234);
  EXPECT_EQ(con->address, "192.0.2.7");
  EXPECT_TRUE(ParseConnect(std::string("h") + '\0' + "U"));
  EXPECT_FALSE(ParseConnect("no-nul"));
  EXPECT_FALSE(ParseConnect(std::string("h") + '\0' + "4\x01"));
  EXPECT_FALSE(ParseConnect(std::string("h") + '\0' + "X"));
  auto h = ParseHeader(Str({"Subject", "Q3 numbers"}));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "Subject");
  EXPECT_EQ(h->second, "Q3 numbers");
  EXPECT_FALSE(ParseHeader(std::string("Subject") + '\0' + "no end"));
  EXPECT_FALSE(ParseStrings(""));
  EXPECT_FALSE(ParseMacros(""));
  EXPECT_FALSE(ParseMacros(std::string("M") + "{i}"));
  EXPECT_FALSE(ParseOptNeg("short"));
}

TEST(MilterCodec, EncodersWriteExactBytes) {
  EXPECT_EQ(Encode(reply::kContinue), std::string("\0\0\0\x01"
                                                  "c",
                                                  5));
  const std::string r = EncodeReplyCode("550", "5.7.1", "Blocked by policy (incident INC-1)\r\n100%");
  EXPECT_EQ(r.substr(4, 1), "y");
  EXPECT_EQ(r.substr(5), std::string("550 5.7.1 Blocked by policy (incident INC-1)  100%%") + '\0');
  const std::string hdr = EncodeAddHeader("X-LeakGuard", "action=allow; label=internal");
  EXPECT_EQ(hdr.substr(5), Str({"X-LeakGuard", "action=allow; label=internal"}));
  // Header values are not format strings: a '%' stays single (a masked Subject "50% off").
  const std::string chg = EncodeChangeHeader(1, "Subject", "50% off\r\n AKIA****");
  EXPECT_EQ(chg.substr(4, 1), "m");
  EXPECT_EQ(chg.substr(9), Str({"Subject", "50% off   AKIA****"}));
  EXPECT_EQ(EncodeDelRcpt("<bob@gmail.com>").substr(4), std::string("-<bob@gmail.com>") + '\0');
  const std::string body(150000, 'b');
  std::string rb = EncodeReplaceBody(body);
  Decoder d;
  std::vector<Packet> got;
  ASSERT_TRUE(d.Feed(rb, got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data.size(), kMaxBodyChunk);
  EXPECT_EQ(got[0].data + got[1].data + got[2].data, body);
}

}  // namespace
}  // namespace leakguard::channel::milter
