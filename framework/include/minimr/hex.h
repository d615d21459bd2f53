// Bytes as lowercase hexadecimal digits, two a byte: "a\x01" -> "6101". For keys, digests and
// identifiers written as text, and for bytes quoted in messages.
#pragma once

#include <string>
#include <string_view>

namespace minimr {

std::string Hex(std::string_view bytes);

}  // namespace minimr
