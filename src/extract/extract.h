// Content extraction: turns one transfer (a file, an upload, a mail) into text parts (DESIGN.md:
// extract).
//
// Owns: the dispatcher. It sniffs the true content type of a byte stream with libmagic (never from a
// file name), picks the format extractor from the registry (formats.h), recurses into children
// (archive members, attachments, embedded files, decoded base64/hex/percent runs), joins part paths
// ("q3.zip/customers.xlsx/Sheet1!C12"), enforces Limits and turns problems into reports.
//
// Streaming: plain text, unknown binaries and tar/gzip/bzip2/xz archives are read front to back in
// chunks and their text reaches the PartSink in chunks, so memory does not grow with their size. Only
// formats that need random access (zip, 7z, OOXML/ODF, PDF, mail, JSON/XML/HTML/CSV structure) are
// buffered, each up to Limits::max_buffered_bytes.
//
// Text of a plain UTF-8 (or ASCII or unknown binary) input reaches the sink byte for byte, so offsets
// of findings are offsets in the input; other parts are extracted text (UTF-8) and offsets are
// offsets in that text.
//
// Threads: the functions are reentrant; a PartSink and a Source are used by one call on one thread.
//
// Failure: hostile or broken input never fails the call: it becomes a Problem report (limit,
// encrypted, unreadable) and extraction goes on with what it can. The returned Status fails only when
// the Source cannot be read (kIoError) or the sink asked to stop by failing (its Status is returned).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "extract/emitter.h"
#include "extract/limits.h"
#include "leakguard/status.h"

namespace leakguard::extract {

// A byte stream read front to back.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to `size` bytes into `buffer`; 0 means the end. Errors are kIoError.
  virtual Result<std::size_t> Read(char* buffer, std::size_t size) = 0;
  // A descriptor of a regular file with the same bytes, positioned anywhere, or -1. Lets zip/7z be
  // read with seeks instead of being buffered; wrappers forward it.
  virtual int seekable_fd() const { return -1; }
};

// A Source over a file descriptor (not owned; a non-blocking one is polled). `name` names it in error
// messages.
class FdSource : public Source {
 public:
  FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override;
  int seekable_fd() const override;

 private:
  int fd_;
  std::string name_;
};

// Where the text parts go. Parts nest (a base64 run decoded in the middle of a streamed text is a
// part of its own, begun before the text around it ends): BeginPart/EndPart pair like brackets, and
// Data always goes to the innermost open part.
class PartSink {
 public:
  virtual ~PartSink() = default;

  struct PartInfo {
    std::string_view path;                   // "a.zip/b.csv!C3"; empty for the transfer itself
    std::span<const std::string> context{};  // structure context (column header, JSON key)
    std::span<const Piece> pieces{};         // non-empty: the part joins small values (cells)
    std::string_view piece_prefix{};         // piece i is called JoinPath(piece_prefix, pieces[i].path)
    bool exact_offsets = false;              // the text is the input's bytes, unchanged
  };
  // A failed Status stops the extraction; it is returned by Extract*.
  virtual Status BeginPart(const PartInfo& part) = 0;
  virtual Status Data(std::string_view utf8) = 0;
  virtual Status EndPart() = 0;
  // Something could not be inspected at `path` (limit, encrypted, unreadable).
  virtual void Problem(std::string_view path, extract::Problem problem, std::string_view reason) = 0;
};

struct ExtractStats {
  std::uint64_t input_bytes = 0;     // bytes read from the transfer
  std::uint64_t expanded_bytes = 0;  // decoded/decompressed bytes produced
  std::uint64_t parts = 0;           // text parts delivered
  std::uint64_t problems = 0;
};

// Extracts a stream. `name` is the transfer's own name, prefixed to every part path ("" for none:
// `leakguard scan` reports the file path separately).
Status ExtractStream(Source& source, std::string_view name, const Limits& limits, PartSink& sink,
                     ExtractStats* stats = nullptr);
// Extracts a buffer.
Status ExtractBuffer(std::string_view bytes, std::string_view name, const Limits& limits, PartSink& sink,
                     ExtractStats* stats = nullptr);

// The MIME type libmagic sees in `head` (the first bytes of a content), e.g. "application/zip".
std::string SniffMimeType(std::string_view head);

// Finding types for what could not be inspected (inspect.h turns problems into findings).
inline constexpr std::string_view kExtractionLimitType = "EXTRACTION_LIMIT";
inline constexpr std::string_view kEncryptedContentType = "ENCRYPTED_CONTENT";
inline constexpr std::string_view kUnreadableContentType = "UNREADABLE_CONTENT";
std::string_view ProblemType(Problem problem);

// Joins a container path and a subpath with '/': JoinPath("a.zip", "b.csv") == "a.zip/b.csv".
std::string JoinPath(std::string_view prefix, std::string_view subpath);

}  // namespace leakguard::extract
