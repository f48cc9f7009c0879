// libFuzzer target: the milter codec (channel/milter/milter_codec.h). The first byte picks the piece
// size; every decoded packet goes through the payload parser of its command.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "channel/milter/milter_codec.h"

using namespace leakguard::channel::milter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Decoder decoder(Limits{1 << 16});
  std::vector<Packet> packets;
  for (std::size_t i = 0; i < in.size(); i += step) {
    if (!decoder.Feed(in.substr(i, step), packets).ok()) break;
  }
  for (const Packet& p : packets) {
    switch (p.command) {
      case cmd::kOptNeg:
        (void)ParseOptNeg(p.data);
        break;
      case cmd::kConnect:
        (void)ParseConnect(p.data);
        break;
      case cmd::kMacro:
        (void)ParseMacros(p.data);
        break;
      case cmd::kHeader:
        (void)ParseHeader(p.data);
        break;
      case cmd::kHelo:
      case cmd::kMail:
      case cmd::kRcpt:
        if (auto s = ParseStrings(p.data); s && !s->empty()) (void)StripAngles(s->front());
        break;
      default:
        break;
    }
  }
  return 0;
}
