// Content -> FindingsSummary: extraction + the engine + classification, the input of
// Policy::Decide. Used by `leakguard policy test` and by channels (serve, ICAP, milter) that decide
// with a policy.
//
// Two ways in:
//   - ContentInspector runs everything over a buffer or a stream and returns the summary.
//   - SummaryBuilder, for a caller that already runs an extract::Inspector (the HTTP API): set
//     builder.observer() as the Inspector's observer, Add() every finding, then Finish().
// Findings of the problem types EXTRACTION_LIMIT and UNREADABLE_CONTENT make the summary incomplete
// (complete = false, incomplete_reason = the first problem's reason and part); ENCRYPTED_CONTENT is
// counted like any type (a policy can match it) and leaves the summary complete.
//
// Threads: a ContentInspector or SummaryBuilder is used by one thread at a time (it owns scanners).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classify.h"
#include "extract/extract.h"
#include "extract/inspect.h"
#include "extract/limits.h"
#include "leakguard/engine.h"
#include "leakguard/transfer.h"

namespace leakguard::policy {

class SummaryBuilder {
 public:
  // `classifier` may be null: no markings are collected and the label stays public.
  explicit SummaryBuilder(const classify::Classifier* classifier);

  // Watches the text parts for markings (extract::Inspector::set_observer); null without a classifier.
  extract::PartSink* observer() { return collector_ ? collector_.get() : nullptr; }
  void Add(const Finding& finding);
  // Office sensitivity labels of a top-level OOXML document (docProps/custom.xml,
  // docMetadata/LabelInfo.xml) when `bytes` is a zip package; nothing otherwise. Nested documents
  // (a docx in a zip or a mail) are labelled through their "properties" part instead — see
  // classify::SensitivityLabelsFromPropertyLines.
  void AddDocumentLabels(std::string_view bytes);
  // Markings given by the caller (test cases, channel metadata such as a mail's sensitivity header).
  void AddMarking(std::string marking);
  // The summary, classified.
  FindingsSummary Finish();

 private:
  const classify::Classifier* classifier_;
  std::unique_ptr<classify::MarkingCollector> collector_;
  FindingsSummary summary_;
  std::vector<std::string> extra_markings_;
};

struct ContentOptions {
  // Findings counted from this confidence up (policies choose their own minimum per rule).
  Confidence min_confidence = Confidence::kLow;
  extract::Limits limits;
  const classify::Classifier* classifier = nullptr;  // null: no label
};

class ContentInspector {
 public:
  explicit ContentInspector(std::shared_ptr<const Engine> engine);
  ~ContentInspector();

  // Extracts and scans `bytes` (named `name` in part paths, "" for none). Fails only when the engine
  // fails; limits and damaged content make the summary incomplete instead. `also`, when given, gets
  // every finding too (masked values only unless the engine was asked to reveal).
  Result<FindingsSummary> InspectBuffer(std::string_view bytes, std::string_view name,
                                        const ContentOptions& options, const FindingSink* also = nullptr);
  Result<FindingsSummary> InspectStream(extract::Source& source, std::string_view name,
                                        const ContentOptions& options, const FindingSink* also = nullptr);

 private:
  // Runs `inspect` with this inspector's scanners into a SummaryBuilder; `document`, when not empty,
  // is also read for Office sensitivity labels.
  using InspectFn = std::function<Status(extract::Inspector&, const ScanOptions&, const FindingSink&)>;
  Result<FindingsSummary> Inspect(const ContentOptions& options, const FindingSink* also,
                                  const InspectFn& inspect, std::string_view document);
  Scanner& ScannerAt(std::size_t level);
  std::shared_ptr<const Engine> engine_;
  std::vector<std::unique_ptr<Scanner>> scanners_;
};

}  // namespace leakguard::policy
