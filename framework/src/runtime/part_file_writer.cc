#include "framework/src/runtime/part_file_writer.h"

#include <algorithm>
#include <array>

#include "framework/src/util/base64.h"
#include "framework/src/util/utf8.h"

namespace minimr::runtime {
namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr char kHex[] = "0123456789abcdef";

// The bytes text output escapes.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> escaped{};
  for (unsigned char c : {'\t', '\n', '\r', '\\'}) escaped[c] = true;
  return escaped;
}();

// Text: a tab, newline, carriage return or backslash as a backslash and t, n, r or itself.
void AppendTextEscaped(std::string_view bytes, std::string* out) {
  if (std::none_of(bytes.begin(), bytes.end(),
                   [](char c) { return kEscaped[static_cast<unsigned char>(c)]; })) {
    out->append(bytes);  // nearly always
    return;
  }
  size_t plain = 0;  // bytes[plain, i) are still to be copied
  for (size_t i = 0; i < bytes.size(); ++i) {
    char escape;
    switch (bytes[i]) {
      case '\t':
        escape = 't';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      case '\\':
        escape = '\\';
        break;
      default:
        continue;
    }
    out->append(bytes.data() + plain, i - plain);
    out->push_back('\\');
    out->push_back(escape);
    plain = i + 1;
  }
  out->append(bytes.data() + plain, bytes.size() - plain);
}

// JSON: a string if the bytes are UTF-8 (quote, backslash and control characters escaped as
// RFC 8259 requires), else {"base64": "..."}.
void AppendJsonValue(std::string_view bytes, std::string* out) {
  if (!IsUtf8(bytes)) {
    out->append("{\"base64\": \"");
    AppendBase64(bytes, out);
    out->append("\"}");
    return;
  }
  out->push_back('"');
  size_t plain = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(bytes.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(bytes.data() + plain, bytes.size() - plain);
  out->push_back('"');
}

}  // namespace

void AppendOutputLine(OutputFormat format, std::string_view key, std::string_view value,
                      std::string* out) {
  if (format == OutputFormat::kRaw) {
    out->append(key);
    out->append(value);
    return;
  }
  if (format == OutputFormat::kText) {
    AppendTextEscaped(key, out);
    out->push_back('\t');
    AppendTextEscaped(value, out);
  } else {
    out->append("{\"key\": ");
    AppendJsonValue(key, out);
    out->append(", \"value\": ");
    AppendJsonValue(value, out);
    out->push_back('}');
  }
  out->push_back('\n');
}

void PartFileWriter::Emit(std::string_view key, std::string_view value) {
  AppendOutputLine(format_, key, value, &buf_);
  ++records_;
  if (buf_.size() >= kFlushBytes) Flush();
}

void PartFileWriter::Flush() {
  file_.Write(buf_);
  buf_.clear();
}

}  // namespace minimr::runtime
