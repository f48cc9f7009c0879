#include "cli/file_walker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/scan_pipeline.h"

namespace leakguard::cli {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("leakguard_walker_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  std::string Path(const std::string& rel = "") const {
    return rel.empty() ? path_.string() : (path_ / rel).string();
  }
  void Write(const std::string& rel, const std::string& content) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

struct Collected {
  std::vector<std::string> files;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

Collected RunWalk(const std::vector<std::string>& roots, const WalkOptions& options) {
  Collected c;
  WalkCallbacks cb;
  cb.on_file = [&](WalkEntry e) { c.files.push_back(e.path); };
  cb.on_error = [&](std::string_view m) { c.errors.emplace_back(m); };
  cb.on_warning = [&](std::string_view m) { c.warnings.emplace_back(m); };
  Walk(roots, options, cb);
  return c;
}

TEST(Walk, RecursiveInSortedOrder) {
  TempDir dir;
  dir.Write("b.txt", "b");
  dir.Write("a/z.txt", "z");
  dir.Write("a/sub/y.txt", "y");
  dir.Write("c/x.txt", "x");
  Collected c = RunWalk({dir.Path()}, {});
  std::string root = dir.Path();
  EXPECT_EQ(c.files, (std::vector<std::string>{root + "/a/sub/y.txt", root + "/a/z.txt", root + "/b.txt",
                                               root + "/c/x.txt"}));
  EXPECT_TRUE(c.errors.empty());
}

TEST(Walk, RootsInGivenOrderAndStdinPassesThrough) {
  TempDir dir;
  dir.Write("one", "1");
  dir.Write("two", "2");
  Collected c = RunWalk({dir.Path("two"), "-", dir.Path("one")}, {});
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("two"), "-", dir.Path("one")}));
}

TEST(Walk, ExcludeByBasenameAndPath) {
  TempDir dir;
  dir.Write("keep.txt", "k");
  dir.Write("skip.log", "s");
  dir.Write("node_modules/pkg/index.js", "j");
  dir.Write("build/out/a.txt", "a");
  WalkOptions options;
  options.excludes = {"*.log", "node_modules", dir.Path("build") + "/*"};
  Collected c = RunWalk({dir.Path()}, options);
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("keep.txt")}));
}

TEST(IsExcluded, MatchesPathOrBasename) {
  EXPECT_TRUE(IsExcluded("src/a.log", {"*.log"}));
  EXPECT_TRUE(IsExcluded("./vendor/x/y.go", {"vendor/*"}));
  EXPECT_TRUE(IsExcluded("a/.git/", {".git"}));
  EXPECT_FALSE(IsExcluded("src/a.txt", {"*.log", "b*"}));
  EXPECT_FALSE(IsExcluded("src/a.txt", {}));
}

TEST(Walk, SymlinksSkippedByDefault) {
  TempDir dir;
  dir.Write("real/file.txt", "x");
  fs::create_directory_symlink(dir.Path("real"), dir.Path("link"));
  fs::create_symlink(dir.Path("real/file.txt"), dir.Path("filelink"));
  Collected c = RunWalk({dir.Path()}, {});
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("real/file.txt")}));
}

TEST(Walk, SymlinkLoopTerminatesWhenFollowing) {
  TempDir dir;
  dir.Write("a/file.txt", "x");
  fs::create_directory_symlink(dir.Path("a"), dir.Path("a/loop"));  // a/loop -> a
  fs::create_directory_symlink(dir.Path(), dir.Path("a/up"));       // a/up -> root
  fs::create_symlink(dir.Path("missing"), dir.Path("a/dangling"));  // ignored
  WalkOptions options;
  options.follow_symlinks = true;
  Collected c = RunWalk({dir.Path()}, options);
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("a/file.txt")}));
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.warnings.size(), 2u);  // a/loop and a/up
}

TEST(Walk, MissingRootIsAnError) {
  TempDir dir;
  dir.Write("ok.txt", "x");
  Collected c = RunWalk({dir.Path("nope"), dir.Path("ok.txt")}, {});
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].find("cannot read '" + dir.Path("nope") + "'"), std::string::npos);
  EXPECT_NE(c.errors[0].find("No such file"), std::string::npos);
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("ok.txt")}));
}

TEST(Walk, FifoSkipped) {
  TempDir dir;
  dir.Write("a.txt", "a");
  ASSERT_EQ(::mkfifo(dir.Path("pipe").c_str(), 0600), 0);
  Collected c = RunWalk({dir.Path()}, {});
  EXPECT_EQ(c.files, (std::vector<std::string>{dir.Path("a.txt")}));
  Collected named = RunWalk({dir.Path("pipe")}, {});  // named on the command line: warning, no hang
  EXPECT_TRUE(named.files.empty());
  EXPECT_TRUE(named.errors.empty());
  EXPECT_EQ(named.warnings.size(), 1u);
}

TEST(Walk, UnreadableDirectoryAndFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read everything";
  TempDir dir;
  dir.Write("locked/secret.txt", "x");
  dir.Write("open.txt", "y");
  dir.Write("noread.txt", "z");
  ::chmod(dir.Path("locked").c_str(), 0);
  ::chmod(dir.Path("noread.txt").c_str(), 0);
  Collected c = RunWalk({dir.Path()}, {});
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].find("locked"), std::string::npos);
  // The walker lists the unreadable file; reading it fails with a clear message.
  std::vector<char> buffer(16);
  Status s =
      ReadFileChunks(dir.Path("noread.txt"), true, -1, buffer, [](std::string_view) { return Status(); });
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("Permission denied"), std::string::npos);
  ::chmod(dir.Path("locked").c_str(), 0700);
}

TEST(ReadFileChunks, ReadErrorIsReported) {
  // /proc/self/mem is a regular file whose first page cannot be read (EIO), even by root.
  if (!fs::exists("/proc/self/mem")) GTEST_SKIP() << "no /proc";
  std::vector<char> buffer(64);
  Status s = ReadFileChunks("/proc/self/mem", false, -1, buffer, [](std::string_view) { return Status(); });
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("cannot read '/proc/self/mem'"), std::string::npos) << s.message();
}

TEST(ReadFileChunks, ReadsInBoundedChunks) {
  TempDir dir;
  std::string content(1000, 'x');
  content[999] = 'y';
  dir.Write("f", content);
  std::vector<char> buffer(64);
  std::string seen;
  std::size_t max_chunk = 0;
  Status s = ReadFileChunks(dir.Path("f"), true, -1, buffer, [&](std::string_view chunk) {
    seen += chunk;
    max_chunk = std::max(max_chunk, chunk.size());
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, content);
  EXPECT_LE(max_chunk, 64u);
}

TEST(ReadFileChunks, MissingFileAndDirectory) {
  TempDir dir;
  std::vector<char> buffer(64);
  auto ignore = [](std::string_view) { return Status(); };
  Status missing = ReadFileChunks(dir.Path("none"), true, -1, buffer, ignore);
  EXPECT_EQ(missing.code(), StatusCode::kIoError);
  EXPECT_NE(missing.message().find("cannot read"), std::string::npos);
  Status directory = ReadFileChunks(dir.Path(), false, -1, buffer, ignore);
  EXPECT_EQ(directory.code(), StatusCode::kInvalidArgument);  // skipped, not an error
}

TEST(ReadFileChunks, SymlinkRefusedWithNoFollow) {
  TempDir dir;
  dir.Write("target", "t");
  fs::create_symlink(dir.Path("target"), dir.Path("link"));
  std::vector<char> buffer(64);
  auto ignore = [](std::string_view) { return Status(); };
  EXPECT_FALSE(ReadFileChunks(dir.Path("link"), true, -1, buffer, ignore).ok());
  EXPECT_TRUE(ReadFileChunks(dir.Path("link"), false, -1, buffer, ignore).ok());
}

TEST(OrderedDelivery, DeterministicOrderWithConcurrentWorkers) {
  std::vector<std::string> delivered;
  OrderedDelivery delivery([&](std::string_view path, Finding&& f) {
    delivered.push_back(std::string(path) + "#" + std::to_string(f.start));
  });
  constexpr int kFiles = 200;
  constexpr int kPerFile = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int seq = kFiles - 1 - t; seq >= 0; seq -= 4) {  // finish in reverse order to stress buffering
        std::string path = "f" + std::to_string(seq);
        for (int i = 0; i < kPerFile; ++i) {
          Finding f;
          f.start = static_cast<std::uint64_t>(i);
          delivery.Add(static_cast<std::uint64_t>(seq), path, std::move(f));
        }
        delivery.Finish(static_cast<std::uint64_t>(seq));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(delivered.size(), static_cast<std::size_t>(kFiles * kPerFile));
  for (int seq = 0; seq < kFiles; ++seq) {
    for (int i = 0; i < kPerFile; ++i) {
      EXPECT_EQ(delivered[seq * kPerFile + i], "f" + std::to_string(seq) + "#" + std::to_string(i));
    }
  }
}

TEST(WorkQueue, DrainsAfterClose) {
  WorkQueue<int> q(2);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) q.Push(i);
    q.Close();
  });
  int sum = 0;
  while (auto v = q.Pop()) sum += *v;
  producer.join();
  EXPECT_EQ(sum, 4950);
}

}  // namespace
}  // namespace leakguard::cli
