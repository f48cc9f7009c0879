// Reading zip packages of XML parts (OOXML in ooxml.cc, ODF in odf.cc): members of a zip held in
// memory (libarchive, seekable zip reader: the central directory is authoritative), XML parsed as a
// stream straight from the decompressor (libxml2's SAX2 push parser) so a large part is never held
// whole, and a text accumulator that hands long text to the Emitter in bounded pieces.
//
// XML safety: no network, no external DTD or entity is ever loaded; internal entities are expanded
// within libxml2's amplification checks (an entity bomb is refused as malformed, see ooxml_test);
// libxml2's default size limits apply (no XML_PARSE_HUGE); errors are collected, never printed.
//
// Threading: every object here belongs to one extraction on one thread; the libraries are initialised
// once per process (thread-safe) by the first use.
#pragma once

#include <archive.h>
#include <libxml/parser.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "extract/emitter.h"
#include "extract/limits.h"
#include "leakguard/status.h"

namespace leakguard::extract::zipxml {

// One member of a zip package, valid during the ForEachMember callback that receives it.
class Member {
 public:
  Member(struct archive* a, std::string name, std::int64_t size, bool encrypted, std::uint64_t budget)
      : a_(a), name_(std::move(name)), size_(size), encrypted_(encrypted), budget_(budget) {}
  const std::string& name() const { return name_; }
  // Uncompressed size from the zip directory (-1 if unknown; a hostile zip may lie).
  std::int64_t size() const { return size_; }
  bool encrypted() const { return encrypted_; }
  // The whole member, at most `max` bytes: kLimitExceeded when it is larger, kParseError when the
  // data cannot be read (corrupt, encrypted, unsupported compression).
  Result<std::string> ReadAll(std::size_t max);
  // The next decompressed bytes into buf: count, 0 at the end, -1 on error (message in error()),
  // also when the member expands beyond its budget (limit_hit() then).
  long Read(char* buf, std::size_t n);
  const std::string& error() const { return error_; }
  bool limit_hit() const { return limit_hit_; }

 private:
  struct archive* a_;
  std::string name_;
  std::int64_t size_;
  bool encrypted_;
  std::uint64_t budget_;
  std::uint64_t read_ = 0;
  bool limit_hit_ = false;
  std::string error_;
};

// How far one member may expand: the dispatcher's ratio rule (limits.h) applied to the package, so
// a zip bomb inside a document stops here even when it yields no text.
std::uint64_t MemberBudget(std::size_t package_bytes, const Limits& limits);

// Calls fn for every member of the zip in `bytes` in directory order; fn returns false to stop. Each
// member may decompress to at most `member_budget` bytes. kParseError when the bytes are not a
// readable zip or its directory is corrupt.
Status ForEachMember(std::string_view bytes, std::uint64_t member_budget,
                     const std::function<bool(Member&)>& fn);

// A streaming XML reader over a member or a buffer: libxml2's SAX2 push parser fed in chunks, its
// callbacks queued as events (element names are the parser's interned strings; text and attribute
// values are copied into a per-chunk arena), so memory stays bounded by the chunk size.
class XmlReader {
 public:
  enum class Event { kStart, kEnd, kText, kDone, kError };
  explicit XmlReader(Member& member);
  explicit XmlReader(std::string_view buffer);
  ~XmlReader();
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Advances to the next start tag, end tag or text. Every kStart has its kEnd (also for <a/>).
  Event Next();
  // Element local name (no prefix) for kStart/kEnd; valid as long as the reader.
  std::string_view name() const { return name_; }
  // Text of a kText event (text, CDATA or whitespace), UTF-8; valid until the next Next().
  std::string_view text() const { return text_; }
  // Value of the attribute with this local name on the current start tag ("" if absent). With
  // `namespaced`, only an attribute in some namespace counts (r:id, not id).
  std::string Attr(std::string_view local_name, bool namespaced = false) const;
  // True once every 1024 calls: loops ask the Emitter's Stopped() (which may read the clock) only then.
  bool Tick() { return (++ticks_ & 1023u) == 0; }
  // Element depth of the current start or end tag (root = 0).
  int depth() const { return depth_; }
  // The first parser error, when Next() returned kError.
  const std::string& error() const { return error_; }
  // The problem to report for kError: kLimit when the member outgrew its budget, else kUnreadable.
  Problem problem() const {
    return member_ != nullptr && member_->limit_hit() ? Problem::kLimit : Problem::kUnreadable;
  }

 private:
  struct Attribute {
    const char* local;  // interned
    bool namespaced;
    std::size_t value_at, value_len;  // in arena_
  };
  struct Ev {
    Event type;
    const char* name;  // interned; kStart/kEnd
    int depth;
    std::size_t at, len;  // kText: in arena_; kStart: attributes [at, at + len) in attrs_
  };
  friend struct XmlSax;

  bool Feed();  // parses the next chunk; false when there is nothing more to parse
  void Push(Ev ev) { queue_.push_back(ev); }

  Member* member_ = nullptr;
  std::string_view buffer_;
  std::size_t buffer_at_ = 0;
  xmlParserCtxtPtr ctxt_ = nullptr;
  bool finished_ = false;
  std::vector<Ev> queue_;
  std::size_t next_ = 0;
  std::string arena_;
  std::vector<Attribute> attrs_;
  std::string_view name_;
  std::string_view text_;
  const Attribute* cur_attrs_ = nullptr;
  std::size_t cur_attr_count_ = 0;
  int depth_ = 0;
  int open_ = 0;  // elements open in the parser callbacks
  unsigned ticks_ = 0;
  std::string error_;
};

// Text of one part, handed to the Emitter in pieces of at most about `max_bytes` (split at a line
// end when possible) so a huge document never sits whole in memory. Every piece has the same
// subpath; `Flush()` sends what remains.
class TextSink {
 public:
  TextSink(Emitter& out, std::string subpath, std::size_t max_bytes)
      : out_(out), subpath_(std::move(subpath)), max_(max_bytes == 0 ? 1 : max_bytes) {}
  ~TextSink() = default;
  void Append(std::string_view s);
  void Char(char c) { Append(std::string_view(&c, 1)); }
  // Ends a line (paragraph): a newline, unless the text is empty or already ends with one.
  void EndLine();
  // Ends a table cell: a tab, replacing the newline its last paragraph left.
  void EndCell();
  void Flush();
  bool empty() const { return buf_.empty() && !sent_; }

 private:
  Emitter& out_;
  std::string subpath_;
  std::size_t max_;
  std::string buf_;
  bool sent_ = false;
};

// Spreadsheet cells grouped by column into pieced text parts (Emitter::TextPieces): one scan per
// column instead of one per cell. A group holds the cells of one column that share a context (the
// column header, or none); all groups are sent when their text passes `max_bytes` in total and at
// Flush(). Piece paths are full cell names ("Sheet1!C12").
class CellColumns {
 public:
  CellColumns(Emitter& out, std::size_t max_bytes) : out_(out), max_(max_bytes == 0 ? 1 : max_bytes) {}
  void Add(std::uint64_t column, std::string path, std::string_view value, std::string_view header);
  void Flush();

 private:
  struct Group {
    std::uint64_t column = 0;
    std::string header;
    std::string text;
    std::vector<Piece> pieces;
  };
  Emitter& out_;
  std::size_t max_;
  std::size_t bytes_ = 0;
  std::vector<Group> groups_;       // few: one or two per column in use
  std::vector<std::size_t> index_;  // column * 2 + has_header -> groups_ index + 1
};

// Resolves a relationship target against the folder of the part that refers to it ("xl/workbook.xml"
// + "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml"; "/ppt/x.xml" is absolute; ".." pops).
std::string ResolvePath(std::string_view base_part, std::string_view target);

// True for bytes that start like a common image (PNG, JPEG, GIF, BMP, TIFF, EMF, WMF, SVG is not):
// pictures inside documents are not handed on as children.
bool LooksLikeImage(std::string_view bytes);

// A child name safe to join with '/': path separators and control characters replaced.
std::string SafeName(std::string_view name);

// A spreadsheet number as stored ("4.1111111111111E+15") written in digits when it is a whole number
// below 1e17, so digit patterns (cards, account numbers) see the digits; otherwise unchanged.
std::string NumberText(std::string_view v);
// s without leading and trailing blanks (space, tab, CR, LF).
std::string_view Trim(std::string_view s);

// Spreadsheet column letters for a 0-based column index (0 -> "A", 26 -> "AA").
std::string ColumnName(std::uint64_t index);
// 0-based column index from a cell reference "AB12" (the letters), -1 if there are none.
std::int64_t ColumnIndex(std::string_view cell_ref);

// The OLE compound-file signature (legacy Office files and encrypted OOXML/ODF packages).
bool IsOleCompoundFile(std::string_view bytes);
// True when the compound file's directory has an "EncryptedPackage" stream (a password-protected
// OOXML document, MS-OFFCRYPTO). Reads only the directory, bounded.
bool OleHasEncryptedPackage(std::string_view bytes);

}  // namespace leakguard::extract::zipxml
