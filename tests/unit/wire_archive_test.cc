#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/messages.h"

namespace minimr::wire {
namespace {

TaskSpec SampleTask() {
  TaskSpec task;
  task.job_id = 7;
  task.job_name = "pidigits";
  task.params = {{"n", "2"}};
  task.map_tasks = 3;
  task.output_dir = "/out/.staging";
  return task;
}

InputFilesPiece SamplePiece() {
  InputFilesPiece piece;
  piece.total = 2;
  piece.paths = {"/data/a", "/data/b"};
  piece.sizes = {10, 20};
  return piece;
}

// The message of the DecodeError that decoding `bytes` as a T throws, or "" if none.
template <class T>
std::string DecodeErrorOf(const std::string& bytes) {
  T decoded;
  try {
    Decode(bytes, decoded);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(WireArchive, RoundTripsAMessage) {
  TaskSpec decoded;
  Decode(Encode(SampleTask()), decoded);
  EXPECT_EQ(decoded.job_name, "pidigits");
  EXPECT_EQ(decoded.params.at("n"), "2");
  EXPECT_EQ(decoded.map_tasks, 3);
  EXPECT_EQ(decoded.output_dir, "/out/.staging");
  InputFilesPiece piece;
  Decode(Encode(SamplePiece()), piece);
  EXPECT_EQ(piece.sizes, (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(piece.paths.at(1), "/data/b");
}

TEST(WireArchive, RefusesAStringLongerThanTheMessage) {
  FetchEnd end{false, "short", 0};
  std::string bytes = Encode(end);
  // Find the string's length prefix (5, as 8 bytes) right before its text, and forge it.
  std::string pattern(8, '\0');
  uint64_t length = 5;
  std::memcpy(pattern.data(), &length, sizeof length);
  size_t at = bytes.find(pattern + "short");
  ASSERT_NE(at, std::string::npos) << "the layout changed: no 8-byte length before the text";
  uint64_t huge = uint64_t(1) << 40;
  std::memcpy(bytes.data() + at, &huge, sizeof huge);
  // Refused by the bound, before any allocation (not by a failing allocation or a short read).
  EXPECT_THAT(DecodeErrorOf<FetchEnd>(bytes),
              testing::HasSubstr("a string of 1099511627776 bytes in a message with"));
}

TEST(WireArchive, CountsTheBytesLeftExactly) {
  // FetchEnd ends with the string's 8-byte length, its 5 bytes of text and an 8-byte number:
  // after the length, 13 bytes are left. A string of 13 bytes passes the bound (and then leaves
  // too few for the number); one of 14 does not.
  std::string bytes = Encode(FetchEnd{false, "short", 0});
  ASSERT_EQ(bytes.substr(bytes.size() - 13, 5), "short");
  const size_t at = bytes.size() - 13 - 8;
  uint64_t length = 13;
  std::memcpy(bytes.data() + at, &length, sizeof length);
  std::string error = DecodeErrorOf<FetchEnd>(bytes);
  EXPECT_NE(error, "") << "a message too short for its number decoded";
  EXPECT_THAT(error, testing::Not(testing::HasSubstr("a string of")));
  length = 14;
  std::memcpy(bytes.data() + at, &length, sizeof length);
  EXPECT_THAT(DecodeErrorOf<FetchEnd>(bytes),
              testing::HasSubstr("a string of 14 bytes in a message with 13 left"));
}

TEST(WireArchive, RefusesACollectionLargerThanTheMessage) {
  std::string bytes = Encode(SamplePiece());
  // Find the sizes count (2, as 8 bytes) followed by 10 and 20, and forge it.
  std::string pattern(24, '\0');
  uint64_t values[3] = {2, 10, 20};
  std::memcpy(pattern.data(), values, sizeof values);
  size_t at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos);
  uint64_t forged = uint64_t(1) << 36;
  std::memcpy(bytes.data() + at, &forged, sizeof forged);
  EXPECT_THAT(DecodeErrorOf<InputFilesPiece>(bytes),
              testing::HasSubstr("a collection of 68719476736 elements in a message with"));
}

TEST(WireArchive, RefusesABoolThatIsNeitherZeroNorOne) {
  // The bool is the one byte where the encodings of ok and not ok differ.
  std::string bytes = Encode(FetchEnd{true, "gone", 99});
  const std::string not_ok = Encode(FetchEnd{false, "gone", 99});
  ASSERT_EQ(bytes.size(), not_ok.size());
  size_t at = 0;
  while (at < bytes.size() && bytes[at] == not_ok[at]) ++at;
  ASSERT_LT(at, bytes.size());
  ASSERT_EQ(bytes[at], 1);
  bytes[at] = 2;
  EXPECT_THAT(DecodeErrorOf<FetchEnd>(bytes), testing::HasSubstr("a bool of value 2"));
}

TEST(WireArchive, RefusesTruncatedAndTrailingBytes) {
  std::string bytes = Encode(SampleTask());
  TaskSpec decoded;
  EXPECT_THROW(Decode(std::string_view(bytes).substr(0, bytes.size() - 3), decoded), DecodeError);
  EXPECT_THROW(Decode(bytes + "x", decoded), DecodeError);
}

}  // namespace
}  // namespace minimr::wire
