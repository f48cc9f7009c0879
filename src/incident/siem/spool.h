// incident/siem/spool.h — a durable, bounded, first-in first-out queue of events in a folder.
//
// Owns: SpoolOptions, SpooledEvent and Spool. One Spool per sink: the exporter appends each event a
// sink must receive, the sink's worker delivers the oldest and removes it. Append returns only once
// the event is on disk (written to a temporary file, fsync'd, renamed, the folder fsync'd), so an
// event acknowledged by Append survives a crash, kill -9 or power loss. A removal is not synced: after
// a crash an event already delivered may be delivered again (at least once, never lost).
//
// Layout: DIR/<20-digit sequence>.ev, one file per event ("LGSPOOL1 <event id> <event type>
// <payload bytes>\n" then the payload as sent), DIR/rejected/ for events a receiver refused for good,
// DIR/.lock held (flock) while open so two processes never deliver from one spool.
//
// Threads: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "leakguard/status.h"

namespace leakguard::incident::siem {

struct SpoolOptions {
  std::string dir;                                 // created (with parents) when missing
  std::uint64_t max_bytes = 256ull * 1024 * 1024;  // files' total size; Append refuses beyond it
  std::uint64_t max_events = 1'000'000;            // number of files; Append refuses beyond it
  bool sync = true;  // fsync files and the folder; turning it off gives up crash durability
};

struct SpooledEvent {
  std::uint64_t seq = 0;  // position in the spool; increases in Append order
  std::string event_id;
  std::string event_type;
  std::string payload;  // exactly what the sink sends
};

class Spool {
 public:
  // Opens (or creates) the folder, takes its lock and recovers what a previous process left:
  // finished events are queued again, half-written temporary files are removed.
  // kUnavailable when another process holds the spool; kIoError when the folder is unusable.
  static Result<std::unique_ptr<Spool>> Open(const SpoolOptions& options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Durably queues one event. kLimitExceeded when max_bytes or max_events would be passed (nothing
  // is written); kIoError when the disk refuses (nothing is queued).
  Status Append(std::string_view event_id, std::string_view event_type, std::string_view payload);

  // The oldest queued event, or nullopt when the spool is empty. A file that cannot be parsed is
  // moved to rejected/ (named *.corrupt) and the next one is returned.
  Result<std::optional<SpooledEvent>> Front();

  // Drops a delivered event.
  Status Remove(std::uint64_t seq);
  // Moves an event the receiver refused for good to rejected/, with `why` in a .reason file beside it.
  Status Reject(std::uint64_t seq, std::string_view why);

  std::uint64_t events() const;
  std::uint64_t bytes() const;
  const std::string& dir() const { return options_.dir; }

 private:
  Spool(SpoolOptions options, int lock_fd) : options_(std::move(options)), lock_fd_(lock_fd) {}
  std::string PathOf(std::uint64_t seq) const;
  Status MoveToRejected(std::uint64_t seq, std::string_view suffix, std::string_view why);

  const SpoolOptions options_;
  const int lock_fd_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, std::uint64_t> index_;  // seq -> file size, of finished files
  std::uint64_t next_seq_ = 1;
  std::uint64_t bytes_ = 0;           // of index_
  std::uint64_t pending_events_ = 0;  // reserved by Appends still writing
  std::uint64_t pending_bytes_ = 0;
};

}  // namespace leakguard::incident::siem
