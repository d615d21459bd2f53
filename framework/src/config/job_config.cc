#include "framework/src/config/job_config.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "framework/src/config/byte_size.h"
#include "framework/src/config/duration.h"
#include "framework/src/config/yaml_scan.h"
#include "framework/src/util/closest_name.h"
#include "framework/src/util/utf8.h"
#include "minimr/number_parse.h"
#include "minimr/output.h"

namespace minimr::config {

namespace {

constexpr int kMaxCount = 10000;      // bound on reduce.tasks and cluster.workers
constexpr int kMaxDepth = 64;         // deeper nesting is a mistake (or an alias cycle)
constexpr size_t kMaxNodes = 100000;  // guards against aliases that expand exponentially
constexpr size_t kMaxFileBytes = 16 << 20;
// Guards against an alias of a long value repeated (within kMaxNodes): without aliases, a file's
// keys and values never take more bytes than the file.
constexpr size_t kMaxValueBytes = kMaxFileBytes;
// What all the aliases of a job file or an override may add: a job file has use for a few
// repeated values, not for an expansion (checked as the file is parsed, before it is expanded).
constexpr uint64_t kMaxAliasNodes = 10000;
constexpr uint64_t kMaxAliasBytes = 1 << 20;

constexpr std::string_view kTopKeys[] = {"job",    "plugin",  "params",  "input", "map",
                                         "reduce", "shuffle", "output", "cluster", "tasks"};
constexpr std::string_view kInputKeys[] = {"paths", "split_size", "generate"};
constexpr std::string_view kMapKeys[] = {"sort_buffer"};
constexpr std::string_view kReduceKeys[] = {"tasks", "shuffle_buffer"};
constexpr std::string_view kShuffleKeys[] = {"merge_factor", "parallel_copies"};
constexpr std::string_view kOutputKeys[] = {"dir", "format", "overwrite", "plots"};
constexpr std::string_view kClusterKeys[] = {"launcher", "workers", "heartbeat_interval",
                                             "worker_timeout", "fetch_timeout"};
constexpr std::string_view kTasksKeys[] = {"max_attempts", "max_failures_per_worker",
                                           "speculation"};

// A YAML node copied out of yaml-cpp together with where it was written, so that errors about
// values (not only syntax errors) name the file and line, or the override that set them.
struct Entry;
struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;          // kScalar
  std::vector<Node> items;     // kSequence
  std::vector<Entry> entries;  // kMap, in written order
  std::string where;           // "<file>:<line>:<col>" or "-D <override>"
};
struct Entry {
  std::string key;
  std::string key_where;
  Node value;
};

[[noreturn]] void Fail(const std::string& where, const std::string& key,
                       const std::string& problem) {
  std::string message = where + ": ";
  if (!key.empty()) message += key + ": ";
  throw ConfigError(message + problem);
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::string Describe(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull:
      return "nothing";
    case Node::Kind::kScalar:
      return "'" + node.scalar + "'";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kMap:
      return "a mapping";
  }
  return "?";
}

// Copies yaml-cpp trees into Nodes. Positions come from yaml-cpp's 0-based marks, or are the
// override's text for every node of an override's value.
class Converter {
 public:
  // `override_where` empty: nodes are placed in `source` by their marks.
  Converter(std::string source, std::string override_where)
      : source_(std::move(source)), override_where_(std::move(override_where)) {}

  std::string Where(const YAML::Mark& mark) const {
    if (!override_where_.empty()) return override_where_;
    if (mark.line < 0) return source_;
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  // `key` names the node in messages. yaml-cpp marks an empty value at the token after it, often
  // on the next line; a null value not on its key's line takes the key's position `key_mark`.
  Node Convert(const YAML::Node& yaml, const std::string& key, int depth,
               const YAML::Mark* key_mark) {
    Node node;
    node.where = Where(yaml.Mark());
    if (++nodes_ > kMaxNodes) {
      Fail(node.where, key,
           "more than " + std::to_string(kMaxNodes) + " nodes; is an alias expanding itself?");
    }
    if (depth > kMaxDepth) {
      Fail(node.where, key, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }
    switch (yaml.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        node.kind = Node::Kind::kNull;
        if (key_mark != nullptr && key_mark->line != yaml.Mark().line) {
          node.where = Where(*key_mark);
        }
        break;
      case YAML::NodeType::Scalar:
        node.kind = Node::Kind::kScalar;
        CheckText(yaml.Scalar(), node.where, key);
        node.scalar = yaml.Scalar();
        break;
      case YAML::NodeType::Sequence: {
        node.kind = Node::Kind::kSequence;
        size_t index = 0;
        for (const YAML::Node& item : yaml) {
          node.items.push_back(
              Convert(item, key + "[" + std::to_string(index++) + "]", depth + 1, nullptr));
        }
        break;
      }
      case YAML::NodeType::Map: {
        node.kind = Node::Kind::kMap;
        std::set<std::string> names;
        for (auto it = yaml.begin(); it != yaml.end(); ++it) {
          const YAML::Mark name_mark = it->first.Mark();
          const std::string key_where = Where(name_mark);
          if (!it->first.IsScalar()) {
            Fail(key_where, key,
                 std::string("expected a name as key, got ") + (it->first.IsMap() ? "a mapping"
                                                                : it->first.IsSequence()
                                                                    ? "a list"
                                                                    : "nothing"));
          }
          const std::string& name = it->first.Scalar();
          CheckText(name, key_where, key);
          if (!names.insert(name).second) {
            for (const Entry& seen : node.entries) {
              if (seen.key == name) {
                Fail(key_where, Join(key, name), "duplicate key (first at " + seen.key_where + ")");
              }
            }
          }
          node.entries.push_back(
              {name, key_where, Convert(it->second, Join(key, name), depth + 1, &name_mark)});
        }
        break;
      }
    }
    return node;
  }

 private:
  void CheckText(const std::string& text, const std::string& where, const std::string& key) {
    // yaml-cpp writes a noncharacter as U+FFFD in a quoted string, so the job's record (the
    // effective YAML) would not read back as the job.
    if (const std::optional<char32_t> c = FirstNoncharacter(text)) {
      char name[16];
      std::snprintf(name, sizeof(name), "U+%04X", static_cast<unsigned>(*c));
      Fail(where, key,
           std::string("holds the Unicode noncharacter ") + name +
               ", which the job's record (its effective YAML) cannot keep");
    }
    bytes_ += text.size();
    if (bytes_ > kMaxValueBytes) {
      Fail(where, key,
           "more than " + FormatBytes(kMaxValueBytes) +
               " of keys and values; is an alias repeating a long value?");
    }
  }

  std::string source_;
  std::string override_where_;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
};

std::string ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConfigError(path + ": cannot open the job file: " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      throw ConfigError(path + ": cannot read the job file: " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      close(fd);
      throw ConfigError(path + ": larger than " + FormatBytes(kMaxFileBytes) +
                        "; is this a job file?");
    }
  }
  close(fd);
  return text;
}

// Refuses a document whose aliases repeat more than a job file has any use for, at the alias
// that passes the bound, before anything is expanded. `key` names the document's top node.
void CheckAliases(const YamlScan& scan, const Converter& converter, const std::string& key) {
  if (!scan.excess()) return;
  const YamlScan::Excess& excess = *scan.excess();
  const std::string& path = excess.key;
  Fail(converter.Where(excess.mark),
       path.empty() || path[0] == '[' || key.empty() ? key + path : key + "." + path,
       excess.of_bytes ? "aliases repeat more than " + FormatBytes(kMaxAliasBytes) +
                             " of keys and values in all; is an alias repeating a long value?"
                       : "aliases repeat more than " + std::to_string(kMaxAliasNodes) +
                             " nodes in all; is an alias expanding itself?");
}

// Parses `text`, named `path` in errors, into a mapping; an empty text is an empty mapping.
Node ParseText(const std::string& text, const std::string& path) {
  Converter converter(path, "");
  YAML::Node document;
  try {
    // The documents are counted first, not read with YAML::LoadAll: yaml-cpp 0.7 makes a null
    // document of a stray ',' without moving past it, for ever, and LoadAll keeps them all until
    // memory runs out (jbeder/yaml-cpp#1040). A document that starts where the one before it
    // did is that case.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    YamlScan scan({kMaxAliasNodes, kMaxAliasBytes});
    while (parser.HandleNextDocument(scan)) {
      const std::vector<YAML::Mark>& starts = scan.starts();
      if (starts.size() >= 2 && starts.back().pos == starts[starts.size() - 2].pos) {
        const size_t at = static_cast<size_t>(starts.back().pos);
        Fail(converter.Where(starts.back()), "",
             at < text.size() ? "malformed YAML: unexpected '" + std::string(1, text[at]) + "'"
                              : "malformed YAML");
      }
      CheckAliases(scan, converter, "");
    }
    if (scan.starts().size() > 1) {
      Fail(converter.Where(scan.tops().size() > 1 ? scan.tops()[1] : scan.starts()[1]), "",
           "expected one YAML document, found " + std::to_string(scan.starts().size()) +
               " (remove the '---' separators)");
    }
    document = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Fail(converter.Where(e.mark), "", "malformed YAML: " + e.msg);
  }
  Node root = converter.Convert(document, "", 0, nullptr);
  if (root.kind == Node::Kind::kNull) {
    root.kind = Node::Kind::kMap;
    root.where = path + ":1:1";
  }
  if (root.kind != Node::Kind::kMap) {
    Fail(root.where, "",
         "expected a mapping of keys (job, input, output, ...) at the top level, got " +
             Describe(root));
  }
  return root;
}

Node ParseFile(const std::string& path) { return ParseText(ReadFile(path), path); }

Entry* FindEntry(Node& map, const std::string& name) {
  for (Entry& entry : map.entries) {
    if (entry.key == name) return &entry;
  }
  return nullptr;
}

const Node* Find(const Node& map, std::string_view name) {
  for (const Entry& entry : map.entries) {
    if (entry.key == name) return &entry.value;
  }
  return nullptr;
}

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Applies one "key.path=value" override to `root`, creating mappings on the way; an existing
// node that is not a mapping is replaced when the path goes through it.
void ApplyOverride(Node& root, const std::string& text) {
  const std::string where = "-D " + text;
  const size_t equals = text.find('=');
  if (equals == std::string::npos) Fail(where, "", "expected key.path=value");
  const std::string key(Trim(std::string_view(text).substr(0, equals)));
  std::vector<std::string> parts;
  for (size_t begin = 0;;) {
    const size_t dot = key.find('.', begin);
    parts.push_back(key.substr(begin, dot == std::string::npos ? dot : dot - begin));
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  for (const std::string& part : parts) {
    if (part.empty()) Fail(where, "", "expected key.path=value with a name between the dots");
  }

  // A UTF-8 byte-order mark in front makes yaml-cpp read the value's bytes as they are: it would
  // read a value that starts with the bytes FE FF (say "þÿ" in Latin-1) as UTF-16.
  const std::string utf8_text = "\xEF\xBB\xBF" + text.substr(equals + 1);
  Converter converter("", where);
  YAML::Node yaml;
  try {
    std::istringstream stream(utf8_text);
    YAML::Parser parser(stream);
    YamlScan scan({kMaxAliasNodes, kMaxAliasBytes});
    parser.HandleNextDocument(scan);
    CheckAliases(scan, converter, key);
    yaml = YAML::Load(utf8_text);
  } catch (const YAML::Exception& e) {
    Fail(where, key, "malformed YAML value: " + e.msg);
  }
  Node value = converter.Convert(yaml, key, static_cast<int>(parts.size()), nullptr);

  Node* map = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Entry* entry = FindEntry(*map, parts[i]);
    if (entry == nullptr) {
      map->entries.push_back({parts[i], where, Node{}});
      entry = &map->entries.back();
    }
    if (entry->value.kind != Node::Kind::kMap) {
      entry->value = Node{};
      entry->value.kind = Node::Kind::kMap;
      entry->value.where = where;
    }
    map = &entry->value;
  }
  if (Entry* entry = FindEntry(*map, parts.back())) {
    entry->value = std::move(value);
  } else {
    map->entries.push_back({parts.back(), where, std::move(value)});
  }
}

// --- Checking values -----------------------------------------------------------------------

void CheckKeys(const Node& map, const std::string& path, std::span<const std::string_view> known) {
  for (const Entry& entry : map.entries) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) continue;
    std::string list;
    for (std::string_view name : known) {
      if (!list.empty()) list += ", ";
      list += name;
    }
    Fail(entry.key_where, Join(path, entry.key),
         "unknown key '" + entry.key + "'" + DidYouMean(entry.key, known) + " (known: " + list +
             ")");
  }
}

// Returns the mapping at `node`, or nullptr when it is absent or empty (a null value).
const Node* OptionalMap(const Node* node, const std::string& key, std::string_view what) {
  if (node == nullptr || node->kind == Node::Kind::kNull) return nullptr;
  if (node->kind != Node::Kind::kMap) {
    Fail(node->where, key, "expected " + std::string(what) + ", got " + Describe(*node));
  }
  return node;
}

const std::string& Scalar(const Node& node, const std::string& key, std::string_view expected) {
  if (node.kind != Node::Kind::kScalar) {
    Fail(node.where, key, "expected " + std::string(expected) + ", got " + Describe(node));
  }
  return node.scalar;
}

const std::string& NonEmptyScalar(const Node& node, const std::string& key,
                                  std::string_view expected) {
  const std::string& text = Scalar(node, key, expected);
  if (text.empty()) Fail(node.where, key, "expected " + std::string(expected) + ", got ''");
  return text;
}

int Integer(const Node& node, const std::string& key, int low, int high) {
  const std::string expected = DescribeIntegerRange(low, high);
  const std::string& text = Scalar(node, key, expected);
  const std::optional<int64_t> value = ParseInteger(text, low, high);
  if (!value) Fail(node.where, key, "expected " + expected + ", got '" + text + "'");
  return static_cast<int>(*value);
}

std::chrono::milliseconds Duration(const Node& node, const std::string& key) {
  constexpr std::string_view kExpected = "a duration such as 500ms, 10s or 2m";
  const std::string& text = Scalar(node, key, kExpected);
  const auto value = ParseDuration(text);
  if (!value || value->count() == 0) {
    Fail(node.where, key, "expected " + std::string(kExpected) + ", got '" + text + "'");
  }
  return *value;
}

// A buffer's size: `shuffle::kMinBuffer` to `shuffle::kMaxBuffer` bytes.
uint64_t BufferSize(const Node& node, const std::string& key) {
  constexpr std::string_view kExpected = "a size such as 64MiB, 512KiB or 1GiB";
  const std::string& text = Scalar(node, key, kExpected);
  const std::optional<uint64_t> bytes = ParseByteSize(text);
  if (!bytes) Fail(node.where, key, "expected " + std::string(kExpected) + ", got '" + text + "'");
  if (*bytes < shuffle::kMinBuffer || *bytes > shuffle::kMaxBuffer) {
    Fail(node.where, key,
         "must be from 64KiB to 64GiB, got '" + text + "' (" + FormatBytes(*bytes) + ")");
  }
  return *bytes;
}

// A byte count as a job file may say it and ParseByteSize reads back: "64MiB", "100000".
std::string ExactByteSize(uint64_t bytes) {
  constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {uint64_t(1) << 30, "GiB"}, {uint64_t(1) << 20, "MiB"}, {uint64_t(1) << 10, "KiB"}};
  for (const auto& [unit, name] : kUnits) {
    if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes / unit) + name;
  }
  return std::to_string(bytes);
}

bool Boolean(const Node& node, const std::string& key) {
  const std::string& text = Scalar(node, key, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  Fail(node.where, key, "expected true or false, got '" + text + "'");
}

// The plots' format: `output.plots` of the `output` mapping, png when it is not there.
report::PlotFormat Plots(const Node& output) {
  const Node* plots = Find(output, "plots");
  if (plots == nullptr) return report::PlotFormat::kPng;
  constexpr std::string_view kExpected = "'png' or 'svg'";
  const std::string& text = Scalar(*plots, "output.plots", kExpected);
  const std::optional<report::PlotFormat> format = report::ParsePlotFormat(text);
  if (!format) {
    Fail(plots->where, "output.plots",
         "expected " + std::string(kExpected) + ", got '" + text + "'");
  }
  return *format;
}

// Reads a mapping of names to scalars (`params`, `input.generate`): the job's, so any name goes.
// If `where` is given, it gets where each value was set.
std::map<std::string, std::string> ScalarMap(const Node* node, const std::string& key,
                                             std::map<std::string, std::string>* where = nullptr) {
  std::map<std::string, std::string> values;
  const Node* map = OptionalMap(node, key, "a mapping of names to values");
  if (map == nullptr) return values;
  for (const Entry& entry : map->entries) {
    const std::string child = Join(key, entry.key);
    if (entry.value.kind == Node::Kind::kNull) {
      Fail(entry.value.where, child,
           "expected a value, got nothing (quote it, as '' or 'null', if you mean that text)");
    }
    values[entry.key] = Scalar(entry.value, child, "a single value (a number, word or string)");
    if (where) (*where)[entry.key] = entry.value.where;
  }
  return values;
}

std::string Absolute(const std::string& path, const std::string& where, const std::string& key) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) Fail(where, key, "cannot make '" + path + "' absolute: " + error.message());
  // Drop "." and empty components but keep "..": with symlinks, "a/../b" need not be "b".
  std::filesystem::path clean;
  for (const std::filesystem::path& part : absolute) {
    if (part.empty() || part == ".") continue;
    clean /= part;
  }
  return clean.string();
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// yaml-cpp writes a string with a carriage return (or another control character) plain, and it
// then does not read back as itself: such a string is written double-quoted, with escapes.
YAML::Emitter& Text(YAML::Emitter& out, const std::string& text) {
  if (std::any_of(text.begin(), text.end(), IsControl)) out << YAML::DoubleQuoted;
  return out << text;
}

void EmitScalarMap(YAML::Emitter& out, const std::map<std::string, std::string>& values) {
  if (values.empty()) {
    out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    return;
  }
  out << YAML::BeginMap;
  for (const auto& [name, value] : values) {
    Text(out << YAML::Key, name) << YAML::Value;
    Text(out, value);
  }
  out << YAML::EndMap;
}

std::string EffectiveYaml(const JobConfig& config, const std::string& split_size,
                          const std::vector<std::string>& overrides) {
  std::string header = "# Effective configuration of " + config.source + "\n";
  for (const std::string& text : overrides) {
    std::string line = text;
    std::replace(line.begin(), line.end(), '\n', ' ');
    header += "#   -D " + line + "\n";
  }
  // yaml-cpp quotes any string that would not read back as itself ("null", "", "a: b").
  YAML::Emitter out;
  out << YAML::BeginMap;
  Text(out << YAML::Key << "job" << YAML::Value, config.job);
  if (!config.plugin.empty()) Text(out << YAML::Key << "plugin" << YAML::Value, config.plugin);
  out << YAML::Key << "params" << YAML::Value;
  EmitScalarMap(out, config.params);
  // A job that makes its own input has no input section (an input section has paths).
  if (!config.input_patterns.empty()) {
    out << YAML::Key << "input" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "paths" << YAML::Value << YAML::BeginSeq;
    for (const std::string& pattern : config.input_patterns) Text(out, pattern);
    out << YAML::EndSeq;
    out << YAML::Key << "split_size" << YAML::Value << split_size;
    if (!config.generate.empty()) {
      out << YAML::Key << "generate" << YAML::Value;
      EmitScalarMap(out, config.generate);
    }
    out << YAML::EndMap;
  }
  out << YAML::Key << "map" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "sort_buffer" << YAML::Value << ExactByteSize(config.sort_buffer);
  out << YAML::EndMap;
  out << YAML::Key << "reduce" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "tasks" << YAML::Value << config.reduce_tasks;
  out << YAML::Key << "shuffle_buffer" << YAML::Value << ExactByteSize(config.shuffle_buffer);
  out << YAML::EndMap;
  out << YAML::Key << "shuffle" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "merge_factor" << YAML::Value << config.merge_factor;
  out << YAML::Key << "parallel_copies" << YAML::Value << config.parallel_copies;
  out << YAML::EndMap;
  out << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  Text(out << YAML::Key << "dir" << YAML::Value, config.output_dir);
  out << YAML::Key << "format" << YAML::Value << config.output_format;
  out << YAML::Key << "overwrite" << YAML::Value << (config.output_overwrite ? "true" : "false");
  out << YAML::Key << "plots" << YAML::Value << report::PlotExtension(config.plots);
  out << YAML::EndMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "launcher" << YAML::Value << config.launcher;
  out << YAML::Key << "workers" << YAML::Value << config.workers;
  out << YAML::Key << "heartbeat_interval" << YAML::Value << FormatDuration(config.heartbeat_interval);
  out << YAML::Key << "worker_timeout" << YAML::Value << FormatDuration(config.worker_timeout);
  out << YAML::Key << "fetch_timeout" << YAML::Value << FormatDuration(config.fetch_timeout);
  out << YAML::EndMap;
  out << YAML::Key << "tasks" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_attempts" << YAML::Value << config.max_attempts;
  out << YAML::Key << "max_failures_per_worker" << YAML::Value << config.max_failures_per_worker;
  out << YAML::Key << "speculation" << YAML::Value << (config.speculation ? "true" : "false");
  out << YAML::EndMap;
  out << YAML::EndMap;
  return header + out.c_str() + "\n";
}

void ReadInput(const Node& root, JobConfig& config, std::string& split_size) {
  const Node* input = Find(root, "input");
  const Node* map = OptionalMap(input, "input", "a mapping with paths, split_size, generate");
  if (map == nullptr && input == nullptr) {
    // No input: section at all, which only a job that makes its own input may have (checked
    // once the job is known: CheckInputSection).
    config.input_where = root.where;
    return;
  }
  if (map == nullptr) {
    Fail(input->where, "input.paths",
         "required key is missing (the input files: a path, a glob or a list of them)");
  }
  config.input_where = map->where;
  CheckKeys(*map, "input", kInputKeys);

  const Node* paths = Find(*map, "paths");
  if (paths == nullptr) {
    Fail(map->where, "input.paths",
         "required key is missing (the input files: a path, a glob or a list of them)");
  }
  constexpr std::string_view kPathsExpected = "a path or glob, or a list of them";
  if (paths->kind == Node::Kind::kSequence) {
    if (paths->items.empty()) Fail(paths->where, "input.paths", "expected at least one path");
    for (size_t i = 0; i < paths->items.size(); ++i) {
      const Node& item = paths->items[i];
      const std::string key = "input.paths[" + std::to_string(i) + "]";
      config.input_patterns.push_back(
          Absolute(NonEmptyScalar(item, key, "a path or glob"), item.where, key));
      config.input_pattern_where.push_back(item.where);
    }
  } else {
    config.input_patterns.push_back(Absolute(NonEmptyScalar(*paths, "input.paths", kPathsExpected),
                                             paths->where, "input.paths"));
    config.input_pattern_where.push_back(paths->where);
  }

  split_size = "file";
  if (const Node* node = Find(*map, "split_size")) {
    constexpr std::string_view kExpected =
        "'file' or a size such as 8MiB, 64KiB, 1GiB, 10MB or 1000000";
    const std::string& text = Scalar(*node, "input.split_size", kExpected);
    if (text != "file") {
      const std::optional<uint64_t> bytes = ParseByteSize(text);
      if (!bytes) {
        Fail(node->where, "input.split_size",
             "expected " + std::string(kExpected) + ", got '" + text + "'");
      }
      if (*bytes == 0) {
        Fail(node->where, "input.split_size",
             "must be more than 0 bytes (write 'file' for one split per file)");
      }
      config.split_size = *bytes;
    }
    split_size = text;
  }

  const Node* generate = Find(*map, "generate");
  config.generate = ScalarMap(generate, "input.generate");
  if (generate != nullptr) config.generate_where = generate->where;
}

JobConfig Validate(const Node& root, const std::string& path,
                   const std::vector<std::string>& overrides) {
  JobConfig config;
  config.source = path;
  CheckKeys(root, "", kTopKeys);

  const Node* job = Find(root, "job");
  if (job == nullptr) Fail(root.where, "job", "required key is missing (the job's name)");
  config.job = NonEmptyScalar(*job, "job", "the job's name");
  config.job_where = job->where;

  if (const Node* plugin = Find(root, "plugin")) {
    const std::string& text = Scalar(*plugin, "plugin", "the path of a shared library");
    if (!text.empty()) config.plugin = Absolute(text, plugin->where, "plugin");
    config.plugin_where = plugin->where;
  }

  config.params = ScalarMap(Find(root, "params"), "params", &config.param_where);

  std::string split_size;
  ReadInput(root, config, split_size);

  if (const Node* map = OptionalMap(Find(root, "map"), "map", "a mapping with sort_buffer")) {
    CheckKeys(*map, "map", kMapKeys);
    if (const Node* node = Find(*map, "sort_buffer")) {
      config.sort_buffer = BufferSize(*node, "map.sort_buffer");
    }
  }
  if (const Node* reduce =
          OptionalMap(Find(root, "reduce"), "reduce", "a mapping with tasks, shuffle_buffer")) {
    CheckKeys(*reduce, "reduce", kReduceKeys);
    if (const Node* tasks = Find(*reduce, "tasks")) {
      config.reduce_tasks = Integer(*tasks, "reduce.tasks", 1, kMaxCount);
    }
    if (const Node* node = Find(*reduce, "shuffle_buffer")) {
      config.shuffle_buffer = BufferSize(*node, "reduce.shuffle_buffer");
    }
  }
  if (const Node* shuffle =
          OptionalMap(Find(root, "shuffle"), "shuffle",
                      "a mapping with merge_factor, parallel_copies")) {
    CheckKeys(*shuffle, "shuffle", kShuffleKeys);
    if (const Node* node = Find(*shuffle, "merge_factor")) {
      config.merge_factor = Integer(*node, "shuffle.merge_factor", shuffle::kMinMergeFactor,
                                    shuffle::kMaxMergeFactor);
    }
    if (const Node* node = Find(*shuffle, "parallel_copies")) {
      config.parallel_copies = Integer(*node, "shuffle.parallel_copies", 1, 100);
    }
  }

  const Node* output_node = Find(root, "output");
  const Node* output =
      OptionalMap(output_node, "output", "a mapping with dir, format, overwrite, plots");
  if (output == nullptr) {
    Fail(output_node != nullptr ? output_node->where : root.where, "output.dir",
         "required key is missing (the directory for the job's output)");
  }
  CheckKeys(*output, "output", kOutputKeys);
  const Node* dir = Find(*output, "dir");
  if (dir == nullptr) {
    Fail(output->where, "output.dir",
         "required key is missing (the directory for the job's output)");
  }
  config.output_dir =
      Absolute(NonEmptyScalar(*dir, "output.dir", "a directory"), dir->where, "output.dir");
  config.output_dir_where = dir->where;
  if (const Node* format = Find(*output, "format")) {
    constexpr std::string_view kExpected = "'text', 'jsonl' or 'raw'";
    const std::string& text = Scalar(*format, "output.format", kExpected);
    if (!ParseOutputFormat(text)) {
      Fail(format->where, "output.format",
           "expected " + std::string(kExpected) + ", got '" + text + "'");
    }
    config.output_format = text;
  }
  if (const Node* overwrite = Find(*output, "overwrite")) {
    config.output_overwrite = Boolean(*overwrite, "output.overwrite");
  }
  config.plots = Plots(*output);

  if (const Node* cluster =
          OptionalMap(Find(root, "cluster"), "cluster", "a mapping with launcher, workers")) {
    CheckKeys(*cluster, "cluster", kClusterKeys);
    if (const Node* launcher = Find(*cluster, "launcher")) {
      const std::string& text = Scalar(*launcher, "cluster.launcher", "'local' or 'sge'");
      if (text != "local" && text != "sge") {
        Fail(launcher->where, "cluster.launcher", "expected 'local' or 'sge', got '" + text + "'");
      }
      config.launcher = text;
    }
    if (const Node* workers = Find(*cluster, "workers")) {
      config.workers = Integer(*workers, "cluster.workers", 1, kMaxCount);
    }
    if (const Node* node = Find(*cluster, "heartbeat_interval")) {
      config.heartbeat_interval = Duration(*node, "cluster.heartbeat_interval");
    }
    if (const Node* node = Find(*cluster, "worker_timeout")) {
      config.worker_timeout = Duration(*node, "cluster.worker_timeout");
    }
    if (const Node* node = Find(*cluster, "fetch_timeout")) {
      config.fetch_timeout = Duration(*node, "cluster.fetch_timeout");
    }
    if (config.worker_timeout <= config.heartbeat_interval) {
      Fail(cluster->where, "cluster.worker_timeout",
           "must be longer than cluster.heartbeat_interval (" +
               FormatDuration(config.heartbeat_interval) + ")");
    }
  }

  if (const Node* tasks = OptionalMap(Find(root, "tasks"), "tasks",
                                      "a mapping with max_attempts, max_failures_per_worker, "
                                      "speculation")) {
    CheckKeys(*tasks, "tasks", kTasksKeys);
    if (const Node* node = Find(*tasks, "max_attempts")) {
      config.max_attempts = Integer(*node, "tasks.max_attempts", 1, 100);
    }
    if (const Node* node = Find(*tasks, "max_failures_per_worker")) {
      config.max_failures_per_worker = Integer(*node, "tasks.max_failures_per_worker", 1, kMaxCount);
    }
    if (const Node* node = Find(*tasks, "speculation")) {
      config.speculation = Boolean(*node, "tasks.speculation");
    }
  }

  config.effective_yaml = EffectiveYaml(config, split_size, overrides);
  return config;
}

// glob(3) reports unreadable directories through a plain function pointer; it runs on the
// calling thread, so a thread_local carries the first one out.
thread_local std::string glob_failure;
thread_local int glob_errno = 0;

int OnGlobError(const char* path, int error) {
  if (glob_errno == 0) {
    glob_failure = path;
    glob_errno = error;
  }
  return 0;  // GLOB_ERR stops the walk
}

}  // namespace

JobConfig LoadJobConfig(const std::string& path, const std::vector<std::string>& overrides) {
  Node root = ParseFile(path);
  for (const std::string& text : overrides) ApplyOverride(root, text);
  return Validate(root, path, overrides);
}

report::PlotFormat PlotsOfEffectiveYaml(const std::string& yaml, const std::string& where) {
  const Node root = ParseText(yaml, where);
  const Node* output = OptionalMap(Find(root, "output"), "output", "a mapping");
  return output != nullptr ? Plots(*output) : report::PlotFormat::kPng;
}

void CheckInputSection(const JobConfig& config, const std::string& job, bool makes_own_input) {
  if (makes_own_input && !config.input_patterns.empty()) {
    Fail(config.input_where, "input",
         "job '" + job + "' makes its own input and reads no files; remove the input: section");
  }
  if (!makes_own_input && config.input_patterns.empty()) {
    Fail(config.input_where, "input.paths",
         "required key is missing (the input files: a path, a glob or a list of them)");
  }
}

std::vector<std::string> ExpandInputPaths(const JobConfig& config, bool allow_empty) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (size_t i = 0; i < config.input_patterns.size(); ++i) {
    const std::string& pattern = config.input_patterns[i];
    const std::string& where =
        i < config.input_pattern_where.size() ? config.input_pattern_where[i] : config.source;

    glob_failure.clear();
    glob_errno = 0;
    glob_t matches{};
    const int rc = glob(pattern.c_str(), GLOB_ERR | GLOB_NOSORT, OnGlobError, &matches);
    std::vector<std::string> paths;
    if (rc == 0) paths.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    globfree(&matches);
    // A directory that does not exist is no match, not a failure.
    if (rc == GLOB_ABORTED && glob_errno != ENOENT && glob_errno != ENOTDIR) {
      Fail(where, "input.paths",
           "cannot read " + glob_failure + " while matching '" + pattern +
               "': " + std::strerror(glob_errno));
    }
    if (rc == GLOB_NOSPACE) Fail(where, "input.paths", "out of memory matching '" + pattern + "'");

    std::sort(paths.begin(), paths.end());
    size_t regular = 0;
    for (const std::string& file : paths) {
      struct stat info;
      if (stat(file.c_str(), &info) != 0) {
        // Not passed over: a link left dangling by data that moved is input lost without a word.
        const int err = errno;
        std::error_code ec;
        const std::filesystem::path target = std::filesystem::read_symlink(file, ec);
        Fail(where, "input.paths",
             "'" + file + "', which '" + pattern + "' matches, " +
                 (!ec && err == ENOENT ? "is a broken symbolic link (to " + target.string() + ")"
                                       : std::string("cannot be read: ") + std::strerror(err)));
      }
      // A pipe or a device has no size to split by, and a glob over data rarely means one: named,
      // not passed over (`mkfifo data.txt; zcat ... > data.txt`). Directories are passed over.
      if (!S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) {
        const char* what = S_ISFIFO(info.st_mode)   ? "a named pipe"
                           : S_ISSOCK(info.st_mode) ? "a socket"
                                                    : "a device";
        Fail(where, "input.paths",
             "'" + file + "', which '" + pattern + "' matches, is " + what +
                 ": minimr reads regular files only (their size is known when the job begins)");
      }
      if (!S_ISREG(info.st_mode)) continue;
      ++regular;
      if (seen.insert(file).second) files.push_back(file);
    }
    if (regular == 0 && !allow_empty) {
      Fail(where, "input.paths",
           paths.empty() ? "no file matches '" + pattern + "'"
                         : "'" + pattern + "' matches no regular file, only directories or others");
    }
  }
  return files;
}

}  // namespace minimr::config
