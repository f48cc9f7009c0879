// Mail messages (RFC 5322 / MIME) with GMime 3. See formats.h.
//
// Parts and their names:
//   "headers"                  every top-level header but signatures, decoded (RFC 2047 encoded
//                              words, folded lines joined): "Subject: …\nFrom: …\n"
//   "body[N]"                  the N-th body (a text/* leaf that is not an attachment), in UTF-8:
//                              text/plain as text; text/html and other text types as a child for
//                              the dispatcher's HTML / CSV / XML extractors
//   "attachment[N]:name"       the N-th attachment (a named or non-text leaf), decoded from base64 /
//                              quoted-printable / uuencode, as a child; "attachment[N]" without a name
//   nested message/rfc822      an attachment child (the dispatcher recurses and applies max_depth)
// multipart/encrypted, S/MIME enveloped data and PGP-armoured bodies are reported as encrypted; opaque
// S/MIME signed or compressed data (content inside PKCS #7) as unreadable.
//
// GMime builds the whole tree (its parser is linear and caps multipart nesting); the tree is walked
// with an explicit stack, checking out.Stopped() after every part, so 10,000 parts cost 10,000 steps.
#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/utf8.h"
#include "extract/formats.h"
#include "extract/mime_walk.h"
#include "extract/zip_xml.h"

namespace leakguard::extract {

void InitGmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

namespace {

template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

bool SkippedHeader(std::string_view name) {
  auto eq = [&](std::string_view other) {
    if (name.size() != other.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (g_ascii_tolower(name[i]) != g_ascii_tolower(other[i])) return false;
    return true;
  };
  return eq("DKIM-Signature") || eq("X-Google-DKIM-Signature") || eq("ARC-Seal") ||
         eq("ARC-Message-Signature") || eq("Domainkey-Signature");
}

// UTF-8 as it is when valid, else read as Latin-1.
std::string ToUtf8(std::string_view s) {
  if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) return std::string(s);
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char c : s) AppendUtf8(out, static_cast<unsigned char>(c));  // as Latin-1
  return out;
}

// The decoded content of a leaf part (transfer encoding removed, charset untouched).
std::string DecodedContent(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (arr == nullptr || arr->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

// A leaf text part as UTF-8 (its charset parameter converted; GMime falls back sensibly without one).
std::string TextContent(GMimePart* part) {
  if (GMIME_IS_TEXT_PART(part)) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (text != nullptr) {
      std::string s = ToUtf8(text);
      g_free(text);
      return s;
    }
  }
  return ToUtf8(DecodedContent(part));
}

std::string Serialize(GMimeObject* object) {
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, nullptr, mem.get());
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (arr == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

class MimeWalker {
 public:
  MimeWalker(Emitter& out) : out_(out) {}

  void Headers(GMimeObject* message) {
    GMimeHeaderList* list = g_mime_object_get_header_list(message);
    if (list == nullptr) return;
    std::string text;
    int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
      if (h == nullptr) continue;
      const char* name = g_mime_header_get_name(h);
      const char* value = g_mime_header_get_value(h);
      if (name == nullptr || SkippedHeader(name)) continue;
      text.append(ToUtf8(name)).append(": ");
      if (value != nullptr) {
        std::string v = ToUtf8(value);
        for (char& c : v)
          if (c == '\r' || c == '\n') c = ' ';
        text.append(v);
      }
      text.push_back('\n');
    }
    if (!text.empty()) out_.Text("headers", text);
  }

  void Walk(GMimeObject* root) {
    WalkMime(root, [this](const MimeNode& node) {
      switch (node.kind) {
        case MimeNode::Kind::kEncrypted:
          out_.Report(node.name, Problem::kEncrypted,
                      GMIME_IS_MULTIPART_ENCRYPTED(node.object)
                          ? "encrypted message part (multipart/encrypted)"
                          : "S/MIME encrypted message part");
          break;
        case MimeNode::Kind::kOpaque:
          // The content sits inside the PKCS #7 structure, which needs a crypto library to open.
          out_.Report(node.name, Problem::kUnreadable,
                      g_mime_application_pkcs7_mime_get_smime_type(
                          GMIME_APPLICATION_PKCS7_MIME(node.object)) == GMIME_SECURE_MIME_TYPE_SIGNED_DATA
                          ? "opaque S/MIME signed part: its content is not extracted"
                          : "S/MIME compressed part: its content is not extracted");
          break;
        case MimeNode::Kind::kMessage: {
          GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(node.object));
          if (inner != nullptr) {
            std::string bytes = Serialize(GMIME_OBJECT(inner));
            if (!bytes.empty()) out_.Child(node.name, bytes);
          }
          break;
        }
        case MimeNode::Kind::kBody:
          Body(GMIME_PART(node.object), node.name);
          break;
        case MimeNode::Kind::kAttachment: {
          std::string bytes = DecodedContent(GMIME_PART(node.object));
          if (!bytes.empty()) out_.Child(node.name, bytes);
          break;
        }
      }
      return !out_.Stopped();
    });
  }

 private:
  void Body(GMimePart* part, const std::string& name) {
    GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    bool is_plain = ct != nullptr && g_mime_content_type_is_type(ct, "text", "plain");
    std::string text = TextContent(part);
    if (text.find("-----BEGIN PGP MESSAGE-----") != std::string::npos)
      out_.Report(name, Problem::kEncrypted, "PGP-encrypted text");
    if (text.empty()) return;
    // Plain text is a text part; HTML, CSV, XML, calendars… go to the dispatcher as UTF-8 children
    // so their own extractors see the structure (tags, columns, keys).
    if (is_plain)
      out_.Text(name, text);
    else
      out_.Child(name, text);
  }

  Emitter& out_;
};

}  // namespace

void WalkMime(GMimeObject* root, const std::function<bool(const MimeNode&)>& visit) {
  int bodies = 0;
  int attachments = 0;
  auto attachment_name = [&](const char* filename) {
    std::string name = "attachment[" + std::to_string(++attachments) + "]";
    if (filename != nullptr && *filename != '\0') {
      name += ':';  // not ":" + ...: GCC 12 warns falsely (-Wrestrict) on that concatenation
      name += zipxml::SafeName(ToUtf8(filename));
    }
    return name;
  };
  struct Item {
    GMimeObject* object;
    GMimeMultipart* parent;
    int index;
  };
  std::vector<Item> stack;
  if (root != nullptr) stack.push_back({root, nullptr, 0});
  while (!stack.empty()) {
    Item item = stack.back();
    stack.pop_back();
    GMimeObject* obj = item.object;
    MimeNode node;
    node.object = obj;
    node.parent = item.parent;
    node.index = item.index;
    if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
      node.kind = MimeNode::Kind::kEncrypted;
      node.name = "body[" + std::to_string(++bodies) + "]";
      if (!visit(node)) return;
      continue;
    }
    if (GMIME_IS_MULTIPART(obj)) {
      GMimeMultipart* mp = GMIME_MULTIPART(obj);
      int n = g_mime_multipart_get_count(mp);
      for (int i = n - 1; i >= 0; --i) {  // reversed: the first child is visited first
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        if (child != nullptr) stack.push_back({child, mp, i});
      }
      continue;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
      node.kind = MimeNode::Kind::kMessage;
      node.name = attachment_name(g_mime_object_get_content_disposition_parameter(obj, "filename"));
      if (!visit(node)) return;
      continue;
    }
    if (GMIME_IS_APPLICATION_PKCS7_MIME(obj)) {
      GMimeSecureMimeType t = g_mime_application_pkcs7_mime_get_smime_type(GMIME_APPLICATION_PKCS7_MIME(obj));
      if (t == GMIME_SECURE_MIME_TYPE_ENVELOPED_DATA || t == GMIME_SECURE_MIME_TYPE_SIGNED_DATA ||
          t == GMIME_SECURE_MIME_TYPE_COMPRESSED_DATA) {
        node.kind =
            t == GMIME_SECURE_MIME_TYPE_ENVELOPED_DATA ? MimeNode::Kind::kEncrypted : MimeNode::Kind::kOpaque;
        node.name = attachment_name(nullptr);
        if (!visit(node)) return;
        continue;
      }
    }
    if (!GMIME_IS_PART(obj)) continue;
    GMimePart* part = GMIME_PART(obj);
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    bool is_text = ct != nullptr && g_mime_content_type_is_type(ct, "text", "*");
    GMimeContentDisposition* disp = g_mime_object_get_content_disposition(obj);
    bool attachment = disp != nullptr && g_mime_content_disposition_is_attachment(disp);
    const char* filename = g_mime_part_get_filename(part);
    bool named = filename != nullptr && *filename != '\0';
    if (is_text && !attachment && !named) {
      node.kind = MimeNode::Kind::kBody;
      node.name = "body[" + std::to_string(++bodies) + "]";
    } else {
      node.kind = MimeNode::Kind::kAttachment;
      node.name = attachment_name(filename);
    }
    if (!visit(node)) return;
  }
}

void ExtractMime(std::string_view bytes, Emitter& out, const Limits& limits) {
  try {
    InitGmime();
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
      out.Report("", Problem::kUnreadable, "not a mail message: no header block");
      return;
    }
    MimeWalker walker(out);
    walker.Headers(GMIME_OBJECT(message.get()));
    if (out.Stopped()) return;
    walker.Walk(g_mime_message_get_mime_part(message.get()));
  } catch (const std::exception& e) {
    out.Report("", Problem::kUnreadable, std::string("mail message: ") + e.what());
  } catch (...) {
    out.Report("", Problem::kUnreadable, "mail message: unexpected error");
  }
}

}  // namespace leakguard::extract
