#include "framework/src/util/utf8.h"

#include <gtest/gtest.h>

namespace minimr {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("plain ASCII\n"));
  EXPECT_TRUE(IsUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));  // é € 😀 U+10FFFF
}

TEST(Utf8, RefusesOverlongFormsSurrogatesAndTruncatedSequences) {
  EXPECT_FALSE(IsUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsUtf8("\xED\xA0\x80"));      // a surrogate, U+D800
  EXPECT_FALSE(IsUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsUtf8("\xE2\x82"));          // cut short
  EXPECT_FALSE(IsUtf8("caf\xE9"));           // Latin-1
}

TEST(Utf8, FindsTheFirstNoncharacter) {
  EXPECT_EQ(FirstNoncharacter("plain \xEF\xBF\xBD"), std::nullopt);  // U+FFFD is a character
  EXPECT_EQ(FirstNoncharacter("a\xEF\xBF\xBF\xEF\xBF\xBE"), 0xFFFFu);
  EXPECT_EQ(FirstNoncharacter("\xEF\xB7\x90"), 0xFDD0u);
  EXPECT_EQ(FirstNoncharacter("\xEF\xB7\xAF"), 0xFDEFu);
  EXPECT_EQ(FirstNoncharacter("\xEF\xB7\xB0\xEF\xB7\x8F"), std::nullopt);  // U+FDF0, U+FDCF
  EXPECT_EQ(FirstNoncharacter("\xF0\x9F\xBF\xBE"), 0x1FFFEu);
  // Bytes that are not well-formed are passed over, not read as a code point.
  EXPECT_EQ(FirstNoncharacter("\xFF\xFE\xBF\xBF"), std::nullopt);
  EXPECT_EQ(FirstNoncharacter("\xFF\xEF\xBF\xBF"), 0xFFFFu);
}

}  // namespace
}  // namespace minimr
