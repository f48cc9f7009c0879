// Fuzz target: ExtractOoxml and ExtractOdf (ooxml.cc, odf.cc, zip_xml.cc).
//
// Input layout:
//   byte 0 >= 8   the whole input is a package (zip) and goes to both extractors as it is
//   byte 0 <  8   the rest is one XML part, zipped (stored) into a fixed package skeleton, so the
//                 fuzzer works on XML instead of on deflate streams:
//                   0 word/document.xml        1 xl/worksheets/sheet1.xml   2 xl/sharedStrings.xml
//                   3 xl/workbook.xml          4 ppt/slides/slide1.xml      5 ppt/presentation.xml
//                   6 ODF content.xml          7 ODF META-INF/manifest.xml
// Checks (doc_fuzz_emitter.h): text is UTF-8, pieces in order, paths sane, stopping honoured.
#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doc_fuzz_emitter.h"
#include "extract/formats.h"

namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kRelsNs = "http://schemas.openxmlformats.org/package/2006/relationships";
constexpr std::string_view kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";

std::string Rels(std::initializer_list<std::pair<std::string_view, std::string_view>> rels) {
  std::string s = "<Relationships xmlns=\"" + std::string(kRelsNs) + "\">";
  int id = 1;
  for (auto [type, target] : rels)
    s += "<Relationship Id=\"rId" + std::to_string(id++) + "\" Type=\"" + std::string(kRel) +
         std::string(type) + "\" Target=\"" + std::string(target) + "\"/>";
  return s + "</Relationships>";
}

std::string Zip(const Files& files) {
  std::string out(64 * 1024, '\0');
  for (const auto& f : files) out.resize(out.size() + f.first.size() + f.second.size() + 256);
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_set_options(a, "zip:compression=store");
  std::size_t used = 0;
  if (archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK) {
    archive_write_free(a);
    return {};
  }
  for (const auto& [name, data] : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

Files Skeleton(int mode, std::string xml) {
  const std::string ct = "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
  auto pick = [&](int m, std::string def) { return mode == m ? xml : std::move(def); };
  if (mode == 0)
    return {{"[Content_Types].xml", ct},
            {"_rels/.rels", Rels({{"officeDocument", "word/document.xml"}})},
            {"word/_rels/document.xml.rels", Rels({{"header", "header1.xml"}})},
            {"word/header1.xml", "<w:hdr xmlns:w=\"w\"><w:p><w:r><w:t>h</w:t></w:r></w:p></w:hdr>"},
            {"word/document.xml", xml}};
  if (mode <= 3)
    return {
        {"[Content_Types].xml", ct},
        {"_rels/.rels", Rels({{"officeDocument", "xl/workbook.xml"}})},
        {"xl/workbook.xml",
         pick(3, "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>")},
        {"xl/_rels/workbook.xml.rels",
         Rels({{"worksheet", "worksheets/sheet1.xml"}, {"sharedStrings", "sharedStrings.xml"}})},
        {"xl/sharedStrings.xml", pick(2, "<sst><si><t>head</t></si><si><t>value</t></si></sst>")},
        {"xl/worksheets/sheet1.xml",
         pick(1,
              "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
              "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row></sheetData></worksheet>")}};
  if (mode <= 5)
    return {{"[Content_Types].xml", ct},
            {"_rels/.rels", Rels({{"officeDocument", "ppt/presentation.xml"}})},
            {"ppt/presentation.xml",
             pick(5,
                  "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst><p:sldId id=\"1\" "
                  "r:id=\"rId1\"/></p:sldIdLst></p:presentation>")},
            {"ppt/_rels/presentation.xml.rels", Rels({{"slide", "slides/slide1.xml"}})},
            {"ppt/slides/slide1.xml",
             pick(4, "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>x</a:t></a:r></a:p></p:sld>")}};
  return {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
          {"META-INF/manifest.xml", pick(7, "<manifest:manifest xmlns:manifest=\"m\"/>")},
          {"content.xml",
           pick(6,
                "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\"><office:body>"
                "<office:text><text:p>x</text:p></office:text></office:body></office:document-content>")}};
}

void Run(std::string_view package, std::size_t stop_after) {
  leakguard::extract::Limits limits;
  limits.max_buffered_bytes = 1 << 20;
  {
    leakguard::extract::fuzz::CheckingEmitter out(stop_after);
    leakguard::extract::ExtractOoxml(package, out, limits);
  }
  {
    leakguard::extract::fuzz::CheckingEmitter out(stop_after);
    leakguard::extract::ExtractOdf(package, out, limits);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t stop_after = size % 7 == 0 ? 2 : 100000;
  if (data[0] >= 8) {
    Run(std::string_view(reinterpret_cast<const char*>(data), size), stop_after);
    return 0;
  }
  std::string xml(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string package = Zip(Skeleton(data[0], std::move(xml)));
  Run(package, stop_after);
  return 0;
}
