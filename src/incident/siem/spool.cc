#include "incident/siem/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

namespace leakguard::incident::siem {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "LGSPOOL1";

std::string Errno() { return std::strerror(errno); }

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("open " + dir + ": " + Errno());
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError("fsync " + dir + ": " + std::strerror(e));
  return Status::Ok();
}

Status WriteFile(const std::string& path, std::string_view header, std::string_view payload, bool sync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("create " + path + ": " + Errno());
  auto write_all = [&](std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
  bool ok = write_all(header) && write_all(payload) && (!sync || ::fsync(fd) == 0);
  int e = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IoError("write " + path + ": " + std::strerror(e));
  }
  return Status::Ok();
}

// "00000000000000000042.ev" -> 42.
std::optional<std::uint64_t> SeqOf(const std::string& name) {
  if (name.size() != 23 || !name.ends_with(".ev")) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc() || p != name.data() + 20) return std::nullopt;
  return v;
}

// Splits "LGSPOOL1 <id> <type> <len>\n<payload>"; false when the file is not one of ours or is cut.
bool Parse(const std::string& data, SpooledEvent& ev) {
  auto nl = data.find('\n');
  if (nl == std::string::npos) return false;
  std::string_view header(data.data(), nl);
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    auto sp = header.find(' ');
    parts[i] = header.substr(0, sp);
    header = sp == std::string_view::npos ? std::string_view() : header.substr(sp + 1);
  }
  if (parts[0] != kMagic || !header.empty()) return false;
  std::uint64_t len = 0;
  auto [p, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), len);
  if (ec != std::errc() || p != parts[3].data() + parts[3].size() || len != data.size() - nl - 1)
    return false;
  ev.event_id = std::string(parts[1]);
  ev.event_type = std::string(parts[2]);
  ev.payload = data.substr(nl + 1);
  return true;
}

// Ids and types go into a space-separated header line.
std::string HeaderSafe(std::string_view s) {
  std::string out;
  for (char c : s) out += c > 32 && c < 127 ? c : '_';
  return out.empty() ? "-" : out;
}

}  // namespace

Result<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options) {
  std::error_code ec;
  fs::create_directories(fs::path(options.dir) / "rejected", ec);
  if (ec) return Unexpected(Status::IoError("spool " + options.dir + ": " + ec.message()));
  std::string lock_path = (fs::path(options.dir) / ".lock").string();
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return Unexpected(Status::IoError("spool lock " + lock_path + ": " + Errno()));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(lock_fd);
    if (e == EWOULDBLOCK)
      return Unexpected(Status::Unavailable("spool " + options.dir + " is in use by another exporter"));
    return Unexpected(Status::IoError("spool lock " + lock_path + ": " + std::strerror(e)));
  }
  std::unique_ptr<Spool> spool(new Spool(options, lock_fd));
  fs::directory_iterator it(options.dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    std::error_code entry_ec;
    if (name.starts_with("tmp-")) {  // an Append that never finished: it was never acknowledged
      fs::remove(entry.path(), entry_ec);
      continue;
    }
    auto seq = SeqOf(name);
    if (!seq || !entry.is_regular_file(entry_ec)) continue;
    std::uint64_t size = entry.file_size(entry_ec);
    if (entry_ec) continue;
    spool->index_[*seq] = size;
    spool->bytes_ += size;
    spool->next_seq_ = std::max(spool->next_seq_, *seq + 1);
  }
  if (ec) return Unexpected(Status::IoError("spool " + options.dir + ": " + ec.message()));
  return spool;
}

Spool::~Spool() { ::close(lock_fd_); }

std::string Spool::PathOf(std::uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.ev", static_cast<unsigned long long>(seq));
  return options_.dir + "/" + name;
}

Status Spool::Append(std::string_view event_id, std::string_view event_type, std::string_view payload) {
  std::string header = std::string(kMagic) + " " + HeaderSafe(event_id) + " " + HeaderSafe(event_type) + " " +
                       std::to_string(payload.size()) + "\n";
  const std::uint64_t size = header.size() + payload.size();
  std::uint64_t seq;
  {
    std::lock_guard lock(mu_);
    if (index_.size() + pending_events_ + 1 > options_.max_events)
      return Status::LimitExceeded("spool " + options_.dir + " is full (" +
                                   std::to_string(options_.max_events) + " events)");
    if (bytes_ + pending_bytes_ + size > options_.max_bytes)
      return Status::LimitExceeded("spool " + options_.dir + " is full (" +
                                   std::to_string(options_.max_bytes) + " bytes)");
    seq = next_seq_++;
    ++pending_events_;
    pending_bytes_ += size;
  }
  // Written outside the lock so that concurrent publishers share the disk's flushes; the worker sees
  // the event only once it is complete and renamed.
  std::string final_path = PathOf(seq);
  std::string tmp_path = options_.dir + "/tmp-" + final_path.substr(options_.dir.size() + 1);
  Status s = WriteFile(tmp_path, header, payload, options_.sync);
  if (s.ok() && ::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    s = Status::IoError("rename " + tmp_path + ": " + Errno());
    ::unlink(tmp_path.c_str());
  }
  if (s.ok() && options_.sync) {
    s = SyncDir(options_.dir);
    if (!s.ok()) ::unlink(final_path.c_str());
  }
  std::lock_guard lock(mu_);
  --pending_events_;
  pending_bytes_ -= size;
  if (!s.ok()) return s;
  index_[seq] = size;
  bytes_ += size;
  return Status::Ok();
}

Result<std::optional<SpooledEvent>> Spool::Front() {
  for (;;) {
    std::uint64_t seq;
    {
      std::lock_guard lock(mu_);
      if (index_.empty()) return std::optional<SpooledEvent>();
      seq = index_.begin()->first;
    }
    std::string path = PathOf(seq);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      if (errno == ENOENT) {  // removed behind our back: forget it
        std::lock_guard lock(mu_);
        if (auto it = index_.find(seq); it != index_.end()) {
          bytes_ -= it->second;
          index_.erase(it);
        }
        continue;
      }
      return Unexpected(Status::IoError("open " + path + ": " + Errno()));
    }
    std::string data;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return Unexpected(Status::IoError("read " + path));
    SpooledEvent ev;
    ev.seq = seq;
    if (Parse(data, ev)) return std::optional<SpooledEvent>(std::move(ev));
    if (Status s = MoveToRejected(seq, ".corrupt", "not a spool file or cut short"); !s.ok())
      return Unexpected(s);
  }
}

Status Spool::Remove(std::uint64_t seq) {
  std::string path = PathOf(seq);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::IoError("remove " + path + ": " + Errno());
  std::lock_guard lock(mu_);
  if (auto it = index_.find(seq); it != index_.end()) {
    bytes_ -= it->second;
    index_.erase(it);
  }
  return Status::Ok();
}

Status Spool::Reject(std::uint64_t seq, std::string_view why) { return MoveToRejected(seq, "", why); }

Status Spool::MoveToRejected(std::uint64_t seq, std::string_view suffix, std::string_view why) {
  std::string path = PathOf(seq);
  std::string target =
      options_.dir + "/rejected/" + path.substr(options_.dir.size() + 1) + std::string(suffix);
  if (::rename(path.c_str(), target.c_str()) != 0 && errno != ENOENT)
    return Status::IoError("move " + path + " to rejected/: " + Errno());
  if (std::FILE* f = std::fopen((target + ".reason").c_str(), "w")) {
    std::fwrite(why.data(), 1, why.size(), f);
    std::fputc('\n', f);
    std::fclose(f);
  }
  std::lock_guard lock(mu_);
  if (auto it = index_.find(seq); it != index_.end()) {
    bytes_ -= it->second;
    index_.erase(it);
  }
  return Status::Ok();
}

std::uint64_t Spool::events() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

std::uint64_t Spool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace leakguard::incident::siem
