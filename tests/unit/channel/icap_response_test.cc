// ICAP responses (channel/icap/icap_response.h): exact bytes, and that what we write parses back
// with our own parser where it is a message shape the parser knows.
#include "channel/icap/icap_response.h"

#include <gtest/gtest.h>

namespace leakguard::channel::icap {
namespace {

TEST(IcapResponse, Options) {
  OptionsInfo info;
  info.istag = "lg-1a2b";
  info.transfer_ignore = {"jpg", "mp4"};
  const std::string r = OptionsResponse(info);
  EXPECT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
  for (const char* line :
       {"Methods: REQMOD\r\n", "ISTag: \"lg-1a2b\"\r\n", "Allow: 204\r\n", "Preview: 4096\r\n",
        "Transfer-Preview: *\r\n", "Transfer-Ignore: jpg, mp4\r\n", "Max-Connections: 1000\r\n",
        "Options-TTL: 60\r\n", "Encapsulated: null-body=0\r\n\r\n"})
    EXPECT_NE(r.find(line), std::string::npos) << line << " in\n" << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
}

TEST(IcapResponse, SimpleStatuses) {
  EXPECT_EQ(ContinueResponse(), "ICAP/1.0 100 Continue\r\n\r\n");
  EXPECT_EQ(NoContentResponse("t"),
            "ICAP/1.0 204 No Content\r\nISTag: \"t\"\r\nEncapsulated: null-body=0\r\n\r\n");
  EXPECT_EQ(ErrorResponse(400, "t"),
            "ICAP/1.0 400 Bad Request\r\nISTag: \"t\"\r\nEncapsulated: null-body=0\r\n\r\n");
  EXPECT_TRUE(ErrorResponse(505, "").starts_with("ICAP/1.0 505 ICAP Version Not Supported\r\n"));
}

TEST(IcapResponse, OkWithBlockPage) {
  const std::string page = "<html>blocked</html>";
  const std::string head =
      "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(page.size()) +
      "\r\n\r\n";
  const std::string r = OkHead("t", /*request=*/false, head, true, {{"X-LeakGuard-Incident", "INC-1"}}) +
                        Chunk(page) + LastChunk();
  EXPECT_NE(r.find("X-LeakGuard-Incident: INC-1\r\n"), std::string::npos);
  EXPECT_NE(r.find("Encapsulated: res-hdr=0, res-body=" + std::to_string(head.size()) + "\r\n\r\n"),
            std::string::npos);
  EXPECT_TRUE(r.ends_with(head + "14\r\n" + page + "\r\n0\r\n\r\n"));
  EXPECT_EQ(Chunk(""), "");
}

TEST(IcapResponse, HeaderInjectionIsDefused) {
  const std::string r = OkHead("a\"b\r\nX-Evil: 1", true, "GET / HTTP/1.1\r\n\r\n", false,
                               {{"X-Reason", "line1\r\nSet-Cookie: x"}});
  EXPECT_EQ(r.find("\r\nX-Evil"), std::string::npos) << r;
  EXPECT_EQ(r.find("\r\nSet-Cookie"), std::string::npos) << r;
  EXPECT_NE(r.find("Encapsulated: req-hdr=0, null-body=18\r\n"), std::string::npos) << r;
}

}  // namespace
}  // namespace leakguard::channel::icap
