#include "common/utf8.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(Utf8Test, SequenceLengths) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9"), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xE4\xBD\xA0"), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80"), 4u);
}

TEST(Utf8Test, RejectsMalformedSequences) {
  EXPECT_EQ(Utf8SequenceLength("\xFF"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xC0\x80"), 0u);          // overlong NUL
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(Utf8SequenceLength("\xE4\xBD"), 0u);          // truncated
}

TEST(Utf8Test, PrefixDoesNotCutASequence) {
  EXPECT_EQ(Utf8Prefix("ab\xE4\xBD\xA0", 3), "ab");
  EXPECT_EQ(Utf8Prefix("ab\xE4\xBD\xA0", 5), "ab\xE4\xBD\xA0");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

}  // namespace
}  // namespace dg
