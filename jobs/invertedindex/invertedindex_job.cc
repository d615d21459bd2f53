// invertedindex: for every word, the lines it occurs on. Words as wordcount has them: runs of
// ASCII letters, digits and apostrophes, lower-cased.
//
//   word -> file:line,file:line,...
//
// The value lists each line once (a word twice on a line counts once), sorted by file (bytewise)
// and then numerically by line; line numbers are 1-based. `file` is the input path as the job
// lists it (absolute). Inside a path a ',' is written "\," and a '\' "\\", so that the list
// splits at every other comma; the line number follows the last ':' of an entry.
#include <algorithm>
#include <charconv>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "minimr/job.h"
#include "minimr/words.h"

namespace {

// Appends `path` with ',' and '\' escaped.
void AppendEscapedPath(std::string_view path, std::string* out) {
  for (char c : path) {
    if (c == ',' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
}

// Emits (word, "file:line") once for each word of a line.
class WordLineMapper : public minimr::Mapper {
 public:
  void Setup(minimr::TaskContext& context) override { context_ = &context; }

  void Map(std::string_view line_number, std::string_view line, minimr::Emitter& out) override {
    const std::string& file = context_->input_file();
    if (file != file_) {
      file_ = file;
      prefix_.clear();
      AppendEscapedPath(file_, &prefix_);
      prefix_.push_back(':');
    }
    entry_.assign(prefix_).append(line_number);

    words_.clear();
    minimr::ForEachWord(line, word_, [&](const std::string& w) { words_.push_back(w); });
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
    for (const std::string& w : words_) out.Emit(w, entry_);
  }

 private:
  minimr::TaskContext* context_ = nullptr;
  std::string file_;    // the file of the last line
  std::string prefix_;  // its escaped path and ':'
  std::string entry_;
  std::vector<std::string> words_;
  std::string word_;
};

// Merges lists of file:line entries into one, sorted and without repeats. Serves as the combiner
// (on one map task's lists) and as the reducer.
class PostingsReducer : public minimr::Reducer {
 public:
  void Reduce(std::string_view word, minimr::ValueIterator& values, minimr::Emitter& out) override {
    paths_.clear();
    path_ids_.clear();
    last_id_ = 0;
    entries_.clear();
    std::string_view list;
    while (values.Next(&list)) Parse(word, list);

    // Number the paths in byte order, so that entries sort by (path, line) as integer pairs.
    std::vector<uint32_t> order(paths_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return paths_[a] < paths_[b]; });
    std::vector<uint32_t> rank(paths_.size());
    for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
    for (auto& [path, line] : entries_) path = rank[path];
    std::sort(entries_.begin(), entries_.end());
    entries_.erase(std::unique(entries_.begin(), entries_.end()), entries_.end());

    joined_.clear();
    char digits[24];
    for (const auto& [path, line] : entries_) {
      if (!joined_.empty()) joined_.push_back(',');
      AppendEscapedPath(paths_[order[path]], &joined_);
      joined_.push_back(':');
      joined_.append(digits, std::to_chars(digits, digits + sizeof digits, line).ptr);
    }
    out.Emit(word, joined_);
  }

 private:
  [[noreturn]] static void Malformed(std::string_view word, std::string_view list) {
    throw std::runtime_error("invertedindex: malformed list of word '" + std::string(word) +
                             "': '" + std::string(list.substr(0, 200)) + "'");
  }

  // Adds the entries of one comma-separated list.
  void Parse(std::string_view word, std::string_view list) {
    size_t begin = 0;
    while (begin <= list.size()) {
      // The entry ends at the first comma that no backslash escapes.
      path_.clear();
      size_t i = begin;
      for (; i < list.size() && list[i] != ','; ++i) {
        if (list[i] == '\\') {
          if (++i == list.size()) Malformed(word, list);
        }
        path_.push_back(list[i]);
      }
      // path_ is the unescaped entry; its line number follows its last ':'.
      const size_t colon = path_.rfind(':');
      if (colon == std::string::npos) Malformed(word, list);
      uint64_t line = 0;
      const char* first = path_.data() + colon + 1;
      const char* last = path_.data() + path_.size();
      if (first == last || std::from_chars(first, last, line).ptr != last) Malformed(word, list);
      path_.resize(colon);
      entries_.emplace_back(PathId(), line);
      begin = i + 1;
    }
  }

  uint32_t PathId() {
    if (!paths_.empty() && paths_[last_id_] == path_) return last_id_;  // lines come in runs
    auto [it, added] = path_ids_.try_emplace(path_, static_cast<uint32_t>(paths_.size()));
    if (added) paths_.push_back(path_);
    last_id_ = it->second;
    return last_id_;
  }

  std::vector<std::string> paths_;  // distinct paths of this word, in order of appearance
  std::unordered_map<std::string, uint32_t> path_ids_;
  uint32_t last_id_ = 0;
  // (path, line): the path's id while parsing, then its rank in byte order.
  std::vector<std::pair<uint32_t, uint64_t>> entries_;
  std::string path_;
  std::string joined_;
};

}  // namespace

MINIMR_REGISTER_JOB(invertedindex,
                    minimr::MakeJob<WordLineMapper, PostingsReducer>()
                        .Combiner<PostingsReducer>()
                        .Input<minimr::NumberedLineInputFormat>()
                        .Describe("for every word, the file:line of each line it occurs on"));
