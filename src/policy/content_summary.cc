#include "policy/content_summary.h"

#include <archive.h>
#include <archive_entry.h>

#include "extract/inspect.h"

namespace leakguard::policy {
namespace {

constexpr std::size_t kMaxLabelPart = 1 << 20;  // docProps/custom.xml larger than this is not a label holder

// Reads the named members of a zip held in memory (at most kMaxLabelPart bytes each).
std::vector<std::pair<std::string, std::string>> ReadZipMembers(std::string_view bytes,
                                                                const std::vector<std::string_view>& names) {
  std::vector<std::pair<std::string, std::string>> out;
  struct archive* a = archive_read_new();
  if (a == nullptr) return out;
  archive_read_support_format_zip(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK) {
    struct archive_entry* entry = nullptr;
    std::size_t seen = 0;
    while (out.size() < names.size() && ++seen < 100000 &&
           archive_read_next_header(a, &entry) == ARCHIVE_OK) {
      const char* path = archive_entry_pathname(entry);
      if (path == nullptr || std::find(names.begin(), names.end(), std::string_view(path)) == names.end())
        continue;
      std::string data;
      char buf[16384];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
        data.append(buf, static_cast<std::size_t>(n));
        if (data.size() > kMaxLabelPart) break;
      }
      if (n >= 0 && data.size() <= kMaxLabelPart) out.emplace_back(path, std::move(data));
    }
  }
  archive_read_free(a);
  return out;
}

}  // namespace

SummaryBuilder::SummaryBuilder(const classify::Classifier* classifier) : classifier_(classifier) {
  if (classifier_ != nullptr) collector_ = std::make_unique<classify::MarkingCollector>(*classifier_);
}

void SummaryBuilder::Add(const Finding& f) {
  summary_.Add(f);
  if (summary_.complete &&
      (f.info_type == extract::kExtractionLimitType || f.info_type == extract::kUnreadableContentType)) {
    summary_.complete = false;
    std::string reason = f.info_type + ": " + f.masked.substr(0, 200);
    if (!f.part.empty()) reason += " (at " + f.part.substr(0, 200) + ")";
    summary_.incomplete_reason = std::move(reason);
  }
}

void SummaryBuilder::AddDocumentLabels(std::string_view bytes) {
  if (classifier_ == nullptr || bytes.size() < 4 || bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4))
    return;
  for (const auto& [name, xml] :
       ReadZipMembers(bytes, {"docProps/custom.xml", "docMetadata/LabelInfo.xml"})) {
    auto labels = name == "docProps/custom.xml" ? classify::SensitivityLabelsFromCustomXml(xml)
                                                : classify::SensitivityLabelsFromLabelInfo(xml);
    for (const auto& l : labels) AddMarking(classify::MarkingOf(l));
  }
}

void SummaryBuilder::AddMarking(std::string marking) {
  if (std::find(extra_markings_.begin(), extra_markings_.end(), marking) == extra_markings_.end())
    extra_markings_.push_back(std::move(marking));
}

FindingsSummary SummaryBuilder::Finish() {
  FindingsSummary s = std::move(summary_);
  summary_ = FindingsSummary{};
  if (collector_) {
    for (const auto& m : collector_->markings())
      if (std::find(s.markings.begin(), s.markings.end(), m) == s.markings.end()) s.markings.push_back(m);
  }
  for (auto& m : extra_markings_)
    if (std::find(s.markings.begin(), s.markings.end(), m) == s.markings.end())
      s.markings.push_back(std::move(m));
  extra_markings_.clear();
  if (classifier_ != nullptr) classifier_->Classify(s);
  if (classifier_ != nullptr) collector_ = std::make_unique<classify::MarkingCollector>(*classifier_);
  return s;
}

ContentInspector::ContentInspector(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}
ContentInspector::~ContentInspector() = default;

Scanner& ContentInspector::ScannerAt(std::size_t level) {
  while (scanners_.size() <= level) scanners_.push_back(std::make_unique<Scanner>(engine_));
  return *scanners_[level];
}

Result<FindingsSummary> ContentInspector::Inspect(const ContentOptions& options, const FindingSink* also,
                                                  const InspectFn& inspect, std::string_view document) {
  SummaryBuilder builder(options.classifier);
  extract::Inspector inspector([this](std::size_t level) -> Scanner& { return ScannerAt(level); });
  inspector.set_observer(builder.observer());
  ScanOptions scan;
  scan.min_confidence = options.min_confidence;
  Status s = inspect(inspector, scan, [&](Finding&& f) {
    builder.Add(f);
    if (also != nullptr && *also) (*also)(std::move(f));
  });
  if (!s.ok()) {
    scanners_.clear();  // left in an undefined state (inspect.h)
    return Unexpected(s);
  }
  builder.AddDocumentLabels(document);
  return builder.Finish();
}

Result<FindingsSummary> ContentInspector::InspectBuffer(std::string_view bytes, std::string_view name,
                                                        const ContentOptions& options,
                                                        const FindingSink* also) {
  return Inspect(
      options, also,
      [&](extract::Inspector& inspector, const ScanOptions& scan, const FindingSink& sink) {
        return inspector.InspectBuffer(bytes, name, scan, options.limits, sink);
      },
      bytes);
}

Result<FindingsSummary> ContentInspector::InspectStream(extract::Source& source, std::string_view name,
                                                        const ContentOptions& options,
                                                        const FindingSink* also) {
  return Inspect(options, also,
                 [&](extract::Inspector& inspector, const ScanOptions& scan, const FindingSink& sink) {
                   return inspector.InspectStream(source, name, scan, options.limits, sink);
                 },
                 {});
}

}  // namespace leakguard::policy
