// extract/mime_walk.h — the parts of a mail message in the order and under the names ExtractMime
// gives them ("body[N]", "attachment[N]:name"; formats.h, mime.cc), for code that changes a message
// after inspecting it: the milter's redaction finds the MIME part a finding's path names.
//
// Threads: a GMime tree belongs to one thread; WalkMime only reads it.
#pragma once

#include <gmime/gmime.h>

#include <functional>
#include <string>

namespace leakguard::extract {

// GMime objects owned by a unique_ptr.
struct GObjectUnref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};

// Once per process, before any other GMime call.
void InitGmime();

struct MimeNode {
  enum class Kind {
    kBody,        // a text leaf that is not an attachment: "body[N]"
    kAttachment,  // any other leaf (named, or not text): "attachment[N]" / "attachment[N]:name"
    kMessage,     // an attached message/rfc822: "attachment[N]" / "attachment[N]:name"
    kEncrypted,   // multipart/encrypted ("body[N]") or S/MIME enveloped data ("attachment[N]")
    kOpaque,      // S/MIME signed or compressed data: "attachment[N]"
  };
  GMimeObject* object = nullptr;
  GMimeMultipart* parent = nullptr;  // null for the message's top-level part
  int index = 0;                     // position in `parent`
  Kind kind = Kind::kBody;
  std::string name;
};

// Visits the non-multipart parts under `root` (a message's top-level part) depth first in document
// order; stops when `visit` returns false. Multiparts themselves are not visited.
void WalkMime(GMimeObject* root, const std::function<bool(const MimeNode&)>& visit);

}  // namespace leakguard::extract
