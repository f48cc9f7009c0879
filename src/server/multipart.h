// multipart/form-data request bodies (RFC 7578), for file uploads to POST /v1/inspect.
//
// Parses a whole body held in memory: every part's headers (Content-Disposition name and filename)
// and a view of its content. Nothing is copied; views point into the body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakguard/status.h"

namespace leakguard::server {

struct FormPart {
  std::string name;                     // form field name
  std::optional<std::string> filename;  // set for file uploads
  std::string content_type;             // empty when absent
  std::string_view content;             // a view into the parsed body: valid while the body lives
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type, or nullopt when the type is
// not multipart/form-data or has no usable boundary.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// Splits `body`. Errors (kInvalidArgument) name what is wrong: missing boundary line, a part without
// headers end, more than `max_parts` parts, no closing boundary.
Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             std::size_t max_parts = 1000);

}  // namespace leakguard::server
