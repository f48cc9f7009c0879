// What a format extractor reports while it takes a container apart (DESIGN.md: extract).
//
// Each format extractor (mime.cc, archive.cc, ooxml.cc, pdf.cc, …) is a function that reads one
// container's bytes and calls an Emitter: text parts it found, embedded files to be sniffed and taken
// apart in turn (attachments, archive members, objects inside documents), and problems (encrypted,
// unreadable, a limit hit). The dispatcher (extract.h) implements Emitter: it prefixes `subpath` with
// the container's own path, recurses into children, enforces the limits and turns problems into the
// EXTRACTION_LIMIT / ENCRYPTED_CONTENT / UNREADABLE_CONTENT findings.
//
// Paths: `subpath` names the location inside the current container, without the container's name:
// "customers.xlsx" (an archive member), "Sheet1!C12" (a cell), "page 3", "attachment[2]:report.pdf",
// "body[1]". The dispatcher joins them with '/': "q3.zip/customers.xlsx/Sheet1!C12".
//
// Threading: an Emitter is used by one extraction on one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace leakguard::extract {

// One value inside a pieced text (Emitter::TextPieces): it starts at `offset` and is called `path`.
struct Piece {
  std::uint64_t offset = 0;
  std::string path;
};

enum class Problem {
  kLimit,       // a limit was hit (depth, expanded bytes, ratio, parts, time): EXTRACTION_LIMIT
  kEncrypted,   // password-protected archive, Office file or PDF: ENCRYPTED_CONTENT
  kUnreadable,  // corrupt or truncated input, unsupported variant: UNREADABLE_CONTENT
};

class Emitter {
 public:
  virtual ~Emitter() = default;

  // A text part (UTF-8). `context` holds structure context for every value in it: the column header
  // of a CSV/xlsx cell ("ssn", "card_number"), the JSON key or XML element name of a value. The
  // detection engine counts these as context words at distance 0.
  virtual void Text(std::string_view subpath, std::string_view utf8,
                    std::span<const std::string> context = {}) = 0;

  // Many small values of one kind — the cells of one CSV column, the values of one JSON key — joined
  // in `text` (separated by '\n'): piece i starts at pieces[i].offset and is called pieces[i].path
  // (a subpath, e.g. "!C12"); `context` applies to all of them. The dispatcher scans them as one part
  // and names each finding after its piece, which is much cheaper than one Text call per value. The
  // default sends each piece to Text.
  virtual void TextPieces(std::string_view text, std::span<const Piece> pieces,
                          std::span<const std::string> context) {
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      std::uint64_t begin = pieces[i].offset;
      std::uint64_t end = i + 1 < pieces.size() ? pieces[i + 1].offset : text.size();
      if (begin > text.size() || end > text.size() || end < begin) return;
      std::string_view value = text.substr(begin, end - begin);
      if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
      Text(pieces[i].path, value, context);
    }
  }

  // An embedded file (archive member, attachment, embedded object): its true type is sniffed from
  // its bytes (never from its name) and it is extracted recursively.
  virtual void Child(std::string_view subpath, std::string_view bytes) = 0;

  // Something could not be inspected. `reason` is for people: "wrong password or encrypted member",
  // "truncated: xref table missing".
  virtual void Report(std::string_view subpath, Problem problem, std::string_view reason) = 0;

  // True once a limit stops the extraction (time, parts, expanded bytes): extractors return as
  // soon as they see it. Bytes handed to Text and Child count against the expanded-bytes limit.
  virtual bool Stopped() const = 0;
};

}  // namespace leakguard::extract
