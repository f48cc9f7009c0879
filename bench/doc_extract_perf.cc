// Throughput of the mail and document extractors (src/extract/{mime,ooxml,odf,pdf,rtf}.cc), one
// thread, in MB/s of input bytes (the container as it arrives) and of text produced.
//
//   cmake --build build/release --target leakguard_doc_extract_perf
//   build/release/bench/leakguard_doc_extract_perf [seconds-per-format [format]]
//   build/release/bench/leakguard_doc_extract_perf --write DIR   (writes the inputs, e.g. for
//                                                               `leakguard scan DIR`, and exits)
//
// Inputs are generated here, so the run needs no files: a mail with a quoted-printable body, an HTML
// alternative and base64 attachments; docx/pptx/odt with many paragraphs and xlsx/ods with many cells
// (zipped with deflate by libarchive, as Office does); a PDF with many text pages (uncompressed
// content streams); an RTF with escapes and \u characters. The emitter counts and discards: this is
// the extractor's own cost, without the dispatcher or the detection engine.
#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extract/emitter.h"
#include "extract/formats.h"

namespace {

using leakguard::extract::Emitter;
using leakguard::extract::Limits;
using leakguard::extract::Piece;
using leakguard::extract::Problem;

class CountingEmitter final : public Emitter {
 public:
  void Text(std::string_view, std::string_view utf8, std::span<const std::string>) override {
    text_bytes += utf8.size();
    ++parts;
  }
  void TextPieces(std::string_view text, std::span<const Piece> pieces,
                  std::span<const std::string>) override {
    text_bytes += text.size();
    parts += pieces.size();
  }
  void Child(std::string_view, std::string_view bytes) override { child_bytes += bytes.size(); }
  void Report(std::string_view, Problem, std::string_view reason) override {
    std::fprintf(stderr, "unexpected problem: %.*s\n", static_cast<int>(reason.size()), reason.data());
    std::exit(1);
  }
  bool Stopped() const override { return false; }
  std::size_t text_bytes = 0, child_bytes = 0, parts = 0;
};

std::string Zip(const std::vector<std::pair<std::string, std::string>>& files, bool store_first = false) {
  std::size_t cap = 1 << 20;
  for (const auto& f : files) cap += f.second.size() + f.first.size() + 512;
  std::string out(cap, '\0');
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  std::size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  bool first = true;
  for (const auto& [name, data] : files) {
    if (first && store_first)
      archive_write_zip_set_compression_store(a);
    else
      archive_write_zip_set_compression_deflate(a);
    first = false;
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

// Sentence text with digits and accents, varied per line so deflate does not collapse it.
std::string Line(int i) {
  return "Customer " + std::to_string(i) +
         " Ren\xC3\xA9"
         "e Dupont paid invoice " +
         std::to_string(i * 7919 % 100000) + " with card 4111 1111 1111 " + std::to_string(1000 + i % 9000) +
         " on account DE89 3704 0044 0532 " + std::to_string(i % 10000);
}

std::string Rels(const std::string& type, const std::string& target) {
  return "<Relationships "
         "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
         "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/" +
         type + "\" Target=\"" + target + "\"/></Relationships>";
}
const std::string kCt = "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";

std::string MakeDocx(int paragraphs) {
  std::string doc =
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>";
  for (int i = 0; i < paragraphs; ++i)
    doc += "<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>" + Line(i) +
           "</w:t></w:r><w:r><w:t xml:space=\"preserve\"> end of line</w:t></w:r></w:p>";
  doc += "</w:body></w:document>";
  return Zip({{"[Content_Types].xml", kCt},
              {"_rels/.rels", Rels("officeDocument", "word/document.xml")},
              {"word/document.xml", doc}});
}

std::string MakeXlsx(int rows) {
  std::string sst = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">";
  std::string sheet =
      "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
  sheet +=
      "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c><c r=\"B1\" "
      "t=\"inlineStr\"><is><t>ssn</t>"
      "</is></c><c r=\"C1\" t=\"inlineStr\"><is><t>card_number</t></is></c><c r=\"D1\" "
      "t=\"inlineStr\"><is><t>"
      "balance</t></is></c></row>";
  for (int r = 2; r <= rows; ++r) {
    std::string n = std::to_string(r);
    sst += "<si><t>Customer " + n + " Dupont</t></si>";
    sheet += "<row r=\"" + n + "\"><c r=\"A" + n + "\" t=\"s\"><v>" + std::to_string(r - 2) +
             "</v></c><c r=\"B" + n + "\" t=\"inlineStr\"><is><t>078-05-" + std::to_string(1000 + r % 9000) +
             "</t></is></c><c r=\"C" + n + "\"><v>41111111" + std::to_string(10000000 + r) +
             "</v></c><c r=\"D" + n + "\"><v>" + std::to_string(r * 3.25) + "</v></c></row>";
  }
  sst += "</sst>";
  sheet += "</sheetData></worksheet>";
  return Zip(
      {{"[Content_Types].xml", kCt},
       {"_rels/.rels", Rels("officeDocument", "xl/workbook.xml")},
       {"xl/workbook.xml",
        "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
        "<sheet name=\"Customers\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
       {"xl/_rels/workbook.xml.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas."
        "openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        "</Relationships>"},
       {"xl/sharedStrings.xml", sst},
       {"xl/worksheets/sheet1.xml", sheet}});
}

std::string MakePptx(int slides) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"[Content_Types].xml", kCt}, {"_rels/.rels", Rels("officeDocument", "ppt/presentation.xml")}};
  std::string pres =
      "<p:presentation xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><p:sldIdLst>";
  std::string rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (int s = 1; s <= slides; ++s) {
    std::string n = std::to_string(s);
    pres += "<p:sldId id=\"" + std::to_string(255 + s) + "\" r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide\" "
            "Target=\"slides/slide" +
            n + ".xml\"/>";
    std::string slide =
        "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
        "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>";
    for (int k = 0; k < 20; ++k)
      slide += "<p:sp><p:txBody><a:bodyPr/><a:p><a:r><a:rPr lang=\"en-US\"/><a:t>" + Line(s * 20 + k) +
               "</a:t></a:r></a:p></p:txBody></p:sp>";
    slide += "</p:spTree></p:cSld></p:sld>";
    files.emplace_back("ppt/slides/slide" + n + ".xml", slide);
  }
  files.emplace_back("ppt/presentation.xml", pres + "</p:sldIdLst></p:presentation>");
  files.emplace_back("ppt/_rels/presentation.xml.rels", rels + "</Relationships>");
  return Zip(files);
}

const std::string kOdfNs =
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"";

std::string MakeOdt(int paragraphs) {
  std::string c = "<office:document-content " + kOdfNs + "><office:body><office:text>";
  for (int i = 0; i < paragraphs; ++i)
    c += "<text:p text:style-name=\"P1\">" + Line(i) +
         "<text:s/><text:span text:style-name=\"T1\">end</text:span>"
         "</text:p>";
  c += "</office:text></office:body></office:document-content>";
  return Zip({{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", c}}, true);
}

std::string MakeOds(int rows) {
  std::string c =
      "<office:document-content " + kOdfNs +
      "><office:body><office:spreadsheet><table:table "
      "table:name=\"Customers\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>"
      "name</text:p></table:table-cell><table:table-cell office:value-type=\"string\"><text:p>ssn</text:p>"
      "</table:table-cell><table:table-cell office:value-type=\"string\"><text:p>card_number</text:p>"
      "</table:table-cell></table:table-row>";
  for (int r = 2; r <= rows; ++r)
    c += "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Customer " +
         std::to_string(r) +
         "</text:p></table:table-cell><table:table-cell office:value-type=\"string\"><text:p>078-05-" +
         std::to_string(1000 + r % 9000) +
         "</text:p></table:table-cell><table:table-cell office:value-type=\"float\" "
         "office:value=\"41111111" +
         std::to_string(10000000 + r) +
         "\"><text:p>x</text:p></table:table-cell>"
         "</table:table-row>";
  c += "</table:table></office:spreadsheet></office:body></office:document-content>";
  return Zip({{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", c}}, true);
}

// A PDF with `pages` pages of 40 text lines each (Helvetica, uncompressed content streams).
std::string MakePdf(int pages) {
  std::vector<std::string> objs;  // object i+1
  objs.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (int p = 0; p < pages; ++p) kids += std::to_string(4 + 2 * p) + " 0 R ";
  objs.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  objs.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (int p = 0; p < pages; ++p) {
    objs.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        "/Contents " +
        std::to_string(5 + 2 * p) + " 0 R >>");
    std::string s = "BT /F1 9 Tf 40 800 Td 11 TL\n";
    for (int l = 0; l < 40; ++l) {
      std::string line = "Customer " + std::to_string(p * 40 + l) + " Renee Dupont card 4111 1111 1111 " +
                         std::to_string(1000 + l) + " iban DE89 3704 0044 0532 " + std::to_string(p);
      s += "(" + line + ") Tj T*\n";
    }
    s += "ET";
    objs.push_back("<< /Length " + std::to_string(s.size()) + " >>\nstream\n" + s + "\nendstream");
  }
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  char buf[32];
  for (std::size_t off : offsets) {
    std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", off);
    pdf += buf;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

std::string MakeRtf(int paragraphs) {
  std::string r =
      "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil Calibri;}}{\\colortbl "
      ";\\red255\\green0\\blue0;}"
      "\\viewkind4\\uc1\\pard\\f0\\fs22 ";
  for (int i = 0; i < paragraphs; ++i)
    r += "Customer " + std::to_string(i) + " Ren\\'e9e Dupont {\\b card} 4111 1111 1111 " +
         std::to_string(1000 + i % 9000) + "\\tab price \\u8364? " + std::to_string(i * 13) + "\\par\n";
  return r + "}";
}

std::string MakeMail(int parts) {
  std::string m =
      "From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\r\nTo: finance@example.org\r\n"
      "Subject: =?utf-8?b?S3VuZGVuZGF0ZW4=?=\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n";
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int p = 0; p < parts; ++p) {
    m += "--OUTER\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
         "quoted-printable\r\n\r\n";
    for (int l = 0; l < 20; ++l)
      m += "Hallo J=C3=BCrgen, Zeile " + std::to_string(l) + " Karte 4111 1111 1111 1111 =\r\nweiter\r\n";
    m += "--OUTER\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"data" +
         std::to_string(p) + ".bin\"\r\n\r\n";
    for (int l = 0; l < 60; ++l) {
      std::string line;
      for (int k = 0; k < 76; ++k) line += kB64[(p * 31 + l * 7 + k) % 64];
      m += line + "\r\n";
    }
  }
  return m + "--OUTER--\r\n";
}

const char* g_only = nullptr;
const char* g_write_dir = nullptr;

void Measure(const char* name, const std::function<std::string()>& make, double seconds,
             void (*fn)(std::string_view, Emitter&, const Limits&)) {
  if (g_only != nullptr && std::string_view(g_only) != name) return;
  const std::string input = make();
  if (g_write_dir != nullptr) {
    std::string path = std::string(g_write_dir) + "/bench." + name;
    if (std::strcmp(name, "mime") == 0) path = std::string(g_write_dir) + "/bench.eml";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(input.data(), 1, input.size(), f) != input.size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
    std::fclose(f);
    std::printf("wrote %s (%zu bytes)\n", path.c_str(), input.size());
    return;
  }
  Limits limits;
  CountingEmitter warm;
  fn(input, warm, limits);
  int runs = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    CountingEmitter out;
    fn(input, out, limits);
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  double per_run = elapsed / runs;
  std::printf(
      "%-6s input %8.2f MB  text %8.2f MB  parts %7zu  children %6.2f MB  %7.1f ms/run  %8.1f MB/s input  "
      "%8.1f MB/s text\n",
      name, input.size() / 1e6, warm.text_bytes / 1e6, warm.parts, warm.child_bytes / 1e6, per_run * 1e3,
      input.size() / 1e6 / per_run, warm.text_bytes / 1e6 / per_run);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  if (argc > 2 && std::strcmp(argv[1], "--write") == 0) {
    g_write_dir = argv[2];
  } else {
    if (argc > 1) seconds = std::atof(argv[1]);
    if (argc > 2) g_only = argv[2];
  }
  using namespace leakguard::extract;
  Measure(
      "mime", [] { return MakeMail(200); }, seconds, &ExtractMime);
  Measure(
      "docx", [] { return MakeDocx(100000); }, seconds, &ExtractOoxml);
  Measure(
      "xlsx", [] { return MakeXlsx(100000); }, seconds, &ExtractOoxml);
  Measure(
      "pptx", [] { return MakePptx(500); }, seconds, &ExtractOoxml);
  Measure(
      "odt", [] { return MakeOdt(100000); }, seconds, &ExtractOdf);
  Measure(
      "ods", [] { return MakeOds(100000); }, seconds, &ExtractOdf);
  Measure(
      "pdf", [] { return MakePdf(200); }, seconds, &ExtractPdf);
  Measure(
      "rtf", [] { return MakeRtf(100000); }, seconds, &ExtractRtf);
  return 0;
}
