#include "channel/body_spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace leakguard::channel {

BodySpool::BodySpool(std::size_t memory_limit, std::string spool_dir)
    : limit(memory_limit), dir(std::move(spool_dir)) {}
BodySpool::~BodySpool() {
  if (map != nullptr) ::munmap(map, size);
  if (fd >= 0) ::close(fd);
}

Status BodySpool::Append(std::string_view d) {
  if (fd < 0 && memory.size() + d.size() <= limit) {
    memory.append(d);
    size += d.size();
    return Status::Ok();
  }
  if (fd < 0) {
    std::string path =
        (dir.empty() ? std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") : dir) +
        "/leakguard-spool-XXXXXX";
    fd = ::mkstemp(path.data());
    if (fd < 0) return Status::IoError("cannot create a spool file in " + path + ": " + std::strerror(errno));
    ::unlink(path.c_str());
    if (Status s = WriteAll(memory); !s.ok()) return s;
    std::string().swap(memory);
  }
  if (Status s = WriteAll(d); !s.ok()) return s;
  size += d.size();
  return Status::Ok();
}

Status BodySpool::WriteAll(std::string_view d) {
  while (!d.empty()) {
    ssize_t n = ::write(fd, d.data(), d.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError(std::string("spool write failed: ") + std::strerror(errno));
    d.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

std::string_view BodySpool::View() {
  if (fd < 0) return memory;
  if (map == nullptr && size > 0) {
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) return {};
    map = m;
  }
  return {static_cast<const char*>(map), static_cast<std::size_t>(size)};
}
std::string_view BodySpool::Body() { return View().substr(std::min<std::size_t>(prefix, View().size())); }

Result<std::size_t> BodySpool::ReadAt(std::uint64_t offset, char* buf, std::size_t n) {
  if (offset >= size) return 0;
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - offset));
  if (fd < 0) {
    std::memcpy(buf, memory.data() + offset, n);
    return n;
  }
  for (;;) {
    ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Unexpected(Status::IoError(std::string("spool read failed: ") + std::strerror(errno)));
    return static_cast<std::size_t>(r);
  }
}

Result<std::size_t> SpoolSource::Read(char* buffer, std::size_t size) {
  auto n = spool_.ReadAt(offset_, buffer, size);
  if (n) offset_ += *n;
  return n;
}

}  // namespace leakguard::channel
