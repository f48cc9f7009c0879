// Format extractors, one function per format (DESIGN.md: extract). The dispatcher (extract.cc) sniffs
// a content type with libmagic and calls the matching function through its registry (registry.cc).
//
// Every extractor has the same shape: it reads one container's whole bytes, reports what it finds to
// `out` (emitter.h: text parts, children, problems), returns as soon as out.Stopped() is true, and
// never throws, crashes or hangs on hostile input. `limits` is read only: the dispatcher already
// enforces depth, parts, bytes and time on everything reported; extractors use it for their own
// internal bounds (e.g. limits.max_buffered_bytes before decompressing one member into memory).
#pragma once

#include <string_view>

#include "extract/emitter.h"
#include "extract/limits.h"

namespace leakguard::extract {

// --- mail and documents (mime.cc, ooxml.cc, odf.cc, pdf.cc, rtf.cc) ---------------------------------
// message/rfc822 (.eml): headers, bodies, attachments, nested messages.
void ExtractMime(std::string_view bytes, Emitter& out, const Limits& limits);
// docx / xlsx / pptx (a zip with [Content_Types].xml).
void ExtractOoxml(std::string_view bytes, Emitter& out, const Limits& limits);
// odt / ods / odp (a zip with mimetype application/vnd.oasis.opendocument.*).
void ExtractOdf(std::string_view bytes, Emitter& out, const Limits& limits);
// PDF text, one part per page ("page 3").
void ExtractPdf(std::string_view bytes, Emitter& out, const Limits& limits);
// RTF text.
void ExtractRtf(std::string_view bytes, Emitter& out, const Limits& limits);

// --- text, markup, data and archives (text.cc, markup.cc, structured.cc, archive.cc) ----------------
// Plain text in UTF-8, UTF-16 (BOM or detected) or Latin-1, converted to UTF-8; one part.
void ExtractText(std::string_view bytes, Emitter& out, const Limits& limits);
// HTML: text and attribute values, entities decoded.
void ExtractHtml(std::string_view bytes, Emitter& out, const Limits& limits);
// XML: text and attribute values, element/attribute names as context.
void ExtractXml(std::string_view bytes, Emitter& out, const Limits& limits);
// JSON: string and number values, their key as context.
void ExtractJson(std::string_view bytes, Emitter& out, const Limits& limits);
// CSV / TSV: one part per cell ("C12"), its column header as context.
void ExtractCsv(std::string_view bytes, Emitter& out, const Limits& limits);
// zip, tar, 7z, gzip, bzip2, xz (any libarchive reads) from memory: members become children.
void ExtractArchive(std::string_view bytes, Emitter& out, const Limits& limits);

}  // namespace leakguard::extract
