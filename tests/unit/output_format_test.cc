// The part-file formats: what the runtime writes (part_file_writer.h) reads back through the
// public OutputReader as the same bytes, and every line is well-formed in its format.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "framework/src/runtime/part_file_writer.h"
#include "framework/src/util/base64.h"
#include "minimr/atomic_file.h"
#include "minimr/output.h"
#include "tests/common/read_file.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using Records = std::vector<std::pair<std::string, std::string>>;

// Keys and values with every byte the formats must take care of.
Records NastyRecords() {
  using namespace std::string_literals;
  return {
      {"plain", "value"},
      {"", ""},
      {"tab\there", "new\nline"},
      {"cr\rhere", "back\\slash"},
      {"\\t is not a tab", "\\n is not a newline\\"},
      {"\\", "\\\\"},
      {"nul\0byte"s, "\0"s},
      {"\xff\xfe invalid", "ok \xc3\x28 bad continuation"},
      {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", "utf-8 \"quoted\""},
      {"overlong \xc0\xaf", "surrogate \xed\xa0\x80"},
      {"above U+10FFFF \xf4\x90\x80\x80", "cut short \xe6\x97"},
      {"\x01\x1f\x7f controls", "\t\n\r\\\0\xff"s},
      {"{\"key\": \"x\"}", "[1, 2]"},
  };
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  for (size_t nl; (nl = text.find('\n', begin)) != std::string::npos; begin = nl + 1) {
    lines.push_back(text.substr(begin, nl - begin));
  }
  EXPECT_EQ(begin, text.size()) << "the last line has no newline";
  return lines;
}

class OutputFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "output_format_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `records` as part-r-00000 and part-r-00001 (half each) through the runtime's writer.
  void WriteParts(OutputFormat format, const Records& records) {
    const size_t half = records.size() / 2;
    for (int part = 0; part < 2; ++part) {
      AtomicFile file((dir_ / ("part-r-0000" + std::to_string(part))).string());
      runtime::PartFileWriter writer(file, format);
      for (size_t i = part == 0 ? 0 : half; i < (part == 0 ? half : records.size()); ++i) {
        writer.Emit(records[i].first, records[i].second);
      }
      writer.Flush();
      file.Commit(/*durable=*/false);
    }
  }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  // The message of the error reading the output throws, or "" if none.
  std::string ErrorOf(OutputFormat format) {
    try {
      OutputReader reader(dir_.string(), format);
      std::string_view key, value;
      while (reader.Next(&key, &value)) {
      }
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  static Records ReadAll(OutputReader& reader) {
    Records records;
    std::string_view key, value;
    while (reader.Next(&key, &value)) records.emplace_back(key, value);
    return records;
  }

  fs::path dir_;
};

TEST_F(OutputFormatTest, TextReadsBackEveryByte) {
  WriteParts(OutputFormat::kText, NastyRecords());
  OutputReader reader(dir_.string(), OutputFormat::kText);
  EXPECT_EQ(ReadAll(reader), NastyRecords());
  EXPECT_EQ(reader.part_files().size(), 2u);
}

TEST_F(OutputFormatTest, TextLinesHaveOneTabAndEscapesForTheSpecialBytes) {
  WriteParts(OutputFormat::kText, NastyRecords());
  const std::vector<std::string> lines = Lines(ReadFile(dir_ / "part-r-00000"));
  ASSERT_EQ(lines.size(), NastyRecords().size() / 2);
  for (const std::string& line : lines) {
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 1) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  }
  EXPECT_EQ(lines[2], "tab\\there\tnew\\nline");
  EXPECT_EQ(lines[3], "cr\\rhere\tback\\\\slash");
  EXPECT_EQ(lines[4], "\\\\t is not a tab\t\\\\n is not a newline\\\\");
  // Other bytes, NUL and invalid UTF-8 too, are written as they are.
  EXPECT_EQ(Lines(ReadFile(dir_ / "part-r-00001"))[0], std::string("nul\0byte\t\0", 10));
}

TEST_F(OutputFormatTest, JsonLinesReadBackEveryByte) {
  WriteParts(OutputFormat::kJsonLines, NastyRecords());
  OutputReader reader(dir_.string(), OutputFormat::kJsonLines);
  EXPECT_EQ(ReadAll(reader), NastyRecords());
}

// Any strict JSON parser reads the lines (nlohmann::json refuses invalid UTF-8): keys and values
// that are UTF-8 are strings, the others {"base64": ...}.
TEST_F(OutputFormatTest, JsonLinesAreValidJsonWithBase64ForBytesThatAreNotUtf8) {
  const Records records = NastyRecords();
  WriteParts(OutputFormat::kJsonLines, records);
  std::vector<std::string> lines = Lines(ReadFile(dir_ / "part-r-00000"));
  for (const std::string& line : Lines(ReadFile(dir_ / "part-r-00001"))) lines.push_back(line);
  ASSERT_EQ(lines.size(), records.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json json;
    ASSERT_NO_THROW(json = nlohmann::json::parse(lines[i])) << lines[i];
    ASSERT_TRUE(json.is_object());
    EXPECT_EQ(json.size(), 2u);
    for (const auto& [name, bytes] :
         {std::pair{"key", records[i].first}, std::pair{"value", records[i].second}}) {
      const nlohmann::json& field = json.at(name);
      if (field.is_string()) {
        EXPECT_EQ(field.get<std::string>(), bytes) << lines[i];
      } else {
        ASSERT_TRUE(field.is_object()) << lines[i];
        EXPECT_EQ(DecodeBase64(field.at("base64").get<std::string>()), bytes) << lines[i];
      }
    }
  }
  EXPECT_EQ(lines[0], "{\"key\": \"plain\", \"value\": \"value\"}");
  EXPECT_EQ(lines[2], "{\"key\": \"tab\\there\", \"value\": \"new\\nline\"}");
  // UTF-8 stays readable text; malformed UTF-8 (overlong, surrogate, cut short) is base64.
  EXPECT_TRUE(nlohmann::json::parse(lines[8]).at("key").is_string());
  EXPECT_TRUE(nlohmann::json::parse(lines[9]).at("key").is_object());
  EXPECT_TRUE(nlohmann::json::parse(lines[9]).at("value").is_object());
  EXPECT_TRUE(nlohmann::json::parse(lines[10]).at("value").is_object());
  EXPECT_EQ(lines[6], "{\"key\": \"nul\\u0000byte\", \"value\": \"\\u0000\"}");
}

TEST_F(OutputFormatTest, ReaderTakesTheFormatJobJsonRecords) {
  WriteParts(OutputFormat::kJsonLines, NastyRecords());
  WriteFile("job.json", R"({"job": "x", "output": {"dir": "/x", "format": "jsonl"}})");
  EXPECT_EQ(OutputReader(dir_.string()).format(), OutputFormat::kJsonLines);
  EXPECT_EQ(ReadOutput(dir_.string()), NastyRecords());

  WriteFile("job.json", R"({"job": "x", "output": {"dir": "/x", "format": "xml"}})");
  EXPECT_THROW(OutputReader reader(dir_.string()), std::runtime_error);
  WriteFile("job.json", R"({"job": "x", "output": {"dir": "/x"}})");  // before output.format
  EXPECT_EQ(OutputReader(dir_.string()).format(), OutputFormat::kText);
  fs::remove(dir_ / "job.json");
  EXPECT_EQ(OutputReader(dir_.string()).format(), OutputFormat::kText);
}

TEST_F(OutputFormatTest, ReadsPartFilesInNameOrderAndTellsWhereEachRecordIs) {
  WriteFile("part-r-00010", "c\t3\n");
  WriteFile("part-r-00002", "a\t1\nb\t2\n");
  WriteFile("part-r-00002.tmp-12", "junk\n");
  WriteFile("_SUCCESS", "");
  OutputReader reader(dir_.string());
  std::string_view key, value;
  ASSERT_TRUE(reader.Next(&key, &value));
  ASSERT_TRUE(reader.Next(&key, &value));
  EXPECT_EQ(key, "b");
  EXPECT_EQ(reader.file(), (dir_ / "part-r-00002").string());
  EXPECT_EQ(reader.line(), 2u);
  ASSERT_TRUE(reader.Next(&key, &value));
  EXPECT_EQ(key, "c");
  EXPECT_EQ(reader.file(), (dir_ / "part-r-00010").string());
  EXPECT_EQ(reader.line(), 1u);
  EXPECT_FALSE(reader.Next(&key, &value));
}

TEST_F(OutputFormatTest, LinesLongerThanTheReadBufferAndAcrossItsEndsReadBackWhole) {
  std::string text;
  Records expected;
  for (int i = 0; i < 40000; ++i) {  // about 1.06 MiB: lines cross the first 1 MiB read
    expected.emplace_back("k" + std::to_string(i), std::string(20, char('a' + i % 26)));
  }
  expected.emplace_back("long", std::string((5u << 20) / 2, 'x'));  // longer than the buffer
  expected.emplace_back("after", "1");
  for (const auto& [key, value] : expected) text += key + "\t" + value + "\n";
  WriteFile("part-r-00000", text);
  WriteFile("part-r-00001", "");
  WriteFile("part-r-00002", "last\t2\n");
  expected.emplace_back("last", "2");
  OutputReader reader(dir_.string(), OutputFormat::kText);
  const Records got = ReadAll(reader);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].first, expected[i].first) << "record " << i;
    ASSERT_EQ(got[i].second.size(), expected[i].second.size()) << "record " << i;
    ASSERT_TRUE(got[i].second == expected[i].second) << "record " << i;
  }
}

TEST_F(OutputFormatTest, MalformedTextNamesTheFileLineAndProblem) {
  const std::string where = (dir_ / "part-r-00000").string() + ":2: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no tab here\n", "no tab"},
      {"a\tb\tc\n", "a second tab"},
      {"a\\x\tb\n", "unknown escape '\\x' in the key"},
      {"a\tb\\\n", "a lone backslash at the end of the value"},
      {"a\tb", "no newline at the end of the file"},
  };
  for (const auto& [line, problem] : cases) {
    WriteFile("part-r-00000", "ok\tfine\n" + line);
    const std::string error = ErrorOf(OutputFormat::kText);
    EXPECT_NE(error.find(where + problem), std::string::npos) << line << " gave: " << error;
  }
}

TEST_F(OutputFormatTest, MalformedJsonNamesTheFileLineAndProblem) {
  const std::string where = (dir_ / "part-r-00000").string() + ":2: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"key\": \"a\"\n", "malformed JSON"},
      {"[\"a\", \"b\"]\n", "not a JSON object"},
      {"{\"key\": \"a\", \"val\": \"b\"}\n", "no \"value\""},
      {"{\"key\": \"a\", \"value\": \"b\", \"x\": 1}\n", "members other than"},
      {"{\"key\": 5, \"value\": \"b\"}\n", "\"key\" is neither a string"},
      {"{\"key\": {\"base64\": \"QQ\"}, \"value\": \"b\"}\n", "\"key\" is not valid base64"},
      {"{\"key\": \"a\\u00\", \"value\": \"b\"}\n", "malformed JSON"},
  };
  for (const auto& [line, problem] : cases) {
    WriteFile("part-r-00000", "{\"key\": \"ok\", \"value\": \"fine\"}\n" + line);
    const std::string error = ErrorOf(OutputFormat::kJsonLines);
    EXPECT_NE(error.find(where + problem), std::string::npos) << line << " gave: " << error;
  }
}

// job.json records each part file's size as committed: a part file cut at a line's end, removed,
// or added since is named, where it would have read as a smaller, wrong result.
TEST_F(OutputFormatTest, PartFilesThatAreNotAsTheirJobCommittedThemAreNamed) {
  WriteFile("part-r-00000", "a\t1\nb\t2\n");
  WriteFile("part-r-00001", "c\t3\n");
  WriteFile("job.json",
            R"({"output": {"part_bytes": {"part-r-00000": 8, "part-r-00001": 4}}})");
  EXPECT_EQ(ErrorOf(OutputFormat::kText), "");
  EXPECT_EQ(ReadOutput(dir_.string()).size(), 3u);

  WriteFile("part-r-00000", "a\t1\n");  // one whole line left
  const std::string part0 = (dir_ / "part-r-00000").string();
  EXPECT_NE(ErrorOf(OutputFormat::kText)
                .find(part0 + ": 4 bytes, where its job committed 8 (job.json): was it cut short"),
            std::string::npos)
      << ErrorOf(OutputFormat::kText);
  EXPECT_THROW(OutputReader reader(dir_.string()), std::runtime_error);
  WriteFile("part-r-00000", "a\t1\nb\t2\n");

  fs::remove(dir_ / "part-r-00001");
  EXPECT_NE(ErrorOf(OutputFormat::kText)
                .find((dir_ / "part-r-00001").string() +
                      ": missing; its job committed 2 part files (job.json)"),
            std::string::npos)
      << ErrorOf(OutputFormat::kText);
  WriteFile("part-r-00001", "c\t3\n");

  // Read as a given format, whatever job.json's own says, the sizes still count.
  WriteFile(
      "job.json",
      R"({"output": {"format": "xml", "part_bytes": {"part-r-00000": 8, "part-r-00001": 9}}})");
  EXPECT_NE(ErrorOf(OutputFormat::kText).find("part-r-00001: 4 bytes, where its job committed 9"),
            std::string::npos)
      << ErrorOf(OutputFormat::kText);
  WriteFile("job.json", R"({"output": {"part_bytes": {"part-r-00000": 8, "part-r-00001": 4}}})");

  WriteFile("part-r-00002", "d\t4\n");
  EXPECT_NE(ErrorOf(OutputFormat::kText)
                .find((dir_ / "part-r-00002").string() +
                      ": not one of the 2 part files its job committed"),
            std::string::npos)
      << ErrorOf(OutputFormat::kText);
}

TEST_F(OutputFormatTest, ADirectoryWithoutPartFilesIsRefused) {
  WriteFile("_SUCCESS", "");
  EXPECT_NE(ErrorOf(OutputFormat::kText).find("no part-r-* files in " + dir_.string()),
            std::string::npos);
  EXPECT_THROW(OutputReader((dir_ / "missing").string()), std::runtime_error);
}

TEST(OutputFormatNames, ParseAndNameAgree) {
  for (OutputFormat format : {OutputFormat::kText, OutputFormat::kJsonLines}) {
    EXPECT_EQ(ParseOutputFormat(OutputFormatName(format)), format);
  }
  EXPECT_EQ(ParseOutputFormat("json"), std::nullopt);
  EXPECT_EQ(ParseOutputFormat("TEXT"), std::nullopt);
}

TEST(Base64, RoundTripsEveryLengthAndRefusesNonCanonicalText) {
  std::string bytes;
  for (int length = 0; length < 300; ++length) {
    std::string text;
    AppendBase64(bytes, &text);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(DecodeBase64(text), bytes) << text;
    bytes.push_back(static_cast<char>(length * 37 + 11));
  }
  std::string text;
  AppendBase64("any carnal pleas", &text);
  EXPECT_EQ(text, "YW55IGNhcm5hbCBwbGVhcw==");
  EXPECT_EQ(DecodeBase64("YW55IGNhcm5hbCBwbGVhcw=="), "any carnal pleas");
  for (const char* bad : {"QQ", "QQ=", "QR==", "QUI=x", "Q===", "QU=I", "Q Q=", "QUJD!A=="}) {
    EXPECT_EQ(DecodeBase64(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace minimr
