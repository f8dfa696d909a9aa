// Tests for the word-evidence phrase table and its tokenizer
// (classify/word_evidence.h).
#include "classify/word_evidence.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace dg {
namespace {

constexpr uint32_t kPoem = 0;
constexpr uint32_t kStory = 1;
constexpr uint32_t kStepByStep = 2;
constexpr uint32_t kRussian = 3;
constexpr uint32_t kGerman = 4;
constexpr uint32_t kPython = 5;
constexpr uint32_t kDont = 6;
constexpr uint32_t kHighRule = 130;  // in the third word of the bitmap

class PhraseTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(table_.Add("poem", kPoem));
    ASSERT_TRUE(table_.Add("short story", kStory));
    ASSERT_TRUE(table_.Add("step by step", kStepByStep));
    ASSERT_TRUE(table_.Add("step-by-step", kStepByStep));
    ASSERT_TRUE(table_.Add("шаг за шагом", kRussian));
    ASSERT_TRUE(table_.Add("übersetze", kGerman));
    ASSERT_TRUE(table_.Add("python", kPython));
    ASSERT_TRUE(table_.Add("don't", kDont));
    ASSERT_TRUE(table_.Add("the meaning of life", kHighRule));
    table_.Build();
  }
  // The rules found in `text`, as a bitmap over rules 0..191.
  std::array<uint64_t, 3> Scan(std::string_view text) const {
    std::array<uint64_t, 3> hits{};
    table_.Scan(text, hits);
    return hits;
  }
  bool Hit(std::string_view text, uint32_t rule) const { return ((Scan(text)[rule / 64] >> (rule % 64)) & 1) != 0; }
  bool None(std::string_view text) const {
    const auto h = Scan(text);
    return h[0] == 0 && h[1] == 0 && h[2] == 0;
  }
  PhraseTable table_;
};

TEST_F(PhraseTableTest, CountsPhrasesAndPrefixes) {
  EXPECT_EQ(table_.phrase_count(), 9U);
  // step by step: "step", "step by", "step by step" (shared with the hyphenated form).
  EXPECT_GE(table_.entry_count(), 9U);
}

TEST_F(PhraseTableTest, WholeWordsCaseFolded) {
  EXPECT_TRUE(Hit("Write a POEM about the sea", kPoem));
  EXPECT_TRUE(Hit("poem", kPoem));
  EXPECT_FALSE(Hit("poems about the sea", kPoem)) << "whole words only";
  EXPECT_FALSE(Hit("apoem", kPoem));
  EXPECT_TRUE(Hit("(poem)", kPoem));
  EXPECT_TRUE(Hit("Solve it Step By Step.", kStepByStep));
  EXPECT_TRUE(Hit("what is the meaning of life", kHighRule));
}

TEST_F(PhraseTableTest, PhrasesNeedSoftGaps) {
  EXPECT_TRUE(Hit("a short  story", kStory)) << "two spaces are still a soft gap";
  EXPECT_TRUE(Hit("step-by-step", kStepByStep));
  EXPECT_TRUE(Hit("step by-step", kStepByStep));
  EXPECT_FALSE(Hit("a short. Story", kStory)) << "a full stop breaks the phrase";
  EXPECT_FALSE(Hit("short\nstory", kStory)) << "a newline breaks the phrase";
  EXPECT_FALSE(Hit("short      story", kStory)) << "a long gap breaks the phrase";
  EXPECT_FALSE(Hit("step by", kStepByStep));
  EXPECT_TRUE(Hit("step step by step", kStepByStep)) << "overlapping starts";
  EXPECT_TRUE(Hit("I don't know", kDont));
  EXPECT_TRUE(Hit("I don’t know", kDont)) << "typographic apostrophe";
  EXPECT_FALSE(Hit("I dont know", kDont));
}

TEST_F(PhraseTableTest, Multilingual) {
  EXPECT_TRUE(Hit("Реши задачу ШАГ ЗА ШАГОМ", kRussian)) << "Cyrillic case folding";
  EXPECT_TRUE(Hit("Übersetze den Text", kGerman)) << "Latin-1 case folding";
  EXPECT_TRUE(Hit("用Python写一个函数", kPython)) << "a change of script ends a word";
  EXPECT_TRUE(Hit("Pythonで書いて", kPython));
  EXPECT_FALSE(Hit("pythonés", kPython)) << "accented letters are part of a Latin word";
  EXPECT_TRUE(Hit("“poem”", kPoem)) << "typographic quotes separate";
  EXPECT_TRUE(Hit("诗歌，poem。", kPoem)) << "CJK punctuation separates";
}

TEST_F(PhraseTableTest, EmptyAndInvalidUtf8) {
  EXPECT_TRUE(None(""));
  EXPECT_TRUE(None("   \n\t"));
  EXPECT_TRUE(
      Hit("\xff"
          "poem\xc3",
          kPoem))
      << "invalid bytes separate words";
  EXPECT_TRUE(Hit("short\x80story", kStory) == false) << "an invalid byte is a hard gap";
  EXPECT_TRUE(Hit(std::string("poem\0story", 10), kPoem));
  std::mt19937 rng(3);  // fixed seed
  std::string noise(1 << 16, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  (void)Scan(noise);  // must not crash or read out of bounds
}

TEST_F(PhraseTableTest, VeryLongWordsAndTexts) {
  const std::string long_word(10000, 'p');
  EXPECT_TRUE(None(long_word));
  EXPECT_TRUE(Hit(long_word + " poem", kPoem));
  EXPECT_FALSE(Hit("short " + std::string(PhraseTable::kMaxWordBytes + 1, 'x') + " story", kStory));
  std::string big;
  while (big.size() < (1 << 20)) big += "the quick brown fox jumps over the lazy dog ";
  EXPECT_TRUE(None(big));
  EXPECT_TRUE(Hit(big + "step by step", kStepByStep));
}

// ASCII words are hashed in place from the text, words with non-ASCII
// letters from a folded copy; both must give the same key for the same
// letters, at every length around the 8-byte chunks and at the end of a text.
TEST(PhraseTableHashTest, InPlaceAndCopiedWordsAgree) {
  PhraseTable table;
  const std::vector<std::string> words = {
      "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq", "snake_case_name_x"};
  for (size_t i = 0; i < words.size(); ++i) ASSERT_TRUE(table.Add(words[i], static_cast<uint32_t>(i)));
  ASSERT_TRUE(table.Add("caf\xc3\xa9 au lait", 10));  // "café au lait"
  table.Build();
  for (size_t i = 0; i < words.size(); ++i) {
    std::string upper = words[i];
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    for (const std::string& text : {words[i], upper, "x " + upper + " y", "x " + words[i],
                                    words[i] + "\xe2\x80\x99s"}) {  // followed by a typographic apostrophe
      std::array<uint64_t, 1> hits{};
      table.Scan(text, hits);
      EXPECT_EQ(hits[0], uint64_t{1} << i) << text;
    }
    std::array<uint64_t, 1> hits{};
    table.Scan(words[i] + "z", hits);
    EXPECT_EQ(hits[0] & (uint64_t{1} << i), 0U) << "a longer word is another word";
  }
  std::array<uint64_t, 1> hits{};
  table.Scan("un CAF\xc3\x89 AU LAIT", hits);  // "CAFÉ": Latin-1 upper case folds too
  EXPECT_EQ(hits[0], uint64_t{1} << 10);
}

TEST(PhraseTableAddTest, RejectsWhatCannotBeAPhrase) {
  PhraseTable table;
  EXPECT_FALSE(table.Add("", 0));
  EXPECT_FALSE(table.Add(" - ", 0));
  EXPECT_FALSE(table.Add("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 0));
  EXPECT_FALSE(table.Add("node.js", 0)) << "a full stop is a hard break";
  EXPECT_FALSE(table.Add(std::string(PhraseTable::kMaxWordBytes + 1, 'a'), 0));
  EXPECT_TRUE(table.Add("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", 0));
  table.Build();
  std::array<uint64_t, 1> hits{};
  table.Scan("so 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", hits);
  EXPECT_EQ(hits[0], 1U);
}

TEST(PhraseTableAddTest, EmptyTableFindsNothing) {
  PhraseTable table;
  table.Build();
  std::array<uint64_t, 1> hits{};
  table.Scan("poem", hits);
  EXPECT_EQ(hits[0], 0U);
}

}  // namespace
}  // namespace dg
