// core/url.h — application/x-www-form-urlencoded values (HTML forms, WHATWG URL standard).
//
// Threads: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakguard {

// '+' is a space, %XX a byte; a '%' not followed by two hex digits stays as it is.
std::string FormDecode(std::string_view s);
// The reverse: unreserved bytes (A-Z a-z 0-9 - _ . ~ *) as they are, space as '+', the rest %XX.
std::string FormEncode(std::string_view s);
// "a=1&b=x+y" -> {{"a","1"},{"b","x y"}}; names and values decoded.
std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body);

}  // namespace leakguard
