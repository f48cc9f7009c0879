#include "cli/output.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <ostream>
#include <utility>

namespace leakguard::cli {
namespace {

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kRed = "\x1b[1;31m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kCyan = "\x1b[36m";

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not valid UTF-8.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;  // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                                               // surrogate
  if (cp >= 0x80 && cp <= 0x9F) return 0;  // C1 controls (0x9B is a CSI on some terminals)
  return len;
}

void AppendHexEscape(std::string& out, unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  out += buf;
}

std::string_view ConfidenceColor(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return kRed;
    case Confidence::kMedium:
      return kYellow;
    case Confidence::kLow:
      return kCyan;
  }
  return kCyan;
}

std::string FormatDouble(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

bool IsUnreservedUriChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '/';
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreservedUriChar(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Region end computed from the displayed text when it has the length of the span (masking keeps the
// length and the line breaks); nothing otherwise.
void AddRegionEnd(Json& region, const Finding& f, std::string_view shown) {
  if (f.end < f.start || shown.size() != f.end - f.start || f.line == 0 || f.column == 0) return;
  std::uint64_t line = f.line;
  std::uint64_t column = f.column;
  for (char ch : shown) {
    if (ch == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  if (line != f.line) region["endLine"] = line;
  region["endColumn"] = column;  // exclusive, as SARIF wants
}

// --- writers -------------------------------------------------------------------------------------

class TextWriter : public FindingWriter {
 public:
  TextWriter(std::ostream& out, WriterOptions options) : out_(out), options_(std::move(options)) {}
  void Add(std::string_view path, const Finding& f) override {
    std::string line = FormatTextLine(path, f, TextStyle{options_.color, options_.reveal});
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  void End(const ScanSummary&, const std::vector<std::string>&) override { out_.flush(); }

 private:
  std::ostream& out_;
  WriterOptions options_;
};

class JsonlWriter : public FindingWriter {
 public:
  JsonlWriter(std::ostream& out, WriterOptions options) : out_(out), options_(std::move(options)) {}
  void Add(std::string_view path, const Finding& f) override {
    std::string line = FormatJsonLine(path, f, options_.reveal);
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  void End(const ScanSummary&, const std::vector<std::string>&) override { out_.flush(); }

 private:
  std::ostream& out_;
  WriterOptions options_;
};

// Streams {"findings":[ ... ],"summary":{...}} with one finding per line.
class JsonWriter : public FindingWriter {
 public:
  JsonWriter(std::ostream& out, WriterOptions options) : out_(out), options_(std::move(options)) {}
  void Begin() override { out_ << "{\"findings\":["; }
  void Add(std::string_view path, const Finding& f) override {
    out_ << (first_ ? "\n" : ",\n") << DumpJson(FindingToJson(path, f, options_.reveal));
    first_ = false;
  }
  void End(const ScanSummary& summary, const std::vector<std::string>& errors) override {
    Json s = SummaryToJson(summary);
    s["error_messages"] = errors;
    out_ << (first_ ? "" : "\n") << "],\n\"summary\":" << DumpJson(s) << "}\n";
    out_.flush();
  }

 private:
  std::ostream& out_;
  WriterOptions options_;
  bool first_ = true;
};

// Streams a SARIF log. The results come before tool.driver.rules in the text (JSON objects are
// unordered) so that results can be written as they arrive and rules listed once all are known.
class SarifWriter : public FindingWriter {
 public:
  SarifWriter(std::ostream& out, WriterOptions options) : out_(out), options_(std::move(options)) {}
  void Begin() override {
    out_ << "{\"$schema\":\"" << kSarifSchema << "\",\"version\":\"2.1.0\",\"runs\":[{\n"
         << "\"columnKind\":\"unicodeCodePoints\",\n\"results\":[";
  }
  void Add(std::string_view path, const Finding& f) override {
    auto [it, inserted] = rule_index_.try_emplace(f.info_type, static_cast<int>(rule_ids_.size()));
    if (inserted) rule_ids_.push_back(f.info_type);
    std::string key;
    key.reserve(path.size() + f.part.size() + f.info_type.size() + f.masked.size() + 3);
    key.append(path).append(1, '\0').append(f.part).append(1, '\0').append(f.info_type).append(1, '\0');
    key.append(f.masked);
    std::uint64_t occurrence = occurrences_[key]++;
    Json result = SarifResult(path, f, it->second, options_.reveal, SarifFingerprint(path, f, occurrence));
    out_ << (first_ ? "\n" : ",\n") << DumpJson(result);
    first_ = false;
  }
  void End(const ScanSummary& summary, const std::vector<std::string>& errors) override {
    Json rules = Json::array();
    for (const std::string& id : rule_ids_) {
      rules.push_back(SarifRule(id, options_.lookup ? options_.lookup(id) : nullptr));
    }
    Json driver = {{"name", "leakguard"},
                   {"version", std::string(kVersion)},
                   {"semanticVersion", std::string(kVersion)},
                   {"rules", std::move(rules)}};
    Json notifications = Json::array();
    for (const std::string& e : errors) {
      notifications.push_back({{"level", "error"}, {"message", {{"text", e}}}});
    }
    Json invocation = {{"executionSuccessful", errors.empty()}};
    if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);
    Json properties = SummaryToJson(summary);
    out_ << (first_ ? "" : "\n") << "],\n\"tool\":" << DumpJson(Json{{"driver", std::move(driver)}})
         << ",\n\"invocations\":" << DumpJson(Json::array({std::move(invocation)}))
         << ",\n\"properties\":" << DumpJson(properties) << "\n}]}\n";
    out_.flush();
  }

 private:
  std::ostream& out_;
  WriterOptions options_;
  bool first_ = true;
  std::map<std::string, int> rule_index_;
  std::vector<std::string> rule_ids_;
  std::map<std::string, std::uint64_t> occurrences_;
};

}  // namespace

std::string DumpJson(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string EscapeForTerminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      AppendHexEscape(out, c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (std::size_t len = Utf8SequenceLength(s, i); len > 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      AppendHexEscape(out, c);
      ++i;
    }
  }
  return out;
}

std::string_view DisplayValue(const Finding& f, bool reveal) {
  if (reveal && !f.value.empty()) return f.value;
  return f.masked;
}

std::string FormatLocation(std::string_view path, const Finding& f) {
  std::string out(path);
  if (!f.part.empty()) {
    out += '[';
    out += f.part;
    out += ']';
  }
  out += ':';
  out += std::to_string(f.line);
  out += ':';
  out += std::to_string(f.column);
  return out;
}

std::string FormatTextLine(std::string_view path, const Finding& f, const TextStyle& style) {
  std::string location = EscapeForTerminal(FormatLocation(path, f));
  std::string value = EscapeForTerminal(DisplayValue(f, style.reveal));
  std::string_view confidence = ConfidenceName(f.confidence);
  std::string out;
  out.reserve(location.size() + value.size() + f.info_type.size() + f.rule.size() + 48);
  auto colored = [&](std::string_view color, std::string_view text) {
    if (style.color) out += color;
    out += text;
    if (style.color) out += kReset;
  };
  colored(kBold, location);
  out += ": ";
  colored(ConfidenceColor(f.confidence), EscapeForTerminal(f.info_type));
  out += " (";
  out += confidence;
  out += ") ";
  out += value;
  if (!f.rule.empty()) {
    out += ' ';
    colored(kDim, "[" + EscapeForTerminal(f.rule) + "]");
  }
  out += '\n';
  return out;
}

Json FindingToJson(std::string_view path, const Finding& f, bool reveal) {
  Json evidence = {
      {"validator", f.evidence.validator},       {"checksum_passed", f.evidence.checksum_passed},
      {"context_word", f.evidence.context_word}, {"context_distance", f.evidence.context_distance},
      {"entropy", f.evidence.entropy},           {"note", f.evidence.note}};
  Json j = {{"path", std::string(path)},
            {"part", f.part},
            {"type", f.info_type},
            {"start", f.start},
            {"end", f.end},
            {"line", f.line},
            {"column", f.column},
            {"confidence", std::string(ConfidenceName(f.confidence))},
            {"masked", f.masked},
            {"rule", f.rule},
            {"evidence", std::move(evidence)}};
  if (reveal) j["value"] = f.value;
  return j;
}

namespace {

// Appends s as a JSON string. Plain printable ASCII (nearly every path, type and masked value) is
// copied as is; anything else goes through the JSON library, so escaping and the replacement of
// invalid UTF-8 are exactly DumpJson's.
void AppendJsonString(std::string& out, std::string_view s) {
  bool plain = true;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out.append(s);
    out += '"';
  } else {
    out += DumpJson(Json(std::string(s)));
  }
}

void AppendNumber(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendNumber(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendNumber(std::string& out, double v) {
  // The library's own shortest-digits algorithm (grisu2) differs from std::to_chars in the last digit
  // of some values; it is cheap enough for the one double per finding.
  out += DumpJson(Json(v));
}

}  // namespace

// The hot path of `--format jsonl`: written by hand, byte for byte what DumpJson(FindingToJson())
// writes (a test compares the two), at a tenth of the cost.
std::string FormatJsonLine(std::string_view path, const Finding& f, bool reveal) {
  std::string line;
  line.reserve(256 + path.size());
  line += "{\"path\":";
  AppendJsonString(line, path);
  line += ",\"part\":";
  AppendJsonString(line, f.part);
  line += ",\"type\":";
  AppendJsonString(line, f.info_type);
  line += ",\"start\":";
  AppendNumber(line, std::uint64_t{f.start});
  line += ",\"end\":";
  AppendNumber(line, std::uint64_t{f.end});
  line += ",\"line\":";
  AppendNumber(line, std::uint64_t{f.line});
  line += ",\"column\":";
  AppendNumber(line, std::uint64_t{f.column});
  line += ",\"confidence\":";
  AppendJsonString(line, ConfidenceName(f.confidence));
  line += ",\"masked\":";
  AppendJsonString(line, f.masked);
  line += ",\"rule\":";
  AppendJsonString(line, f.rule);
  line += ",\"evidence\":{\"validator\":";
  AppendJsonString(line, f.evidence.validator);
  line += ",\"checksum_passed\":";
  line += f.evidence.checksum_passed ? "true" : "false";
  line += ",\"context_word\":";
  AppendJsonString(line, f.evidence.context_word);
  line += ",\"context_distance\":";
  AppendNumber(line, std::int64_t{f.evidence.context_distance});
  line += ",\"entropy\":";
  AppendNumber(line, double{f.evidence.entropy});
  line += ",\"note\":";
  AppendJsonString(line, f.evidence.note);
  line += '}';
  if (reveal) {
    line += ",\"value\":";
    AppendJsonString(line, f.value);
  }
  line += "}\n";
  return line;
}

Json SummaryToJson(const ScanSummary& s) {
  Json by_type = Json::object();
  for (const auto& [type, count] : s.by_type) by_type[type] = count;
  return Json{{"files", s.files},
              {"bytes", s.bytes},
              {"elapsed_ms", static_cast<std::uint64_t>(s.elapsed_seconds * 1000.0 + 0.5)},
              {"findings", s.findings},
              {"errors", s.errors},
              {"by_type", std::move(by_type)}};
}

std::string FormatBytes(std::uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes) / 1000.0;
  int unit = 0;
  while (v >= 1000.0 && unit < 4) {
    v /= 1000.0;
    ++unit;
  }
  return FormatDouble(v, v < 10 ? 2 : 1) + " " + kUnits[unit];
}

std::string FormatSummaryText(const ScanSummary& s) {
  double seconds = s.elapsed_seconds;
  double mbps = seconds > 0 ? static_cast<double>(s.bytes) / 1e6 / seconds : 0;
  std::string out = "leakguard: scanned " + std::to_string(s.files) + (s.files == 1 ? " file" : " files") +
                    " (" + FormatBytes(s.bytes) + ") in " + FormatDouble(seconds, 2) + " s, " +
                    FormatDouble(mbps, 1) + " MB/s: " + std::to_string(s.findings) +
                    (s.findings == 1 ? " finding" : " findings");
  if (s.errors > 0) {
    out += ", " + std::to_string(s.errors) + (s.errors == 1 ? " error" : " errors");
  }
  out += '\n';
  std::vector<std::pair<std::string, std::uint64_t>> types(s.by_type.begin(), s.by_type.end());
  std::stable_sort(types.begin(), types.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::size_t width = 0;
  for (const auto& [type, count] : types) width = std::max(width, type.size());
  for (const auto& [type, count] : types) {
    out += "  ";
    out += type;
    out.append(width - type.size() + 2, ' ');
    out += std::to_string(count);
    out += '\n';
  }
  return out;
}

std::string_view SarifLevel(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return "error";
    case Confidence::kMedium:
      return "warning";
    case Confidence::kLow:
      return "note";
  }
  return "note";
}

std::string SarifUri(std::string_view path) {
  if (!path.empty() && path.front() == '/') return "file://" + PercentEncode(path);
  while (path.starts_with("./")) {
    path.remove_prefix(2);
    while (path.starts_with("/")) path.remove_prefix(1);
  }
  return PercentEncode(path);
}

Json SarifRule(std::string_view id, const InfoTypeInfo* info) {
  std::string name = info && !info->name.empty() ? info->name : std::string(id);
  std::string description = info && !info->description.empty() ? info->description : name;
  while (!description.empty() && (description.back() == '\n' || description.back() == ' ')) {
    description.pop_back();
  }
  std::string help = description;
  std::string markdown = "**" + name + "** (`" + std::string(id) + "`)\n\n" + description;
  if (info && !info->confidence_rules.empty()) {
    help += "\n\nConfidence: " + info->confidence_rules;
    markdown += "\n\n**Confidence:** " + info->confidence_rules;
  }
  help += "\n\nRun `leakguard types " + std::string(id) + "` for the patterns, validators and context words.";
  markdown +=
      "\n\nRun `leakguard types " + std::string(id) + "` for the patterns, validators and context words.";
  std::string category = info && !info->category.empty() ? info->category : "custom";
  std::string severity = "5.0";
  if (category == "credential") {
    severity = "8.0";
  } else if (category == "financial" || category == "national_id" || category == "health") {
    severity = "7.0";
  }
  Json tags = Json::array({"security", "dlp", category});
  return Json{
      {"id", std::string(id)},
      {"name", name},
      {"shortDescription", {{"text", name}}},
      {"fullDescription", {{"text", description}}},
      {"help", {{"text", help}, {"markdown", markdown}}},
      {"properties", {{"category", category}, {"tags", std::move(tags)}, {"security-severity", severity}}}};
}

std::string SarifFingerprint(std::string_view path, const Finding& f, std::uint64_t occurrence) {
  // FNV-1a 64: stable across runs and platforms; inputs are already non-sensitive (masked form).
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;
    h *= 0x100000001b3ull;
  };
  mix(f.info_type);
  mix(SarifUri(path));
  mix(f.part);
  mix(f.masked);
  mix(std::to_string(occurrence));
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
  return buf;
}

Json SarifResult(std::string_view path, const Finding& f, int rule_index, bool reveal,
                 std::string_view fingerprint) {
  std::string text =
      f.info_type + " (" + std::string(ConfidenceName(f.confidence)) + " confidence): " + f.masked;
  if (!f.part.empty()) text += " in " + f.part;
  Json region = {{"startLine", std::max<std::uint64_t>(f.line, 1)},
                 {"startColumn", std::max<std::uint64_t>(f.column, 1)}};
  AddRegionEnd(region, f, f.masked);
  Json location = {
      {"physicalLocation", {{"artifactLocation", {{"uri", SarifUri(path)}}}, {"region", std::move(region)}}}};
  Json properties = {{"confidence", std::string(ConfidenceName(f.confidence))},
                     {"rule", f.rule},
                     {"part", f.part},
                     {"start", f.start},
                     {"end", f.end},
                     {"masked", f.masked},
                     {"evidence",
                      {{"validator", f.evidence.validator},
                       {"checksum_passed", f.evidence.checksum_passed},
                       {"context_word", f.evidence.context_word},
                       {"context_distance", f.evidence.context_distance},
                       {"entropy", f.evidence.entropy},
                       {"note", f.evidence.note}}}};
  if (reveal) properties["value"] = f.value;
  return Json{{"ruleId", f.info_type},
              {"ruleIndex", rule_index},
              {"level", std::string(SarifLevel(f.confidence))},
              {"message", {{"text", text}}},
              {"locations", Json::array({std::move(location)})},
              {"partialFingerprints", {{"leakguardFindingHash/v1", std::string(fingerprint)}}},
              {"properties", std::move(properties)}};
}

std::unique_ptr<FindingWriter> MakeWriter(OutputFormat format, std::ostream& out, WriterOptions options) {
  switch (format) {
    case OutputFormat::kText:
      return std::make_unique<TextWriter>(out, std::move(options));
    case OutputFormat::kJsonl:
      return std::make_unique<JsonlWriter>(out, std::move(options));
    case OutputFormat::kJson:
      return std::make_unique<JsonWriter>(out, std::move(options));
    case OutputFormat::kSarif:
      return std::make_unique<SarifWriter>(out, std::move(options));
  }
  return std::make_unique<TextWriter>(out, std::move(options));
}

}  // namespace leakguard::cli
