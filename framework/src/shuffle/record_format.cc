#include "framework/src/shuffle/record_format.h"

namespace minimr::shuffle {
namespace {

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ParseVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    uint8_t byte = static_cast<uint8_t>((*in)[i]);
    *v |= uint64_t(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

bool Take(std::string_view* in, std::string_view* part) {
  uint64_t n;
  if (!ParseVarint(in, &n) || n > in->size()) return false;
  *part = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

}  // namespace

void AppendRecord(std::string* out, std::string_view key, std::string_view value) {
  AppendVarint(out, key.size());
  out->append(key);
  AppendVarint(out, value.size());
  out->append(value);
}

bool ParseRecord(std::string_view* in, std::string_view* key, std::string_view* value) {
  std::string_view rest = *in;
  if (!Take(&rest, key) || !Take(&rest, value)) return false;
  *in = rest;
  return true;
}

}  // namespace minimr::shuffle
