// OOXML (ECMA-376): docx, xlsx, pptx. See formats.h.
//
// Parts and their names:
//   docx  "document" (word/document.xml), "header1", "footer2", "comments", "footnotes", "endnotes"
//   xlsx  one part per cell, "Sheet1!C12", with its column header (the first row holding text) as
//         context; shared strings, inline strings, numbers, booleans; "comments1"
//   pptx  "slide 3" in presentation order, "notes 3", "comments 3"
//   all   "properties" (docProps core/custom), charts and SmartArt data ("chart1", "data1"),
//         customXml items; embedded files (*/embeddings/*, non-image */media/*) as children named by
//         their member path.
// The package is read in passes over the zip directory: relationships and main parts first (small,
// buffered up to limits.max_buffered_bytes), then the shared strings, then every content part
// streamed from the decompressor into the XML reader.
// An OLE compound file with an EncryptedPackage stream is a password-protected OOXML document.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "extract/formats.h"
#include "extract/zip_xml.h"

namespace leakguard::extract {
namespace {

using zipxml::Member;
using zipxml::TextSink;
using zipxml::XmlReader;

constexpr std::size_t kMaxHeaderBytes = 256;                   // one column header kept as context
constexpr std::size_t kMaxHeaderColumns = 16384;               // Excel's column count
constexpr std::size_t kMaxMembers = 65536;                     // members of one package looked at
constexpr std::size_t kCellGroupBytes = std::size_t{4} << 20;  // cell text buffered before a flush

struct Relationship {
  std::string type;    // last segment of the Type URI: "worksheet", "header", "notesSlide"…
  std::string target;  // resolved part path, "" for external targets
};
using Relationships = std::map<std::string, Relationship>;  // by Id

std::string RelsPathFor(std::string_view part) {
  std::size_t slash = part.rfind('/');
  std::string folder = slash == std::string_view::npos ? "" : std::string(part.substr(0, slash + 1));
  std::string base(slash == std::string_view::npos ? part : part.substr(slash + 1));
  return folder + "_rels/" + base + ".rels";
}

Relationships ParseRels(std::string_view xml, std::string_view source_part) {
  Relationships rels;
  XmlReader r(xml);
  for (;;) {
    auto ev = r.Next();
    if (ev == XmlReader::Event::kDone || ev == XmlReader::Event::kError) break;
    if (ev != XmlReader::Event::kStart || r.name() != "Relationship") continue;
    std::string id = r.Attr("Id");
    std::string type = r.Attr("Type");
    std::string target = r.Attr("Target");
    bool external = r.Attr("TargetMode") == "External";
    std::size_t slash = type.rfind('/');
    Relationship rel;
    rel.type = slash == std::string::npos ? type : type.substr(slash + 1);
    if (!external) rel.target = zipxml::ResolvePath(source_part, target);
    rels.emplace(std::move(id), std::move(rel));
  }
  return rels;
}

std::string Basename(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view b = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (b.ends_with(".xml")) b.remove_suffix(4);
  return std::string(b);
}

enum class Handler {
  kParagraphs,  // w:t / a:t runs, paragraphs as lines (docx body parts, slides, notes)
  kAllText,     // every text node, one line per element (properties, charts, comments, customXml)
  kSheet,       // worksheet cells
  kChild,       // embedded file
  kMediaChild,  // media: a child unless it is a picture
};

struct Job {
  Handler handler;
  std::string subpath;  // text part name, or the sheet name for kSheet
};

class OoxmlExtractor {
 public:
  OoxmlExtractor(std::string_view bytes, Emitter& out, const Limits& limits)
      : bytes_(bytes), out_(out), limits_(limits), budget_(zipxml::MemberBudget(bytes.size(), limits)) {}

  void Run() {
    if (!CollectPackage()) return;
    PlanJobs();
    if (kind_ == Kind::kXlsx && !shared_strings_part_.empty()) LoadSharedStrings();
    if (out_.Stopped()) return;
    Status s = zipxml::ForEachMember(bytes_, budget_, [this](Member& m) {
      auto it = jobs_.find(m.name());
      if (it != jobs_.end() && !m.encrypted()) RunJob(m, it->second);
      return !out_.Stopped();
    });
    if (!s.ok()) out_.Report("", Problem::kUnreadable, "corrupt zip: " + s.message());
  }

 private:
  enum class Kind { kUnknown, kDocx, kXlsx, kPptx };

  // Pass 1: member names, relationships and the workbook / presentation parts.
  bool CollectPackage() {
    bool encrypted = false;
    Status s = zipxml::ForEachMember(bytes_, budget_, [&](Member& m) {
      if (names_.size() >= kMaxMembers) {
        out_.Report("", Problem::kLimit,
                    "more than " + std::to_string(kMaxMembers) +
                        " members in an Office package: the rest not inspected");
        return false;
      }
      names_.insert(m.name());
      if (m.encrypted()) {
        encrypted = true;
        return true;
      }
      const std::string& n = m.name();
      bool wanted = n.ends_with(".rels") || n.ends_with("/workbook.xml") || n.ends_with("/presentation.xml");
      if (!wanted) return true;
      auto data = m.ReadAll(limits_.max_buffered_bytes);
      if (data) {
        buffered_bytes_ += data->size();
        small_parts_.emplace(n, std::move(*data));
      } else if (data.error().code() == StatusCode::kLimitExceeded) {
        out_.Report(n, Problem::kLimit, data.error().message());
      } else {
        out_.Report(n, Problem::kUnreadable, data.error().message());
      }
      return buffered_bytes_ <= limits_.max_buffered_bytes;
    });
    if (!s.ok()) {
      out_.Report("", Problem::kUnreadable, "corrupt zip: " + s.message());
      return false;
    }
    if (buffered_bytes_ > limits_.max_buffered_bytes) {
      out_.Report("", Problem::kLimit, "package relationships larger than the buffering limit");
      return false;
    }
    if (encrypted)
      out_.Report("", Problem::kEncrypted, "password-protected zip members in an Office package");

    // The main part: _rels/.rels officeDocument, else the usual names.
    if (auto it = small_parts_.find("_rels/.rels"); it != small_parts_.end()) {
      for (auto& [id, rel] : ParseRels(it->second, "")) {
        if (rel.type == "officeDocument" && names_.contains(rel.target)) main_ = rel.target;
      }
    }
    if (main_.empty()) {
      for (const char* n : {"word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"}) {
        if (names_.contains(n)) {
          main_ = n;
          break;
        }
      }
    }
    if (main_.empty()) {
      out_.Report("", Problem::kUnreadable, "no Office main part (document, workbook or presentation)");
      kind_ = Kind::kUnknown;
      return true;  // properties and embedded files are still worth a look
    }
    if (main_.starts_with("word/") || main_.ends_with("document.xml"))
      kind_ = Kind::kDocx;
    else if (main_.starts_with("xl/") || main_.ends_with("workbook.xml"))
      kind_ = Kind::kXlsx;
    else
      kind_ = Kind::kPptx;
    return true;
  }

  Relationships RelsOf(std::string_view part) {
    auto it = small_parts_.find(RelsPathFor(part));
    if (it == small_parts_.end()) return {};
    return ParseRels(it->second, part);
  }

  void PlanJobs() {
    for (const auto& n : names_) {
      if (n == "docProps/core.xml" || n == "docProps/custom.xml")
        jobs_[n] = {Handler::kAllText, "properties"};
      else if (n.starts_with("customXml/item") && n.ends_with(".xml") && n.find("Props") == std::string::npos)
        jobs_[n] = {Handler::kAllText, "customXml/" + Basename(n)};
      else if (n.find("/charts/chart") != std::string::npos && n.ends_with(".xml"))
        jobs_[n] = {Handler::kAllText, Basename(n)};
      else if (n.find("/diagrams/data") != std::string::npos && n.ends_with(".xml"))
        jobs_[n] = {Handler::kAllText, Basename(n)};
      else if (n.find("/embeddings/") != std::string::npos)
        jobs_[n] = {Handler::kChild, n};
      else if (n.find("/media/") != std::string::npos)
        jobs_[n] = {Handler::kMediaChild, n};
    }
    switch (kind_) {
      case Kind::kDocx: {
        jobs_[main_] = {Handler::kParagraphs, "document"};
        for (auto& [id, rel] : RelsOf(main_)) {
          if (rel.target.empty() || !names_.contains(rel.target)) continue;
          if (rel.type == "header" || rel.type == "footer" || rel.type == "footnotes" ||
              rel.type == "endnotes")
            jobs_[rel.target] = {Handler::kParagraphs, Basename(rel.target)};
          else if (rel.type == "comments")
            jobs_[rel.target] = {Handler::kParagraphs, "comments"};
        }
        break;
      }
      case Kind::kXlsx: {
        Relationships rels = RelsOf(main_);
        for (auto& [id, rel] : rels) {
          if (rel.type == "sharedStrings" && names_.contains(rel.target)) shared_strings_part_ = rel.target;
        }
        if (shared_strings_part_.empty() && names_.contains("xl/sharedStrings.xml"))
          shared_strings_part_ = "xl/sharedStrings.xml";
        auto wb = small_parts_.find(main_);
        if (wb == small_parts_.end()) break;
        XmlReader r(wb->second);
        int index = 0;
        for (;;) {
          auto ev = r.Next();
          if (ev == XmlReader::Event::kDone) break;
          if (ev == XmlReader::Event::kError) {
            out_.Report(main_, Problem::kUnreadable, r.error());
            break;
          }
          if (ev != XmlReader::Event::kStart || r.name() != "sheet") continue;
          ++index;
          std::string name = r.Attr("name");
          auto rel = rels.find(r.Attr("id", true));
          if (rel == rels.end() || rel->second.target.empty() || !names_.contains(rel->second.target))
            continue;
          if (name.empty()) name = "Sheet" + std::to_string(index);
          jobs_[rel->second.target] = {Handler::kSheet, zipxml::SafeName(name)};
          // Cell comments of this sheet.
          for (auto& [cid, crel] : RelsOf(rel->second.target)) {
            if (crel.type == "comments" && names_.contains(crel.target))
              jobs_[crel.target] = {Handler::kAllText, zipxml::SafeName(name) + " comments"};
          }
        }
        break;
      }
      case Kind::kPptx: {
        Relationships rels = RelsOf(main_);
        auto pres = small_parts_.find(main_);
        if (pres == small_parts_.end()) break;
        XmlReader r(pres->second);
        int number = 0;
        for (;;) {
          auto ev = r.Next();
          if (ev == XmlReader::Event::kDone) break;
          if (ev == XmlReader::Event::kError) {
            out_.Report(main_, Problem::kUnreadable, r.error());
            break;
          }
          if (ev != XmlReader::Event::kStart || r.name() != "sldId") continue;
          auto rel = rels.find(r.Attr("id", true));
          if (rel == rels.end() || rel->second.target.empty() || !names_.contains(rel->second.target))
            continue;
          ++number;
          std::string n = std::to_string(number);
          jobs_[rel->second.target] = {Handler::kParagraphs, "slide " + n};
          for (auto& [sid, srel] : RelsOf(rel->second.target)) {
            if (srel.target.empty() || !names_.contains(srel.target)) continue;
            if (srel.type == "notesSlide") jobs_[srel.target] = {Handler::kParagraphs, "notes " + n};
            if (srel.type == "comments") jobs_[srel.target] = {Handler::kAllText, "comments " + n};
          }
        }
        break;
      }
      case Kind::kUnknown:
        break;
    }
  }

  void LoadSharedStrings() {
    bool limited = false;
    std::size_t total = 0;
    Status s = zipxml::ForEachMember(bytes_, budget_, [&](Member& m) {
      if (m.name() != shared_strings_part_) return true;
      if (m.encrypted()) return false;
      XmlReader r(m);
      std::string cur;
      int in_t = 0, in_rph = 0;
      for (;;) {
        auto ev = r.Next();
        if (ev == XmlReader::Event::kDone) break;
        if (ev == XmlReader::Event::kError) {
          out_.Report(m.name(), r.problem(), r.error());
          break;
        }
        if (ev == XmlReader::Event::kStart) {
          if (r.name() == "si") cur.clear();
          if (r.name() == "t") ++in_t;
          if (r.name() == "rPh") ++in_rph;
        } else if (ev == XmlReader::Event::kEnd) {
          if (r.name() == "t" && in_t > 0) --in_t;
          if (r.name() == "rPh" && in_rph > 0) --in_rph;
          if (r.name() == "si") {
            total += cur.size() + sizeof(std::string);
            if (total > limits_.max_buffered_bytes) {
              limited = true;
              break;
            }
            shared_.push_back(std::move(cur));
            cur.clear();
          }
        } else if (ev == XmlReader::Event::kText && in_t > 0 && in_rph == 0) {
          cur.append(r.text());
        }
      }
      return false;
    });
    if (!s.ok()) out_.Report("", Problem::kUnreadable, "corrupt zip: " + s.message());
    if (limited)
      out_.Report(shared_strings_part_, Problem::kLimit,
                  "shared strings larger than " + std::to_string(limits_.max_buffered_bytes) +
                      " bytes: later strings not inspected");
  }

  void RunJob(Member& m, const Job& job) {
    switch (job.handler) {
      case Handler::kParagraphs:
        Paragraphs(m, job.subpath);
        break;
      case Handler::kAllText:
        AllText(m, job.subpath);
        break;
      case Handler::kSheet:
        Sheet(m, job.subpath);
        break;
      case Handler::kChild:
      case Handler::kMediaChild: {
        auto data = m.ReadAll(limits_.max_buffered_bytes);
        if (!data) {
          bool limit = data.error().code() == StatusCode::kLimitExceeded;
          out_.Report(job.subpath, limit ? Problem::kLimit : Problem::kUnreadable, data.error().message());
          break;
        }
        if (job.handler == Handler::kMediaChild && zipxml::LooksLikeImage(*data)) break;
        if (!data->empty()) out_.Child(job.subpath, *data);
        break;
      }
    }
  }

  void Paragraphs(Member& m, const std::string& subpath) {
    TextSink sink(out_, subpath, limits_.max_buffered_bytes);
    XmlReader r(m);
    int in_t = 0, in_tabs = 0;
    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        sink.Flush();
        out_.Report(subpath, r.problem(), r.error());
        return;
      }
      std::string_view n = r.name();
      if (ev == XmlReader::Event::kStart) {
        if (n == "t" || n == "delText" || n == "instrText") {
          ++in_t;
        } else if (n == "tabs" || n == "tabLst") {
          ++in_tabs;
        } else if (n == "tab") {
          if (in_tabs == 0) sink.Char('\t');
        } else if (n == "br" || n == "cr") {
          sink.Char('\n');
        } else if (n == "noBreakHyphen") {
          sink.Char('-');
        }
      } else if (ev == XmlReader::Event::kEnd) {
        if ((n == "t" || n == "delText" || n == "instrText") && in_t > 0) --in_t;
        if ((n == "tabs" || n == "tabLst") && in_tabs > 0) --in_tabs;
        if (n == "p") sink.EndLine();
        if (n == "tc") sink.EndCell();  // table cells side by side
        if (n == "tr") sink.EndLine();
      } else if (in_t > 0) {
        sink.Append(r.text());
      }
      if (r.Tick() && out_.Stopped()) return;
    }
    sink.Flush();
  }

  void AllText(Member& m, const std::string& subpath) {
    TextSink sink(out_, subpath, limits_.max_buffered_bytes);
    XmlReader r(m);
    // Custom document properties (docProps/custom.xml) come out as "name: value" lines, so a value
    // keeps its meaning: "MSIP_Label_<guid>_Name: Highly Confidential" is an Office sensitivity label
    // (src/classify), "Client: ..." a context for the engine.
    std::string property;
    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        sink.Flush();
        out_.Report(subpath, r.problem(), r.error());
        return;
      }
      if (ev == XmlReader::Event::kStart && r.name() == "property") {
        property = r.Attr("name");
      } else if (ev == XmlReader::Event::kEnd && r.name() == "property") {
        property.clear();
      } else if (ev == XmlReader::Event::kText) {
        std::string t = std::string(zipxml::Trim(r.text()));
        if (!t.empty()) {
          if (!property.empty()) sink.Append(property + ": ");
          sink.Append(t);
          sink.EndLine();
        }
      } else if (ev == XmlReader::Event::kEnd && (r.name() == "p" || r.name() == "si")) {
        sink.EndLine();
      }
      if (r.Tick() && out_.Stopped()) return;
    }
    sink.Flush();
  }

  void Sheet(Member& m, const std::string& sheet) {
    XmlReader r(m);
    zipxml::CellColumns cells(out_, kCellGroupBytes);
    std::int64_t row = 0, col = -1;
    std::int64_t header_row = -1;
    std::vector<std::string> headers;
    std::string ref, type, value, inline_text;
    int in_v = 0, in_is = 0, in_t = 0, in_rph = 0;
    for (;;) {
      auto ev = r.Next();
      if (ev == XmlReader::Event::kDone) break;
      if (ev == XmlReader::Event::kError) {
        cells.Flush();
        out_.Report(sheet, r.problem(), r.error());
        return;
      }
      std::string_view n = r.name();
      if (ev == XmlReader::Event::kStart) {
        if (n == "row") {
          std::string rn = r.Attr("r");
          std::int64_t parsed = std::strtoll(rn.c_str(), nullptr, 10);
          row = parsed > 0 ? parsed : row + 1;
          col = -1;
        } else if (n == "c") {
          ref = r.Attr("r");
          type = r.Attr("t");
          value.clear();
          inline_text.clear();
          std::int64_t c = zipxml::ColumnIndex(ref);
          col = c >= 0 ? c : col + 1;
          if (ref.empty() || c < 0)
            ref = zipxml::ColumnName(static_cast<std::uint64_t>(col)) + std::to_string(row);
        } else if (n == "v") {
          ++in_v;
        } else if (n == "is") {
          ++in_is;
        } else if (n == "t") {
          ++in_t;
        } else if (n == "rPh") {
          ++in_rph;
        }
      } else if (ev == XmlReader::Event::kEnd) {
        if (n == "v" && in_v > 0) --in_v;
        if (n == "is" && in_is > 0) --in_is;
        if (n == "t" && in_t > 0) --in_t;
        if (n == "rPh" && in_rph > 0) --in_rph;
        if (n != "c") continue;
        std::string text;
        bool is_text = false;
        if (type == "s") {
          char* end = nullptr;
          unsigned long long i = std::strtoull(value.c_str(), &end, 10);
          if (end != value.c_str() && i < shared_.size()) text = shared_[i];
          is_text = true;
        } else if (type == "inlineStr") {
          text = inline_text;
          is_text = true;
        } else if (type == "str") {
          text = value;
          is_text = true;
        } else if (type == "b") {
          text = value == "1" ? "TRUE" : (value == "0" ? "FALSE" : value);
        } else if (type == "e") {
          continue;
        } else {
          text = zipxml::NumberText(value);
        }
        if (zipxml::Trim(text).empty()) continue;
        if (is_text && header_row < 0) header_row = row;
        std::string_view header;
        if (row == header_row) {
          if (is_text && col >= 0 && static_cast<std::size_t>(col) < kMaxHeaderColumns) {
            if (headers.size() <= static_cast<std::size_t>(col))
              headers.resize(static_cast<std::size_t>(col) + 1);
            std::string h(zipxml::Trim(text));
            if (h.size() > kMaxHeaderBytes) h.resize(kMaxHeaderBytes);
            headers[static_cast<std::size_t>(col)] = std::move(h);
          }
        } else if (header_row >= 0 && col >= 0 && static_cast<std::size_t>(col) < headers.size()) {
          header = headers[static_cast<std::size_t>(col)];
        }
        cells.Add(static_cast<std::uint64_t>(std::max<std::int64_t>(col, 0)),
                  sheet + "!" + zipxml::SafeName(ref), text, header);
        if (r.Tick() && out_.Stopped()) return;
      } else {
        if (in_v > 0 && value.size() < limits_.max_buffered_bytes) value.append(r.text());
        if (in_is > 0 && in_t > 0 && in_rph == 0 && inline_text.size() < limits_.max_buffered_bytes)
          inline_text.append(r.text());
      }
    }
    cells.Flush();
  }

  std::string_view bytes_;
  Emitter& out_;
  const Limits& limits_;
  std::uint64_t budget_;
  std::set<std::string> names_;
  std::map<std::string, std::string> small_parts_;
  std::size_t buffered_bytes_ = 0;
  std::string main_;
  Kind kind_ = Kind::kUnknown;
  std::string shared_strings_part_;
  std::vector<std::string> shared_;
  std::unordered_map<std::string, Job> jobs_;
};

}  // namespace

void ExtractOoxml(std::string_view bytes, Emitter& out, const Limits& limits) {
  try {
    if (zipxml::IsOleCompoundFile(bytes)) {
      if (zipxml::OleHasEncryptedPackage(bytes))
        out.Report("", Problem::kEncrypted, "password-protected Office document (encrypted OOXML package)");
      else
        out.Report("", Problem::kUnreadable,
                   "legacy binary Office document (OLE compound file): not extracted");
      return;
    }
    OoxmlExtractor(bytes, out, limits).Run();
  } catch (const std::exception& e) {
    out.Report("", Problem::kUnreadable, std::string("Office document: ") + e.what());
  } catch (...) {
    out.Report("", Problem::kUnreadable, "Office document: unexpected error");
  }
}

}  // namespace leakguard::extract
