// The ICAP request parser (channel/icap/icap_parser.h): every message shape Squid sends, fed whole and
// in pieces of every size, preview and continuation, and malformed input with its ICAP status.
#include "channel/icap/icap_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace leakguard::channel::icap {
namespace {

struct Recorder : Parser::Handler {
  std::vector<std::string> events;
  std::string body;
  RequestHead head;
  Status OnHead(const RequestHead& h) override {
    head = h;
    events.push_back("head:" + std::string(MethodName(h.method)) + ":" + h.service);
    return Status::Ok();
  }
  Status OnBody(std::string_view d) override {
    body.append(d);
    return Status::Ok();
  }
  Status OnPreviewEnd() override {
    events.push_back("preview-end");
    return Status::Ok();
  }
  Status OnEnd() override {
    events.push_back("end");
    return Status::Ok();
  }
};

std::string Reqmod(std::string_view http_head, std::string_view chunked_body, std::string_view extra = "") {
  std::string h = "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1:1344\r\n";
  h += extra;
  h += "Encapsulated: req-hdr=0, req-body=" + std::to_string(http_head.size()) + "\r\n\r\n";
  return h + std::string(http_head) + std::string(chunked_body);
}

constexpr std::string_view kPostHead =
    "POST /upload HTTP/1.1\r\nHost: paste.example.net\r\nContent-Type: text/plain\r\nContent-Length: "
    "11\r\n\r\n";

// Feeds `msg` in pieces of `step` bytes (0: whole), re-feeding what Feed did not take.
Result<std::size_t> FeedAll(Parser& p, std::string_view msg, std::size_t step) {
  std::size_t pos = 0;
  while (pos < msg.size()) {
    std::size_t n = step == 0 ? msg.size() - pos : std::min(step, msg.size() - pos);
    auto used = p.Feed(msg.substr(pos, n));
    if (!used) return used;
    if (*used == 0 && n > 0) return pos;  // stopped at a message boundary
    pos += *used;
  }
  return pos;
}

TEST(IcapParser, OptionsWithoutEncapsulated) {
  Recorder r;
  Parser p(r);
  std::string msg = "OPTIONS icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  auto used = p.Feed(msg);
  ASSERT_TRUE(used) << used.error().ToString();
  EXPECT_EQ(*used, msg.size());
  EXPECT_EQ(r.events, (std::vector<std::string>{"head:OPTIONS:reqmod", "end"}));
  EXPECT_TRUE(p.idle());
}

TEST(IcapParser, ReqmodBodyInEveryPieceSize) {
  const std::string msg = Reqmod(kPostHead, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "Allow: 204\r\n");
  for (std::size_t step : {0, 1, 2, 3, 7, 13, 64}) {
    Recorder r;
    Parser p(r);
    auto used = FeedAll(p, msg, step);
    ASSERT_TRUE(used) << "step " << step << ": " << used.error().ToString();
    EXPECT_EQ(*used, msg.size()) << step;
    EXPECT_EQ(r.body, "hello world") << step;
    EXPECT_EQ(r.events, (std::vector<std::string>{"head:REQMOD:reqmod", "end"})) << step;
    EXPECT_TRUE(r.head.allow_204);
    ASSERT_TRUE(r.head.http_request);
    EXPECT_EQ(r.head.http_request->start_line, "POST /upload HTTP/1.1");
    ASSERT_NE(r.head.http_request->Find("host"), nullptr);
    EXPECT_EQ(*r.head.http_request->Find("host"), "paste.example.net");
    EXPECT_EQ(r.head.http_request->raw, kPostHead);
  }
}

TEST(IcapParser, PreviewThenContinuation) {
  Recorder r;
  Parser p(r);
  std::string msg = Reqmod(kPostHead, "4\r\nhell\r\n0\r\n\r\n", "Preview: 4\r\n");
  auto used = p.Feed(msg);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, msg.size());
  EXPECT_EQ(r.events, (std::vector<std::string>{"head:REQMOD:reqmod", "preview-end"}));
  EXPECT_FALSE(p.idle());
  // After "100 Continue" the client sends the rest.
  used = p.Feed("7\r\no world\r\n0\r\n\r\n");
  ASSERT_TRUE(used);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.events.back(), "end");
  EXPECT_TRUE(p.idle());
}

TEST(IcapParser, PreviewHoldingTheWholeBodyEndsWithIeof) {
  Recorder r;
  Parser p(r);
  auto used = p.Feed(Reqmod(kPostHead, "3\r\nabc\r\n0; ieof\r\n\r\n", "Preview: 1024\r\n"));
  ASSERT_TRUE(used);
  EXPECT_EQ(r.events, (std::vector<std::string>{"head:REQMOD:reqmod", "end"}));
  EXPECT_EQ(r.body, "abc");
}

TEST(IcapParser, NullBodyGetAndTwoMessagesInOneBuffer) {
  std::string get = "GET /x HTTP/1.1\r\nHost: example.org\r\n\r\n";
  std::string one =
      "REQMOD icap://h/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=" + std::to_string(get.size()) +
      "\r\n\r\n" + get;
  std::string both = one + one;
  Recorder r;
  Parser p(r);
  auto used = p.Feed(both);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, one.size());
  used = p.Feed(std::string_view(both).substr(*used));
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, one.size());
  EXPECT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.head.http_request->start_line, "GET /x HTTP/1.1");
}

TEST(IcapParser, RespmodWithBothHeads) {
  std::string req = "GET /f HTTP/1.1\r\nHost: example.org\r\n\r\n";
  std::string res = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\n";
  std::string msg =
      "RESPMOD icap://h/respmod ICAP/1.0\r\nEncapsulated: req-hdr=0, res-hdr=" + std::to_string(req.size()) +
      ", res-body=" + std::to_string(req.size() + res.size()) + "\r\n\r\n" + req + res +
      "a\r\n0123456789\r\n0\r\n\r\n";
  Recorder r;
  Parser p(r);
  auto used = p.Feed(msg);
  ASSERT_TRUE(used) << used.error().ToString();
  EXPECT_EQ(r.head.service, "respmod");
  EXPECT_EQ(r.head.http_response->start_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r.body, "0123456789");
}

TEST(IcapParser, ChunkExtensionsAndBareLf) {
  Recorder r;
  Parser p(r);
  auto used = p.Feed(Reqmod(kPostHead, "5;name=x\nhello\n0\n\n"));
  ASSERT_TRUE(used) << used.error().ToString();
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.events.back(), "end");
}

struct Bad {
  std::string name;
  std::string input;
  int status;
};

TEST(IcapParser, MalformedRequestsGetAnIcapStatus) {
  const std::string big(70000, 'a');
  const std::vector<Bad> cases = {
      {"bad chunk size", Reqmod(kPostHead, "zz\r\nhello\r\n0\r\n\r\n"), 400},
      {"negative chunk size", Reqmod(kPostHead, "-5\r\nhello\r\n"), 400},
      {"huge chunk size", Reqmod(kPostHead, "fffffffffffffffff\r\n"), 400},
      {"no CRLF after chunk", Reqmod(kPostHead, "2\r\nabXY"), 400},
      {"missing Encapsulated", "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n\r\n", 400},
      {"wrong version", "OPTIONS icap://h/reqmod ICAP/2.0\r\n\r\n", 505},
      {"unknown method", "FILEMOD icap://h/x ICAP/1.0\r\n\r\n", 501},
      {"garbage request line", "hello\r\n\r\n", 400},
      {"oversized header", "OPTIONS icap://h/reqmod ICAP/1.0\r\nX-Big: " + big + "\r\n\r\n", 413},
      {"offsets not increasing", "REQMOD icap://h/r ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=0x\r\n\r\n",
       400},
      {"offset mismatch",
       "REQMOD icap://h/r ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=10\r\n\r\nGET / HTTP/1.1\r\n\r\n",
       400},
      {"body entity missing", "REQMOD icap://h/r ICAP/1.0\r\nEncapsulated: req-hdr=0\r\n\r\n", 400},
      {"res-body in REQMOD", "REQMOD icap://h/r ICAP/1.0\r\nEncapsulated: req-hdr=0, res-body=5\r\n\r\n",
       400},
      {"unknown entity", "REQMOD icap://h/r ICAP/1.0\r\nEncapsulated: foo=0\r\n\r\n", 400},
      {"bad header line", "OPTIONS icap://h/r ICAP/1.0\r\nno colon here\r\n\r\n", 400},
      {"bad preview", Reqmod(kPostHead, "", "Preview: lots\r\n"), 400},
      {"no service path", "OPTIONS icap://h ICAP/1.0\r\n\r\n", 400},
  };
  for (const Bad& c : cases) {
    for (std::size_t step : {0, 1, 5}) {
      Recorder r;
      Parser p(r);
      ParseFailure f;
      std::size_t pos = 0;
      Status last;
      while (pos < c.input.size()) {
        std::size_t n = step == 0 ? c.input.size() - pos : std::min(step, c.input.size() - pos);
        auto used = p.Feed(std::string_view(c.input).substr(pos, n), &f);
        if (!used) {
          last = used.error();
          break;
        }
        pos += n;
      }
      EXPECT_FALSE(last.ok()) << c.name << " (step " << step << ") was accepted";
      EXPECT_EQ(f.icap_status, c.status) << c.name << ": " << last.ToString();
      // Messages never echo much of the input.
      EXPECT_LT(last.message().size(), 200u) << c.name;
    }
  }
}

TEST(IcapParser, HandlerFailureStopsTheParser) {
  struct Refuse : Recorder {
    Status OnBody(std::string_view) override { return Status::LimitExceeded("too much"); }
  } r;
  Parser p(r);
  ParseFailure f;
  auto used = p.Feed(Reqmod(kPostHead, "5\r\nhello\r\n0\r\n\r\n"), &f);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(f.icap_status, 500);
  EXPECT_FALSE(p.Feed("x"));
}

}  // namespace
}  // namespace leakguard::channel::icap
