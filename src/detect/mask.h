// Masked forms of sensitive values: what reports, logs and incidents show instead of the value.
#pragma once

#include <string>
#include <string_view>

namespace leakguard::detect {

// Replaces letters and digits with '*' except the first `keep_first` and last `keep_last` of them;
// separators stay, so the shape is recognisable ("**** **** **** 1111"). At most half of the letters
// and digits are ever left readable, whatever keep_first/keep_last say, and none of a value with
// fewer than 4. Long values are shortened ("-----BEGIN…(1675 bytes)"); control characters become
// spaces. The result never contains the full value.
std::string MaskValue(std::string_view value, int keep_first, int keep_last);

}  // namespace leakguard::detect
