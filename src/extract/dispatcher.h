// The dispatcher behind extract.h (internal to src/extract): one per extraction. It sniffs, picks a
// format, recurses, enforces the limits and talks to the PartSink. archive.cc implements the
// archive part of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "extract/emitter.h"
#include "extract/extract.h"
#include "extract/limits.h"

struct archive;

namespace leakguard::extract {

// What a content is, for the dispatcher.
enum class Kind {
  kText,  // plain text or unknown bytes: streamed
  kHtml,
  kXml,
  kJson,
  kCsv,
  kArchiveStream,  // tar, gzip, bzip2, xz, …: streamed through libarchive
  kArchiveSeek,    // zip, 7z, rar, cab, iso: needs random access
  kMime,
  kOoxml,
  kOdf,
  kPdf,
  kRtf,
  kEncrypted,  // an encrypted container libmagic recognises (CDFV2 encrypted Office file)
};

Kind Classify(std::string_view mime, std::string_view head);
std::string_view KindName(Kind kind);

// A format extractor, as in formats.h.
using ExtractFn = void (*)(std::string_view bytes, Emitter& out, const Limits& limits);
// The registry (registry.cc): the extractor for a kind, or nullptr when that format is not built in.
ExtractFn FindExtractor(Kind kind);

class Dispatcher {
 public:
  Dispatcher(const Limits& limits, PartSink& sink, ExtractStats* stats);

  Status Run(Source& source, std::string_view name);
  Status RunBuffer(std::string_view bytes, std::string_view name);

  // A content at `path`, `depth` containers deep. `whole` is set when all its bytes are in memory.
  // `top`: the transfer itself (read errors fail the extraction instead of being reported).
  void Dispatch(Source& source, const std::string& path, int depth, const std::string_view* whole, bool top);
  // An embedded file (depth: its own depth).
  void Child(const std::string& path, std::string_view bytes, int depth);
  // A whole text part (UTF-8); encoded runs inside it become children at depth + 1.
  void TextPart(const std::string& path, std::string_view utf8, std::span<const std::string> context,
                int depth);
  void PiecesPart(const std::string& prefix, std::string_view text, std::span<const Piece> pieces,
                  std::span<const std::string> context, int depth);
  void Report(std::string_view path, Problem problem, std::string_view reason);
  bool Stopped();
  const Limits& limits() const { return limits_; }

  // Archives (archive.cc).
  // Returns the number of members seen; `raw_only` reads a compressed stream as one member.
  int StreamArchive(std::string_view head, Source* rest, const std::string& path, int depth, bool top,
                    bool raw_allowed, bool raw_only = false);
  void SeekArchive(std::string_view bytes, const std::string& path, int depth);
  void FdArchive(int fd, const std::string& path, int depth);

 private:
  friend class ArchiveReader;
  // Streams a text (or unknown bytes): `head` first, then the rest of `source` (if any).
  void StreamText(std::string_view head, Source* rest, const std::string& path, int depth, bool top,
                  std::span<const std::string> context);
  // Reads all of `source` after `head` into `out`, up to max_buffered_bytes. False when it is larger
  // (out then holds the first max_buffered_bytes) or cannot be read (reported).
  bool ReadAll(std::string_view head, Source& source, const std::string& path, bool top, std::string& out,
               bool* too_large);
  bool ReadFailed(const Status& status, const std::string& path, bool top);
  void LimitStop(std::string_view path, std::string reason);
  // Counts bytes produced for inspection; false once a byte limit stops the extraction.
  bool AddExpanded(std::string_view path, std::uint64_t n);
  // Counts a part; false once the parts limit stops the extraction.
  bool AddPart(std::string_view path);
  bool DepthOk(std::string_view path, int depth);
  void SinkFailed(Status status);
  void OnEncodedRun(const std::string& path, int depth, struct EncodedRun&& run);

  const Limits& limits_;
  PartSink& sink_;
  ExtractStats local_stats_;
  ExtractStats& stats_;
  std::chrono::nanoseconds deadline_{};  // CLOCK_MONOTONIC_COARSE
  bool has_deadline_ = false;
  bool stopped_ = false;
  Status fatal_;
};

// The Emitter a format extractor reports to: paths relative to `prefix`, children one level deeper.
class ContainerEmitter : public Emitter {
 public:
  ContainerEmitter(Dispatcher& d, const std::string& prefix, int depth)
      : d_(d), prefix_(prefix), depth_(depth) {}
  void Text(std::string_view subpath, std::string_view utf8, std::span<const std::string> context) override;
  void TextPieces(std::string_view text, std::span<const Piece> pieces,
                  std::span<const std::string> context) override;
  void Child(std::string_view subpath, std::string_view bytes) override;
  void Report(std::string_view subpath, Problem problem, std::string_view reason) override;
  bool Stopped() const override { return d_.Stopped(); }

 private:
  Dispatcher& d_;
  const std::string& prefix_;
  int depth_;
};

// A Source over memory.
class MemorySource : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override;

 private:
  std::string_view bytes_;
};

inline constexpr std::size_t kHeadSize = 64 << 10;   // bytes sniffed
inline constexpr std::size_t kChunkSize = 64 << 10;  // bytes per streamed read

// True when a library's error message says the content is encrypted / needs a password.
bool MentionsEncryption(std::string_view message);

// Human form of a byte count: "64 MiB".
std::string Bytes(std::uint64_t n);

}  // namespace leakguard::extract
