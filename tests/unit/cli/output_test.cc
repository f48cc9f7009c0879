#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace leakguard::cli {
namespace {

Finding CardFinding() {
  Finding f;
  f.info_type = "CREDIT_CARD_NUMBER";
  f.start = 10;
  f.end = 29;
  f.line = 2;
  f.column = 6;
  f.confidence = Confidence::kHigh;
  f.masked = "4111 **** **** 1111";
  f.rule = "CREDIT_CARD_NUMBER/grouped";
  f.evidence.validator = "credit_card";
  f.evidence.checksum_passed = true;
  f.evidence.context_word = "card";
  f.evidence.context_distance = 5;
  f.evidence.entropy = 2.5;
  f.value = "4111 1111 1111 1111";
  return f;
}

InfoTypeInfo CardInfo() {
  InfoTypeInfo info;
  info.id = "CREDIT_CARD_NUMBER";
  info.name = "Credit card number";
  info.category = "financial";
  info.description = "Payment card number (PAN), Luhn checksum.\n";
  info.confidence_rules = "medium alone, high with a context word";
  return info;
}

TEST(FormatTextLine, MaskedByDefault) {
  std::string line = FormatTextLine("notes.txt", CardFinding(), TextStyle{});
  EXPECT_EQ(line,
            "notes.txt:2:6: CREDIT_CARD_NUMBER (high) 4111 **** **** 1111 [CREDIT_CARD_NUMBER/grouped]\n");
  EXPECT_EQ(line.find("4111 1111 1111 1111"), std::string::npos);
}

TEST(FormatTextLine, RevealShowsValue) {
  TextStyle style;
  style.reveal = true;
  std::string line = FormatTextLine("notes.txt", CardFinding(), style);
  EXPECT_NE(line.find("4111 1111 1111 1111"), std::string::npos);
}

TEST(FormatTextLine, ColorOnlyWhenAsked) {
  EXPECT_EQ(FormatTextLine("a", CardFinding(), TextStyle{}).find('\x1b'), std::string::npos);
  TextStyle style;
  style.color = true;
  EXPECT_NE(FormatTextLine("a", CardFinding(), style).find("\x1b[1;31m"), std::string::npos);
}

TEST(FormatTextLine, PartAndEscaping) {
  Finding f = CardFinding();
  f.part = "a.zip/b.txt";
  f.masked = "ab\ncd\x1b[2J";
  std::string line = FormatTextLine("dir/evil\nname", f, TextStyle{});
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // exactly one line
  EXPECT_NE(line.find("dir/evil\\nname[a.zip/b.txt]:2:6:"), std::string::npos);
  EXPECT_NE(line.find("ab\\ncd\\x1B[2J"), std::string::npos);
}

TEST(EscapeForTerminal, KeepsUtf8EscapesInvalidBytes) {
  EXPECT_EQ(EscapeForTerminal("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(EscapeForTerminal("a\xff"), "a\\xFF");
  EXPECT_EQ(EscapeForTerminal("\xc2\x9b"), "\\xC2\\x9B");  // C1 CSI
  EXPECT_EQ(EscapeForTerminal("tab\there"), "tab\\there");
}

TEST(FindingToJson, HasAllFieldsAndNoValueWithoutReveal) {
  Json j = FindingToJson("src/a.txt", CardFinding(), false);
  for (const char* key : {"path", "part", "type", "start", "end", "line", "column", "confidence", "masked",
                          "rule", "evidence"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_FALSE(j.contains("value"));
  EXPECT_EQ(j["path"], "src/a.txt");
  EXPECT_EQ(j["part"], "");
  EXPECT_EQ(j["type"], "CREDIT_CARD_NUMBER");
  EXPECT_EQ(j["start"], 10);
  EXPECT_EQ(j["end"], 29);
  EXPECT_EQ(j["line"], 2);
  EXPECT_EQ(j["column"], 6);
  EXPECT_EQ(j["confidence"], "high");
  EXPECT_EQ(j["masked"], "4111 **** **** 1111");
  EXPECT_EQ(j["rule"], "CREDIT_CARD_NUMBER/grouped");
  const Json& e = j["evidence"];
  for (const char* key :
       {"validator", "checksum_passed", "context_word", "context_distance", "entropy", "note"}) {
    EXPECT_TRUE(e.contains(key)) << key;
  }
  EXPECT_EQ(e["validator"], "credit_card");
  EXPECT_EQ(e["checksum_passed"], true);
  EXPECT_EQ(e["context_word"], "card");
  EXPECT_EQ(e["context_distance"], 5);
}

TEST(FindingToJson, ValueOnlyWithReveal) {
  Json j = FindingToJson("a", CardFinding(), true);
  EXPECT_EQ(j["value"], "4111 1111 1111 1111");
}

TEST(FormatJsonLine, OneParsableLineEvenWithInvalidUtf8) {
  std::string line = FormatJsonLine("bad\xff/name\n", CardFinding(), false);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  Json j = Json::parse(line);
  EXPECT_EQ(j["path"], "bad\xef\xbf\xbd/name\n");
  EXPECT_EQ(line.find("4111 1111 1111 1111"), std::string::npos);
}

TEST(FormatJsonLine, SameBytesAsTheJsonLibrary) {
  // FormatJsonLine is written by hand for speed; it must write exactly what nlohmann-json writes.
  std::vector<Finding> findings;
  findings.push_back(CardFinding());
  Finding odd = CardFinding();
  odd.part = "q3.zip/\"quoted\"\\back\tslash\x01\x7f";
  odd.masked = "caf\xc3\xa9 \xe2\x82\xac \xff\xfe broken";
  odd.evidence.note = "well-known test value";
  odd.evidence.entropy = 3.4567891234;
  odd.evidence.context_distance = -1;
  odd.value = "line\nbreak";
  findings.push_back(odd);
  for (double e : {0.0, 4.0, 0.1, 1e-7, 5.954196310386876, 123456.0}) {
    Finding f = CardFinding();
    f.evidence.entropy = e;
    f.start = 18446744073709551615ull;
    findings.push_back(f);
  }
  for (const Finding& f : findings) {
    for (bool reveal : {false, true}) {
      for (std::string_view path : {"src/a.txt", "dir/ünï/\xc0\xaf", ""}) {
        EXPECT_EQ(FormatJsonLine(path, f, reveal), DumpJson(FindingToJson(path, f, reveal)) + "\n")
            << "entropy " << f.evidence.entropy;
      }
    }
  }
}

TEST(Sarif, LevelsAndUris) {
  EXPECT_EQ(SarifLevel(Confidence::kHigh), "error");
  EXPECT_EQ(SarifLevel(Confidence::kMedium), "warning");
  EXPECT_EQ(SarifLevel(Confidence::kLow), "note");
  EXPECT_EQ(SarifUri("./src/a b.txt"), "src/a%20b.txt");
  EXPECT_EQ(SarifUri("/tmp/x#1"), "file:///tmp/x%231");
  EXPECT_EQ(SarifUri("dir/file.txt"), "dir/file.txt");
}

TEST(Sarif, RuleFromInfoType) {
  InfoTypeInfo info = CardInfo();
  Json rule = SarifRule("CREDIT_CARD_NUMBER", &info);
  EXPECT_EQ(rule["id"], "CREDIT_CARD_NUMBER");
  EXPECT_EQ(rule["name"], "Credit card number");
  EXPECT_EQ(rule["shortDescription"]["text"], "Credit card number");
  EXPECT_EQ(rule["fullDescription"]["text"], "Payment card number (PAN), Luhn checksum.");
  EXPECT_TRUE(rule["help"].contains("text"));
  EXPECT_TRUE(rule["help"].contains("markdown"));
  Json unknown = SarifRule("MYSTERY", nullptr);
  EXPECT_EQ(unknown["shortDescription"]["text"], "MYSTERY");
}

TEST(Sarif, ResultStructure) {
  Json r = SarifResult("./notes.txt", CardFinding(), 0, false, "abc");
  EXPECT_EQ(r["ruleId"], "CREDIT_CARD_NUMBER");
  EXPECT_EQ(r["ruleIndex"], 0);
  EXPECT_EQ(r["level"], "error");
  EXPECT_NE(r["message"]["text"].get<std::string>().find("4111 **** **** 1111"), std::string::npos);
  const Json& loc = r["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "notes.txt");
  EXPECT_EQ(loc["region"]["startLine"], 2);
  EXPECT_EQ(loc["region"]["startColumn"], 6);
  EXPECT_EQ(loc["region"]["endColumn"], 6 + 19);
  EXPECT_FALSE(loc["region"].contains("endLine"));
  EXPECT_EQ(r["partialFingerprints"].size(), 1u);
  EXPECT_EQ(DumpJson(r).find("4111 1111 1111 1111"), std::string::npos);
  Json revealed = SarifResult("n", CardFinding(), 0, true, "abc");
  EXPECT_EQ(revealed["properties"]["value"], "4111 1111 1111 1111");
  EXPECT_EQ(revealed["message"]["text"].get<std::string>().find("4111 1111 1111 1111"), std::string::npos);
}

TEST(Sarif, MultiLineRegion) {
  Finding f = CardFinding();
  f.start = 0;
  f.end = 7;
  f.masked = "ab**\n**";
  Json r = SarifResult("x", f, 0, false, "fp");
  const Json& region = r["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["endLine"], 3);
  EXPECT_EQ(region["endColumn"], 3);
}

TEST(Sarif, FingerprintIsStableAndDoesNotDependOnValue) {
  Finding a = CardFinding();
  Finding b = CardFinding();
  b.value = "4111 9999 9999 1111";
  b.line = 40;
  EXPECT_EQ(SarifFingerprint("p", a, 0), SarifFingerprint("p", b, 0));
  EXPECT_NE(SarifFingerprint("p", a, 0), SarifFingerprint("p", a, 1));
  EXPECT_NE(SarifFingerprint("p", a, 0), SarifFingerprint("q", a, 0));
  EXPECT_EQ(SarifFingerprint("p", a, 0).size(), 16u);
}

TEST(Writers, SarifDocument) {
  InfoTypeInfo info = CardInfo();
  std::ostringstream out;
  WriterOptions options;
  options.lookup = [&](std::string_view id) { return id == info.id ? &info : nullptr; };
  auto writer = MakeWriter(OutputFormat::kSarif, out, options);
  writer->Begin();
  Finding other = CardFinding();
  other.info_type = "OTHER";
  other.confidence = Confidence::kLow;
  writer->Add("a.txt", CardFinding());
  writer->Add("b.txt", other);
  writer->Add("c.txt", CardFinding());
  ScanSummary summary;
  summary.files = 3;
  writer->End(summary, {"cannot read 'x': Permission denied"});
  Json doc = Json::parse(out.str());
  EXPECT_EQ(doc["version"], "2.1.0");
  EXPECT_TRUE(doc.contains("$schema"));
  const Json& run = doc["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "leakguard");
  EXPECT_EQ(run["tool"]["driver"]["version"], std::string(kVersion));
  const Json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["id"], "CREDIT_CARD_NUMBER");
  EXPECT_EQ(rules[1]["id"], "OTHER");
  ASSERT_EQ(run["results"].size(), 3u);
  EXPECT_EQ(run["results"][1]["ruleIndex"], 1);
  EXPECT_EQ(run["results"][1]["level"], "note");
  EXPECT_EQ(run["results"][2]["ruleIndex"], 0);
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], false);
}

TEST(Writers, EmptySarifAndJsonAreValid) {
  for (OutputFormat format : {OutputFormat::kSarif, OutputFormat::kJson}) {
    std::ostringstream out;
    auto writer = MakeWriter(format, out, WriterOptions{});
    writer->Begin();
    writer->End(ScanSummary{}, {});
    Json doc = Json::parse(out.str());
    if (format == OutputFormat::kSarif) {
      EXPECT_TRUE(doc["runs"][0]["results"].empty());
      EXPECT_TRUE(doc["runs"][0]["tool"]["driver"]["rules"].empty());
    } else {
      EXPECT_TRUE(doc["findings"].empty());
      EXPECT_EQ(doc["summary"]["files"], 0);
    }
  }
}

TEST(Writers, JsonDocument) {
  std::ostringstream out;
  auto writer = MakeWriter(OutputFormat::kJson, out, WriterOptions{});
  writer->Begin();
  writer->Add("a", CardFinding());
  writer->Add("b", CardFinding());
  ScanSummary summary;
  summary.files = 2;
  summary.bytes = 100;
  summary.elapsed_seconds = 0.25;
  summary.findings = 2;
  summary.by_type["CREDIT_CARD_NUMBER"] = 2;
  writer->End(summary, {});
  Json doc = Json::parse(out.str());
  ASSERT_EQ(doc["findings"].size(), 2u);
  EXPECT_EQ(doc["findings"][1]["path"], "b");
  EXPECT_EQ(doc["summary"]["files"], 2);
  EXPECT_EQ(doc["summary"]["bytes"], 100);
  EXPECT_EQ(doc["summary"]["elapsed_ms"], 250);
  EXPECT_EQ(doc["summary"]["by_type"]["CREDIT_CARD_NUMBER"], 2);
}

TEST(Summary, TextMentionsCountsAndTypes) {
  ScanSummary s;
  s.files = 3;
  s.bytes = 3'400'000;
  s.elapsed_seconds = 2;
  s.findings = 3;
  s.by_type = {{"AWS_ACCESS_KEY_ID", 1}, {"CREDIT_CARD_NUMBER", 2}};
  std::string text = FormatSummaryText(s);
  EXPECT_NE(text.find("scanned 3 files (3.40 MB) in 2.00 s, 1.7 MB/s: 3 findings"), std::string::npos)
      << text;
  EXPECT_LT(text.find("CREDIT_CARD_NUMBER"), text.find("AWS_ACCESS_KEY_ID"));  // most frequent first
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(2'000'000'000), "2.00 GB");
}

}  // namespace
}  // namespace leakguard::cli
