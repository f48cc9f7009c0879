// Structured text: CSV/TSV cells, JSON values and XML text with their column header, key or element
// name as context, and HTML text (formats.h). Values of one column/key/element are joined into one
// pieced part (Emitter::TextPieces), so a 100,000-cell CSV is a few scans, not 100,000.

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "extract/formats.h"
#include "extract/text.h"

namespace leakguard::extract {
namespace {

constexpr std::size_t kMaxGroups = 4096;     // distinct headers/keys/element names with context
constexpr std::size_t kMaxColumns = 16384;   // CSV columns (more are merged into the last)
constexpr std::size_t kMaxPathLength = 512;  // longer JSON/XML paths keep their end

// Values grouped by their context (a column header, a key, an element name), handed to the emitter
// in batches so that memory stays bounded by the batch, not the document.
class Groups {
 public:
  explicit Groups(Emitter& out) : out_(out) {}

  void Add(const std::string& context, std::string_view value, std::string path) {
    if (value.empty()) return;
    auto it = index_.find(context);
    std::size_t g;
    if (it != index_.end()) {
      g = it->second;
    } else if (groups_.size() < kMaxGroups) {
      g = groups_.size();
      index_.emplace(context, g);
      groups_.push_back(Group{context, {}, {}});
    } else {
      g = Misc();
    }
    Group& group = groups_[g];
    buffered_ += value.size() + path.size() + sizeof(Piece) + 1;
    group.pieces.push_back(Piece{group.text.size(), std::move(path)});
    group.text.append(value);
    group.text.push_back('\n');
    if (buffered_ >= kBatchBytes) Emit();
  }
  // Hands on (and forgets) everything added so far.
  void Emit() {
    for (Group& g : groups_) {
      if (out_.Stopped()) return;
      if (g.pieces.empty()) continue;
      if (g.context.empty()) {
        out_.TextPieces(g.text, g.pieces, {});
      } else {
        std::string ctx[1] = {g.context};
        out_.TextPieces(g.text, g.pieces, ctx);
      }
      g.text.clear();
      g.pieces.clear();
    }
    buffered_ = 0;
  }

 private:
  struct Group {
    std::string context;
    std::string text;
    std::vector<Piece> pieces;
  };
  std::size_t Misc() {
    if (misc_ == SIZE_MAX) {
      misc_ = groups_.size();
      groups_.push_back(Group{});
    }
    return misc_;
  }
  static constexpr std::size_t kBatchBytes = 4 << 20;
  Emitter& out_;
  std::map<std::string, std::size_t> index_;
  std::vector<Group> groups_;
  std::size_t misc_ = SIZE_MAX;
  std::size_t buffered_ = 0;
};

std::string BoundPath(std::string path) {
  if (path.size() <= kMaxPathLength) return path;
  std::size_t keep = kMaxPathLength - 4;
  std::size_t from = path.size() - keep;
  while (from < path.size() && (static_cast<unsigned char>(path[from]) & 0xC0) == 0x80) ++from;  // UTF-8
  return path.substr(0, 2) + "..." + path.substr(from);
}

std::string Printable(std::string_view s, std::size_t max = 128) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  return out;
}

// --- CSV / TSV -----------------------------------------------------------------------------------

char DetectDelimiter(std::string_view text) {
  std::size_t line_end = text.find('\n');
  std::string_view line = text.substr(
      0, line_end == std::string_view::npos ? std::min<std::size_t>(text.size(), 65536) : line_end);
  std::size_t best = 0;
  char delimiter = ',';
  for (char d : {',', '\t', ';', '|'}) {
    std::size_t n = 0;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (!quoted && c == d) ++n;
    }
    if (n > best) {
      best = n;
      delimiter = d;
    }
  }
  return delimiter;
}

std::string ColumnName(std::size_t index) {  // 0 → A, 25 → Z, 26 → AA
  std::string name;
  ++index;
  while (index > 0) {
    name.insert(name.begin(), static_cast<char>('A' + (index - 1) % 26));
    index = (index - 1) / 26;
  }
  return name;
}

}  // namespace

constexpr std::size_t kCsvBatchBytes = 4 << 20;  // column text and cell names held before scanning

void ExtractCsv(std::string_view bytes, Emitter& out, const Limits& /*limits*/) {
  std::string storage;  // the UTF-8 conversion, when the bytes are not UTF-8 already
  const std::string_view text = ToUtf8(bytes, storage);
  const char delimiter = DetectDelimiter(text);
  struct Column {
    std::string name;  // "!C": a cell is called name + row number
    std::string text;
    std::vector<Piece> pieces;
    std::string header;
  };
  std::vector<Column> columns;
  std::size_t buffered = 0;  // bytes held in columns since the last flush
  std::size_t row = 1, col = 0;
  std::string cell;
  bool quoted = false;
  auto end_cell = [&] {
    std::size_t c = std::min(col, kMaxColumns - 1);
    while (c >= columns.size())
      columns.push_back(Column{std::string("!").append(ColumnName(columns.size())), {}, {}, {}});
    Column& column = columns[c];
    // Trim surrounding blanks: "  4111 1111 1111 1111 " is the value.
    std::string_view v = cell;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\r')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
    if (row == 1) column.header = std::string(v.substr(0, 256));
    if (!v.empty()) {
      char number[24];
      const auto [end, ec] = std::to_chars(number, number + sizeof number, row);
      Piece& piece = column.pieces.emplace_back();
      piece.offset = column.text.size();
      piece.path.reserve(column.name.size() + static_cast<std::size_t>(end - number));
      piece.path.append(column.name).append(number, end);
      column.text.append(v);
      column.text.push_back('\n');
      buffered += v.size() + 1 + sizeof(Piece) + 16;
    }
    cell.clear();
    ++col;
  };
  // Columns are handed on in batches of rows, so memory stays bounded by the batch (cell names and
  // column texts of a whole large export would take several times its size).
  auto flush = [&] {
    for (Column& column : columns) {
      if (out.Stopped()) return;
      if (column.pieces.empty()) continue;
      if (column.header.empty()) {
        out.TextPieces(column.text, column.pieces, {});
      } else {
        std::string ctx[1] = {column.header};
        out.TextPieces(column.text, column.pieces, ctx);
      }
      column.text.clear();
      column.pieces.clear();
    }
    buffered = 0;
  };
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const char c = text[i];
    if (quoted) {
      const std::size_t q = text.find('"', i);
      if (q == std::string::npos) {
        cell.append(text, i, std::string::npos);
        break;
      }
      cell.append(text, i, q - i);
      if (q + 1 < n && text[q + 1] == '"') {
        cell += '"';
        i = q + 2;
      } else {
        quoted = false;
        i = q + 1;
      }
    } else if (c == '"' && cell.find_first_not_of(' ') == std::string::npos) {
      quoted = true;
      ++i;
    } else if (c == delimiter) {
      end_cell();
      ++i;
    } else if (c == '\n') {
      end_cell();
      ++row;
      col = 0;
      ++i;
      if (buffered >= kCsvBatchBytes) {
        flush();
        if (out.Stopped()) return;
      }
    } else {
      // A run of ordinary bytes (a quote inside an unquoted cell is ordinary).
      std::size_t j = i + 1;
      while (j < n && text[j] != delimiter && text[j] != '\n' && text[j] != '"') ++j;
      cell.append(text, i, j - i);
      i = j;
    }
  }
  if (!cell.empty() || col > 0) end_cell();
  flush();
}

// --- JSON ----------------------------------------------------------------------------------------

namespace {

using Json = nlohmann::json;

class JsonCollector : public nlohmann::json_sax<Json> {
 public:
  explicit JsonCollector(Groups& groups) : groups_(groups) {}

  bool null() override { return Step(); }
  bool boolean(bool) override { return Step(); }
  bool number_integer(number_integer_t v) override { return Value(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Value(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Value(s); }
  bool string(string_t& s) override { return Value(s); }
  bool binary(binary_t&) override { return Step(); }
  bool start_object(std::size_t) override { return Push(false); }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push(true); }
  bool end_array() override { return Pop(); }
  bool key(string_t& k) override {
    if (!frames_.empty()) frames_.back().key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
    error_position_ = position;
    return false;
  }
  std::size_t error_position() const { return error_position_; }

 private:
  struct Frame {
    bool array;
    std::size_t index = 0;
    std::string key;
    std::size_t path_length;  // path_ length when the frame began
  };
  // The path of the current value: "$.customers[3].iban".
  std::string CurrentPath() {
    std::string path = path_;
    if (!frames_.empty()) {
      const Frame& f = frames_.back();
      if (f.array) {
        path.append("[").append(std::to_string(f.index)).append("]");
      } else {
        path.append(".").append(Printable(f.key, 64));
      }
    }
    return path;
  }
  // The key that names the current value: its own key, or the key of the array holding it.
  std::string CurrentKey() const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
      if (!it->array) return it->key;
    return {};
  }
  bool Value(std::string_view v) {
    groups_.Add(CurrentKey(), v, BoundPath(std::string("!").append(CurrentPath())));
    return Step();
  }
  bool Step() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  bool Push(bool array) {
    std::string path = CurrentPath();
    std::size_t before = path_.size();
    path_ = path.size() <= kMaxPathLength ? std::move(path) : path_;
    frames_.push_back(Frame{array, 0, {}, before});
    return true;
  }
  bool Pop() {
    if (frames_.empty()) return false;
    path_.resize(frames_.back().path_length);
    frames_.pop_back();
    return Step();
  }

  Groups& groups_;
  std::vector<Frame> frames_;
  std::string path_ = "$";
  std::size_t error_position_ = 0;
};

}  // namespace

void ExtractJson(std::string_view bytes, Emitter& out, const Limits& /*limits*/) {
  std::string storage;
  const std::string_view text = ToUtf8(bytes, storage);
  Groups groups(out);
  JsonCollector collector(groups);
  bool ok = false;
  try {
    ok = Json::sax_parse(text, &collector, Json::input_format_t::json, true, false);
  } catch (...) {
    ok = false;
  }
  if (!ok) {
    // Not one JSON document (JSON lines, truncated, or text starting with '{'): inspect it as text.
    out.Text("", text);
    return;
  }
  groups.Emit();
}

// --- XML / HTML ----------------------------------------------------------------------------------

namespace {

void IgnoreError(void*, const char*, ...) {}
void IgnoreStructuredError(void*, xmlErrorPtr) {}

// libxml2 is initialised once; its error output is silenced on the calling thread.
void PrepareLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  xmlSetGenericErrorFunc(nullptr, IgnoreError);
  xmlSetStructuredErrorFunc(nullptr, IgnoreStructuredError);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void ExtractXml(std::string_view bytes, Emitter& out, const Limits& /*limits*/) {
  PrepareLibxml();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return out.Text("", ToUtf8(bytes));
  // No entity substitution, no DTD loading, no network: XXE and entity bombs stay inert.
  xmlTextReaderPtr reader =
      xmlReaderForMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
  if (reader == nullptr) return out.Text("", ToUtf8(bytes));
  Groups groups(out);
  struct Frame {
    std::string name;
    std::size_t path_length;
    std::map<std::string, int> children;
  };
  std::vector<Frame> frames;
  std::string path;
  int r;
  while ((r = xmlTextReaderRead(reader)) == 1) {
    if (out.Stopped()) break;
    int type = xmlTextReaderNodeType(reader);
    if (type == XML_READER_TYPE_ELEMENT) {
      const char* local = reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader));
      std::string name = Printable(local != nullptr ? local : "?", 64);
      std::size_t before = path.size();
      int index = frames.empty() ? 1 : ++frames.back().children[name];
      if (path.size() < kMaxPathLength) {
        path.append("/").append(name);
        if (index > 1) path.append("[").append(std::to_string(index)).append("]");
      }
      const bool empty = xmlTextReaderIsEmptyElement(reader) == 1;
      while (xmlTextReaderMoveToNextAttribute(reader) == 1) {
        const char* an = reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader));
        const char* av = reinterpret_cast<const char*>(xmlTextReaderConstValue(reader));
        if (an == nullptr || av == nullptr) continue;
        std::string attr = Printable(an, 64);
        groups.Add(Lower(attr), av, BoundPath("!" + path + "/@" + attr));
      }
      xmlTextReaderMoveToElement(reader);
      if (empty) {
        path.resize(before);
      } else {
        frames.push_back(Frame{Lower(name), before, {}});
      }
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      if (!frames.empty()) {
        path.resize(frames.back().path_length);
        frames.pop_back();
      }
    } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
      const char* v = reinterpret_cast<const char*>(xmlTextReaderConstValue(reader));
      if (v == nullptr) continue;
      std::string_view value(v);
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
      groups.Add(frames.empty() ? std::string() : frames.back().name, value, BoundPath("!" + path));
    } else if (type == XML_READER_TYPE_COMMENT) {
      const char* v = reinterpret_cast<const char*>(xmlTextReaderConstValue(reader));
      if (v != nullptr) groups.Add("", v, BoundPath("!" + path + "/comment()"));
    }
  }
  xmlFreeTextReader(reader);
  if (r < 0) {
    // Not well-formed: inspect the whole content as text instead (nothing is lost).
    out.Text("", ToUtf8(bytes));
    return;
  }
  groups.Emit();
}

void ExtractHtml(std::string_view bytes, Emitter& out, const Limits& /*limits*/) {
  PrepareLibxml();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return out.Text("", ToUtf8(bytes));
  htmlDocPtr doc = htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_NOIMPLIED);
  if (doc == nullptr) return out.Text("", ToUtf8(bytes));
  // Text, comments, scripts and attribute values (href, value, alt, title, data-*), in document order;
  // the parser has decoded character references. Iterative walk: no recursion on deep documents.
  std::string text;
  xmlNodePtr node = doc->children;
  while (node != nullptr) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE ||
        node->type == XML_COMMENT_NODE) {
      if (node->content != nullptr) {
        text += reinterpret_cast<const char*>(node->content);
        text += '\n';
      }
    } else if (node->type == XML_ELEMENT_NODE) {
      for (xmlAttrPtr a = node->properties; a != nullptr; a = a->next) {
        for (xmlNodePtr v = a->children; v != nullptr; v = v->next) {
          if (v->content != nullptr) {
            text += reinterpret_cast<const char*>(v->content);
            text += '\n';
          }
        }
      }
    }
    if (node->type == XML_ELEMENT_NODE && node->children != nullptr) {
      node = node->children;
      continue;
    }
    while (node != nullptr && node->next == nullptr) {
      node = node->parent;
      if (node == nullptr || reinterpret_cast<xmlDocPtr>(node) == doc) {
        node = nullptr;
        break;
      }
    }
    if (node != nullptr) node = node->next;
  }
  xmlFreeDoc(doc);
  // &nbsp; separates words like a space ("DE89&nbsp;3704 …"): make it one for the patterns.
  for (std::size_t p = text.find("\xC2\xA0"); p != std::string::npos; p = text.find("\xC2\xA0", p))
    text.replace(p, 2, 1, ' ');
  out.Text("", text);
}

}  // namespace leakguard::extract
