// The dispatcher (extract.h, dispatcher.h): sniffing, recursion, limits, text streaming.

#include "extract/extract.h"

#include <magic.h>
#include <poll.h>
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>

#include "extract/dispatcher.h"
#include "extract/encoded.h"
#include "extract/text.h"

namespace leakguard::extract {

// --- sources ---------------------------------------------------------------------------------------

Result<std::size_t> FdSource::Read(char* buffer, std::size_t size) {
  while (true) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {  // an inherited non-blocking stdin
      pollfd p{fd_, POLLIN, 0};
      while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
      }
      continue;
    }
    return Unexpected(Status::IoError("cannot read '" + name_ + "': " + std::strerror(errno)));
  }
}

int FdSource::seekable_fd() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return fd_;
}

Result<std::size_t> MemorySource::Read(char* buffer, std::size_t size) {
  std::size_t n = std::min(size, bytes_.size());
  std::memcpy(buffer, bytes_.data(), n);
  bytes_.remove_prefix(n);
  return n;
}

// --- names -----------------------------------------------------------------------------------------

std::string JoinPath(std::string_view prefix, std::string_view subpath) {
  if (subpath.empty()) return std::string(prefix);
  if (subpath.front() == '!') {  // a location inside a document: "customers.csv!C12"
    if (prefix.empty()) return std::string(subpath.substr(1));
    return std::string(prefix) + std::string(subpath);
  }
  if (prefix.empty()) return std::string(subpath);
  std::string out;
  out.reserve(prefix.size() + 1 + subpath.size());
  out.append(prefix).append(1, '/').append(subpath);
  return out;
}

std::string_view ProblemType(Problem problem) {
  switch (problem) {
    case Problem::kLimit:
      return kExtractionLimitType;
    case Problem::kEncrypted:
      return kEncryptedContentType;
    case Problem::kUnreadable:
      return kUnreadableContentType;
  }
  return kUnreadableContentType;
}

std::string Bytes(std::uint64_t n) {
  if (n >= (std::uint64_t{1} << 30) && n % (std::uint64_t{1} << 30) == 0)
    return std::to_string(n >> 30) + " GiB";
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1u << 10) && n % (1u << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

// --- sniffing --------------------------------------------------------------------------------------

namespace {

struct MagicCookie {
  magic_t cookie = nullptr;
  explicit MagicCookie(int extra_flags) {
    cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_ERROR |
                        extra_flags);
    if (cookie != nullptr && magic_load(cookie, nullptr) != 0) {
      magic_close(cookie);
      cookie = nullptr;
    }
  }
  ~MagicCookie() {
    if (cookie != nullptr) magic_close(cookie);
  }
};

// Plain UTF-8 text: no NUL and no control byte other than white space and ESC.
bool LooksPlainText(std::string_view head) {
  auto bad = [](unsigned char c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B) ||
           c == 0x7F;
  };
  const char* p = head.data();
  const std::size_t n = head.size();
  std::size_t i = 0;
  // Eight bytes a step: only a word holding a byte below 0x20 (a line break, mostly) or 0x7F is
  // looked at byte by byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
    const std::uint64_t del = ((w ^ (kOnes * 0x7F)) - kOnes) & ~(w ^ (kOnes * 0x7F)) & kHigh;
    if ((below_space | del) == 0) continue;
    for (std::size_t k = 0; k < 8; ++k)
      if (bad(static_cast<unsigned char>(p[i + k]))) return false;
  }
  for (; i < n; ++i)
    if (bad(static_cast<unsigned char>(p[i]))) return false;
  return IsValidUtf8(head, false);
}

std::string_view TrimFront(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix);

bool MayBeJson(std::string_view head) {
  const std::size_t first = head.find_first_not_of(" \t\r\n\f\v");
  return first != std::string_view::npos && (head[first] == '{' || head[first] == '[');
}

// libmagic's (5.44) CSV test, as it behaves: lines end at '\n'; a field in double quotes (with ""
// inside) is skipped whole, line breaks included; the first line needs at least one comma outside
// quotes and every later line the same number; it is CSV after more than two such lines, and the
// tenth line ends the test.
bool LooksCsvToLibmagic(std::string_view head) {
  std::size_t commas = 0, expected = 0, lines = 0;
  for (std::size_t i = 0; i < head.size();) {
    const char c = head[i++];
    if (c == '"') {
      // Past the quoted field: to the first byte after an odd run of quotes.
      bool open_quote = false;
      for (; i < head.size(); ++i) {
        if (head[i] == '"') {
          open_quote = !open_quote;
        } else if (open_quote) {
          break;
        }
      }
    } else if (c == ',') {
      ++commas;
    } else if (c == '\n') {
      ++lines;
      if (lines == 10) return expected != 0 && expected == commas;
      if (expected == 0) {
        if (commas == 0) return false;
        expected = commas;
      } else if (commas != expected) {
        return false;
      }
      commas = 0;
    }
  }
  return expected != 0 && lines > 2;
}

// Whether libmagic's text rules ("soft magic") could name this plain text something the dispatcher
// opens differently from what the built-in tests say: HTML, XML and SVG (libmagic searches the first
// 4 KiB for tags), RTF and PDF, and mail or news (a header line or a news marker at the very start).
// Anything else they would only call text/x-<language>, which the dispatcher treats as text too. A
// head starting "MIME-Version:" is a MIME entity to the dispatcher whatever libmagic calls it.
bool SoftMagicMayMatter(std::string_view head) {
  if (StartsWithNoCase(head, "mime-version:")) return false;
  // Markup: a tag at the start, or one of the tags libmagic looks for in the first 4 KiB (a '<' in
  // prose or in a Markdown file does not make it HTML).
  if (TrimFront(head).starts_with('<')) return true;
  const std::string_view window = head.substr(0, 4096);
  for (std::size_t lt = window.find('<'); lt != std::string_view::npos; lt = window.find('<', lt + 1)) {
    const std::string_view tag = head.substr(lt + 1, 16);
    for (std::string_view name : {"a href", "html", "head", "title", "script", "style", "table", "body",
                                  "!doctype", "?xml", "svg", "iframe", "frameset", "meta"})
      if (StartsWithNoCase(tag, name)) return true;
  }
  if (head.substr(0, 1024).find("%PDF-") != std::string_view::npos) return true;
  for (std::string_view marker :
       {"{\\rtf", "#! rnews", "N#! rnews", "Article", "Forward to", "Pipe to", "BABYL"})
    if (head.starts_with(marker)) return true;
  // "Name:" on the first line: a mail or news header.
  std::size_t i = 0;
  while (i < head.size() && i < 80 &&
         (std::isalnum(static_cast<unsigned char>(head[i])) != 0 || head[i] == '-' || head[i] == '_'))
    ++i;
  return i > 0 && i < head.size() && head[i] == ':';
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// Tab-separated values: the first lines (at least 3) have the same number (>= 1) of tabs.
bool LooksTsv(std::string_view head) {
  int lines = 0;
  std::size_t tabs = 0;
  std::size_t pos = 0;
  while (pos < head.size() && lines < 8) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = head.substr(pos, nl - pos);
    std::size_t t = static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t'));
    if (t == 0 || (lines > 0 && t != tabs)) return false;
    tabs = t;
    ++lines;
    pos = nl + 1;
  }
  return lines >= 3;
}

}  // namespace

std::string SniffMimeType(std::string_view head) {
  // libmagic's text rules cost 2-3 ms a call on ordinary prose (its regular expressions are compiled
  // on every call): plain text they cannot change the meaning of is sniffed with the built-in tests
  // only (encoding, CSV, JSON; ~0.1 ms), everything else with the whole database.
  thread_local MagicCookie magic(0);
  thread_local MagicCookie builtin(MAGIC_NO_CHECK_SOFT);
  if (head.empty()) return "inode/x-empty";
  auto sniff = [&](magic_t cookie) -> std::string {
    const char* type = cookie != nullptr ? magic_buffer(cookie, head.data(), head.size()) : nullptr;
    return type != nullptr ? std::string(type) : "application/octet-stream";
  };
  if (builtin.cookie == nullptr || !LooksPlainText(head)) return sniff(magic.cookie);
  // Plain text that cannot be JSON (libmagic's JSON is an object or an array) and needs no text rule:
  // libmagic's built-in tests can only say CSV or text, which the CSV test below decides the same way.
  const bool soft = SoftMagicMayMatter(head);
  if (!soft && !MayBeJson(head)) return LooksCsvToLibmagic(head) ? "text/csv" : "text/plain";
  std::string type = sniff(builtin.cookie);
  // libmagic settles JSON and CSV before it tries its text rules: the answer would be the same.
  if (type == "application/json" || type == "text/csv" || !soft) return type;
  return sniff(magic.cookie);
}

Kind Classify(std::string_view mime, std::string_view head) {
  auto is = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), mime) != names.end();
  };
  // A MIME entity that holds binary parts (a multipart upload handed over by a channel as
  // "MIME-Version: 1.0 / Content-Type: multipart/form-data; boundary=...") is "data" to libmagic.
  if ((mime == "application/octet-stream" || mime.starts_with("text/")) &&
      StartsWithNoCase(head, "mime-version:"))
    return Kind::kMime;
  if (mime.starts_with("application/vnd.openxmlformats-officedocument")) return Kind::kOoxml;
  if (mime.starts_with("application/vnd.oasis.opendocument")) return Kind::kOdf;
  if (mime == "application/encrypted") return Kind::kEncrypted;
  if (mime == "application/pdf") return Kind::kPdf;
  if (is({"message/rfc822", "message/news"})) return Kind::kMime;
  if (is({"text/rtf", "application/rtf"})) return Kind::kRtf;
  if (is({"application/zip", "application/java-archive", "application/x-7z-compressed", "application/x-rar",
          "application/vnd.rar", "application/x-rar-compressed", "application/vnd.ms-cab-compressed",
          "application/x-iso9660-image", "application/x-xar"}))
    return Kind::kArchiveSeek;
  if (is({"application/x-tar", "application/gzip", "application/x-gzip", "application/x-bzip2",
          "application/x-xz", "application/zstd", "application/x-zstd", "application/x-lzma",
          "application/x-lzip", "application/x-compress", "application/x-cpio", "application/x-lz4",
          "application/x-archive"}))
    return Kind::kArchiveStream;
  if (mime == "text/html") return Kind::kHtml;
  if (is({"text/xml", "application/xml", "image/svg+xml"})) return Kind::kXml;
  if (mime == "application/json") return Kind::kJson;
  if (mime == "text/csv") return Kind::kCsv;
  if (mime.starts_with("text/")) {
    std::string_view t = TrimFront(head);
    if (t.starts_with("{") || t.starts_with("[")) return Kind::kJson;  // checked by parsing
    if (t.starts_with("<?xml")) return Kind::kXml;
    if (StartsWithNoCase(t, "<!doctype html") || StartsWithNoCase(t, "<html")) return Kind::kHtml;
    if (LooksTsv(head)) return Kind::kCsv;
  }
  return Kind::kText;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kText:
      return "text";
    case Kind::kHtml:
      return "html";
    case Kind::kXml:
      return "xml";
    case Kind::kJson:
      return "json";
    case Kind::kCsv:
      return "csv";
    case Kind::kArchiveStream:
      return "archive";
    case Kind::kArchiveSeek:
      return "archive";
    case Kind::kMime:
      return "mail";
    case Kind::kOoxml:
      return "ooxml";
    case Kind::kOdf:
      return "odf";
    case Kind::kPdf:
      return "pdf";
    case Kind::kRtf:
      return "rtf";
    case Kind::kEncrypted:
      return "encrypted";
  }
  return "text";
}

// --- the dispatcher --------------------------------------------------------------------------------

namespace {
// The time limit is in milliseconds and Stopped() is asked per cell or value of a structured part:
// the coarse monotonic clock (a few ms resolution) is enough and costs a fraction of a precise read.
std::chrono::nanoseconds CoarseNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

Dispatcher::Dispatcher(const Limits& limits, PartSink& sink, ExtractStats* stats)
    : limits_(limits), sink_(sink), stats_(stats != nullptr ? *stats : local_stats_) {
  stats_ = ExtractStats{};
  if (limits_.max_time.count() > 0) {
    has_deadline_ = true;
    deadline_ = CoarseNow() + limits_.max_time;
  }
}

namespace {
// Counts what is read from the transfer itself (the denominator of the expansion ratio).
class CountingSource : public Source {
 public:
  CountingSource(Source& inner, std::uint64_t& count) : inner_(inner), count_(count) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    Result<std::size_t> n = inner_.Read(buffer, size);
    if (n) count_ += *n;
    return n;
  }
  int seekable_fd() const override { return inner_.seekable_fd(); }

 private:
  Source& inner_;
  std::uint64_t& count_;
};
}  // namespace

Status Dispatcher::Run(Source& source, std::string_view name) {
  CountingSource counted(source, stats_.input_bytes);
  Dispatch(counted, std::string(name), 0, nullptr, true);
  return fatal_;
}

Status Dispatcher::RunBuffer(std::string_view bytes, std::string_view name) {
  stats_.input_bytes = bytes.size();
  MemorySource source(bytes);
  Dispatch(source, std::string(name), 0, &bytes, true);
  return fatal_;
}

bool Dispatcher::Stopped() {
  if (stopped_) return true;
  if (has_deadline_ && CoarseNow() > deadline_) {
    LimitStop("", "time limit of " + std::to_string(limits_.max_time.count()) +
                      " ms per transfer reached: the rest was not inspected");
  }
  return stopped_;
}

void Dispatcher::LimitStop(std::string_view path, std::string reason) {
  if (stopped_) return;
  Report(path, Problem::kLimit, reason);
  stopped_ = true;
}

void Dispatcher::Report(std::string_view path, Problem problem, std::string_view reason) {
  ++stats_.problems;
  sink_.Problem(path, problem, reason);
}

void Dispatcher::SinkFailed(Status status) {
  if (fatal_.ok()) fatal_ = std::move(status);
  stopped_ = true;
}

bool Dispatcher::AddExpanded(std::string_view path, std::uint64_t n) {
  stats_.expanded_bytes += n;
  if (stats_.expanded_bytes > limits_.max_total_bytes) {
    LimitStop(path, "more than " + Bytes(limits_.max_total_bytes) +
                        " of expanded content in one transfer: the rest was not inspected");
    return false;
  }
  if (stats_.expanded_bytes > limits_.max_ratio_floor &&
      static_cast<double>(stats_.expanded_bytes) >
          limits_.max_ratio * static_cast<double>(std::max<std::uint64_t>(stats_.input_bytes, 1))) {
    LimitStop(path, "expansion ratio above " + std::to_string(static_cast<long long>(limits_.max_ratio)) +
                        ":1 (" + std::to_string(stats_.input_bytes) + " bytes expanded to more than " +
                        std::to_string(stats_.expanded_bytes) + "): possible decompression bomb");
    return false;
  }
  return true;
}

bool Dispatcher::AddPart(std::string_view path) {
  if (Stopped()) return false;
  if (stats_.parts >= limits_.max_parts) {
    LimitStop(path, "more than " + std::to_string(limits_.max_parts) +
                        " parts in one transfer: the rest was not inspected");
    return false;
  }
  ++stats_.parts;
  return true;
}

bool Dispatcher::DepthOk(std::string_view path, int depth) {
  if (depth <= limits_.max_depth) return true;
  Report(path, Problem::kLimit,
         "nested more than " + std::to_string(limits_.max_depth) + " containers deep: not inspected");
  return false;
}

bool Dispatcher::ReadFailed(const Status& status, const std::string& path, bool top) {
  if (top && status.code() == StatusCode::kIoError) {
    SinkFailed(status);
  } else {
    Report(path, MentionsEncryption(status.message()) ? Problem::kEncrypted : Problem::kUnreadable,
           status.message());
  }
  return false;
}

bool MentionsEncryption(std::string_view message) {
  for (std::string_view word : {"ncrypt", "assphrase", "assword"})
    if (message.find(word) != std::string_view::npos) return true;
  return false;
}

namespace {
// Reads until `out` holds `want` bytes or the source ends.
Result<std::size_t> ReadUpTo(Source& source, std::string& out, std::size_t want) {
  std::size_t start = out.size();
  while (out.size() < want) {
    std::size_t before = out.size();
    out.resize(want);
    Result<std::size_t> n = source.Read(out.data() + before, want - before);
    if (!n) {
      out.resize(before);
      return std::unexpected(n.error());
    }
    out.resize(before + *n);
    if (*n == 0) break;
  }
  return out.size() - start;
}
}  // namespace

bool Dispatcher::ReadAll(std::string_view head, Source& source, const std::string& path, bool top,
                         std::string& out, bool* too_large) {
  *too_large = false;
  out.assign(head);
  const std::size_t cap = limits_.max_buffered_bytes;
  while (true) {
    if (out.size() > cap) {
      *too_large = true;
      return false;
    }
    // Past 1 MiB, room for the whole limit at once: doubling would copy the content and hold the old
    // and the new buffer together (a 64 MiB limit peaked at 128 MiB resident); pages of the reserve
    // that are never written are never resident.
    // (At most 1 GiB at once: a larger configured limit grows as before rather than ask for it all.)
    const std::size_t room = std::min(cap + 1, std::size_t{1} << 30);
    if (out.size() >= (std::size_t{1} << 20) && out.capacity() < room) out.reserve(room);
    Result<std::size_t> n = ReadUpTo(source, out, std::min(cap + 1, out.size() + kChunkSize));
    if (!n) return ReadFailed(n.error(), path, top);
    if (*n == 0) return true;
    if (Stopped()) return false;
  }
}

void Dispatcher::Dispatch(Source& source, const std::string& path, int depth, const std::string_view* whole,
                          bool top) {
  if (Stopped()) return;
  std::string head_buf;
  std::string_view head;
  if (whole != nullptr) {
    head = whole->substr(0, kHeadSize);
  } else {
    Result<std::size_t> n = ReadUpTo(source, head_buf, kHeadSize);
    if (!n) {
      ReadFailed(n.error(), path, top);
      return;
    }
    head = head_buf;
  }
  Kind kind = Classify(SniffMimeType(head), head);
  Source* rest = whole != nullptr ? nullptr : &source;  // with `whole`, head is a view of it

  // Formats without an extractor in this build fall back to what can still be read.
  ExtractFn fn = FindExtractor(kind);
  if (fn == nullptr) {
    if (kind == Kind::kOoxml || kind == Kind::kOdf) kind = Kind::kArchiveSeek;
    if (kind == Kind::kMime || kind == Kind::kRtf || kind == Kind::kPdf) kind = Kind::kText;
  }

  switch (kind) {
    case Kind::kText:
      StreamText(whole != nullptr ? *whole : head, rest, path, depth, top, {});
      return;
    case Kind::kEncrypted:
      Report(path, Problem::kEncrypted, "encrypted document (password-protected Office file)");
      return;
    case Kind::kArchiveStream: {
      if (StreamArchive(whole != nullptr ? *whole : head, rest, path, depth, top, true) > 0 || Stopped())
        return;
      // No member: a compressed stream that starts with zero blocks passes for an empty tar. Read it
      // again as one compressed member when the bytes can be read again, so nothing hides behind them.
      if (whole != nullptr) {
        StreamArchive(*whole, nullptr, path, depth, top, true, true);
        return;
      }
      const int fd = source.seekable_fd();
      if (fd >= 0 && ::lseek(fd, 0, SEEK_SET) == 0) {
        FdSource again(fd, path);
        std::string again_head;
        StreamArchive(again_head, &again, path, depth, top, true, true);
        return;
      }
      Report(path, Problem::kUnreadable, "archive without members: its content could not be inspected");
      return;
    }
    case Kind::kArchiveSeek:
      if (whole == nullptr && top) {
        // A regular file on disk: let libarchive seek in it instead of buffering it.
        const int fd = source.seekable_fd();
        struct stat st;
        if (fd >= 0 && ::fstat(fd, &st) == 0 && ::lseek(fd, 0, SEEK_SET) == 0) {
          stats_.input_bytes = static_cast<std::uint64_t>(st.st_size);
          FdArchive(fd, path, depth);
          return;
        }
      }
      break;
    default:
      break;
  }

  // Everything else needs the whole content in memory.
  std::string buffer;
  std::string_view bytes;
  if (whole != nullptr) {
    bytes = *whole;
  } else {
    bool too_large = false;
    if (!ReadAll(head, source, path, top, buffer, &too_large)) {
      if (!too_large) return;
      if (kind == Kind::kJson || kind == Kind::kXml || kind == Kind::kHtml || kind == Kind::kCsv) {
        // Too large for its structure: still inspected in full, as plain text.
        StreamText(buffer, &source, path, depth, top, {});
        return;
      }
      Report(path, Problem::kLimit,
             std::string(KindName(kind)) + " content larger than " + Bytes(limits_.max_buffered_bytes) +
                 " (the limit for content that must be held in memory): not inspected");
      return;
    }
    bytes = buffer;
  }
  if (kind == Kind::kArchiveSeek) {
    SeekArchive(bytes, path, depth);
    return;
  }
  ContainerEmitter emitter(*this, path, depth);
  fn(bytes, emitter, limits_);
}

void Dispatcher::Child(const std::string& path, std::string_view bytes, int depth) {
  if (Stopped()) return;
  if (!DepthOk(path, depth)) return;
  if (!AddPart(path)) return;
  if (!AddExpanded(path, bytes.size())) return;
  MemorySource source(bytes);
  Dispatch(source, path, depth, &bytes, false);
}

void Dispatcher::OnEncodedRun(const std::string& path, int depth, EncodedRun&& run) {
  if (run.kind == "limit") {
    Report(path, Problem::kLimit,
           "more than " + std::to_string(limits_.max_decoded_runs) +
               " encoded runs (base64, hex, percent, entities) per 16 MiB of one part: the rest were not "
               "decoded");
    return;
  }
  std::string child = JoinPath(path, std::string(run.kind) + "@" + std::to_string(run.offset));
  if (run.truncated) {
    Report(child, Problem::kLimit,
           "encoded run longer than the decoding limit: only its first " +
               Bytes(std::min<std::size_t>(limits_.max_buffered_bytes, std::size_t{16} << 20)) +
               " inspected");
  }
  Child(child, run.decoded, depth + 1);
}

void Dispatcher::StreamText(std::string_view head, Source* rest, const std::string& path, int depth, bool top,
                            std::span<const std::string> context) {
  if (Stopped()) return;
  const bool complete = rest == nullptr;
  TextDecoder decoder(DetectEncoding(head.substr(0, kHeadSize), complete && head.size() <= kHeadSize));
  const bool exact = decoder.encoding() == Encoding::kBytes;
  if (!top && !AddPart(path)) return;
  if (top) ++stats_.parts;
  PartSink::PartInfo info;
  info.path = path;
  info.context = context;
  info.exact_offsets = exact;
  if (Status s = sink_.BeginPart(info); !s.ok()) {
    SinkFailed(std::move(s));
    return;
  }
  EncodedRunFinder finder(limits_, [&](EncodedRun&& run) { OnEncodedRun(path, depth, std::move(run)); });
  std::string decoded;
  auto deliver = [&](std::string_view bytes) -> bool {
    std::string_view text = bytes;
    if (!exact) {
      decoded.clear();
      decoder.Decode(bytes, decoded);
      text = decoded;
    }
    if (text.empty()) return true;
    if (!top && !AddExpanded(path, text.size())) return false;
    if (Status s = sink_.Data(text); !s.ok()) {
      SinkFailed(std::move(s));
      return false;
    }
    finder.Feed(text);
    return !Stopped();
  };
  bool ok = true;
  for (std::size_t off = 0; ok && off < head.size(); off += kChunkSize)
    ok = deliver(head.substr(off, kChunkSize));
  if (ok && rest != nullptr) {
    std::string buf(kChunkSize, '\0');
    while (ok) {
      Result<std::size_t> n = rest->Read(buf.data(), buf.size());
      if (!n) {
        ReadFailed(n.error(), path, top);
        break;
      }
      if (*n == 0) break;
      ok = deliver(std::string_view(buf.data(), *n));
    }
  }
  if (!exact && fatal_.ok()) {
    decoded.clear();
    decoder.Finish(decoded);
    if (!decoded.empty() && sink_.Data(decoded).ok()) finder.Feed(decoded);
  }
  if (fatal_.ok() && !stopped_) finder.Finish();
  if (Status s = sink_.EndPart(); !s.ok()) SinkFailed(std::move(s));
}

void Dispatcher::TextPart(const std::string& path, std::string_view utf8,
                          std::span<const std::string> context, int depth) {
  if (Stopped()) return;
  if (!AddPart(path)) return;
  if (!AddExpanded(path, utf8.size())) return;
  PartSink::PartInfo info;
  info.path = path;
  info.context = context;
  if (Status s = sink_.BeginPart(info); !s.ok()) return SinkFailed(std::move(s));
  EncodedRunFinder finder(limits_, [&](EncodedRun&& run) { OnEncodedRun(path, depth, std::move(run)); });
  if (Status s = sink_.Data(utf8); !s.ok()) {
    SinkFailed(std::move(s));
  } else {
    finder.Feed(utf8);
    if (!Stopped()) finder.Finish();
  }
  if (Status s = sink_.EndPart(); !s.ok()) SinkFailed(std::move(s));
}

void Dispatcher::PiecesPart(const std::string& prefix, std::string_view text, std::span<const Piece> pieces,
                            std::span<const std::string> context, int depth) {
  if (Stopped() || pieces.empty()) return;
  if (!AddPart(prefix)) return;
  if (!AddExpanded(prefix, text.size())) return;
  // Pieces keep their relative names (a CSV has one per cell); whoever needs a piece's full name (a
  // finding in it) joins it with the prefix.
  const std::string first = JoinPath(prefix, pieces.front().path);
  PartSink::PartInfo info;
  info.path = first;
  info.context = context;
  info.pieces = pieces;
  info.piece_prefix = prefix;
  if (Status s = sink_.BeginPart(info); !s.ok()) return SinkFailed(std::move(s));
  if (Status s = sink_.Data(text); !s.ok()) {
    SinkFailed(std::move(s));
    if (Status e = sink_.EndPart(); !e.ok()) SinkFailed(std::move(e));
    return;
  }
  // Encoded runs are looked for piece by piece, so each is named after its piece.
  std::size_t piece = 0;
  EncodedRunFinder finder(limits_, [&](EncodedRun&& run) {
    run.offset -= pieces[piece].offset;
    OnEncodedRun(JoinPath(prefix, pieces[piece].path), depth, std::move(run));
  });
  // Most columns hold no encoded run at all: one check of the whole text spares a feed per cell.
  if (!finder.MayHoldRun(text)) piece = pieces.size();
  for (; piece < pieces.size(); ++piece) {
    if (stopped_ || ((piece & 63) == 0 && Stopped())) break;  // the clock every 64 pieces
    std::uint64_t begin = pieces[piece].offset;
    std::uint64_t end = piece + 1 < pieces.size() ? pieces[piece + 1].offset : text.size();
    if (begin >= end || end > text.size()) continue;
    const std::string_view cell = text.substr(begin, end - begin);
    if (!finder.MayHoldRun(cell)) continue;
    finder.Feed(cell);
    finder.Finish();
  }
  if (Status s = sink_.EndPart(); !s.ok()) SinkFailed(std::move(s));
}

// --- ContainerEmitter ------------------------------------------------------------------------------

void ContainerEmitter::Text(std::string_view subpath, std::string_view utf8,
                            std::span<const std::string> context) {
  d_.TextPart(JoinPath(prefix_, subpath), utf8, context, depth_);
}

void ContainerEmitter::TextPieces(std::string_view text, std::span<const Piece> pieces,
                                  std::span<const std::string> context) {
  d_.PiecesPart(prefix_, text, pieces, context, depth_);
}

void ContainerEmitter::Child(std::string_view subpath, std::string_view bytes) {
  d_.Child(JoinPath(prefix_, subpath), bytes, depth_ + 1);
}

void ContainerEmitter::Report(std::string_view subpath, Problem problem, std::string_view reason) {
  d_.Report(JoinPath(prefix_, subpath), problem, reason);
}

// --- entry points ----------------------------------------------------------------------------------

Status ExtractStream(Source& source, std::string_view name, const Limits& limits, PartSink& sink,
                     ExtractStats* stats) {
  Dispatcher d(limits, sink, stats);
  return d.Run(source, name);
}

Status ExtractBuffer(std::string_view bytes, std::string_view name, const Limits& limits, PartSink& sink,
                     ExtractStats* stats) {
  Dispatcher d(limits, sink, stats);
  return d.RunBuffer(bytes, name);
}

}  // namespace leakguard::extract
