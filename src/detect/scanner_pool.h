// detect/scanner_pool.h — Scanners for many threads from one engine that can be swapped.
//
// Owns: ScannerPool. Servers (HTTP API, ICAP) take a Scanner per request from the pool and give it
// back, so scratch is allocated once per concurrent request, not per request.
//
// Threads: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "leakguard/engine.h"

namespace leakguard::detect {

// Hands out Scanners built from the current engine and takes them back for reuse. After SwapEngine,
// scanners of the old engine are dropped as they come back, so the old engine is freed once the last
// request using it finishes.
class ScannerPool {
 public:
  explicit ScannerPool(std::shared_ptr<const Engine> engine);

  class Lease {
   public:
    Lease(ScannerPool* pool, std::unique_ptr<Scanner> scanner) : pool_(pool), scanner_(std::move(scanner)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Scanner& operator*() const { return *scanner_; }
    Scanner* operator->() const { return scanner_.get(); }

   private:
    ScannerPool* pool_;
    std::unique_ptr<Scanner> scanner_;
  };

  Lease Acquire();
  void SwapEngine(std::shared_ptr<const Engine> engine);
  std::shared_ptr<const Engine> engine() const;
  std::size_t idle() const;  // scanners waiting for reuse (tests)

 private:
  static constexpr std::size_t kMaxIdle = 256;
  void Release(std::unique_ptr<Scanner> scanner);

  mutable std::mutex mu_;
  std::shared_ptr<const Engine> engine_;
  std::vector<std::unique_ptr<Scanner>> idle_;
};

}  // namespace leakguard::detect
