// Extraction feeding the engine (inspect.h).

#include "extract/inspect.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace leakguard::extract {
namespace {

constexpr ProblemTypeInfo kProblemTypes[] = {
    {kExtractionLimitType, "Content not fully inspected (extraction limit)",
     "An extraction limit was hit: nesting depth, total expanded bytes, expansion ratio (decompression "
     "bomb), number of parts, time per transfer, size of a member that must be held in memory, or "
     "number of encoded runs. The content past the limit was not inspected; `masked` says which limit. "
     "Policy can block what could not be inspected."},
    {kEncryptedContentType, "Encrypted content",
     "Password-protected or encrypted content that cannot be inspected: encrypted zip/7z members or "
     "archives, password-protected Office files and PDFs."},
    {kUnreadableContentType, "Unreadable content",
     "Corrupt, truncated or unsupported content that could not be taken apart (a broken archive, a "
     "truncated PDF); `masked` gives the reason. What could be read before the damage was inspected."},
};

class ScanSink : public PartSink {
 public:
  ScanSink(const Inspector::ScannerAt& scanner_at, const ScanOptions& options, const FindingSink& sink,
           PartSink* observer)
      : scanner_at_(scanner_at), options_(options), sink_(sink), observer_(observer) {
    report_problems_ = options.types.empty();
    for (const std::string& t : options.types)
      if (t == kExtractionLimitType || t == kEncryptedContentType || t == kUnreadableContentType)
        wanted_.push_back(t);
  }

  Status BeginPart(const PartInfo& info) override {
    auto frame = std::make_unique<Frame>();
    frame->path = std::string(info.path);
    frame->pieces = info.pieces;  // the dispatcher keeps them until EndPart
    frame->piece_prefix = std::string(info.piece_prefix);
    frame->scanner = &scanner_at_(frames_.size());
    ScanOptions o = options_;
    o.part = frame->path;
    o.context.assign(info.context.begin(), info.context.end());
    Frame* f = frame.get();
    Status s = frame->scanner->Open(o, [this, f](Finding&& finding) { Deliver(*f, std::move(finding)); });
    if (!s.ok()) return s;
    frames_.push_back(std::move(frame));
    if (observer_ != nullptr) {
      frames_.back()->observed = true;
      return observer_->BeginPart(info);
    }
    return s;
  }
  Status Data(std::string_view utf8) override {
    Frame& f = *frames_.back();
    if (!f.pieces.empty()) f.data = utf8;  // pieced parts come in one piece of data
    Status s = f.scanner->Write(utf8);
    if (s.ok() && f.observed) s = observer_->Data(utf8);
    return s;
  }
  Status EndPart() override {
    Status s = frames_.back()->scanner->Close();
    const bool observed = frames_.back()->observed;
    frames_.pop_back();
    if (observed) {
      Status o = observer_->EndPart();
      if (s.ok()) s = std::move(o);
    }
    return s;
  }
  void Problem(std::string_view path, extract::Problem problem, std::string_view reason) override {
    if (observer_ != nullptr) observer_->Problem(path, problem, reason);
    std::string_view type = ProblemType(problem);
    if (!report_problems_ && std::find(wanted_.begin(), wanted_.end(), type) == wanted_.end()) return;
    sink_(ProblemFinding(path, problem, reason));
  }

 private:
  struct Frame {
    std::string path;
    std::span<const Piece> pieces;
    std::string piece_prefix;
    std::string_view data;
    Scanner* scanner = nullptr;
    bool observed = false;  // BeginPart reached the observer: EndPart must too
  };

  void Deliver(const Frame& frame, Finding&& f) {
    if (!frame.pieces.empty()) {
      // Name the finding after its piece; offsets, line and column become relative to the piece.
      auto it = std::upper_bound(frame.pieces.begin(), frame.pieces.end(), f.start,
                                 [](std::uint64_t v, const Piece& p) { return v < p.offset; });
      if (it != frame.pieces.begin()) --it;
      const std::uint64_t begin = it->offset;
      const std::uint64_t end =
          std::next(it) != frame.pieces.end() ? std::next(it)->offset : frame.data.size();
      f.part = JoinPath(frame.piece_prefix, it->path);
      f.end = std::min(f.end, end) - begin;
      f.start -= begin;
      std::uint64_t line = 1, line_start = 0;
      if (begin + f.start <= frame.data.size()) {
        std::string_view before = frame.data.substr(begin, f.start);
        line += static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n'));
        std::size_t nl = before.rfind('\n');
        line_start = nl == std::string_view::npos ? 0 : nl + 1;
      }
      f.line = line;
      f.column = f.start - line_start + 1;
    }
    sink_(std::move(f));
  }

  const Inspector::ScannerAt& scanner_at_;
  const ScanOptions& options_;
  const FindingSink& sink_;
  PartSink* observer_;
  bool report_problems_ = true;
  std::vector<std::string> wanted_;
  std::vector<std::unique_ptr<Frame>> frames_;
};

}  // namespace

std::span<const ProblemTypeInfo> ProblemTypes() { return kProblemTypes; }

Finding ProblemFinding(std::string_view path, Problem problem, std::string_view reason) {
  Finding f;
  f.info_type = std::string(ProblemType(problem));
  f.confidence = Confidence::kHigh;
  f.masked = std::string(reason);
  f.rule = f.info_type + "/extract";
  f.part = std::string(path);
  f.line = 0;
  f.column = 0;
  return f;
}

Status Inspector::InspectStream(Source& source, std::string_view name, const ScanOptions& options,
                                const Limits& limits, const FindingSink& sink, ExtractStats* stats) {
  ScanSink scan_sink(scanner_at_, options, sink, observer_);
  return ExtractStream(source, name, limits, scan_sink, stats);
}

Status Inspector::InspectBuffer(std::string_view bytes, std::string_view name, const ScanOptions& options,
                                const Limits& limits, const FindingSink& sink, ExtractStats* stats) {
  ScanSink scan_sink(scanner_at_, options, sink, observer_);
  return ExtractBuffer(bytes, name, limits, scan_sink, stats);
}

}  // namespace leakguard::extract
