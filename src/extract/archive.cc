// Archives with libarchive: zip, tar, 7z, rar, cpio, iso, and gzip/bzip2/xz/zstd/lzma streams, members
// extracted recursively. Nothing is ever written to disk: member names (also "../../etc/passwd") are
// only used as part names.

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "extract/dispatcher.h"
#include "extract/formats.h"

namespace leakguard::extract {
namespace {

constexpr std::size_t kMaxName = 1024;

// Archive member names come from the archive: keep them printable and bounded.
std::string SanitizeName(const char* name) {
  std::string out;
  if (name == nullptr || *name == '\0') return "(unnamed)";
  for (const char* p = name; *p != '\0' && out.size() < kMaxName; ++p) {
    auto c = static_cast<unsigned char>(*p);
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  return out;
}

std::string MemberName(archive* a, archive_entry* e, bool raw) {
  if (raw) {
    const char* filter = archive_filter_name(a, 0);
    return std::string("[") + (filter != nullptr ? filter : "data") + "]";
  }
  const char* name = archive_entry_pathname_utf8(e);
  if (name == nullptr) name = archive_entry_pathname(e);
  return SanitizeName(name);
}

std::string ArchiveError(archive* a, std::string_view fallback) {
  const char* msg = archive_error_string(a);
  return msg != nullptr && *msg != '\0' ? std::string(msg) : std::string(fallback);
}

struct ArchiveHandle {
  archive* a = archive_read_new();
  ~ArchiveHandle() { archive_read_free(a); }
};

// A Source reading the data of the current archive member.
class EntrySource : public Source {
 public:
  explicit EntrySource(archive* a) : a_(a) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    la_ssize_t n = archive_read_data(a_, buffer, size);
    if (n < 0) return Unexpected(Status::ParseError(ArchiveError(a_, "cannot read archive member")));
    return static_cast<std::size_t>(n);
  }

 private:
  archive* a_;
};

// libarchive read callback over a head already read plus the rest of a Source.
struct CallbackInput {
  std::string_view head;
  std::size_t pos = 0;
  Source* rest = nullptr;
  std::vector<char> buf = std::vector<char>(kChunkSize);
  Status error;
};

la_ssize_t ReadCallback(archive* a, void* user, const void** out) {
  auto* in = static_cast<CallbackInput*>(user);
  if (in->pos < in->head.size()) {
    std::size_t n = std::min(kChunkSize, in->head.size() - in->pos);
    *out = in->head.data() + in->pos;
    in->pos += n;
    return static_cast<la_ssize_t>(n);
  }
  if (in->rest == nullptr) return 0;
  Result<std::size_t> n = in->rest->Read(in->buf.data(), in->buf.size());
  if (!n) {
    in->error = n.error();
    archive_set_error(a, EIO, "%s", n.error().message().c_str());
    return -1;
  }
  *out = in->buf.data();
  return static_cast<la_ssize_t>(*n);
}

}  // namespace

// Walks the members of an open archive (friend of Dispatcher).
class ArchiveReader {
 public:
  static int Read(Dispatcher& d, archive* a, const std::string& path, int depth, bool raw) {
    archive_entry* e = nullptr;
    int retries = 0;
    int members = 0;
    while (!d.Stopped()) {
      int r = archive_read_next_header(a, &e);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_RETRY && ++retries < 16) continue;
      if (r < ARCHIVE_WARN) {
        std::string msg = ArchiveError(a, "corrupt archive");
        d.Report(path, MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
        return members + 1;
      }
      ++members;
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      const bool raw_entry = raw && archive_format(a) == ARCHIVE_FORMAT_RAW;
      std::string member = JoinPath(path, MemberName(a, e, raw_entry));
      if (archive_entry_is_encrypted(e)) {
        d.Report(member, Problem::kEncrypted, "password-protected archive member: not inspected");
        continue;
      }
      if (!d.DepthOk(member, depth + 1)) continue;
      if (!d.AddPart(member)) return members;
      EntrySource source(a);
      d.Dispatch(source, member, depth + 1, nullptr, false);
    }
    return members;
  }
};

int Dispatcher::StreamArchive(std::string_view head, Source* rest, const std::string& path, int depth,
                              bool top, bool raw_allowed, bool raw_only) {
  ArchiveHandle h;
  archive_read_support_filter_all(h.a);
  if (!raw_only) archive_read_support_format_all(h.a);
  if (raw_allowed || raw_only) archive_read_support_format_raw(h.a);
  CallbackInput input;
  input.head = head;
  input.rest = rest;
  if (archive_read_open(h.a, &input, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    if (!input.error.ok()) {
      ReadFailed(input.error, path, top);
    } else {
      std::string msg = ArchiveError(h.a, "unrecognised archive");
      Report(path, MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
    }
    return 1;
  }
  int members = ArchiveReader::Read(*this, h.a, path, depth, raw_allowed || raw_only);
  if (!input.error.ok() && top && input.error.code() == StatusCode::kIoError) SinkFailed(input.error);
  return members;
}

void Dispatcher::SeekArchive(std::string_view bytes, const std::string& path, int depth) {
  ArchiveHandle h;
  archive_read_support_filter_all(h.a);
  archive_read_support_format_all(h.a);
  if (archive_read_open_memory(h.a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    std::string msg = ArchiveError(h.a, "unrecognised archive");
    Report(path, MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
    return;
  }
  ArchiveReader::Read(*this, h.a, path, depth, false);
}

void Dispatcher::FdArchive(int fd, const std::string& path, int depth) {
  ArchiveHandle h;
  archive_read_support_filter_all(h.a);
  archive_read_support_format_all(h.a);
  if (archive_read_open_fd(h.a, fd, kChunkSize) != ARCHIVE_OK) {
    std::string msg = ArchiveError(h.a, "unrecognised archive");
    Report(path, MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
    return;
  }
  ArchiveReader::Read(*this, h.a, path, depth, false);
}

void ExtractArchive(std::string_view bytes, Emitter& out, const Limits& limits) {
  ArchiveHandle h;
  archive_read_support_filter_all(h.a);
  archive_read_support_format_all(h.a);
  archive_read_support_format_raw(h.a);
  if (archive_read_open_memory(h.a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    std::string msg = ArchiveError(h.a, "unrecognised archive");
    out.Report("", MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
    return;
  }
  archive_entry* e = nullptr;
  std::string data;
  int retries = 0;
  while (!out.Stopped()) {
    int r = archive_read_next_header(h.a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY && ++retries < 16) continue;
    if (r < ARCHIVE_WARN) {
      std::string msg = ArchiveError(h.a, "corrupt archive");
      out.Report("", MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
      return;
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string name = MemberName(h.a, e, archive_format(h.a) == ARCHIVE_FORMAT_RAW);
    if (archive_entry_is_encrypted(e)) {
      out.Report(name, Problem::kEncrypted, "password-protected archive member: not inspected");
      continue;
    }
    data.clear();
    bool failed = false, too_large = false;
    char buf[16384];
    while (true) {
      la_ssize_t n = archive_read_data(h.a, buf, sizeof buf);
      if (n < 0) {
        std::string msg = ArchiveError(h.a, "cannot read archive member");
        out.Report(name, MentionsEncryption(msg) ? Problem::kEncrypted : Problem::kUnreadable, msg);
        failed = true;
        break;
      }
      if (n == 0) break;
      if (data.size() + static_cast<std::size_t>(n) > limits.max_buffered_bytes) {
        too_large = true;
        break;
      }
      data.append(buf, static_cast<std::size_t>(n));
    }
    if (too_large) {
      out.Report(name, Problem::kLimit,
                 "member larger than " + Bytes(limits.max_buffered_bytes) + ": not inspected");
      continue;
    }
    if (!failed) out.Child(name, data);
  }
}

}  // namespace leakguard::extract
