// Expanding `leakguard scan` arguments into the files to scan.
//
// Owns: Walk (command-line paths → regular files, recursively, in a deterministic order), the
// exclusion test and the chunked file reader used by the scan workers.
//
// Rules:
//  - Roots are visited in the order given; the entries of a directory in byte order of their names.
//  - A root may be a symlink (it is followed). Symlinks met while walking are skipped unless
//    follow_symlinks; either way a directory already visited (same device and inode) is not entered
//    again, so symlink loops and bind-mount cycles end.
//  - Special files (fifos, sockets, devices) are skipped: silently while walking, with a warning when
//    named on the command line.
//  - A path that cannot be read (missing, permission denied) is reported through on_error and the
//    walk goes on.
//  - "-" as a root means standard input and is passed through as is.
//
// Threads: Walk runs its callbacks on the calling thread. ReadFileChunks may run on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::cli {

struct WalkOptions {
  std::vector<std::string> excludes;  // fnmatch globs
  bool follow_symlinks = false;
};

struct WalkEntry {
  std::string path;        // as given on the command line, or root + "/" + relative name
  bool no_follow = false;  // found inside a directory without follow_symlinks: open with O_NOFOLLOW
};

struct WalkCallbacks {
  std::function<void(WalkEntry entry)> on_file;
  std::function<void(std::string_view message)> on_error;    // the path could not be read
  std::function<void(std::string_view message)> on_warning;  // skipped, not an error
};

void Walk(const std::vector<std::string>& roots, const WalkOptions& options, const WalkCallbacks& callbacks);

// True when a glob matches the whole path or its last component (fnmatch without flags, so '*' also
// matches '/': "build/*" excludes everything below build/). Trailing slashes of the path are ignored.
bool IsExcluded(std::string_view path, const std::vector<std::string>& globs);

// Reads a regular file (or the already open fd_override, e.g. stdin, when >= 0) in chunks of at most
// buffer.size() bytes and passes each to on_chunk; stops early when on_chunk returns a failed Status
// and returns it. Memory use is the buffer, whatever the file size.
// Returns kIoError "cannot read 'path': <reason>" when the file cannot be opened or read, and
// kInvalidArgument "skipping 'path': not a regular file" when the path (opened by name) turned out
// to be a fifo, device, socket or directory: the caller treats that as a skip, not an error.
// Opens a regular file for reading (blocking reads), as ReadFileChunks does: the same errors, and
// kInvalidArgument "skipping 'path': not a regular file" for fifos, devices, sockets, directories.
// The caller closes the descriptor.
Result<int> OpenForScan(const std::string& path, bool no_follow);

Status ReadFileChunks(const std::string& path, bool no_follow, int fd_override, std::vector<char>& buffer,
                      const std::function<Status(std::string_view chunk)>& on_chunk);

}  // namespace leakguard::cli
