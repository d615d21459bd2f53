// Base64 (RFC 4648, the standard alphabet, with '=' padding): how the jsonl output format writes
// keys and values that are not UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace minimr {

// Appends the base64 encoding of `bytes` to *out.
void AppendBase64(std::string_view bytes, std::string* out);

// The bytes `text` encodes, or nullopt if it is not padded base64 of the standard alphabet.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace minimr
