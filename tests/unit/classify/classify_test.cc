// Classification: labels from findings (thresholds per type/category), visible markings and Office
// sensitivity labels.
#include <gtest/gtest.h>

#include "classify/classify.h"

namespace leakguard::classify {
namespace {

FindingsSummary Findings(std::initializer_list<std::pair<const char*, int>> counts,
                         Confidence confidence = Confidence::kHigh) {
  FindingsSummary s;
  for (const auto& [type, n] : counts) {
    Finding f;
    f.info_type = type;
    f.confidence = confidence;
    for (int i = 0; i < n; ++i) s.Add(f);
  }
  return s;
}

Label LabelOf(const Classifier& c, FindingsSummary s) {
  c.Classify(s);
  return s.label;
}

std::vector<std::string> Markings(const Classifier& c, std::string_view text, bool header = false) {
  std::vector<std::string> out;
  c.FindMarkings(text, header, out);
  return out;
}

TEST(ClassifierTest, DefaultThresholds) {
  Classifier c({}, TypeCatalog::Builtin());
  EXPECT_EQ(LabelOf(c, {}), Label::kPublic);
  EXPECT_EQ(LabelOf(c, Findings({{"CREDIT_CARD_NUMBER", 1}})), Label::kRestricted);
  EXPECT_EQ(LabelOf(c, Findings({{"AWS_SECRET_ACCESS_KEY", 1}})), Label::kRestricted);  // category credential
  EXPECT_EQ(LabelOf(c, Findings({{"PRIVATE_KEY", 1}})), Label::kRestricted);
  EXPECT_EQ(LabelOf(c, Findings({{"INDONESIA_NIK", 1}})), Label::kRestricted);  // category national_id
  EXPECT_EQ(LabelOf(c, Findings({{"SINGAPORE_UEN", 3}})), Label::kInternal);    // a company number
  EXPECT_EQ(LabelOf(c, Findings({{"MEDICAL_RECORD_NUMBER", 1}})), Label::kRestricted);
  EXPECT_EQ(LabelOf(c, Findings({{"ICD10_CODE", 1}})), Label::kConfidential);  // category health
  EXPECT_EQ(LabelOf(c, Findings({{"IBAN_CODE", 1}})), Label::kConfidential);
  EXPECT_EQ(LabelOf(c, Findings({{"DATE_OF_BIRTH", 1}})), Label::kConfidential);
  EXPECT_EQ(LabelOf(c, Findings({{"EMAIL_ADDRESS", 1}})), Label::kInternal);
  EXPECT_EQ(LabelOf(c, Findings({{"EMAIL_ADDRESS", 3}, {"PHONE_NUMBER", 2}})), Label::kConfidential);
  EXPECT_EQ(LabelOf(c, Findings({{"CREDIT_CARD_NUMBER", 1}}, Confidence::kLow)), Label::kPublic);
  EXPECT_EQ(LabelOf(c, Findings({{"EXTRACTION_LIMIT", 1}})), Label::kPublic);
}

TEST(ClassifierTest, ReasonsNameTheTypesThatGaveTheLabel) {
  Classifier c({}, TypeCatalog::Builtin());
  FindingsSummary s = Findings({{"CREDIT_CARD_NUMBER", 3}, {"EMAIL_ADDRESS", 1}});
  s.markings = {"CONFIDENTIAL"};
  c.Classify(s);
  EXPECT_EQ(s.label, Label::kRestricted);
  EXPECT_EQ(s.label_reasons, std::vector<std::string>{"CREDIT_CARD_NUMBER x3 -> restricted"});
  s = Findings({{"EMAIL_ADDRESS", 5}});
  c.Classify(s);
  EXPECT_EQ(s.label_reasons, std::vector<std::string>{"EMAIL_ADDRESS x5 (>= 5) -> confidential"});
}

TEST(ClassifierTest, ConfiguredRulesAndNoDefaults) {
  Config cfg;
  cfg.use_defaults = false;
  TypeRule r;
  r.types = {"EMAIL_ADDRESS"};
  r.min_count = 100;
  r.label = Label::kRestricted;
  cfg.rules.push_back(r);
  Classifier c(cfg, TypeCatalog::Builtin());
  EXPECT_EQ(LabelOf(c, Findings({{"CREDIT_CARD_NUMBER", 5}})), Label::kPublic);  // defaults off
  EXPECT_EQ(LabelOf(c, Findings({{"EMAIL_ADDRESS", 99}})), Label::kPublic);
  EXPECT_EQ(LabelOf(c, Findings({{"EMAIL_ADDRESS", 100}})), Label::kRestricted);
  FindingsSummary s;
  s.markings = {"CONFIDENTIAL"};
  EXPECT_EQ(LabelOf(c, s), Label::kPublic);  // default markings are off too
}

TEST(MarkingTest, CapitalsNearTheTopOrBottom) {
  Classifier c({}, TypeCatalog::Builtin());
  EXPECT_EQ(Markings(c, "CONFIDENTIAL\nQ3 numbers"), std::vector<std::string>{"CONFIDENTIAL"});
  EXPECT_EQ(Markings(c, "Q3 numbers. PRIVATE AND CONFIDENTIAL."), std::vector<std::string>{"CONFIDENTIAL"});
  EXPECT_EQ(Markings(c, "Dokumen ini RAHASIA"), std::vector<std::string>{"RAHASIA"});
  EXPECT_EQ(Markings(c, "SANGAT RAHASIA"), std::vector<std::string>{"SANGAT RAHASIA"});  // not also RAHASIA
  EXPECT_EQ(Markings(c, "STRICTLY CONFIDENTIAL - do not forward"),
            std::vector<std::string>{"STRICTLY CONFIDENTIAL"});
  EXPECT_EQ(Markings(c, "TLP:AMBER+STRICT"), std::vector<std::string>{"TLP:AMBER+STRICT"});
  EXPECT_EQ(Markings(c, "For Internal Use Only"), std::vector<std::string>{"FOR INTERNAL USE ONLY"});
}

TEST(MarkingTest, AnyCaseOnALineOfItsOwn) {
  Classifier c({}, TypeCatalog::Builtin());
  EXPECT_EQ(Markings(c, "Report\n- Confidential -\n"), std::vector<std::string>{"CONFIDENTIAL"});
  EXPECT_EQ(Markings(c, "Classification: Highly Confidential\nbody"),
            std::vector<std::string>{"HIGHLY CONFIDENTIAL"});
  EXPECT_EQ(Markings(c, "Klasifikasi: Rahasia"), std::vector<std::string>{"RAHASIA"});
  EXPECT_EQ(Markings(c, "body\n\n[Internal]\n"), std::vector<std::string>{"INTERNAL"});
}

TEST(MarkingTest, ProseIsNotAMarking) {
  Classifier c({}, TypeCatalog::Builtin());
  EXPECT_TRUE(Markings(c, "Please keep this confidential between us.").empty());
  EXPECT_TRUE(Markings(c, "The internal network is down.").empty());
  EXPECT_TRUE(Markings(c, "HTTP 500 INTERNAL SERVER ERROR").empty());  // INTERNAL counts only on its own line
  EXPECT_TRUE(Markings(c, "CLIENT_SECRET=abc; NONCONFIDENTIAL").empty());  // whole words only
  EXPECT_TRUE(Markings(c, "SECRETARY").empty());
}

TEST(MarkingTest, HeaderPartsMatchInAnyCase) {
  Classifier c({}, TypeCatalog::Builtin());
  EXPECT_EQ(Markings(c, "Acme Corp - confidential - page 1", true), std::vector<std::string>{"CONFIDENTIAL"});
}

TEST(MarkingTest, ConfiguredMarkings) {
  Config cfg;
  cfg.markings.push_back({"project garuda", Label::kRestricted, false});
  Classifier c(cfg, TypeCatalog::Builtin());
  EXPECT_EQ(Markings(c, "PROJECT GARUDA briefing"), std::vector<std::string>{"PROJECT GARUDA"});
  EXPECT_EQ(c.LabelOfMarking("project garuda"), Label::kRestricted);
  EXPECT_EQ(c.LabelOfMarking("CONFIDENTIAL"), Label::kConfidential);  // defaults still there
  EXPECT_EQ(c.LabelOfMarking("nothing"), std::nullopt);
}

TEST(MarkingCollectorTest, LooksAtTheHeadAndTailOfEachPart) {
  Config cfg;
  cfg.window = 64;
  Classifier c(cfg, TypeCatalog::Builtin());
  MarkingCollector m(c);
  ASSERT_TRUE(m.BeginPart({"doc.txt"}).ok());
  ASSERT_TRUE(m.Data("Title\n").ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(m.Data("lorem ipsum dolor sit amet, consectetur adipiscing elit\n").ok());
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(m.Data("body text line, CONFIDENTIAL in the middle is ignored\n").ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(m.Data("lorem ipsum dolor sit amet, consectetur adipiscing elit\n").ok());
  ASSERT_TRUE(m.Data("end\nTOP SECRET\n").ok());
  ASSERT_TRUE(m.EndPart().ok());
  EXPECT_EQ(m.markings(), std::vector<std::string>{"TOP SECRET"});

  // Nested parts (a base64 run decoded inside a text) keep their own windows.
  MarkingCollector n(c);
  ASSERT_TRUE(n.BeginPart({"mail"}).ok());
  ASSERT_TRUE(n.Data("hello\n").ok());
  ASSERT_TRUE(n.BeginPart({"mail/base64@6"}).ok());
  ASSERT_TRUE(n.Data("RAHASIA\n").ok());
  ASSERT_TRUE(n.EndPart().ok());
  ASSERT_TRUE(n.EndPart().ok());
  EXPECT_EQ(n.markings(), std::vector<std::string>{"RAHASIA"});

  // A docx header part: any case counts.
  MarkingCollector h(c);
  ASSERT_TRUE(h.BeginPart({"report.docx/header1"}).ok());
  ASSERT_TRUE(h.Data("Acme - Confidential").ok());
  ASSERT_TRUE(h.EndPart().ok());
  EXPECT_EQ(h.markings(), std::vector<std::string>{"CONFIDENTIAL"});

  // Document properties: only sensitivity labels written as name/value lines count, not the values
  // as visible text (the label name "Highly Confidential" must not count twice).
  MarkingCollector p(c);
  ASSERT_TRUE(p.BeginPart({"q3.zip/plan.docx/properties"}).ok());
  ASSERT_TRUE(p.Data("Title: STRICTLY CONFIDENTIAL plan\nMSIP_Label_ab12_Enabled: true\n"
                     "MSIP_Label_ab12_Name: Highly Confidential\n")
                  .ok());
  ASSERT_TRUE(p.EndPart().ok());
  EXPECT_EQ(p.markings(), std::vector<std::string>{"msip:Highly Confidential"});
}

constexpr std::string_view kCustomXml = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Enabled"><vt:lpwstr>true</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_SetDate"><vt:lpwstr>2026-01-05T08:00:00Z</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Name"><vt:lpwstr>Highly Confidential &amp; Legal</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="MSIP_Label_0b0d0e0f-1111-2222-3333-444455556666_Enabled"><vt:lpwstr>false</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="6" name="MSIP_Label_0b0d0e0f-1111-2222-3333-444455556666_Name"><vt:lpwstr>Public</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="7" name="Owner"><vt:lpwstr>alice</vt:lpwstr></property>
</Properties>)";

TEST(SensitivityLabelTest, FromCustomXml) {
  auto labels = SensitivityLabelsFromCustomXml(kCustomXml);
  ASSERT_EQ(labels.size(), 1u);  // the disabled one is not a label of the document
  EXPECT_EQ(labels[0].id, "f42aa342-8706-4288-bd11-ebb85995028c");
  EXPECT_EQ(labels[0].name, "Highly Confidential & Legal");
  EXPECT_EQ(MarkingOf(labels[0]), "msip:Highly Confidential & Legal");
  EXPECT_TRUE(SensitivityLabelsFromCustomXml("").empty());
  EXPECT_TRUE(SensitivityLabelsFromCustomXml("<property name=\"MSIP_Label_x_Enabled\"").empty());
}

TEST(SensitivityLabelTest, FromLabelInfoAndPropertyLines) {
  auto li = SensitivityLabelsFromLabelInfo(
      R"(<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label id="{F42AA342-8706-4288-BD11-EBB85995028C}" enabled="1" method="Standard" siteId="{00000000-0000-0000-0000-000000000000}" removed="0"/></clbl:labelList>)");
  ASSERT_EQ(li.size(), 1u);
  EXPECT_EQ(li[0].id, "f42aa342-8706-4288-bd11-ebb85995028c");
  EXPECT_EQ(MarkingOf(li[0]), "msip:f42aa342-8706-4288-bd11-ebb85995028c");
  auto lines = SensitivityLabelsFromPropertyLines(
      "Title: Q3\nMSIP_Label_abc_Enabled: true\nMSIP_Label_abc_Name = Confidential\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].name, "Confidential");
}

TEST(SensitivityLabelTest, MappedToLabels) {
  Config cfg;
  cfg.sensitivity_labels = {{"Highly Confidential & Legal", Label::kRestricted},
                            {"{F42AA342-8706-4288-BD11-EBB85995028C}", Label::kConfidential}};
  Classifier c(cfg, TypeCatalog::Builtin());
  EXPECT_EQ(c.LabelOfMarking("msip:highly confidential & legal"), Label::kRestricted);
  EXPECT_EQ(c.LabelOfMarking("msip:f42aa342-8706-4288-bd11-ebb85995028c"), Label::kConfidential);
  // Unmapped names by their words.
  EXPECT_EQ(c.LabelOfMarking("msip:Highly Confidential\\All Employees"), Label::kRestricted);
  EXPECT_EQ(c.LabelOfMarking("msip:Confidential - Finance"), Label::kConfidential);
  EXPECT_EQ(c.LabelOfMarking("msip:General"), Label::kInternal);
  EXPECT_EQ(c.LabelOfMarking("msip:Public"), Label::kPublic);
  EXPECT_EQ(c.LabelOfMarking("msip:Project X"), std::nullopt);
  FindingsSummary s;
  s.markings = {"msip:General", "CONFIDENTIAL"};
  c.Classify(s);
  EXPECT_EQ(s.label, Label::kConfidential);
  EXPECT_EQ(s.label_reasons, std::vector<std::string>{"marking CONFIDENTIAL -> confidential"});
}

TEST(TypeCatalogTest, BuiltinCategories) {
  auto c = TypeCatalog::Builtin();
  EXPECT_EQ(c->CategoryOf("CREDIT_CARD_NUMBER"), "financial");
  EXPECT_EQ(c->CategoryOf("EXTRACTION_LIMIT"), "extraction");
  EXPECT_EQ(c->CategoryOf("NOPE"), "");
  EXPECT_GT(c->TypesIn("credential").size(), 50u);
  EXPECT_FALSE(c->authoritative());
}

}  // namespace
}  // namespace leakguard::classify
