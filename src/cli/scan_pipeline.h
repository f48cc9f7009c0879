// Building blocks of the parallel scan: a bounded work queue and the ordered delivery of findings.
//
// OrderedDelivery keeps the output deterministic whatever the number of workers: every file gets a
// sequence number in walk order, and findings reach the writer in (sequence, finding) order. The file
// at the head of the sequence streams its findings straight to the writer (so one huge file with many
// findings needs no buffering); findings of later files are buffered until every earlier file is done.
//
// Threads: both classes are safe to use from any number of threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/finding.h"

namespace leakguard::cli {

template <typename T>
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t capacity) : capacity_(capacity) {}

  // Blocks while the queue is full.
  void Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // No more Push; Pop returns nullopt once drained.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  std::size_t capacity_;
  bool closed_ = false;
};

class OrderedDelivery {
 public:
  // Called under the internal lock, one finding at a time, in deterministic order.
  using Deliver = std::function<void(std::string_view path, Finding&& finding)>;

  explicit OrderedDelivery(Deliver deliver) : deliver_(std::move(deliver)) {}

  void Add(std::uint64_t seq, const std::string& path, Finding&& finding) {
    std::lock_guard lock(mu_);
    if (seq == head_) {
      deliver_(path, std::move(finding));
      return;
    }
    Pending& p = pending_[seq];
    if (p.path.empty()) p.path = path;
    p.findings.push_back(std::move(finding));
  }

  // Every sequence number handed out must be finished exactly once (also after an error).
  void Finish(std::uint64_t seq) {
    std::lock_guard lock(mu_);
    pending_[seq].done = true;
    while (true) {
      auto it = pending_.find(head_);
      if (it == pending_.end()) break;
      for (Finding& f : it->second.findings) deliver_(it->second.path, std::move(f));
      it->second.findings.clear();
      if (!it->second.done) break;  // now streaming directly in Add
      pending_.erase(it);
      ++head_;
    }
  }

 private:
  struct Pending {
    std::string path;
    std::vector<Finding> findings;
    bool done = false;
  };
  std::mutex mu_;
  Deliver deliver_;
  std::uint64_t head_ = 0;
  std::map<std::uint64_t, Pending> pending_;
};

}  // namespace leakguard::cli
