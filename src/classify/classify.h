// Classification: the sensitivity label of a content — public < internal < confidential < restricted
// (leakguard/transfer.h) — from what it holds (findings per info type and category, configurable
// thresholds) and from labels it already carries: visible markings ("CONFIDENTIAL", "RAHASIA",
// "TLP:RED") and Office sensitivity labels (Microsoft Information Protection, MSIP_Label_* custom
// properties). The label is the highest that any rule or marking gives; the reasons say which.
// Defaults and the configuration format: docs/policies.md, "Classification".
//
// Threads: a Classifier is immutable after construction; share it. MarkingCollector belongs to one
// inspection.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "classify/type_catalog.h"
#include "extract/extract.h"
#include "leakguard/transfer.h"

namespace leakguard::classify {

// Content with at least `min_count` findings (at or above `min_confidence`) of the listed types and
// of the types in the listed categories, summed, gets at least `label`.
struct TypeRule {
  std::vector<std::string> types;
  std::vector<std::string> categories;
  std::vector<std::string> exclude_types;  // not counted even when in a listed category
  Confidence min_confidence = Confidence::kMedium;
  std::uint32_t min_count = 1;
  Label label = Label::kConfidential;
};

// A visible marking. Found as whole words near the top or bottom of a text part (the first and last
// `Config::window` bytes), in upper case as written here — or in any case when the line holds nothing
// else (besides punctuation and a "Classification:"-style prefix) — and anywhere, in any case, in a
// document header or footer part. `line_only` markings ("INTERNAL", "PUBLIC") count only on a line of
// their own or in a header/footer, because as a word in upper-case prose they mean nothing.
struct MarkingRule {
  std::string text;  // upper case: "STRICTLY CONFIDENTIAL"
  Label label = Label::kConfidential;
  bool line_only = false;
};

struct Config {
  bool use_defaults = true;  // add the built-in rules, markings and label names (DefaultConfig)
  std::vector<TypeRule> rules;
  std::vector<MarkingRule> markings;
  // Office sensitivity label name or id (GUID without braces, lower case) -> label. Names compare
  // case-insensitively. A label with no entry is mapped by the words in its name (DefaultLabelFor).
  std::vector<std::pair<std::string, Label>> sensitivity_labels;
  std::size_t window = 2048;  // bytes at each end of a text part searched for markings
};

// The built-in rules and markings (documented in docs/policies.md).
Config DefaultConfig();

class Classifier {
 public:
  // `config` with use_defaults gets DefaultConfig()'s entries added (user entries first).
  Classifier(Config config, std::shared_ptr<const TypeCatalog> catalog);

  // Sets summary.label and summary.label_reasons from summary.types and summary.markings.
  void Classify(FindingsSummary& summary) const;

  // Markings found in a text (see MarkingRule); canonical text, each once, appended to `out` when new.
  void FindMarkings(std::string_view text, bool header_part, std::vector<std::string>& out) const;
  // Label given by one entry of FindingsSummary::markings: a marking text, or "msip:<label name>" /
  // "msip:<guid>" for an Office sensitivity label. nullopt: not a known marking.
  std::optional<Label> LabelOfMarking(std::string_view marking) const;

  const Config& config() const { return config_; }
  const TypeCatalog& catalog() const { return *catalog_; }

 private:
  Config config_;
  std::shared_ptr<const TypeCatalog> catalog_;
  // Per config_.rules entry: the type ids it counts (types + categories, minus exclusions), sorted.
  std::vector<std::vector<std::string>> rule_ids_;
  // Markings by their first two bytes (upper case, b0 << 8 | b1): a bit per pair that starts some
  // marking, and (pair, index into config_.markings) sorted by pair; a one-byte marking is listed
  // under every second byte. FindMarkings probes each text position once instead of searching the
  // text once per marking.
  std::vector<std::uint64_t> marking_pairs_bits_;
  // Per byte: kWordByte (letter, digit, '_', UTF-8), kMarkingStart (some marking starts with it, in
  // either case), so the pass over a text costs one table load per byte.
  static constexpr std::uint8_t kWordByte = 1, kMarkingStart = 2;
  std::array<std::uint8_t, 256> byte_flags_{};
  std::vector<std::pair<std::uint16_t, std::uint16_t>> marking_pairs_;
};

// An Office sensitivity label found in a document.
struct SensitivityLabel {
  std::string id;    // GUID, lower case, no braces
  std::string name;  // display name when the document says it ("Highly Confidential"); may be empty
  bool enabled = false;
};

// Labels from docProps/custom.xml of a docx/xlsx/pptx: properties MSIP_Label_<guid>_Enabled and
// MSIP_Label_<guid>_Name. Only labels whose Enabled is "true" are returned.
std::vector<SensitivityLabel> SensitivityLabelsFromCustomXml(std::string_view xml);
// Labels from docMetadata/LabelInfo.xml (newer Office; ids only, no names): <clbl:label id="{guid}"
// enabled="1" .../>.
std::vector<SensitivityLabel> SensitivityLabelsFromLabelInfo(std::string_view xml);
// Labels from text lines "MSIP_Label_<guid>_Name: <name>" / "...=<name>" (custom properties written as
// name/value lines by an extractor).
std::vector<SensitivityLabel> SensitivityLabelsFromPropertyLines(std::string_view text);
// The FindingsSummary::markings entry for a label: "msip:<name>", or "msip:<guid>" without a name.
std::string MarkingOf(const SensitivityLabel& label);
// A label name mapped by its words: "...highly confidential/restricted/secret..." -> restricted,
// "...confidential/sensitive/rahasia..." -> confidential, "internal/general/terbatas" -> internal,
// "public/non-business/personal" -> public.
std::optional<Label> DefaultLabelFor(std::string_view label_name);

// Watches the text parts of one inspection (set as extract::Inspector's observer) and collects the
// markings and sensitivity labels found in them.
class MarkingCollector : public extract::PartSink {
 public:
  explicit MarkingCollector(const Classifier& classifier) : classifier_(classifier) {}

  Status BeginPart(const PartInfo& part) override;
  Status Data(std::string_view utf8) override;
  Status EndPart() override;
  void Problem(std::string_view, extract::Problem, std::string_view) override {}

  // Markings found so far ("CONFIDENTIAL", "msip:Highly Confidential"), first seen first.
  const std::vector<std::string>& markings() const { return markings_; }
  void AddMarking(std::string marking);

 private:
  struct Frame {
    bool header = false;      // a header/footer part: all of it is searched
    bool properties = false;  // document properties: only MSIP_Label_* lines, no visible markings
    std::string head;         // first window bytes
    std::string tail;         // last window bytes seen after the head (ring, linearised on EndPart)
    std::uint64_t total = 0;
  };
  const Classifier& classifier_;
  std::vector<Frame> frames_;
  std::vector<std::string> markings_;
};

}  // namespace leakguard::classify
