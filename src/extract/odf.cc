// OpenDocument (ODF 1.2/1.3): odt, ods, odp. See formats.h.
//
// Parts and their names, all from content.xml (streamed from the zip into the XML reader):
//   odt  "document" (paragraphs, headings, lists, tables, frames, notes, annotations)
//   ods  one part per cell, "Sheet1!C12" (table:name), its column header (the first row holding
//        text) as context; repeated rows and cells (table:number-*-repeated) are counted, empty runs
//        cost nothing, and a repeated non-empty cell is reported at most kMaxRepeat times (copies
//        beyond kMaxRepeatCopies per document are reported as a limit)
//   odp  "slide 3" (draw:page in order), "notes 3" (presentation:notes)
// Also: "headers" (master-page headers and footers in styles.xml), "properties" (meta.xml), embedded
// objects' content ("Object 1"), and embedded non-picture files as children named by member path.
// Encrypted documents (META-INF/manifest.xml encryption-data) are reported, not read.
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "extract/formats.h"
#include "extract/zip_xml.h"

namespace leakguard::extract {
namespace {

using zipxml::Member;
using zipxml::TextSink;
using zipxml::XmlReader;

constexpr std::uint64_t kMaxRepeat = 256;           // copies of one repeated non-empty cell or row reported
constexpr std::uint64_t kMaxRepeatCopies = 100000;  // copies made by repeats in one document
constexpr std::size_t kMaxColumns = 16384;
constexpr std::size_t kMaxHeaderBytes = 256;
constexpr std::size_t kCellGroupBytes = std::size_t{4} << 20;  // cell text buffered before a flush
constexpr std::uint64_t kMaxSpaces = 64;                       // text:s c="…"

std::uint64_t RepeatAttr(XmlReader& r, std::string_view name) {
  std::string v = r.Attr(name);
  if (v.empty()) return 1;
  unsigned long long n = std::strtoull(v.c_str(), nullptr, 10);
  return n == 0 ? 1 : std::min<unsigned long long>(n, 1ull << 40);
}

// Paragraph-level text handling shared by every ODF body: text:p / text:h content with text:s,
// text:tab and text:line-break, one line per paragraph.
class OdfText {
 public:
  // Returns true when the event was consumed as text structure.
  bool OnStart(XmlReader& r, TextSink* sink) {
    std::string_view n = r.name();
    if (n == "p" || n == "h") {
      ++in_p_;
      return true;
    }
    if (in_p_ == 0 || sink == nullptr) return false;
    if (n == "s") {
      std::uint64_t c = RepeatAttr(r, "c");
      for (std::uint64_t i = 0; i < std::min(c, kMaxSpaces); ++i) sink->Char(' ');
    } else if (n == "tab") {
      sink->Char('\t');
    } else if (n == "line-break") {
      sink->Char('\n');
    }
    return false;
  }
  void OnEnd(XmlReader& r, TextSink* sink) {
    if ((r.name() == "p" || r.name() == "h") && in_p_ > 0) {
      --in_p_;
      if (sink != nullptr) sink->EndLine();
    }
  }
  void OnText(XmlReader& r, TextSink* sink) {
    if (in_p_ > 0 && sink != nullptr) sink->Append(r.text());
  }
  bool in_paragraph() const { return in_p_ > 0; }

 private:
  int in_p_ = 0;
};

// A TextSink into a string, for a cell's text.
class StringEmitter final : public Emitter {
 public:
  explicit StringEmitter(std::string& s) : s_(s) {}
  void Text(std::string_view, std::string_view utf8, std::span<const std::string>) override {
    s_.append(utf8);
  }
  void Child(std::string_view, std::string_view) override {}
  void Report(std::string_view, Problem, std::string_view) override {}
  bool Stopped() const override { return false; }

 private:
  std::string& s_;
};

class OdfExtractor {
 public:
  OdfExtractor(std::string_view bytes, Emitter& out, const Limits& limits)
      : bytes_(bytes), out_(out), limits_(limits), budget_(zipxml::MemberBudget(bytes.size(), limits)) {}

  void Run() {
    if (!ReadManifest()) return;
    Status s = zipxml::ForEachMember(bytes_, budget_, [this](Member& m) {
      const std::string& n = m.name();
      if (m.encrypted() || encrypted_.contains(n)) return true;
      if (n == "content.xml") {
        Content(m);
      } else if (n == "styles.xml") {
        Styles(m);
      } else if (n == "meta.xml") {
        AllText(m, "properties");
      } else if (n.ends_with("/content.xml") && n.find('/') == n.rfind('/')) {
        AllText(m, zipxml::SafeName(n.substr(0, n.find('/'))));
      } else if (!n.ends_with(".xml") && n != "mimetype" && !n.starts_with("META-INF/") &&
                 !n.starts_with("Thumbnails/") && !n.starts_with("Configurations2/") &&
                 !n.starts_with("ObjectReplacements/") && n != "layout-cache") {
        EmbeddedFile(m);
      }
      return !out_.Stopped();
    });
    if (!s.ok()) out_.Report("", Problem::kUnreadable, "corrupt zip: " + s.message());
  }

 private:
  // META-INF/manifest.xml: which members are encrypted. False when the document cannot be read.
  bool ReadManifest() {
    bool has_content = false, zip_encrypted = false;
    Status s = zipxml::ForEachMember(bytes_, budget_, [&](Member& m) {
      if (m.name() == "content.xml") has_content = true;
      if (m.encrypted()) zip_encrypted = true;
      if (m.name() != "META-INF/manifest.xml" || m.encrypted()) return true;
      XmlReader r(m);
      std::string path;
      for (;;) {
        auto ev = r.Next();
        if (ev == XmlReader::Event::kDone || ev == XmlReader::Event::kError) break;
        if (ev != XmlReader::Event::kStart) continue;
        if (r.name() == "file-entry") path = r.Attr("full-path");
        if (r.name() == "encryption-data" && !path.empty()) encrypted_.insert(path);
      }
      return true;
    });
    if (!s.ok()) {
      out_.Report("", Problem::kUnreadable, "corrupt zip: " + s.message());
      return false;
    }
    if (!encrypted_.empty() || zip_encrypted)
      out_.Report("", Problem::kEncrypted, "password-protected OpenDocument file");
    if (!has_content) out_.Report("", Problem::kUnreadable, "no content.xml in the OpenDocument package");
    return true;
  }

  void Fail(const std::string& subpath, XmlReader& r) { out_.Report(subpath, r.problem(), r.error()); }

  void Content(Member& m) {
    XmlReader r(m);
    enum class Body { kNone, kText, kSheet, kSlides } body = Body::kNone;
    bool in_body = false;
    OdfText text;
    std::optional<TextSink> doc;  // odt
    // ods
    int table_depth = 0;
    std::string sheet;
    std::uint64_t row = 0, col = 0, rows_repeat = 1, cols_repeat = 1;
    std::int64_t header_row = -1;
    std::vector<std::string> headers;
    struct Cell {
      std::uint64_t col;
      std::uint64_t repeat;
      std::string text;
      bool is_text;
    };
    std::vector<Cell> row_cells;
    zipxml::CellColumns cells(out_, kCellGroupBytes);
    std::string cell_text, cell_value;
    std::string value_type;
    std::optional<StringEmitter> cell_emitter;
    std::optional<TextSink> cell_sink;
    bool in_cell = false;
    // odp
    int page = 0;
    bool in_notes = false;
    std::optional<TextSink> slide, notes;

    std::uint64_t copies_made = 0, added = 0;
    auto emit_row = [&]() {
      std::uint64_t copies = std::min(rows_repeat, kMaxRepeat);
      bool any_text =
          std::any_of(row_cells.begin(), row_cells.end(), [](const Cell& c) { return c.is_text; });
      if (header_row < 0 && any_text) {
        header_row = static_cast<std::int64_t>(row);
        for (const Cell& c : row_cells) {
          if (!c.is_text) continue;
          for (std::uint64_t k = 0; k < c.repeat && c.col + k < kMaxColumns; ++k) {
            if (headers.size() <= c.col + k) headers.resize(c.col + k + 1);
            headers[c.col + k] = std::string(zipxml::Trim(c.text)).substr(0, kMaxHeaderBytes);
          }
        }
      }
      for (std::uint64_t rr = 0; rr < copies; ++rr) {
        std::uint64_t rownum = row + rr;
        for (const Cell& c : row_cells) {
          for (std::uint64_t k = 0; k < std::min(c.repeat, kMaxRepeat); ++k) {
            std::uint64_t cc = c.col + k;
            std::string_view header;
            if (header_row >= 0 && rownum > static_cast<std::uint64_t>(header_row) && cc < headers.size())
              header = headers[cc];
            if (rr > 0 || k > 0) {  // a copy made by a repeat attribute
              if (copies_made == kMaxRepeatCopies) {
                out_.Report(sheet, Problem::kLimit,
                            "more than " + std::to_string(kMaxRepeatCopies) +
                                " cells made by repeat attributes: further copies not inspected");
              }
              if (++copies_made > kMaxRepeatCopies) continue;
            }
            cells.Add(cc, sheet + "!" + zipxml::ColumnName(cc) + std::to_string(rownum), c.text, header);
            if ((++added & 255u) == 0 && out_.Stopped()) return;
          }
        }
      }
    };

    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        if (doc) doc->Flush();
        cells.Flush();
        Fail("content.xml", r);
        return;
      }
      std::string_view n = r.name();
      if (ev == XmlReader::Event::kStart) {
        if (body == Body::kNone) {
          if (n == "body") {
            in_body = true;
          } else if (!in_body) {
            continue;
          } else if (n == "text") {
            body = Body::kText;
            doc.emplace(out_, "document", limits_.max_buffered_bytes);
          } else if (n == "spreadsheet") {
            body = Body::kSheet;
          } else if (n == "presentation" || n == "drawing") {
            body = Body::kSlides;
          }
          continue;
        }
        if (body == Body::kSheet) {
          if (n == "table") {
            if (++table_depth == 1) {
              sheet = zipxml::SafeName(r.Attr("name"));
              if (sheet.empty()) sheet = "Sheet";
              row = 1;
              header_row = -1;
              headers.clear();
            }
            continue;
          }
          if (table_depth != 1 && !in_cell) continue;
          if (n == "table-row" && !in_cell) {
            rows_repeat = RepeatAttr(r, "number-rows-repeated");
            col = 0;
            row_cells.clear();
          } else if ((n == "table-cell" || n == "covered-table-cell") && !in_cell) {
            cols_repeat = RepeatAttr(r, "number-columns-repeated");
            value_type = r.Attr("value-type");
            cell_value.clear();
            if (value_type == "float" || value_type == "percentage" || value_type == "currency")
              cell_value = zipxml::NumberText(r.Attr("value"));
            cell_text.clear();
            in_cell = true;
            cell_emitter.emplace(cell_text);
            cell_sink.emplace(*cell_emitter, "", limits_.max_buffered_bytes);
          } else if (in_cell) {
            text.OnStart(r, &*cell_sink);
          }
        } else if (body == Body::kSlides) {
          if (n == "page") {
            ++page;
            slide.emplace(out_, "slide " + std::to_string(page), limits_.max_buffered_bytes);
          } else if (n == "notes") {
            in_notes = true;
            notes.emplace(out_, "notes " + std::to_string(page), limits_.max_buffered_bytes);
          } else {
            text.OnStart(r, in_notes ? (notes ? &*notes : nullptr) : (slide ? &*slide : nullptr));
          }
        } else {
          text.OnStart(r, doc ? &*doc : nullptr);
        }
      } else if (ev == XmlReader::Event::kEnd) {
        if (body == Body::kSheet) {
          if (n == "table" && table_depth > 0) {
            if (--table_depth == 0) cells.Flush();
            continue;
          }
          if (in_cell && (n == "table-cell" || n == "covered-table-cell") && table_depth == 1) {
            in_cell = false;
            cell_sink->Flush();
            cell_sink.reset();
            cell_emitter.reset();
            bool is_text = value_type.empty() || value_type == "string";
            std::string value = cell_value.empty() ? cell_text : cell_value;
            if (!zipxml::Trim(value).empty() && col < kMaxColumns)
              row_cells.push_back({col, cols_repeat, std::move(value), is_text});
            col += cols_repeat;
          } else if (in_cell) {
            text.OnEnd(r, &*cell_sink);
          } else if (n == "table-row" && table_depth == 1) {
            if (!row_cells.empty()) emit_row();
            if (out_.Stopped()) return;
            row += rows_repeat;
          }
        } else if (body == Body::kSlides) {
          if (n == "notes" && in_notes) {
            in_notes = false;
            if (notes) notes->Flush();
            notes.reset();
          } else if (n == "page" && slide) {
            slide->Flush();
            slide.reset();
          } else {
            text.OnEnd(r, in_notes ? (notes ? &*notes : nullptr) : (slide ? &*slide : nullptr));
          }
        } else if (body == Body::kText) {
          text.OnEnd(r, doc ? &*doc : nullptr);
        }
      } else {
        if (body == Body::kSheet && in_cell)
          text.OnText(r, &*cell_sink);
        else if (body == Body::kSlides)
          text.OnText(r, in_notes ? (notes ? &*notes : nullptr) : (slide ? &*slide : nullptr));
        else if (body == Body::kText)
          text.OnText(r, doc ? &*doc : nullptr);
      }
      if (r.Tick() && out_.Stopped()) return;
    }
    if (doc) doc->Flush();
    cells.Flush();
  }

  // styles.xml: text of master-page headers and footers.
  void Styles(Member& m) {
    XmlReader r(m);
    TextSink sink(out_, "headers", limits_.max_buffered_bytes);
    OdfText text;
    int in_hf = 0;
    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        sink.Flush();
        Fail("styles.xml", r);
        return;
      }
      std::string_view n = r.name();
      bool hf = n == "header" || n == "footer" || n == "header-left" || n == "footer-left" ||
                n == "header-first" || n == "footer-first";
      if (ev == XmlReader::Event::kStart) {
        if (hf) ++in_hf;
        text.OnStart(r, in_hf > 0 ? &sink : nullptr);
      } else if (ev == XmlReader::Event::kEnd) {
        if (hf && in_hf > 0) --in_hf;
        text.OnEnd(r, in_hf > 0 ? &sink : nullptr);
      } else {
        text.OnText(r, in_hf > 0 ? &sink : nullptr);
      }
      if (r.Tick() && out_.Stopped()) return;
    }
    sink.Flush();
  }

  void AllText(Member& m, const std::string& subpath) {
    XmlReader r(m);
    TextSink sink(out_, subpath, limits_.max_buffered_bytes);
    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        sink.Flush();
        Fail(subpath, r);
        return;
      }
      if (ev == XmlReader::Event::kText) {
        std::string_view t = zipxml::Trim(r.text());
        if (!t.empty()) {
          sink.Append(t);
          sink.EndLine();
        }
      }
      if (r.Tick() && out_.Stopped()) return;
    }
    sink.Flush();
  }

  void EmbeddedFile(Member& m) {
    auto data = m.ReadAll(limits_.max_buffered_bytes);
    if (!data) {
      bool limit = data.error().code() == StatusCode::kLimitExceeded;
      out_.Report(m.name(), limit ? Problem::kLimit : Problem::kUnreadable, data.error().message());
      return;
    }
    if (data->empty() || zipxml::LooksLikeImage(*data)) return;
    out_.Child(m.name(), *data);
  }

  std::string_view bytes_;
  Emitter& out_;
  const Limits& limits_;
  std::uint64_t budget_;
  std::set<std::string> encrypted_;
};

}  // namespace

void ExtractOdf(std::string_view bytes, Emitter& out, const Limits& limits) {
  try {
    OdfExtractor(bytes, out, limits).Run();
  } catch (const std::exception& e) {
    out.Report("", Problem::kUnreadable, std::string("OpenDocument file: ") + e.what());
  } catch (...) {
    out.Report("", Problem::kUnreadable, "OpenDocument file: unexpected error");
  }
}

}  // namespace leakguard::extract
