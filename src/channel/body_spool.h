// channel/body_spool.h — the body of one message a channel is inspecting (an ICAP upload, a mail):
// kept in memory up to a bound, then in an unlinked temporary file, so a 1 GB upload costs a bounded
// amount of memory. `prefix` bytes at the start are not part of the body (e.g. a MIME header that
// makes a multipart upload readable by the mail extractor).
//
// Threads: one owner at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "extract/extract.h"
#include "leakguard/status.h"

namespace leakguard::channel {

struct BodySpool {
  std::string memory;
  int fd = -1;
  std::uint64_t size = 0;
  std::size_t prefix = 0;
  void* map = nullptr;
  std::size_t limit;
  std::string dir;

  BodySpool(std::size_t memory_limit, std::string spool_dir);
  ~BodySpool();
  BodySpool(const BodySpool&) = delete;
  BodySpool& operator=(const BodySpool&) = delete;

  Status Append(std::string_view d);
  // The whole spool as bytes: memory, or the file mapped (pages are read only when touched).
  std::string_view View();
  std::string_view Body();
  Result<std::size_t> ReadAt(std::uint64_t offset, char* buf, std::size_t n);

 private:
  Status WriteAll(std::string_view d);
};

// Reads a spool from its start (prefix included), for extraction.
class SpoolSource : public extract::Source {
 public:
  explicit SpoolSource(BodySpool& spool) : spool_(spool) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override;

 private:
  BodySpool& spool_;
  std::uint64_t offset_ = 0;
};

}  // namespace leakguard::channel
