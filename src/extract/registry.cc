// The registry: which format extractor handles which kind of content (dispatcher.h).
//
// The mail and document extractors (mime.cc, ooxml.cc, odf.cc, pdf.cc, rtf.cc) are compiled in when
// their source files exist: CMakeLists.txt defines LEAKGUARD_EXTRACT_HAVE_<FORMAT> for this file.
// Without one, the dispatcher falls back (OOXML/ODF read as zip archives, mail/RTF/PDF as text).

#include "extract/dispatcher.h"
#include "extract/formats.h"

namespace leakguard::extract {

ExtractFn FindExtractor(Kind kind) {
  switch (kind) {
    case Kind::kText:
      return &ExtractText;
    case Kind::kHtml:
      return &ExtractHtml;
    case Kind::kXml:
      return &ExtractXml;
    case Kind::kJson:
      return &ExtractJson;
    case Kind::kCsv:
      return &ExtractCsv;
    case Kind::kArchiveStream:
    case Kind::kArchiveSeek:
      return &ExtractArchive;
    case Kind::kMime:
#ifdef LEAKGUARD_EXTRACT_HAVE_MIME
      return &ExtractMime;
#else
      return nullptr;
#endif
    case Kind::kOoxml:
#ifdef LEAKGUARD_EXTRACT_HAVE_OOXML
      return &ExtractOoxml;
#else
      return nullptr;
#endif
    case Kind::kOdf:
#ifdef LEAKGUARD_EXTRACT_HAVE_ODF
      return &ExtractOdf;
#else
      return nullptr;
#endif
    case Kind::kPdf:
#ifdef LEAKGUARD_EXTRACT_HAVE_PDF
      return &ExtractPdf;
#else
      return nullptr;
#endif
    case Kind::kRtf:
#ifdef LEAKGUARD_EXTRACT_HAVE_RTF
      return &ExtractRtf;
#else
      return nullptr;
#endif
    case Kind::kEncrypted:
      return nullptr;
  }
  return nullptr;
}

}  // namespace leakguard::extract
