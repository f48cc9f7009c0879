// `leakguard scan`: walk the paths on one thread, scan files on N workers (each with its own Scanner),
// deliver findings in walk order to one writer.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli.h"
#include "cli/file_walker.h"
#include "cli/output.h"
#include "cli/scan_pipeline.h"
#include "extract/inspect.h"

namespace leakguard::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kQueueCapacity = 4096;
constexpr unsigned kMaxJobs = 512;
constexpr auto kProgressDelay = std::chrono::seconds(1);
constexpr auto kProgressInterval = std::chrono::milliseconds(250);

struct WorkItem {
  std::uint64_t seq = 0;
  WalkEntry entry;
};

// stderr shared by the walker, the workers and the progress line: whole lines only, and the progress
// line is erased before any message is written.
class Console {
 public:
  explicit Console(std::ostream& err) : err_(err) {}

  void Message(std::string_view prefix, std::string_view text) {
    std::lock_guard lock(mu_);
    ClearLocked();
    err_ << prefix << EscapeForTerminal(text) << '\n';
    err_.flush();
  }
  void Progress(const std::string& line) {
    std::lock_guard lock(mu_);
    err_ << "\r\x1b[K" << line;
    err_.flush();
    progress_shown_ = true;
  }
  void ClearProgress() {
    std::lock_guard lock(mu_);
    ClearLocked();
  }
  void Raw(std::string_view text) {
    std::lock_guard lock(mu_);
    ClearLocked();
    err_ << text;
    err_.flush();
  }

 private:
  void ClearLocked() {
    if (!progress_shown_) return;
    err_ << "\r\x1b[K";
    progress_shown_ = false;
  }
  std::mutex mu_;
  std::ostream& err_;
  bool progress_shown_ = false;
};

struct Counters {
  std::atomic<std::uint64_t> files{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> findings{0};
  std::atomic<std::uint64_t> errors{0};
};

// Draws "leakguard: N files, X MB, Y MB/s, Z findings" every 250 ms once the scan has run for 1 s.
class ProgressLine {
 public:
  ProgressLine(Console& console, const Counters& counters, Clock::time_point start)
      : console_(console), counters_(counters), start_(start), thread_([this] { Loop(); }) {}
  ~ProgressLine() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    console_.ClearProgress();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    if (cv_.wait_until(lock, start_ + kProgressDelay, [&] { return stop_; })) return;
    while (!stop_) {
      double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
      std::uint64_t bytes = counters_.bytes.load();
      std::uint64_t files = counters_.files.load();
      std::uint64_t findings = counters_.findings.load();
      std::string line = "leakguard: " + std::to_string(files) + (files == 1 ? " file, " : " files, ") +
                         FormatBytes(bytes) + ", " +
                         std::to_string(static_cast<std::uint64_t>(bytes / 1e6 / seconds)) + " MB/s, " +
                         std::to_string(findings) + (findings == 1 ? " finding" : " findings");
      console_.Progress(line);
      cv_.wait_for(lock, kProgressInterval, [&] { return stop_; });
    }
  }

  Console& console_;
  const Counters& counters_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members above are ready
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool UseColor(const ScanArgs& args) {
  if (args.format != OutputFormat::kText) return false;
  switch (args.color) {
    case ColorMode::kAlways:
      return true;
    case ColorMode::kNever:
      return false;
    case ColorMode::kAuto:
      break;
  }
  if (!args.stdout_is_tty) return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string_view(term) != "dumb";
}

std::string StatusText(const Status& s) { return s.message().empty() ? s.ToString() : s.message(); }

}  // namespace

void PrintError(std::ostream& err, std::string_view message) {
  err << "leakguard: error: " << message << '\n';
  err.flush();
}

int RunScan(const ScanArgs& args, std::ostream& out, std::ostream& err) {
  if (args.paths.empty()) {
    PrintError(err, "nothing to scan: give files, directories, or - for standard input");
    return kExitError;
  }
  auto engine = Engine::CompileFiles(args.configs, args.include_builtin);
  if (!engine) {
    PrintError(err, StatusText(engine.error()));
    return kExitError;
  }
  return RunScan(args, *engine, out, err);
}

int RunScan(const ScanArgs& args, std::shared_ptr<const Engine> engine, std::ostream& out,
            std::ostream& err) {
  const Clock::time_point start = Clock::now();
  if (args.paths.empty()) {
    PrintError(err, "nothing to scan: give files, directories, or - for standard input");
    return kExitError;
  }
  if (std::count(args.paths.begin(), args.paths.end(), "-") > 1) {
    PrintError(err, "standard input (-) can be scanned only once");
    return kExitError;
  }

  ScanOptions scan_options;
  scan_options.min_confidence = args.min_confidence;
  scan_options.reveal = args.reveal;
  for (const std::string& id : args.types) {
    const InfoTypeInfo* info = engine->FindType(id);
    if (info == nullptr) info = engine->FindType(Upper(id));
    bool problem_type = false;  // EXTRACTION_LIMIT, ENCRYPTED_CONTENT, UNREADABLE_CONTENT
    for (const extract::ProblemTypeInfo& p : extract::ProblemTypes()) {
      if (p.id == Upper(id)) {
        problem_type = true;
        if (std::find(scan_options.types.begin(), scan_options.types.end(), p.id) == scan_options.types.end())
          scan_options.types.emplace_back(p.id);
      }
    }
    if (problem_type) continue;
    if (info == nullptr) {
      PrintError(err, "unknown info type '" + id + "' in --types (run 'leakguard types' to list them)");
      return kExitError;
    }
    if (std::find(scan_options.types.begin(), scan_options.types.end(), info->id) ==
        scan_options.types.end()) {
      scan_options.types.push_back(info->id);
    }
  }

  Console console(err);
  Counters counters;
  std::mutex errors_mu;
  std::vector<std::string> error_messages;
  auto report_error = [&](std::string_view message) {
    counters.errors.fetch_add(1);
    {
      std::lock_guard lock(errors_mu);
      error_messages.emplace_back(message);
    }
    console.Message("leakguard: error: ", message);
  };
  auto report_warning = [&](std::string_view message) {
    if (!args.quiet) console.Message("leakguard: warning: ", message);
  };

  WriterOptions writer_options;
  writer_options.reveal = args.reveal;
  writer_options.color = UseColor(args);
  writer_options.lookup = [&engine](std::string_view id) { return engine->FindType(id); };
  std::unique_ptr<FindingWriter> writer = MakeWriter(args.format, out, std::move(writer_options));
  writer->Begin();

  const bool show_progress = args.progress && !args.quiet && args.stderr_is_tty;
  // Both on one terminal: erase the progress line before a finding is printed, and print it at once.
  const bool share_terminal = show_progress && args.stdout_is_tty;
  std::map<std::string, std::uint64_t> by_type;  // guarded by OrderedDelivery's lock
  OrderedDelivery delivery([&](std::string_view path, Finding&& f) {
    ++by_type[f.info_type];
    counters.findings.fetch_add(1, std::memory_order_relaxed);
    if (share_terminal) console.ClearProgress();
    writer->Add(path, f);
    if (share_terminal) out.flush();
  });

  const std::size_t chunk_size = args.chunk_size > 0 ? args.chunk_size : (1u << 20);
  WorkQueue<WorkItem> queue(kQueueCapacity);
  // Counts what is read from a file, for the progress line and the summary.
  class CountingSource : public extract::Source {
   public:
    CountingSource(extract::Source& inner, std::atomic<std::uint64_t>& bytes)
        : inner_(inner), bytes_(bytes) {}
    Result<std::size_t> Read(char* buffer, std::size_t size) override {
      Result<std::size_t> n = inner_.Read(buffer, size);
      if (n) {
        bytes_.fetch_add(*n, std::memory_order_relaxed);
        counted_ += *n;
      }
      return n;
    }
    int seekable_fd() const override { return inner_.seekable_fd(); }
    // A zip or 7z is read with seeks through seekable_fd() after its first bytes came through Read():
    // count the rest of the file when done.
    void CountWholeFile(int fd) {
      struct stat st {};
      if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > counted_) {
        bytes_.fetch_add(static_cast<std::uint64_t>(st.st_size) - counted_, std::memory_order_relaxed);
        counted_ = static_cast<std::uint64_t>(st.st_size);
      }
    }

   private:
    extract::Source& inner_;
    std::atomic<std::uint64_t>& bytes_;
    std::uint64_t counted_ = 0;
  };

  auto worker = [&] {
    // One scanner per nesting level (a decoded base64 run inside a streamed file is scanned while the
    // file's own stream is open); created on the first file: idle workers cost nothing.
    std::vector<std::unique_ptr<Scanner>> scanners;
    extract::Inspector inspector([&](std::size_t level) -> Scanner& {
      while (scanners.size() <= level) scanners.push_back(std::make_unique<Scanner>(engine));
      return *scanners[level];
    });
    std::optional<Scanner> scanner;  // --no-extract
    std::vector<char> buffer;
    while (std::optional<WorkItem> item = queue.Pop()) {
      const std::string& path = item->entry.path;
      const std::uint64_t seq = item->seq;
      if (args.extract) {
        int fd = path == "-" ? args.stdin_fd : -1;
        bool owned = false;
        if (fd < 0) {
          Result<int> opened = OpenForScan(path, item->entry.no_follow);
          if (!opened) {
            if (opened.error().code() == StatusCode::kInvalidArgument) {
              report_warning(opened.error().message());  // not a regular file: skipped
            } else {
              report_error(opened.error().message());
            }
            delivery.Finish(seq);
            continue;
          }
          fd = *opened;
          owned = true;
        }
        extract::FdSource fd_source(fd, path);
        CountingSource source(fd_source, counters.bytes);
        Status status = inspector.InspectStream(source, "", scan_options, args.limits,
                                                [&](Finding&& f) { delivery.Add(seq, path, std::move(f)); });
        source.CountWholeFile(fd);
        if (owned) ::close(fd);
        if (!status.ok()) {
          report_error(status.code() == StatusCode::kIoError
                           ? status.message()
                           : "cannot scan '" + path + "': " + StatusText(status));
          scanners.clear();  // start the next file with fresh scratch
        } else {
          counters.files.fetch_add(1, std::memory_order_relaxed);
        }
        delivery.Finish(seq);
        continue;
      }
      if (!scanner) {
        scanner.emplace(engine);
        buffer.resize(chunk_size);
      }
      ScanOptions options = scan_options;
      Status status = scanner->Open(options, [&](Finding&& f) { delivery.Add(seq, path, std::move(f)); });
      if (!status.ok()) {
        report_error("cannot scan '" + path + "': " + StatusText(status));
        scanner.reset();  // start the next file with fresh scratch
        delivery.Finish(seq);
        continue;
      }
      bool engine_failed = false;
      const int fd = path == "-" ? args.stdin_fd : -1;
      Status read = ReadFileChunks(path, item->entry.no_follow, fd, buffer, [&](std::string_view chunk) {
        counters.bytes.fetch_add(chunk.size(), std::memory_order_relaxed);
        Status s = scanner->Write(chunk);
        if (!s.ok()) engine_failed = true;
        return s;
      });
      Status closed = scanner->Close();
      if (!read.ok()) {
        if (engine_failed) {
          report_error("cannot scan '" + path + "': " + StatusText(read));
        } else if (read.code() == StatusCode::kInvalidArgument) {
          report_warning(read.message());  // not a regular file: skipped
        } else {
          report_error(read.message());
        }
      } else if (!closed.ok()) {
        report_error("cannot scan '" + path + "': " + StatusText(closed));
      } else {
        counters.files.fetch_add(1, std::memory_order_relaxed);
      }
      if (engine_failed || !closed.ok()) scanner.reset();
      delivery.Finish(seq);
    }
  };

  unsigned jobs = args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min(jobs, kMaxJobs);
  {
    std::optional<ProgressLine> progress;
    if (show_progress) progress.emplace(console, counters, start);
    std::vector<std::jthread> workers;
    workers.reserve(jobs);
    for (unsigned i = 0; i < jobs; ++i) workers.emplace_back(worker);

    WalkOptions walk_options;
    walk_options.excludes = args.excludes;
    walk_options.follow_symlinks = args.follow_symlinks;
    std::uint64_t next_seq = 0;
    WalkCallbacks callbacks;
    callbacks.on_file = [&](WalkEntry entry) { queue.Push(WorkItem{next_seq++, std::move(entry)}); };
    callbacks.on_error = report_error;
    callbacks.on_warning = report_warning;
    Walk(args.paths, walk_options, callbacks);
    queue.Close();
    workers.clear();  // joins
  }

  ScanSummary summary;
  summary.files = counters.files.load();
  summary.bytes = counters.bytes.load();
  summary.findings = counters.findings.load();
  summary.errors = counters.errors.load();
  summary.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary.by_type = std::move(by_type);
  writer->End(summary, error_messages);
  out.flush();
  if (!out) {
    PrintError(err, "cannot write the output (disk full or stdout closed?)");
    return kExitError;
  }

  const bool human = args.format == OutputFormat::kText || args.stderr_is_tty;
  if (!args.quiet && human) console.Raw(FormatSummaryText(summary));
  if (summary.errors > 0) return kExitError;
  return summary.findings > 0 ? kExitFindings : kExitClean;
}

}  // namespace leakguard::cli
