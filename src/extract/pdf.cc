// PDF text with poppler-cpp. See formats.h.
//
// Parts: "page N" (1-based, physical layout: a table row stays on one line), "properties" (Title,
// Author, Subject, Keywords), embedded files (PDF attachments) as children "attachment[N]:name".
// Problems: a PDF that needs a user password is ENCRYPTED (an owner password alone does not stop text
// extraction); one poppler cannot open, or that has no %%EOF marker (truncated: what pages could be
// recovered are still extracted), is UNREADABLE with the reason.
//
// Poppler reports its errors through one process-wide callback, installed once: it records the first
// message for the extraction running on the calling thread and never prints.
#include <poppler-document.h>
#include <poppler-embedded-file.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>
#include <string>

#include "extract/formats.h"
#include "extract/zip_xml.h"

namespace leakguard::extract {
namespace {

struct PopplerErrors {
  std::string first;
  std::size_t count = 0;
};
thread_local PopplerErrors* t_errors = nullptr;

void OnPopplerError(const std::string& message, void*) {
  if (t_errors == nullptr) return;
  if (t_errors->count++ == 0) t_errors->first = message.substr(0, 200);
}

void InitPoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&OnPopplerError, nullptr); });
}

class ErrorScope {
 public:
  explicit ErrorScope(PopplerErrors& e) : previous_(t_errors) { t_errors = &e; }
  ~ErrorScope() { t_errors = previous_; }

 private:
  PopplerErrors* previous_;
};

std::string Utf8(const poppler::ustring& s) {
  poppler::byte_array b = s.to_utf8();
  std::string out(b.begin(), b.end());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

bool HasEofMarker(std::string_view bytes) {
  std::size_t tail = std::min<std::size_t>(bytes.size(), 2048);
  return bytes.substr(bytes.size() - tail).find("%%EOF") != std::string_view::npos;
}

void Extract(std::string_view bytes, Emitter& out, const Limits& limits) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    out.Report("", Problem::kLimit, "PDF larger than 2 GiB");
    return;
  }
  InitPoppler();
  PopplerErrors errors;
  ErrorScope scope(errors);
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    std::string reason = "PDF cannot be opened";
    if (!HasEofMarker(bytes)) reason = "truncated PDF: no %%EOF marker";
    if (!errors.first.empty()) reason += " (" + errors.first + ")";
    out.Report("", Problem::kUnreadable, reason);
    return;
  }
  if (doc->is_locked()) {
    out.Report("", Problem::kEncrypted, "password-protected PDF (user password)");
    return;
  }
  if (!HasEofMarker(bytes)) out.Report("", Problem::kUnreadable, "truncated PDF: no %%EOF marker");

  std::string props;
  for (const char* key : {"Title", "Author", "Subject", "Keywords"}) {
    std::string v = Utf8(doc->info_key(key));
    if (!v.empty()) props.append(key).append(": ").append(v).append("\n");
  }
  if (!props.empty()) out.Text("properties", props);

  const int pages = doc->pages();
  int missing = 0;
  for (int i = 0; i < pages && !out.Stopped(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) {
      if (++missing > 1000) {  // a page tree that lies about its size
        out.Report("", Problem::kUnreadable, "corrupt PDF page tree");
        break;
      }
      continue;
    }
    std::string text = Utf8(page->text(poppler::rectf(), poppler::page::physical_layout));
    if (text.find_first_not_of(" \t\r\n\f") == std::string::npos) continue;
    out.Text("page " + std::to_string(i + 1), text);
  }

  if (out.Stopped() || !doc->has_embedded_files()) return;
  int n = 0;
  for (poppler::embedded_file* f : doc->embedded_files()) {
    if (out.Stopped()) return;
    ++n;
    if (f == nullptr || !f->is_valid()) continue;
    std::string name = "attachment[" + std::to_string(n) + "]";
    std::string fname = f->name();
    if (!fname.empty()) name += ":" + zipxml::SafeName(fname);
    if (f->size() > 0 && static_cast<std::size_t>(f->size()) > limits.max_buffered_bytes) {
      out.Report(name, Problem::kLimit, "embedded file larger than the buffering limit");
      continue;
    }
    poppler::byte_array data = f->data();
    if (data.size() > limits.max_buffered_bytes) {
      out.Report(name, Problem::kLimit, "embedded file larger than the buffering limit");
      continue;
    }
    if (!data.empty()) out.Child(name, std::string_view(data.data(), data.size()));
  }
}

}  // namespace

void ExtractPdf(std::string_view bytes, Emitter& out, const Limits& limits) {
  try {
    Extract(bytes, out, limits);
  } catch (const std::exception& e) {
    out.Report("", Problem::kUnreadable, std::string("PDF: ") + e.what());
  } catch (...) {
    out.Report("", Problem::kUnreadable, "PDF: unexpected error");
  }
}

}  // namespace leakguard::extract
