// libFuzzer target: the ICAP request parser (channel/icap/icap_parser.h). The first byte picks the
// size of the pieces the rest is fed in, so boundaries fall everywhere; a preview end or a message end
// inside a piece is continued like a connection would (the unused rest is fed again).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channel/icap/icap_parser.h"

namespace {

struct Sink : leakguard::channel::icap::Parser::Handler {
  std::size_t bytes = 0;
  leakguard::Status OnHead(const leakguard::channel::icap::RequestHead& h) override {
    bytes += h.headers.size();
    return leakguard::Status::Ok();
  }
  leakguard::Status OnBody(std::string_view d) override {
    bytes += d.size();
    return leakguard::Status::Ok();
  }
  leakguard::Status OnPreviewEnd() override { return leakguard::Status::Ok(); }
  leakguard::Status OnEnd() override { return leakguard::Status::Ok(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Sink sink;
  leakguard::channel::icap::ParserLimits limits;
  limits.max_icap_header = 4096;
  limits.max_http_header = 4096;
  leakguard::channel::icap::Parser parser(sink, limits);
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::string_view piece = in.substr(pos, step);
    auto used = parser.Feed(piece);
    if (!used) break;
    pos += *used == 0 ? piece.size() : *used;
  }
  return 0;
}
