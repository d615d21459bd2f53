#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <system_error>

#include "framework/src/util/base64.h"
#include "minimr/output.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;

// The part-r-NNNNN files of `dir`, sorted by name.
std::vector<std::string> ListPartFiles(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read job output directory " + dir + ": " + ec.message());
  std::vector<std::string> parts;
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    constexpr std::string_view kPrefix = "part-r-";
    if (name.size() > kPrefix.size() && name.compare(0, kPrefix.size(), kPrefix) == 0 &&
        name.find_first_not_of("0123456789", kPrefix.size()) == std::string::npos) {
      parts.push_back(entry.path().string());
    }
  }
  if (parts.empty()) {
    throw std::runtime_error("no part-r-* files in " + dir +
                             ": is it the output directory of a finished job?");
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

// What job.json records of the output: its format (text if there is no job.json, or it
// predates the key) and each part file's size as committed (none if it predates that key).
struct OutputRecord {
  OutputFormat format = OutputFormat::kText;
  std::optional<std::map<std::string, uint64_t>> part_bytes;
};

// With `with_format` false, output.format is not looked at (the reader was told the format).
OutputRecord ReadOutputRecord(const std::string& dir, bool with_format = true) {
  const std::string path = dir + "/job.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec) return {};
    throw std::runtime_error(path + ": cannot read");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": malformed: " + e.what());
  }
  OutputRecord record;
  if (!json.is_object() || !json.contains("output") || !json["output"].is_object()) return record;
  const nlohmann::json& output = json["output"];
  if (with_format && output.contains("format")) {
    const nlohmann::json& name = output["format"];
    std::optional<OutputFormat> format;
    if (name.is_string()) format = ParseOutputFormat(name.get<std::string>());
    if (!format) {
      throw std::runtime_error(
          path + ": output.format: expected \"text\", \"jsonl\" or \"raw\", got " + name.dump());
    }
    record.format = *format;
  }
  if (output.contains("part_bytes")) {
    try {
      record.part_bytes = output["part_bytes"].get<std::map<std::string, uint64_t>>();
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": malformed output.part_bytes: " + e.what());
    }
  }
  return record;
}

// The part files of `dir` against those its job committed: each there, none more, each of the
// size it had. Throws std::runtime_error naming the first that is not.
void CheckPartFiles(const std::string& dir, const std::vector<std::string>& part_files,
                    const OutputRecord& record) {
  if (!record.part_bytes) return;
  const std::map<std::string, uint64_t>& committed = *record.part_bytes;
  const std::string count = std::to_string(committed.size());
  std::set<std::string> present;
  for (const std::string& path : part_files) {
    const std::string name = fs::path(path).filename().string();
    present.insert(name);
    auto it = committed.find(name);
    if (it == committed.end()) {
      throw std::runtime_error(path + ": not one of the " + count +
                               " part files its job committed (job.json)");
    }
    std::error_code ec;
    const uintmax_t bytes = fs::file_size(path, ec);
    if (ec) throw std::runtime_error(path + ": " + ec.message());
    if (bytes != it->second) {
      throw std::runtime_error(path + ": " + std::to_string(bytes) + " bytes, where its job " +
                               "committed " + std::to_string(it->second) +
                               " (job.json): was it cut short or changed since?");
    }
  }
  for (const auto& [name, bytes] : committed) {
    if (!present.count(name)) {
      throw std::runtime_error(dir + "/" + name + ": missing; its job committed " + count +
                               " part files (job.json)");
    }
  }
}

// A line quoted in an error message: at most 40 characters, unprintable ones as '?'.
std::string Excerpt(std::string_view line) {
  std::string s;
  for (char c : line.substr(0, 40)) s += (c >= 32 && c < 127) ? c : '?';
  return "\"" + s + (line.size() > 40 ? "...\"" : "\"");
}

}  // namespace

const char* OutputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJsonLines:
      return "jsonl";
    case OutputFormat::kRaw:
      return "raw";
    case OutputFormat::kText:
      break;
  }
  return "text";
}

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "text") return OutputFormat::kText;
  if (name == "jsonl") return OutputFormat::kJsonLines;
  if (name == "raw") return OutputFormat::kRaw;
  return std::nullopt;
}

Counters ReadJobCounters(const std::string& dir) {
  const std::string path = dir + "/job.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path + ": cannot read (is " + dir + " a finished job's output?)");
  }
  Counters counters;
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    for (const auto& [name, value] : json.at("counters").items()) {
      counters.Add(name, value.get<int64_t>());
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": malformed counters: " + e.what());
  }
  return counters;
}

struct OutputReader::Impl {
  OutputFormat format = OutputFormat::kText;
  std::vector<std::string> part_files;
  size_t next_file = 0;  // part_files[next_file - 1] is open
  std::ifstream in;
  // Bytes read from the open file: [begin, end) not yet taken as lines. Made at the first read
  // and not zeroed: a reader that only lists part files, or reads a small one, touches (and
  // faults in) none or a page of it.
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  size_t begin = 0, end = 0;
  bool at_eof = false;
  std::string_view line;  // in `buffer`
  std::string key_bytes, value_bytes;  // keys and values with escapes undone
  std::string_view key, value;
  uint64_t line_number = 0;
  std::string no_file;

  [[noreturn]] void Fail(const std::string& problem) const {
    const std::string expected =
        format == OutputFormat::kText
            ? "key<TAB>value, with \\t \\n \\r \\\\ inside them"
            : "{\"key\": ..., \"value\": ...}, each a string or {\"base64\": ...}";
    throw std::runtime_error(part_files[next_file - 1] + ":" + std::to_string(line_number) + ": " +
                             problem + " in line " + Excerpt(line) + "; expected " + expected);
  }

  // Text: `escaped` (`what` is "key" or "value") with its escapes undone: `escaped` itself when
  // it has none, else *out.
  std::string_view Unescape(std::string_view escaped, const char* what, std::string* out) const {
    if (escaped.find('\\') == std::string_view::npos) return escaped;
    out->clear();
    for (size_t i = 0; i < escaped.size(); ++i) {
      const char c = escaped[i];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (++i == escaped.size()) Fail(std::string("a lone backslash at the end of the ") + what);
      switch (escaped[i]) {
        case 't':
          out->push_back('\t');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case '\\':
          out->push_back('\\');
          break;
        default: {
          const char shown = escaped[i] >= 32 && escaped[i] < 127 ? escaped[i] : '?';
          Fail(std::string("unknown escape '\\") + shown + "' in the " + what);
        }
      }
    }
    return *out;
  }

  void ParseText() {
    // One pass over the line (most are short: several searches cost more than the bytes).
    size_t tab = std::string_view::npos;
    bool escapes = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\t') {
        if (tab != std::string_view::npos) {
          Fail("a second tab (a tab inside a key or value is written \\t)");
        }
        tab = i;
      } else if (line[i] == '\\') {
        escapes = true;
      }
    }
    if (tab == std::string_view::npos) Fail("no tab");
    key = line.substr(0, tab);
    value = line.substr(tab + 1);
    if (escapes) {
      key = Unescape(key, "key", &key_bytes);
      value = Unescape(value, "value", &value_bytes);
    }
  }

  // JSON: the member `name` of `object`, a string or {"base64": "..."}, into *out.
  void Member(const nlohmann::json& object, const char* name, std::string* out) const {
    auto it = object.find(name);
    if (it == object.end()) Fail(std::string("no \"") + name + "\"");
    if (it->is_string()) {
      *out = it->get<std::string>();
      return;
    }
    if (it->is_object() && it->size() == 1 && it->contains("base64") &&
        (*it)["base64"].is_string()) {
      if (std::optional<std::string> bytes = DecodeBase64((*it)["base64"].get<std::string>())) {
        *out = std::move(*bytes);
        return;
      }
      Fail(std::string("\"") + name + "\" is not valid base64");
    }
    Fail(std::string("\"") + name + "\" is neither a string nor {\"base64\": \"...\"}");
  }

  void ParseJson() {
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception& e) {
      Fail(std::string("malformed JSON (") + e.what() + ")");
    }
    if (!json.is_object()) Fail("not a JSON object");
    if (json.size() != 2) Fail("members other than \"key\" and \"value\"");
    Member(json, "key", &key_bytes);
    Member(json, "value", &value_bytes);
    key = key_bytes;
    value = value_bytes;
  }

  // Reads the next line of the part files into `line`; false after the last.
  bool NextLine() {
    for (;;) {
      if (next_file > 0 && in.is_open()) {
        const void* newline =
            end > begin ? std::memchr(buffer.get() + begin, '\n', end - begin) : nullptr;
        if (newline) {
          const size_t at = static_cast<size_t>(static_cast<const char*>(newline) - buffer.get());
          line = std::string_view(buffer.get() + begin, at - begin);
          begin = at + 1;
          ++line_number;
          return true;
        }
        if (!at_eof) {
          Refill();
          continue;
        }
        if (begin < end) {
          line = std::string_view(buffer.get() + begin, end - begin);
          ++line_number;
          Fail("no newline at the end of the file (was it cut short?)");
        }
        in.close();
      }
      if (next_file == part_files.size()) return false;
      const std::string& path = part_files[next_file++];
      line_number = 0;
      begin = end = 0;
      at_eof = false;
      in.open(path, std::ios::binary);
      if (!in) throw std::runtime_error("cannot open " + path);
    }
  }

  // Moves the bytes not yet taken to the front of the buffer (growing it for a line longer than
  // it) and reads more after them.
  void Refill() {
    if (capacity == 0) {
      capacity = size_t{1} << 20;
      buffer = std::make_unique_for_overwrite<char[]>(capacity);
    }
    std::memmove(buffer.get(), buffer.get() + begin, end - begin);
    end -= begin;
    begin = 0;
    if (end == capacity) {
      auto grown = std::make_unique_for_overwrite<char[]>(2 * capacity);
      std::memcpy(grown.get(), buffer.get(), end);
      buffer = std::move(grown);
      capacity *= 2;
    }
    in.read(buffer.get() + end, static_cast<std::streamsize>(capacity - end));
    const auto got = static_cast<size_t>(in.gcount());
    if (in.bad()) throw std::runtime_error("error reading " + part_files[next_file - 1]);
    end += got;
    if (got == 0 || in.eof()) at_eof = true;
  }
};

OutputReader::OutputReader(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  impl_->part_files = ListPartFiles(dir);
  const OutputRecord record = ReadOutputRecord(dir);
  CheckPartFiles(dir, impl_->part_files, record);
  impl_->format = record.format;
  if (impl_->format == OutputFormat::kRaw) {
    throw std::runtime_error(dir + " holds raw output (output.format: raw), which has no record "
                             "boundaries to read lines by; read its part files with "
                             "FixedRecordInputFormat");
  }
}

OutputReader::OutputReader(const std::string& dir, OutputFormat format)
    : impl_(std::make_unique<Impl>()) {
  impl_->part_files = ListPartFiles(dir);
  // Whatever job.json says of the format: only its part sizes count here.
  CheckPartFiles(dir, impl_->part_files, ReadOutputRecord(dir, /*with_format=*/false));
  impl_->format = format;
}

OutputReader::OutputReader(const std::string& dir, size_t part) : OutputReader(dir) {
  if (part >= impl_->part_files.size()) {
    throw std::out_of_range("OutputReader: " + dir + " has " +
                            std::to_string(impl_->part_files.size()) + " part files, no part " +
                            std::to_string(part));
  }
  impl_->part_files = {impl_->part_files[part]};
}

OutputReader::~OutputReader() = default;

bool OutputReader::Next(std::string_view* key, std::string_view* value) {
  if (!impl_->NextLine()) return false;
  if (impl_->format == OutputFormat::kText) {
    impl_->ParseText();
  } else {
    impl_->ParseJson();
  }
  *key = impl_->key;
  *value = impl_->value;
  return true;
}

OutputFormat OutputReader::format() const { return impl_->format; }
const std::vector<std::string>& OutputReader::part_files() const { return impl_->part_files; }
const std::string& OutputReader::file() const {
  return impl_->next_file == 0 ? impl_->no_file : impl_->part_files[impl_->next_file - 1];
}
uint64_t OutputReader::line() const { return impl_->line_number; }

std::vector<std::pair<std::string, std::string>> ReadOutput(const std::string& dir) {
  OutputReader reader(dir);
  std::vector<std::pair<std::string, std::string>> records;
  std::string_view key, value;
  while (reader.Next(&key, &value)) records.emplace_back(key, value);
  return records;
}

}  // namespace minimr
