// Output formats of `leakguard scan`: text, JSON Lines, one JSON document, SARIF 2.1.0.
//
// Owns: pure formatting functions (Finding → string / JSON) and the streaming writers built on them.
// Nothing here prints a full value unless `reveal` is set: the masked form is used otherwise, even if
// Finding::value happens to be filled.
//
// Threads: the pure functions are safe from any thread. A FindingWriter is not thread-safe; RunScan
// calls it under one lock, in a deterministic order.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.h"
#include "leakguard/engine.h"
#include "leakguard/finding.h"

namespace leakguard::cli {

using Json = nlohmann::ordered_json;

// Serializes compactly (indent < 0) or pretty; bytes that are not valid UTF-8 become U+FFFD instead of
// throwing, because paths and values come from arbitrary files.
std::string DumpJson(const Json& j, int indent = -1);

// Makes a string safe for one line on a terminal: line breaks and tabs become \n, \r, \t; other control
// characters (C0, DEL, C1) and bytes that are not valid UTF-8 become \xNN. So neither a value nor a file
// name can break a line, move the cursor or inject escape sequences. Valid UTF-8 text is kept.
std::string EscapeForTerminal(std::string_view s);

// The value to show: the full value with reveal (when the engine filled it), otherwise the masked form.
std::string_view DisplayValue(const Finding& f, bool reveal);

// "path:line:column" or "path[part]:line:column".
std::string FormatLocation(std::string_view path, const Finding& f);

struct TextStyle {
  bool color = false;   // ANSI colours
  bool reveal = false;  // show full values
};

// One line, ending in '\n':
//   path:line:column: TYPE (confidence) VALUE [RULE]
std::string FormatTextLine(std::string_view path, const Finding& f, const TextStyle& style);

// The JSON object of one finding (JSONL line, element of "findings" in the json format):
// path, part, type, start, end, line, column, confidence, masked, rule, evidence{...}, value (reveal only).
Json FindingToJson(std::string_view path, const Finding& f, bool reveal);
// DumpJson(FindingToJson(...)) + '\n'.
std::string FormatJsonLine(std::string_view path, const Finding& f, bool reveal);

struct ScanSummary {
  std::uint64_t files = 0;     // files (and stdin) read to the end
  std::uint64_t bytes = 0;     // bytes read
  std::uint64_t findings = 0;  // findings reported
  std::uint64_t errors = 0;    // paths that could not be read or scanned
  double elapsed_seconds = 0;
  std::map<std::string, std::uint64_t> by_type;
};

Json SummaryToJson(const ScanSummary& s);
// Multi-line human summary for stderr, e.g.
//   leakguard: scanned 12 files (3.4 MB) in 0.52 s, 6.5 MB/s: 3 findings
//     CREDIT_CARD_NUMBER  2
std::string FormatSummaryText(const ScanSummary& s);
// "3.4 MB", "512 B" (decimal units).
std::string FormatBytes(std::uint64_t bytes);

// --- SARIF 2.1.0 ---------------------------------------------------------------------------------

inline constexpr std::string_view kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";

// high → "error", medium → "warning", low → "note".
std::string_view SarifLevel(Confidence c);
// A relative path becomes a percent-encoded relative URI ("./a b.txt" → "a%20b.txt"), an absolute
// one a file:// URI.
std::string SarifUri(std::string_view path);
// reportingDescriptor for one info type: id, name, shortDescription, fullDescription, help, properties.
// `info` may be null (a type the engine does not describe): the id is used for the texts.
Json SarifRule(std::string_view id, const InfoTypeInfo* info);
// One result. `fingerprint` goes to partialFingerprints; it is derived from the rule, the location
// and the masked value, never from the full value.
Json SarifResult(std::string_view path, const Finding& f, int rule_index, bool reveal,
                 std::string_view fingerprint);
// Stable non-cryptographic fingerprint (16 hex digits) of rule, uri, part, masked value and the
// occurrence number of that combination.
std::string SarifFingerprint(std::string_view path, const Finding& f, std::uint64_t occurrence);

// --- streaming writers ---------------------------------------------------------------------------

using TypeLookup = std::function<const InfoTypeInfo*(std::string_view id)>;

struct WriterOptions {
  bool reveal = false;
  bool color = false;  // text only
  TypeLookup lookup;   // SARIF rule descriptions; may be empty
};

class FindingWriter {
 public:
  virtual ~FindingWriter() = default;
  virtual void Begin() {}
  virtual void Add(std::string_view path, const Finding& f) = 0;
  // Completes the document. `errors` are the messages of paths that could not be scanned.
  virtual void End(const ScanSummary& summary, const std::vector<std::string>& errors) {}
};

std::unique_ptr<FindingWriter> MakeWriter(OutputFormat format, std::ostream& out, WriterOptions options);

}  // namespace leakguard::cli
