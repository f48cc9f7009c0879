#include "cli/file_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace leakguard::cli {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

std::string CannotRead(std::string_view path, int error) {
  return "cannot read '" + std::string(path) + "': " + ErrnoText(error);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

struct DirEntry {
  std::string name;
  unsigned char type;  // d_type
};

struct Frame {
  std::string path;
  std::vector<DirEntry> entries;
  std::size_t next = 0;
};

using InodeKey = std::pair<dev_t, ino_t>;

class Walker {
 public:
  Walker(const WalkOptions& options, const WalkCallbacks& callbacks) : options_(options), cb_(callbacks) {}

  void WalkRoot(const std::string& root) {
    if (root == "-") {
      cb_.on_file(WalkEntry{root, false});
      return;
    }
    if (IsExcluded(root, options_.excludes)) return;
    struct stat st;
    if (::stat(root.c_str(), &st) != 0) {
      Error(CannotRead(root, errno));
      return;
    }
    if (S_ISREG(st.st_mode)) {
      cb_.on_file(WalkEntry{root, false});
    } else if (S_ISDIR(st.st_mode)) {
      if (!visited_.insert({st.st_dev, st.st_ino}).second) return;  // same directory given twice
      WalkTree(root);
    } else {
      Warning("skipping '" + root + "': not a regular file or directory");
    }
  }

 private:
  void Error(std::string_view m) {
    if (cb_.on_error) cb_.on_error(m);
  }
  void Warning(std::string_view m) {
    if (cb_.on_warning) cb_.on_warning(m);
  }

  // Reads and sorts one directory; false (after reporting) when it cannot be opened.
  bool ReadDir(const std::string& path, std::vector<DirEntry>& entries) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      Error(CannotRead(path, errno));
      return false;
    }
    errno = 0;
    while (dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      entries.push_back(DirEntry{std::string(name), e->d_type});
      errno = 0;
    }
    int read_error = errno;
    ::closedir(dir);
    if (read_error != 0) {
      Error(CannotRead(path, read_error));  // keep what was listed
    }
    std::sort(entries.begin(), entries.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return true;
  }

  void WalkTree(const std::string& root) {
    std::vector<Frame> stack;
    stack.push_back(Frame{root, {}, 0});
    if (!ReadDir(root, stack.back().entries)) return;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next >= top.entries.size()) {
        stack.pop_back();
        continue;
      }
      const DirEntry& entry = top.entries[top.next++];
      std::string path = JoinPath(top.path, entry.name);
      if (IsExcluded(path, options_.excludes)) continue;
      std::string child_dir;
      if (Visit(path, entry.type, child_dir)) {
        Frame frame{std::move(child_dir), {}, 0};
        if (ReadDir(frame.path, frame.entries)) stack.push_back(std::move(frame));  // invalidates `top`
      }
    }
  }

  // Handles one entry found in a directory. Returns true when it is a directory to descend into.
  bool Visit(std::string& path, unsigned char d_type, std::string& child_dir) {
    if (d_type == DT_REG) {
      cb_.on_file(WalkEntry{path, !options_.follow_symlinks});
      return false;
    }
    if (d_type != DT_DIR && d_type != DT_LNK && d_type != DT_UNKNOWN) return false;  // fifo, socket, device
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) Error(CannotRead(path, errno));  // ENOENT: removed while walking
      return false;
    }
    bool via_symlink = false;
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_symlinks) return false;
      if (::stat(path.c_str(), &st) != 0) return false;  // dangling symlink: nothing to scan
      via_symlink = true;
    }
    if (S_ISREG(st.st_mode)) {
      cb_.on_file(WalkEntry{path, !options_.follow_symlinks});
      return false;
    }
    if (!S_ISDIR(st.st_mode)) return false;
    if (!visited_.insert({st.st_dev, st.st_ino}).second) {
      if (via_symlink) Warning("skipping '" + path + "': symlink to a directory already visited (loop?)");
      return false;
    }
    child_dir = std::move(path);
    return true;
  }

  const WalkOptions& options_;
  const WalkCallbacks& cb_;
  std::set<InodeKey> visited_;
};

// Waits until a non-blocking fd (e.g. an inherited stdin) is readable.
void WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

}  // namespace

void Walk(const std::vector<std::string>& roots, const WalkOptions& options, const WalkCallbacks& callbacks) {
  Walker walker(options, callbacks);
  for (const std::string& root : roots) walker.WalkRoot(root);
}

bool IsExcluded(std::string_view path, const std::vector<std::string>& globs) {
  if (globs.empty()) return false;
  std::string full(path);
  while (full.size() > 1 && full.back() == '/') full.pop_back();
  std::string base = full;
  if (std::size_t slash = full.rfind('/'); slash != std::string::npos && slash + 1 < full.size()) {
    base = full.substr(slash + 1);
  }
  std::string stripped = full;  // "./src/x" also matches "src/*"
  while (stripped.starts_with("./") && stripped.size() > 2) stripped.erase(0, 2);
  for (const std::string& glob : globs) {
    if (::fnmatch(glob.c_str(), full.c_str(), 0) == 0) return true;
    if (::fnmatch(glob.c_str(), base.c_str(), 0) == 0) return true;
    if (stripped != full && ::fnmatch(glob.c_str(), stripped.c_str(), 0) == 0) return true;
  }
  return false;
}

Result<int> OpenForScan(const std::string& path, bool no_follow) {
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // O_NONBLOCK: never hang on a fifo
  if (no_follow) flags |= O_NOFOLLOW;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Unexpected(Status::IoError(CannotRead(path, errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Unexpected(Status::IoError(CannotRead(path, e)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Unexpected(Status::InvalidArgument("skipping '" + path + "': not a regular file"));
  }
  int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0) ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;
}

Status ReadFileChunks(const std::string& path, bool no_follow, int fd_override, std::vector<char>& buffer,
                      const std::function<Status(std::string_view chunk)>& on_chunk) {
  if (buffer.empty()) buffer.resize(1 << 20);
  int fd = fd_override;
  bool owned = false;
  if (fd < 0) {
    Result<int> opened = OpenForScan(path, no_follow);
    if (!opened) return opened.error();
    fd = *opened;
    owned = true;
  }
  Status result;
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        WaitReadable(fd);
        continue;
      }
      result = Status::IoError(CannotRead(path, errno));
      break;
    }
    if (n == 0) break;
    result = on_chunk(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    if (!result.ok()) break;
  }
  if (owned) ::close(fd);
  return result;
}

}  // namespace leakguard::cli
