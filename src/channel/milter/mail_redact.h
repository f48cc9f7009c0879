// channel/milter/mail_redact.h — the milter's redact action on a whole mail message (MIME, GMime 3):
// the values in text parts masked (decoded from quoted-printable or base64 and encoded back the same
// way, charset untouched), every attachment with findings replaced by a short text/plain notice
// ("customers.xlsx was removed by LeakGuard: EMAIL_ADDRESS x40, incident INC-…"), and the rest of the
// message — structure, boundaries, preamble, the headers and bytes of every other part — kept as it
// was.
//
// A milter can replace the body (SMFIR_REPLBODY) and change single headers (SMFIR_CHGHEADER), not the
// top-level header block: the top-level part keeps its Content-Type and boundary. Only when the
// top-level part is itself a violating attachment (a message whose whole body is a PDF) are its
// Content-* headers changed (MailRedaction::header_changes), as are values in the Subject.
//
// Which parts: the inspection that led to the verdict names the part of each finding
// ("message.eml/attachment[2]:customers.xlsx/Sheet1!C3", extract/mime_walk.h); the caller passes the
// counts per part key ("attachment[2]") of the findings to remove. Text bodies ("body[N]") are
// scanned again here, on their decoded bytes, for the offsets to mask.
//
// Bounds: the caller limits the message size (milter max_redact_bytes); GMime holds it in memory
// about three times over. Threads: call from any thread, with a Scanner owned by the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leakguard/engine.h"
#include "leakguard/status.h"

namespace leakguard::channel::milter {

// The info types the redaction removes and, for each, the lowest confidence removed.
using RedactTypes = std::map<std::string, Confidence, std::less<>>;

// Per part key ("attachment[2]", "body[1]"): type -> findings to remove. A part that is not a text
// body with an entry here is replaced by the notice.
using PartFindings = std::map<std::string, std::map<std::string, std::uint32_t>, std::less<>>;

struct RedactRequest {
  std::string_view message;                                  // top-level headers, blank line, body
  std::vector<std::pair<std::string, std::string>> headers;  // the top-level headers as the MTA sent them
  RedactTypes types;
  PartFindings parts;
  // The notice's text: {file} the attachment's name, {types} "EMAIL_ADDRESS x40, PHONE_NUMBER x3",
  // {incident} the incident id.
  std::string notice = std::string(kDefaultNotice);
  std::string incident;

  static constexpr std::string_view kDefaultNotice =
      "{file} was removed by LeakGuard: {types}, incident {incident}. Contact your security team if "
      "the recipient needs it.";
};

struct HeaderChange {
  std::string name;
  std::uint32_t index = 1;  // occurrence of `name`, from 1; 0: the header is added
  std::string value;
};

struct MailRedaction {
  std::string body;  // the new body (everything after the top-level header block)
  std::vector<HeaderChange> header_changes;
  std::vector<std::string> removed;  // names of the attachments replaced by the notice
  std::uint64_t masked = 0;          // values masked in text parts and headers
  bool changed() const { return masked > 0 || !removed.empty(); }
};

// kParseError when the message cannot be read as MIME; else the redaction (changed() false when
// nothing named in the request was found). Fails only on a broken message or engine.
Result<MailRedaction> RedactMessage(const RedactRequest& request, Scanner& scanner);

// The part key of a finding's part path under `root`: "message.eml/attachment[3]:a.xlsx/Sheet1!C3"
// -> "attachment[3]", "message.eml/body[1]" -> "body[1]"; "" for the headers or anything else.
std::string PartKeyOf(std::string_view part, std::string_view root);

// `text` with its findings (of `types`, at their confidence or above) replaced by their masked form;
// `masked` counts them.
Result<std::string> MaskText(std::string_view text, const RedactTypes& types, Scanner& scanner,
                             std::uint64_t& masked);

// The notice template filled in ({file}, {types}, {incident}); control characters in `file` dropped.
std::string FillNotice(std::string_view notice, std::string_view file,
                       const std::map<std::string, std::uint32_t>& types, std::string_view incident);

}  // namespace leakguard::channel::milter
