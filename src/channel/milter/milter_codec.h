// channel/milter/milter_codec.h — the Sendmail/Postfix milter protocol (version 6) as bytes:
// an incremental packet decoder, the payload parsers of the commands an MTA sends, and the encoders
// of the replies and modifications a filter sends back. Sans-IO: the milter service (issue 6) puts
// it on a socket.
//
// Wire format: every packet is a 4-byte big-endian length (counting the command byte), a command byte
// and the payload. Strings in payloads end with NUL. The MTA opens with OPTNEG ('O': version,
// actions, protocol flags); then per connection CONNECT, HELO, and per message MAIL, RCPT..., DATA,
// HEADER..., EOH, BODY... (chunks of at most 65,535 bytes), EOB — interleaved with MACRO ('D')
// packets carrying Postfix's macros ({auth_authen}, {queue_id}, i, ...). ABORT ends a message, QUIT
// the connection.
//
// Bounds: a packet longer than Limits::max_packet is an error (the stream position is lost: close the
// connection). Payload parsers check every NUL and length they rely on.
//
// Threads: a Decoder belongs to one connection; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::channel::milter {

// Commands from the MTA.
namespace cmd {
inline constexpr char kAbort = 'A';
inline constexpr char kBody = 'B';
inline constexpr char kConnect = 'C';
inline constexpr char kMacro = 'D';
inline constexpr char kEob = 'E';
inline constexpr char kHelo = 'H';
inline constexpr char kQuitNewConnection = 'K';
inline constexpr char kHeader = 'L';
inline constexpr char kMail = 'M';
inline constexpr char kEoh = 'N';
inline constexpr char kOptNeg = 'O';
inline constexpr char kQuit = 'Q';
inline constexpr char kRcpt = 'R';
inline constexpr char kData = 'T';
inline constexpr char kUnknown = 'U';
}  // namespace cmd

// Replies and modifications from the filter.
namespace reply {
inline constexpr char kAddRcpt = '+';
inline constexpr char kDelRcpt = '-';
inline constexpr char kAccept = 'a';
inline constexpr char kReplaceBody = 'b';
inline constexpr char kContinue = 'c';
inline constexpr char kDiscard = 'd';
inline constexpr char kChangeFrom = 'e';
inline constexpr char kAddHeader = 'h';
inline constexpr char kInsertHeader = 'i';
inline constexpr char kChangeHeader = 'm';
inline constexpr char kProgress = 'p';
inline constexpr char kQuarantine = 'q';
inline constexpr char kReject = 'r';
inline constexpr char kSkip = 's';
inline constexpr char kTempFail = 't';
inline constexpr char kReplyCode = 'y';
}  // namespace reply

// OPTNEG action flags (what the filter may do) and protocol flags (what the MTA may leave out).
namespace action {
inline constexpr std::uint32_t kAddHeaders = 0x01;
inline constexpr std::uint32_t kChangeBody = 0x02;
inline constexpr std::uint32_t kAddRcpt = 0x04;
inline constexpr std::uint32_t kDelRcpt = 0x08;
inline constexpr std::uint32_t kChangeHeaders = 0x10;
inline constexpr std::uint32_t kQuarantine = 0x20;
inline constexpr std::uint32_t kChangeFrom = 0x40;
inline constexpr std::uint32_t kSetSymList = 0x100;
}  // namespace action
namespace protocol {
inline constexpr std::uint32_t kNoConnect = 0x01;
inline constexpr std::uint32_t kNoHelo = 0x02;
inline constexpr std::uint32_t kNoMail = 0x04;
inline constexpr std::uint32_t kNoRcpt = 0x08;
inline constexpr std::uint32_t kNoBody = 0x10;
inline constexpr std::uint32_t kNoHeaders = 0x20;
inline constexpr std::uint32_t kNoEoh = 0x40;
inline constexpr std::uint32_t kNoUnknown = 0x100;
inline constexpr std::uint32_t kNoData = 0x200;
inline constexpr std::uint32_t kSkip = 0x400;  // the MTA understands SMFIR_SKIP
inline constexpr std::uint32_t kRcptRejected = 0x800;
}  // namespace protocol

inline constexpr std::uint32_t kVersion = 6;
inline constexpr std::size_t kMaxBodyChunk = 65535;

struct Packet {
  char command = 0;
  std::string data;
};

struct Limits {
  std::size_t max_packet = 1 << 20;  // Postfix sends body chunks of up to 64 KiB; headers are smaller
};

class Decoder {
 public:
  explicit Decoder(Limits limits = {}) : limits_(limits) {}
  // Appends every complete packet in `data` (with what earlier calls left) to `out`. A length of 0
  // or above the limit is kParseError / kLimitExceeded, after which the decoder stays failed.
  Status Feed(std::string_view data, std::vector<Packet>& out);
  bool idle() const { return buffer_.empty(); }

 private:
  Limits limits_;
  std::string buffer_;
  bool failed_ = false;
};

struct OptNeg {
  std::uint32_t version = 0;
  std::uint32_t actions = 0;
  std::uint32_t protocol = 0;
};
Result<OptNeg> ParseOptNeg(std::string_view data);

// CONNECT: hostname, family ('4', '6', 'L' unix, 'U' unknown), port, address.
struct Connect {
  std::string hostname;
  char family = 'U';
  std::uint16_t port = 0;
  std::string address;
};
Result<Connect> ParseConnect(std::string_view data);

// MACRO: the command the macros belong to, then name/value pairs ("{auth_authen}", "alice").
struct Macros {
  char command = 0;
  std::vector<std::pair<std::string, std::string>> values;
};
Result<Macros> ParseMacros(std::string_view data);

// HELO, MAIL, RCPT: NUL-terminated strings (MAIL/RCPT: the address in <>, then ESMTP arguments).
Result<std::vector<std::string>> ParseStrings(std::string_view data);
// HEADER: name and value.
Result<std::pair<std::string, std::string>> ParseHeader(std::string_view data);

// "<Bob@Example.com>" -> "Bob@Example.com" (the angle brackets and surrounding spaces removed).
std::string StripAngles(std::string_view address);

// --- encoders ---
std::string Encode(char command, std::string_view data = {});
std::string EncodeOptNeg(const OptNeg& o);
// SMFIR_REPLYCODE: "550 5.7.1 text" (CR/LF in the text are replaced, a bare '%' doubled).
std::string EncodeReplyCode(std::string_view code, std::string_view xcode, std::string_view text);
std::string EncodeAddHeader(std::string_view name, std::string_view value);
std::string EncodeChangeHeader(std::uint32_t index, std::string_view name, std::string_view value);
std::string EncodeDelRcpt(std::string_view rcpt);  // rcpt as the MTA sent it ("<bob@x>")
std::string EncodeQuarantine(std::string_view reason);
// SMFIR_REPLBODY packets for a whole new body (chunked at kMaxBodyChunk).
std::string EncodeReplaceBody(std::string_view body);

}  // namespace leakguard::channel::milter
