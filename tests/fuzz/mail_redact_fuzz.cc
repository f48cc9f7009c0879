// Fuzz target: the milter's MIME redaction (channel/milter/mail_redact.h) on raw message bytes, with
// every part key a finding could name asked for: GMime's tree walked, text parts decoded, scanned,
// masked and encoded back, parts replaced by the notice, the body written out. Checks: no crash, leak
// or UB; a CRLF message comes back with CRLF line ends only. Seeds:
// tests/fuzz/corpus/mail_redact_fuzz (messages with attachments, base64 and quoted-printable text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "channel/milter/mail_redact.h"

namespace {

leakguard::Scanner& TheScanner() {
  static std::unique_ptr<leakguard::Scanner> scanner = [] {
    auto engine = leakguard::Engine::Compile({});
    if (!engine) std::abort();
    return std::make_unique<leakguard::Scanner>(*engine);
  }();
  return *scanner;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace leakguard::channel::milter;
  if (size > (1 << 20)) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  RedactRequest r;
  r.message = bytes;
  r.headers = {{"Subject", std::string(bytes.substr(0, 64))}, {"Subject", "second"}};
  r.types = {{"AWS_ACCESS_KEY_ID", leakguard::Confidence::kLow},
             {"CREDIT_CARD_NUMBER", leakguard::Confidence::kMedium},
             {"EMAIL_ADDRESS", leakguard::Confidence::kHigh}};
  for (int i = 1; i <= 4; ++i) r.parts["attachment[" + std::to_string(i) + "]"] = {{"CREDIT_CARD_NUMBER", 1}};
  r.parts["body[2]"] = {{"AWS_ACCESS_KEY_ID", 1}};
  r.incident = "INC-FUZZ";
  auto out = RedactMessage(r, TheScanner());
  if (!out) return 0;
  if (bytes.find("\r\n") != std::string_view::npos) {
    for (std::size_t i = out->body.find('\n'); i != std::string::npos; i = out->body.find('\n', i + 1))
      if (i == 0 || out->body[i - 1] != '\r') std::abort();  // a bare LF in a CRLF message
  }
  return 0;
}
