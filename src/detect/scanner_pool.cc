#include "detect/scanner_pool.h"

#include <utility>

namespace leakguard::detect {

ScannerPool::ScannerPool(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}

ScannerPool::Lease::~Lease() {
  if (scanner_) pool_->Release(std::move(scanner_));
}

ScannerPool::Lease ScannerPool::Acquire() {
  std::shared_ptr<const Engine> engine;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Scanner> s = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(s));
    }
    engine = engine_;
  }
  // Building a scanner allocates scratch: do it outside the lock.
  return Lease(this, std::make_unique<Scanner>(std::move(engine)));
}

void ScannerPool::Release(std::unique_ptr<Scanner> scanner) {
  {
    std::lock_guard lock(mu_);
    if (&scanner->engine() == engine_.get() && idle_.size() < kMaxIdle) {
      idle_.push_back(std::move(scanner));
      return;
    }
  }
  // A scanner of a replaced engine (or one too many): destroyed here, outside the lock.
}

void ScannerPool::SwapEngine(std::shared_ptr<const Engine> engine) {
  std::vector<std::unique_ptr<Scanner>> old;
  std::shared_ptr<const Engine> old_engine;
  {
    std::lock_guard lock(mu_);
    old_engine = std::exchange(engine_, std::move(engine));
    old.swap(idle_);
  }
  // The old scanners and possibly the old engine are freed here, outside the lock.
}

std::shared_ptr<const Engine> ScannerPool::engine() const {
  std::lock_guard lock(mu_);
  return engine_;
}

std::size_t ScannerPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace leakguard::detect
