#include "extract/zip_xml.h"

#include "core/utf8.h"

#include <archive_entry.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace leakguard::extract::zipxml {
namespace {

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// Parser options: no network, no DTD loading or validation, entities not substituted, CDATA as text,
// errors not printed (collected by OnError). No XML_PARSE_HUGE: libxml2 keeps its size limits.
constexpr int kXmlOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

std::uint32_t Le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}
std::uint16_t Le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1])
                                                                            << 8);
}

}  // namespace

// --- zip ------------------------------------------------------------------------------------------

Result<std::string> Member::ReadAll(std::size_t max) {
  std::string data;
  if (size_ > 0) data.reserve(static_cast<std::size_t>(std::min<std::int64_t>(size_, max)));
  char buf[65536];
  for (;;) {
    long n = Read(buf, sizeof buf);
    if (n < 0) return Unexpected(limit_hit_ ? Status::LimitExceeded(error_) : Status::ParseError(error_));
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max)
      return Unexpected(Status::LimitExceeded("member " + SafeName(name_) + " is larger than " +
                                              std::to_string(max) + " bytes"));
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

long Member::Read(char* buf, std::size_t n) {
  if (limit_hit_) return -1;
  la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) {
    const char* msg = archive_error_string(a_);
    error_ = msg != nullptr ? msg : "unreadable zip member";
    return -1;
  }
  read_ += static_cast<std::uint64_t>(got);
  if (read_ > budget_) {
    limit_hit_ = true;
    error_ = "member " + SafeName(name_) + " expands beyond " + std::to_string(budget_) +
             " bytes (expansion ratio limit): the rest was not inspected";
    return -1;
  }
  return static_cast<long>(got);
}

std::uint64_t MemberBudget(std::size_t package_bytes, const Limits& limits) {
  double by_ratio = limits.max_ratio * static_cast<double>(package_bytes);
  std::uint64_t budget = limits.max_ratio_floor;
  if (by_ratio > static_cast<double>(budget))
    budget = by_ratio >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(by_ratio);
  return std::min<std::uint64_t>(budget, limits.max_total_bytes);
}

Status ForEachMember(std::string_view bytes, std::uint64_t member_budget,
                     const std::function<bool(Member&)>& fn) {
  std::unique_ptr<struct archive, ArchiveCloser> a(archive_read_new());
  if (!a) return Status::Internal("archive_read_new failed");
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    return Status::ParseError(msg != nullptr ? msg : "not a zip file");
  }
  for (;;) {
    struct archive_entry* entry = nullptr;
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) return Status::Ok();
    if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY || entry == nullptr) {
      const char* msg = archive_error_string(a.get());
      return Status::ParseError(msg != nullptr ? msg : "corrupt zip directory");
    }
    if (archive_entry_filetype(entry) == AE_IFDIR) continue;
    const char* path = archive_entry_pathname_utf8(entry);
    if (path == nullptr) path = archive_entry_pathname(entry);
    std::string name = path != nullptr ? path : "";
    std::int64_t size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    Member member(a.get(), std::move(name), size, archive_entry_is_encrypted(entry) != 0, member_budget);
    if (!fn(member)) return Status::Ok();
  }
}

// --- XML ------------------------------------------------------------------------------------------

// Chunks read from a member (or a buffer) and handed to the push parser.
constexpr std::size_t kXmlChunk = 16384;

// An attribute value as SAX2 hands it over without entity substitution: character references
// ("&#38;" stands for '&') and the predefined entities are decoded here; other entity references
// are kept as written, never expanded.
void AppendAttrValue(std::string& out, std::string_view v) {
  for (std::size_t i = 0; i < v.size();) {
    std::size_t amp = v.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(v.substr(i));
      return;
    }
    out.append(v.substr(i, amp - i));
    std::size_t semi = v.find(';', amp);
    if (semi == std::string_view::npos || semi - amp > 12) {
      out.push_back('&');
      i = amp + 1;
      continue;
    }
    std::string_view ent = v.substr(amp + 1, semi - amp - 1);
    std::uint32_t cp = 0;
    bool ok = true;
    if (ent == "amp")
      cp = '&';
    else if (ent == "lt")
      cp = '<';
    else if (ent == "gt")
      cp = '>';
    else if (ent == "quot")
      cp = '"';
    else if (ent == "apos")
      cp = '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string digits(ent.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long n = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      ok = !digits.empty() && end != nullptr && *end == '\0' && n > 0 && n <= 0x10FFFF &&
           (n < 0xD800 || n > 0xDFFF);
      cp = static_cast<std::uint32_t>(n);
    } else {
      ok = false;
    }
    if (!ok) {
      out.append(v.substr(amp, semi - amp + 1));
    } else {
      AppendUtf8(out, cp);
    }
    i = semi + 1;
  }
}

struct XmlSax {
  static XmlReader* Self(void* ctx) {
    return static_cast<XmlReader*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
  }

  static void Start(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar*, int, const xmlChar**,
                    int nb_attributes, int, const xmlChar** attributes) {
    XmlReader* r = Self(ctx);
    std::size_t first = r->attrs_.size();
    for (int i = 0; i < nb_attributes; ++i) {
      const xmlChar** a = attributes + 5 * i;  // localname, prefix, URI, value, end
      std::string_view raw(reinterpret_cast<const char*>(a[3]), static_cast<std::size_t>(a[4] - a[3]));
      std::size_t at = r->arena_.size();
      AppendAttrValue(r->arena_, raw);
      r->attrs_.push_back({reinterpret_cast<const char*>(a[0]), a[2] != nullptr, at, r->arena_.size() - at});
    }
    r->Push({XmlReader::Event::kStart, reinterpret_cast<const char*>(localname), r->open_++, first,
             r->attrs_.size() - first});
  }
  static void End(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar*) {
    XmlReader* r = Self(ctx);
    r->Push({XmlReader::Event::kEnd, reinterpret_cast<const char*>(localname), --r->open_, 0, 0});
  }
  static void Characters(void* ctx, const xmlChar* ch, int len) {
    XmlReader* r = Self(ctx);
    if (len <= 0) return;
    // Consecutive pieces of one text node are merged into one event.
    if (!r->queue_.empty() && r->queue_.back().type == XmlReader::Event::kText &&
        r->queue_.back().at + r->queue_.back().len == r->arena_.size()) {
      r->queue_.back().len += static_cast<std::size_t>(len);
    } else {
      r->Push({XmlReader::Event::kText, nullptr, r->open_, r->arena_.size(), static_cast<std::size_t>(len)});
    }
    r->arena_.append(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len));
  }
  static void Error(void* ctx, xmlErrorPtr err) {
    auto* c = static_cast<xmlParserCtxtPtr>(ctx);
    XmlReader* r = c != nullptr ? static_cast<XmlReader*>(c->_private) : nullptr;
    if (r == nullptr || !r->error_.empty() || err == nullptr || err->level < XML_ERR_ERROR) return;
    std::string msg = err->message != nullptr ? err->message : "XML error";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    r->error_ = "XML line " + std::to_string(err->line) + ": " + msg;
  }
};

XmlReader::XmlReader(Member& member) : member_(&member) { InitLibxml(); }

XmlReader::XmlReader(std::string_view buffer) : buffer_(buffer) { InitLibxml(); }

XmlReader::~XmlReader() {
  if (ctxt_ != nullptr) {
    if (ctxt_->myDoc != nullptr) xmlFreeDoc(ctxt_->myDoc);
    ctxt_->myDoc = nullptr;
    xmlFreeParserCtxt(ctxt_);
  }
}

bool XmlReader::Feed() {
  if (finished_) return false;
  char buf[kXmlChunk];
  std::size_t n = 0;
  if (member_ != nullptr) {
    long got = member_->Read(buf, sizeof buf);
    if (got < 0) {
      if (error_.empty()) error_ = member_->error();
      finished_ = true;
      return false;
    }
    n = static_cast<std::size_t>(got);
  } else {
    n = std::min(kXmlChunk, buffer_.size() - buffer_at_);
    std::memcpy(buf, buffer_.data() + buffer_at_, n);
    buffer_at_ += n;
  }
  queue_.clear();
  next_ = 0;
  arena_.clear();
  attrs_.clear();
  if (ctxt_ == nullptr) {
    static xmlSAXHandler sax = [] {
      xmlSAXHandler h;
      xmlSAXVersion(&h, 2);  // SAX2 defaults keep DTD and entity bookkeeping; no tree is built
      h.startElementNs = &XmlSax::Start;
      h.endElementNs = &XmlSax::End;
      h.characters = &XmlSax::Characters;
      h.cdataBlock = &XmlSax::Characters;
      h.ignorableWhitespace = &XmlSax::Characters;
      h.reference = nullptr;  // internal entities arrive as their text (libxml2 bounds the expansion)
      h.serror = &XmlSax::Error;
      h.error = nullptr;
      h.warning = nullptr;
      h.fatalError = nullptr;
      return h;
    }();
    ctxt_ = xmlCreatePushParserCtxt(&sax, nullptr, nullptr, 0, nullptr);
    if (ctxt_ == nullptr) {
      error_ = "cannot create an XML parser";
      finished_ = true;
      return false;
    }
    ctxt_->_private = this;
    xmlCtxtUseOptions(ctxt_, kXmlOptions);
  }
  int rc = xmlParseChunk(ctxt_, buf, static_cast<int>(n), n == 0 ? 1 : 0);
  if (rc != 0 || !ctxt_->wellFormed) {
    if (error_.empty()) error_ = "malformed XML";
    finished_ = true;
    return true;  // deliver what was queued before the error
  }
  if (n == 0) finished_ = true;
  return true;
}

XmlReader::Event XmlReader::Next() {
  while (next_ >= queue_.size()) {
    if (!Feed()) return error_.empty() ? Event::kDone : Event::kError;
    if (next_ >= queue_.size() && finished_) return error_.empty() ? Event::kDone : Event::kError;
  }
  const Ev& ev = queue_[next_++];
  depth_ = ev.depth;
  if (ev.type == Event::kText) {
    text_ = std::string_view(arena_).substr(ev.at, ev.len);
  } else {
    name_ = ev.name != nullptr ? std::string_view(ev.name) : std::string_view();
    cur_attrs_ = ev.type == Event::kStart && ev.len > 0 ? &attrs_[ev.at] : nullptr;
    cur_attr_count_ = ev.type == Event::kStart ? ev.len : 0;
  }
  return ev.type;
}

std::string XmlReader::Attr(std::string_view local_name, bool namespaced) const {
  for (std::size_t i = 0; i < cur_attr_count_; ++i) {
    const Attribute& a = cur_attrs_[i];
    if (local_name == a.local && (!namespaced || a.namespaced)) return arena_.substr(a.value_at, a.value_len);
  }
  return {};
}

// --- text -----------------------------------------------------------------------------------------

void TextSink::Append(std::string_view s) {
  buf_.append(s);
  if (buf_.size() < max_) return;
  std::size_t cut = buf_.rfind('\n');
  cut = (cut == std::string::npos || cut < max_ / 2) ? buf_.size() : cut + 1;
  out_.Text(subpath_, std::string_view(buf_).substr(0, cut));
  buf_.erase(0, cut);
  sent_ = true;
}

void TextSink::EndLine() {
  if (!buf_.empty() && buf_.back() == '\t') buf_.pop_back();  // the tab after a row's last cell
  if (!buf_.empty() && buf_.back() != '\n') buf_.push_back('\n');
}

void TextSink::EndCell() {
  if (!buf_.empty() && buf_.back() == '\n') buf_.pop_back();
  Char('\t');
}

void TextSink::Flush() {
  while (!buf_.empty() && (buf_.back() == '\n' || buf_.back() == ' ' || buf_.back() == '\t')) buf_.pop_back();
  if (buf_.empty()) return;
  out_.Text(subpath_, buf_);
  buf_.clear();
  sent_ = true;
}

// --- cells ----------------------------------------------------------------------------------------

void CellColumns::Add(std::uint64_t column, std::string path, std::string_view value,
                      std::string_view header) {
  std::size_t key =
      static_cast<std::size_t>(std::min<std::uint64_t>(column, 1u << 20)) * 2 + (header.empty() ? 0 : 1);
  if (index_.size() <= key) index_.resize(key + 1, 0);
  if (index_[key] == 0) {
    groups_.push_back(Group{column, std::string(header), {}, {}});
    index_[key] = groups_.size();
  }
  Group& g = groups_[index_[key] - 1];
  g.pieces.push_back(Piece{g.text.size(), std::move(path)});
  g.text.append(value);
  g.text.push_back('\n');
  bytes_ += value.size() + 1 + g.pieces.back().path.size() + sizeof(Piece);
  if (bytes_ >= max_) Flush();
}

void CellColumns::Flush() {
  for (Group& g : groups_) {
    if (out_.Stopped()) break;
    if (g.pieces.empty()) continue;
    if (g.header.empty()) {
      out_.TextPieces(g.text, g.pieces, {});
    } else {
      std::string ctx[1] = {g.header};
      out_.TextPieces(g.text, g.pieces, ctx);
    }
  }
  groups_.clear();
  index_.clear();
  bytes_ = 0;
}

// --- names ----------------------------------------------------------------------------------------

std::string ResolvePath(std::string_view base_part, std::string_view target) {
  std::string joined;
  if (!target.empty() && target.front() == '/') {
    joined = target.substr(1);
  } else {
    std::size_t slash = base_part.rfind('/');
    if (slash != std::string_view::npos) joined.assign(base_part.substr(0, slash + 1));
    joined.append(target);
  }
  std::vector<std::string_view> segments;
  std::string_view rest(joined);
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  return out;
}

bool LooksLikeImage(std::string_view b) {
  auto starts = [&](std::string_view sig) { return b.substr(0, sig.size()) == sig; };
  if (starts("\x89PNG") || starts("\xFF\xD8\xFF") || starts("GIF8") || starts("BM") ||
      starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)) ||
      starts("\xD7\xCD\xC6\x9A") || starts(std::string_view("\x01\x00\x09\x00", 4)) ||
      starts(std::string_view("\x02\x00\x09\x00", 4)))
    return true;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return true;
  if (b.size() >= 44 && b.substr(0, 4) == std::string_view("\x01\x00\x00\x00", 4) &&
      b.substr(40, 4) == " EMF")
    return true;
  return false;
}

std::string SafeName(std::string_view name) {
  std::string out;
  out.reserve(std::min<std::size_t>(name.size(), 255));
  for (char c : name) {
    if (out.size() >= 255) break;
    auto u = static_cast<unsigned char>(c);
    out.push_back((c == '/' || c == '\\' || u < 0x20 || u == 0x7F) ? '_' : c);
  }
  return out;
}

std::string NumberText(std::string_view v) {
  v = Trim(v);
  if (v.find_first_of("eE.") == std::string_view::npos || v.size() > 64) return std::string(v);
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(d) || std::fabs(d) >= 1e17 || d != std::floor(d))
    return s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", d);
  return buf;
}

std::string_view Trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string ColumnName(std::uint64_t index) {
  std::string s;
  std::uint64_t n = index + 1;
  while (n > 0 && s.size() < 16) {
    std::uint64_t r = (n - 1) % 26;
    s.push_back(static_cast<char>('A' + r));
    n = (n - 1) / 26;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::int64_t ColumnIndex(std::string_view ref) {
  std::int64_t col = 0;
  std::size_t i = 0;
  for (; i < ref.size() && i < 4; ++i) {
    char c = ref[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') break;
    col = col * 26 + (c - 'A' + 1);
  }
  return i == 0 ? -1 : col - 1;
}

// --- OLE compound files ---------------------------------------------------------------------------

bool IsOleCompoundFile(std::string_view b) { return b.substr(0, 8) == "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"; }

bool OleHasEncryptedPackage(std::string_view b) {
  if (!IsOleCompoundFile(b) || b.size() < 512) return false;
  const unsigned shift = Le16(b, 0x1E);
  if (shift != 9 && shift != 12) return false;
  const std::size_t sector = std::size_t{1} << shift;
  const std::uint64_t sectors = (b.size() + sector - 1) / sector;  // upper bound on any chain length
  auto sector_at = [&](std::uint32_t sid) -> std::string_view {
    std::uint64_t off = (static_cast<std::uint64_t>(sid) + 1) << shift;
    if (sid >= 0xFFFFFFFA || off + sector > b.size()) return {};
    return b.substr(off, sector);
  };
  // FAT sector ids: 109 in the header, the rest in the DIFAT chain.
  std::vector<std::uint32_t> fat;
  for (std::size_t i = 0; i < 109; ++i) {
    std::uint32_t sid = Le32(b, 0x4C + 4 * i);
    if (sid < 0xFFFFFFFA) fat.push_back(sid);
  }
  std::uint32_t difat = Le32(b, 0x44);
  for (std::uint64_t hops = 0; difat < 0xFFFFFFFA && hops < sectors; ++hops) {
    std::string_view s = sector_at(difat);
    if (s.empty()) break;
    for (std::size_t i = 0; i + 4 < sector; i += 4) {
      std::uint32_t sid = Le32(s, i);
      if (sid < 0xFFFFFFFA) fat.push_back(sid);
    }
    difat = Le32(s, sector - 4);
  }
  const std::size_t per_fat = sector / 4;
  auto next = [&](std::uint32_t sid) -> std::uint32_t {
    std::size_t which = sid / per_fat;
    if (which >= fat.size()) return 0xFFFFFFFE;
    std::string_view s = sector_at(fat[which]);
    if (s.empty()) return 0xFFFFFFFE;
    return Le32(s, (sid % per_fat) * 4);
  };
  static const std::u16string_view kName = u"EncryptedPackage";
  std::uint32_t dir = Le32(b, 0x30);
  for (std::uint64_t hops = 0; dir < 0xFFFFFFFA && hops < sectors; ++hops) {
    std::string_view s = sector_at(dir);
    if (s.empty()) break;
    for (std::size_t e = 0; e + 128 <= sector; e += 128) {
      std::uint16_t len = Le16(s, e + 0x40);
      if (len != (kName.size() + 1) * 2) continue;
      bool same = true;
      for (std::size_t i = 0; i < kName.size() && same; ++i) same = Le16(s, e + 2 * i) == kName[i];
      if (same) return true;
    }
    dir = next(dir);
  }
  return false;
}

}  // namespace leakguard::extract::zipxml
