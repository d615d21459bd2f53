// The built-in text jobs (invertedindex, grep) and the output formats, through real `minimr run`s:
// a master and two local worker processes, inputs cut into many splits, four reduce tasks. Each
// job's output must equal what a plain loop in the test computes from the same files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "minimr/output.h"
#include "tests/integration/harness.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;

using testing::Minimr;
using testing::Result;
using testing::Shell;
using testing::TempDir;

// The lines of a file as NumberedLineInputFormat gives them: split at '\n', no empty line after a
// final '\n', one '\r' at the end of a line dropped.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t nl = text.find('\n', begin);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

// Words as wordcount defines them: runs of ASCII letters, digits and apostrophes, lower-cased.
std::set<std::string> Words(const std::string& line) {
  std::set<std::string> words;
  std::string word;
  for (char ch : line + " ") {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '\'') {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      words.insert(word);
      word.clear();
    }
  }
  return words;
}

// A job file over every file in `input_dir`, with 4 KiB splits, 4 reduce tasks and 2 workers.
std::string WriteJob(const fs::path& path, const std::string& job, const std::string& params,
                     const fs::path& input_dir, const fs::path& out,
                     const std::string& format = "text") {
  std::ofstream(path) << "job: " << job << "\n"
                      << "params: {" << params << "}\n"
                      << "input:\n"
                      << "  paths: '" << (input_dir / "*").string() << "'\n"
                      << "  split_size: 4KiB\n"
                      << "reduce: {tasks: 4}\n"
                      << "output: {dir: '" << out.string() << "', format: " << format
                      << ", overwrite: true}\n"
                      << "cluster: {launcher: local, workers: 2}\n";
  return path.string();
}

// The output of a finished job as a map; fails the test if a key appears twice.
std::map<std::string, std::string> ReadUniqueOutput(const fs::path& dir) {
  std::map<std::string, std::string> output;
  for (auto& [key, value] : ReadOutput(dir.string())) {
    EXPECT_TRUE(output.emplace(key, value).second) << "key " << key << " appears twice";
  }
  return output;
}

// Files of generated text: words that repeat within and across files in mixed case, with
// apostrophes and digits, punctuation, tabs and UTF-8 between them, empty lines, lines longer
// than a split, Windows line ends in one file, no final newline in another, and a file name with
// a comma and a colon in it.
class TextJobs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("text-jobs");
    corpus_ = new fs::path(dir_->path() / "corpus");
    fs::create_directories(*corpus_);
    std::mt19937 random(2024);
    std::vector<std::string> vocabulary = {"it's", "r2d2", "o'clock", "zaz", "zoz", "quick"};
    const char* syllables[] = {"ba", "ke", "mi", "zo", "tu", "qua", "ri", "ne", "lo", "za", "zu"};
    while (vocabulary.size() < 400) {
      std::string word;
      for (int n = 1 + random() % 3; n > 0; --n) word += syllables[random() % 11];
      vocabulary.push_back(word);
    }
    const char* separators[] = {" ", " ", " ", ", ", ". ", "\t", " -- ", " \xc3\xa9 ", "  ", "!"};
    auto line = [&](size_t tokens) {
      std::string text = random() % 7 == 0 ? "Q" : random() % 7 == 0 ? "q" : "";
      for (size_t t = 0; t < tokens; ++t) {
        std::string word = vocabulary[random() % 40 == 0 ? random() % 6 : random() % 400];
        if (random() % 5 == 0) word[0] = static_cast<char>(std::toupper(word[0]));
        if (random() % 17 == 0) {
          for (char& c : word) c = static_cast<char>(std::toupper(c));
        }
        if (t > 0) text += separators[random() % 10];
        text += word;
      }
      return text;
    };
    struct File {
      const char* name;
      int lines;
      const char* end;
      bool final_newline;
    };
    for (const File& f :
         {File{"alpha.txt", 3000, "\n", true}, File{"beta.txt", 2000, "\r\n", true},
          File{"gamma, with comma:and colon.txt", 1500, "\n", true},
          File{"delta.txt", 2500, "\n", false}, File{"epsilon.txt", 3, "\n", true}}) {
      std::string text;
      for (int i = 0; i < f.lines; ++i) {
        const bool empty = random() % 40 == 0;
        const bool long_line = random() % 300 == 0;  // about 6 KB, longer than a 4 KiB split
        text += empty ? "" : line(long_line ? 1000 : random() % 16);
        if (i + 1 < f.lines || f.final_newline) text += f.end;
      }
      std::ofstream(*corpus_ / f.name, std::ios::binary) << text;
    }
  }

  static void TearDownTestSuite() {
    delete corpus_;
    delete dir_;
  }

  // Each corpus file (by path, sorted as the job lists them) and its lines.
  static std::map<std::string, std::vector<std::string>> CorpusLines() {
    std::map<std::string, std::vector<std::string>> files;
    for (const auto& entry : fs::directory_iterator(*corpus_)) {
      files[entry.path().string()] = Lines(testing::ReadFile(entry.path()));
    }
    return files;
  }

  static TempDir* dir_;
  static fs::path* corpus_;
};
TempDir* TextJobs::dir_;
fs::path* TextJobs::corpus_;

TEST_F(TextJobs, InvertedIndexListsEachWordsLinesSortedByFileAndLine) {
  // The plain way: every (file, line) of each word, files in byte order, lines in order.
  std::map<std::string, std::string> expected;
  size_t longest = 0;
  for (const auto& [path, lines] : CorpusLines()) {
    std::string escaped;
    for (char c : path) {
      if (c == ',' || c == '\\') escaped += '\\';
      escaped += c;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      longest = std::max(longest, lines[i].size());
      for (const std::string& word : Words(lines[i])) {
        std::string& list = expected[word];
        list += (list.empty() ? "" : ",") + escaped + ":" + std::to_string(i + 1);
      }
    }
  }
  ASSERT_GT(longest, 4096u) << "the corpus needs lines longer than a split";
  ASSERT_GT(expected.size(), 400u);

  const fs::path out = dir_->path() / "index";
  Result r = Shell(Minimr() + " run " +
                   WriteJob(dir_->path() / "index.yaml", "invertedindex", "", *corpus_, out));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(OutputReader(out.string()).part_files().size(), 4u);
  const auto job = nlohmann::json::parse(testing::ReadFile(out / "job.json"));
  EXPECT_GT(job["input"]["splits"].get<int>(), 100) << "files cut into many splits";
  const std::map<std::string, std::string> output = ReadUniqueOutput(out);
  EXPECT_EQ(output.size(), expected.size());
  for (const auto& [word, list] : expected) {
    auto it = output.find(word);
    if (it == output.end()) {
      ADD_FAILURE() << "no entry for " << word;
    } else {
      EXPECT_EQ(it->second, list) << "word " << word;
    }
  }
  // The escaped comma of "gamma, with comma:and colon.txt" is in the output as written.
  EXPECT_NE(output.at("it's").find("gamma\\, with comma:and colon.txt:"), std::string::npos);
}

// Lines with zaz, zez, ziz, zoz or zuz in them, or that start with q (or Q, with ignore_case).
bool NaiveMatch(std::string line, bool ignore_case) {
  if (ignore_case) {
    for (char& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!line.empty() && line[0] == 'q') return true;
  for (const char* s : {"zaz", "zez", "ziz", "zoz", "zuz"}) {
    if (line.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST_F(TextJobs, GrepFindsTheMatchingLinesKeyedByFileAndLine) {
  for (bool ignore_case : {false, true}) {
    std::map<std::string, std::string> expected;
    for (const auto& [path, lines] : CorpusLines()) {
      for (size_t i = 0; i < lines.size(); ++i) {
        if (NaiveMatch(lines[i], ignore_case)) {
          expected[path + ":" + std::to_string(i + 1)] = lines[i];
        }
      }
    }
    ASSERT_GT(expected.size(), 1000u);

    const fs::path out = dir_->path() / "grep";
    const std::string params =
        ignore_case ? "pattern: 'Z[AEIOU]Z|^Q', ignore_case: true" : "pattern: 'z[aeiou]z|^q'";
    Result r = Shell(Minimr() + " run " +
                     WriteJob(dir_->path() / "grep.yaml", "grep", params, *corpus_, out));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(OutputReader(out.string()).part_files().size(), 4u);
    const std::map<std::string, std::string> output = ReadUniqueOutput(out);
    EXPECT_EQ(output.size(), expected.size()) << "ignore_case " << ignore_case;
    EXPECT_TRUE(output == expected) << "ignore_case " << ignore_case;
  }
}

TEST_F(TextJobs, GrepRefusesABadPatternBeforeTheJobRuns) {
  const fs::path out = dir_->path() / "grep-bad";
  Result r = Shell(Minimr() + " run " +
                   WriteJob(dir_->path() / "bad.yaml", "grep", "pattern: 'a(b'", *corpus_, out));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:2:19: params.pattern: 'a(b' is not a POSIX extended regular "
                          "expression"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));

  r = Shell(Minimr() + " run " + WriteJob(dir_->path() / "none.yaml", "grep", "", *corpus_, out));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("params.pattern: required"), std::string::npos) << r.output;
}

// Every byte the formats must take care of, through a real job: grep '^' keys each line by its
// file's name, which holds a tab, a newline, a backslash, a carriage return and a byte that is
// not UTF-8; the lines hold tabs, backslashes, NULs, carriage returns and bytes that are not UTF-8.
TEST(OutputFormats, NastyBytesReadBackAsTheyWereInBothFormats) {
  TempDir dir("nasty-bytes");
  const fs::path input = dir.path() / "input";
  fs::create_directories(input);
  const std::string name = "we\tird\nna\\me\r\xff \xc3\xa9.txt";
  using namespace std::string_literals;
  const std::string text =
      "tab\there\\back\\\\slash\\t\n"
      "nul\0byte\n"s
      "bad utf-8 \xff\xfe\xc3\x28 cr\rmid-line\r\n"
      "\n"
      "\"quotes\" {\"key\": 1} \x01\x1f\x7f\n"
      "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\n"
      "\\";
  ASSERT_EQ(std::count(text.begin(), text.end(), '\0'), 1);
  std::ofstream(input / name, std::ios::binary) << text;
  std::map<std::string, std::string> expected;
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 7u);
  for (size_t i = 0; i < lines.size(); ++i) {
    expected[(input / name).string() + ":" + std::to_string(i + 1)] = lines[i];
  }

  for (const std::string format : {"text", "jsonl"}) {
    const fs::path out = dir.path() / ("out-" + format);
    Result r = Shell(Minimr() + " run " +
                     WriteJob(dir.path() / "job.yaml", "grep", "pattern: '^'", input, out, format));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(ReadUniqueOutput(out), expected) << format;

    // Each line of each part file is one well-formed record of its format.
    size_t records = 0;
    for (const auto& [part, bytes] : testing::ReadPartFiles(out.string())) {
      ASSERT_TRUE(bytes.empty() || bytes.back() == '\n') << part;
      size_t begin = 0;
      for (size_t nl; (nl = bytes.find('\n', begin)) != std::string::npos; begin = nl + 1) {
        const std::string line = bytes.substr(begin, nl - begin);
        ++records;
        if (format == "text") {
          EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 1) << line;
          EXPECT_EQ(line.find('\r'), std::string::npos) << line;
        } else {
          EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;  // strict: UTF-8 only
        }
      }
    }
    EXPECT_EQ(records, expected.size()) << format;
  }
}

}  // namespace
}  // namespace minimr
