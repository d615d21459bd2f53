#include "framework/src/util/utf8.h"

#include <cstddef>

namespace minimr {
namespace {

// The length of the well-formed sequence at the start of `bytes` and its code point, or a
// length of 0 if the bytes there are not one.
struct Sequence {
  size_t length = 0;
  char32_t code_point = 0;
};

Sequence NextSequence(std::string_view bytes) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(bytes[at]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {1, lead};
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  char32_t code_point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0f;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return {};
  }
  if (bytes.size() < length) return {};
  for (size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(k);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) return {};
    code_point = code_point << 6 | (next & 0x3f);
  }
  return {length, code_point};
}

}  // namespace

bool IsUtf8(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t length = NextSequence(bytes).length;
    if (length == 0) return false;
    bytes.remove_prefix(length);
  }
  return true;
}

std::optional<char32_t> FirstNoncharacter(std::string_view bytes) {
  while (!bytes.empty()) {
    const Sequence sequence = NextSequence(bytes);
    const char32_t c = sequence.code_point;
    if (sequence.length > 1 && ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)) return c;
    bytes.remove_prefix(sequence.length == 0 ? 1 : sequence.length);
  }
  return std::nullopt;
}

}  // namespace minimr
