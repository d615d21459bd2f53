// UTF-8 as Unicode's table 3-7 defines it: no overlong forms, no surrogates, nothing above
// U+10FFFF. Job files, part files and job records take bytes that are not always UTF-8.
#pragma once

#include <optional>
#include <string_view>

namespace minimr {

// Whether `bytes` is well-formed UTF-8.
bool IsUtf8(std::string_view bytes);

// The first noncharacter (U+FDD0 to U+FDEF, and the last two code points of each plane, such as
// U+FFFE and U+FFFF) among the well-formed sequences of `bytes`; bytes that are not well-formed
// UTF-8 are skipped.
std::optional<char32_t> FirstNoncharacter(std::string_view bytes);

}  // namespace minimr
