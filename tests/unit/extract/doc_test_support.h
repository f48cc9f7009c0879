// Test support for the document and mail extractors (mime, ooxml, odf, pdf, rtf): an Emitter that
// records every call, and the fixtures in tests/fixtures/extract/ (made by make_doc_fixtures.py).
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extract/emitter.h"
#include "extract/limits.h"
#include "test_support.h"

namespace leakguard::extract::testing {

struct TextCall {
  std::string path;
  std::string text;
  std::vector<std::string> context;
};
struct ChildCall {
  std::string path;
  std::string bytes;
};
struct ReportCall {
  std::string path;
  Problem problem;
  std::string reason;
};

// Records Text/Child/Report; TextPieces arrive as one Text per piece (the base class default).
// Stopped() turns true once `stop_after` text parts and children were reported.
class RecordingEmitter : public Emitter {
 public:
  explicit RecordingEmitter(std::size_t stop_after = SIZE_MAX) : stop_after_(stop_after) {}

  void Text(std::string_view subpath, std::string_view utf8, std::span<const std::string> context) override {
    ++parts_;
    texts.push_back({std::string(subpath), std::string(utf8), {context.begin(), context.end()}});
  }
  void TextPieces(std::string_view text, std::span<const Piece> pieces,
                  std::span<const std::string> context) override {
    ++pieced_calls;
    Emitter::TextPieces(text, pieces, context);
  }
  void Child(std::string_view subpath, std::string_view bytes) override {
    ++parts_;
    children.push_back({std::string(subpath), std::string(bytes)});
  }
  void Report(std::string_view subpath, Problem problem, std::string_view reason) override {
    reports.push_back({std::string(subpath), problem, std::string(reason)});
  }
  bool Stopped() const override { return parts_ >= stop_after_; }

  // The text of the part called `path` (all pieces with that name joined), or nullopt.
  std::optional<std::string> TextOf(std::string_view path) const {
    std::optional<std::string> out;
    for (const auto& t : texts) {
      if (t.path != path) continue;
      if (!out) out.emplace();
      out->append(t.text);
    }
    return out;
  }
  const TextCall* Find(std::string_view path) const {
    for (const auto& t : texts)
      if (t.path == path) return &t;
    return nullptr;
  }
  const ChildCall* FindChild(std::string_view path) const {
    for (const auto& c : children)
      if (c.path == path) return &c;
    return nullptr;
  }
  bool HasReport(Problem p) const {
    for (const auto& r : reports)
      if (r.problem == p) return true;
    return false;
  }
  // Every text joined, for "is this value anywhere" checks.
  std::string AllText() const {
    std::string all;
    for (const auto& t : texts) all.append(t.text).push_back('\n');
    return all;
  }
  std::string Dump() const {
    std::ostringstream s;
    for (const auto& t : texts) {
      s << "text [" << t.path << "]";
      for (const auto& c : t.context) s << " ctx=" << c;
      s << ": " << t.text.substr(0, 200) << "\n";
    }
    for (const auto& c : children) s << "child [" << c.path << "] " << c.bytes.size() << " bytes\n";
    for (const auto& r : reports)
      s << "report [" << r.path << "] " << static_cast<int>(r.problem) << " " << r.reason << "\n";
    return s.str();
  }

  std::vector<TextCall> texts;
  std::vector<ChildCall> children;
  std::vector<ReportCall> reports;
  std::size_t pieced_calls = 0;

 private:
  std::size_t stop_after_;
  std::size_t parts_ = 0;
};

inline std::string Fixture(std::string_view name) {
  std::string path = leakguard::testing::SourceDir() + "/tests/fixtures/extract/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A zip (deflate) of `files` made in memory with libarchive, for packages the tests build themselves.
inline std::string Zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::size_t cap = 1 << 16;
  for (const auto& f : files) cap += f.first.size() + f.second.size() + 512;
  std::string out(cap, '\0');
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  std::size_t used = 0;
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK);
  for (const auto& [name, data] : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    EXPECT_EQ(archive_write_data(a, data.data(), data.size()), static_cast<la_ssize_t>(data.size()));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// A docx whose word/document.xml is `document_xml`.
inline std::string Docx(const std::string& document_xml) {
  return Zip(
      {{"[Content_Types].xml",
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
       {"_rels/.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
        "Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        "Target=\"word/document.xml\"/></Relationships>"},
       {"word/document.xml", document_xml}});
}

}  // namespace leakguard::extract::testing
