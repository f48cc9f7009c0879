// POST /v1/inspect with content extraction: multipart/form-data uploads and base64 "data" that hold
// archives, CSV and encoded runs (docs/api.md).

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http_api.h"
#include "server/multipart.h"
#include "test_support.h"

namespace leakguard::server {
namespace {

using json = nlohmann::json;

std::string Fixture(const std::string& name) {
  std::ifstream in(leakguard::testing::SourceDir() + "/tests/fixtures/extract/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

HttpRequest Post(std::string_view body, std::string content_type) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/inspect";
  r.headers.push_back({"Content-Type", std::move(content_type)});
  r.body = body;
  return r;
}

std::string Multipart(const std::string& boundary,
                      const std::vector<std::pair<std::string, std::string>>& files,
                      const std::vector<std::pair<std::string, std::string>>& fields = {}) {
  std::string body;
  for (const auto& [name, value] : fields)
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
            "\r\n";
  for (const auto& [filename, bytes] : files)
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
  body += "--" + boundary + "--\r\n";
  return body;
}

bool HasFinding(const json& j, std::string_view type, std::string_view part) {
  for (const json& f : j["findings"])
    if (f["type"] == type && f["part"] == part) return true;
  return false;
}

TEST(InspectUpload, MultipartArchivesAreExtracted) {
  HttpApi api(ApiOptions{}, leakguard::testing::BuiltinEngine());
  const std::string body =
      Multipart("XyZ-123", {{"q3.zip", Fixture("q3.zip")}, {"paste.txt", Fixture("paste.txt")}},
                {{"min_confidence", "medium"}});
  HttpResponse r = api.Handle(Post(body, "multipart/form-data; boundary=XyZ-123"));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_TRUE(HasFinding(j, "CREDIT_CARD_NUMBER", "q3.zip/customers.csv!C2")) << r.body;
  EXPECT_TRUE(HasFinding(j, "IBAN_CODE", "q3.zip/inner.zip/data.json!$.customers[0].iban")) << r.body;
  EXPECT_TRUE(HasFinding(j, "CREDIT_CARD_NUMBER", "paste.txt/base64@32!C2")) << r.body;
  EXPECT_GT(j["parts"].get<int>(), 5);
}

TEST(InspectUpload, Base64DataIsExtractedAndProblemsAreFindings) {
  HttpApi api(ApiOptions{}, leakguard::testing::BuiltinEngine());
  std::string zip = Fixture("encrypted.zip");
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (std::size_t i = 0; i < zip.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(zip[i]) << 16;
    if (i + 1 < zip.size()) v |= static_cast<unsigned char>(zip[i + 1]) << 8;
    if (i + 2 < zip.size()) v |= static_cast<unsigned char>(zip[i + 2]);
    b64 += kAlphabet[(v >> 18) & 63];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += i + 1 < zip.size() ? kAlphabet[(v >> 6) & 63] : '=';
    b64 += i + 2 < zip.size() ? kAlphabet[v & 63] : '=';
  }
  std::string body = json{{"data", b64}, {"name", "secret.zip"}, {"types", {"ENCRYPTED_CONTENT"}}}.dump();
  HttpResponse r = api.Handle(Post(body, "application/json"));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["count"], 1) << r.body;
  EXPECT_EQ(j["findings"][0]["part"], "secret.zip/notes.txt");
  EXPECT_EQ(j["findings"][0]["confidence"], "high");
}

TEST(InspectUpload, BadMultipartIsRejected) {
  HttpApi api(ApiOptions{}, leakguard::testing::BuiltinEngine());
  EXPECT_EQ(api.Handle(Post("--b\r\nno end", "multipart/form-data; boundary=b")).status, 400);
  EXPECT_EQ(api.Handle(Post(Multipart("b", {}), "multipart/form-data; boundary=b")).status, 400);
  EXPECT_EQ(api.Handle(Post("x", "text/plain")).status, 415);
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=\"a;b\"").value_or(""), "a;b");
  EXPECT_FALSE(MultipartBoundary("multipart/mixed; boundary=x").has_value());
  const std::string body = Multipart("q", {{"a b.txt", "x\r\ny"}}, {{"name", "n"}});  // parts view into it
  auto parts = ParseMultipart(body, "q");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].filename.value_or(""), "a b.txt");
  EXPECT_EQ((*parts)[1].content, "x\r\ny");
}

}  // namespace
}  // namespace leakguard::server
