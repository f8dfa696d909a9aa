#include "sketch/minhash.h"

#include <gtest/gtest.h>

#include <string>

namespace dg {
namespace {

TemplateSketch Sketch(std::string_view text) {
  TemplateSketch s;
  std::vector<uint64_t> scratch;
  ComputeSketch(text, &s, &scratch);
  return s;
}

std::vector<uint64_t> Words(std::string_view text) {
  std::vector<uint64_t> w;
  MaskedWordHashes(text, &w);
  return w;
}

TEST(MaskedWordHashes, LowercasesAndSplitsOnPunctuation) {
  EXPECT_EQ(Words("Hello, World!"), Words("hello world"));
  EXPECT_EQ(Words("hello world").size(), 2u);
  EXPECT_NE(Words("hello world"), Words("hello there"));
}

TEST(MaskedWordHashes, MasksNumbersQuotesCodeAndUrls) {
  EXPECT_EQ(Words("order 12345 shipped"), Words("order 9 shipped"));
  EXPECT_EQ(Words("rate \"the first answer\" now"), Words("rate \"something else entirely\" now"));
  EXPECT_EQ(Words("fix ```int main() { return 1; }``` please"), Words("fix ```def f(): pass``` please"));
  EXPECT_EQ(Words("see https://example.com/a?b=1 ok"), Words("see http://other.org ok"));
  EXPECT_NE(Words("order 1 shipped"), Words("order one shipped"));
}

TEST(MaskedWordHashes, StrayQuotesAndUnclosedFencesStayLinearAndTerminate) {
  std::string quotes(20000, '"');
  EXPECT_TRUE(Words(quotes).size() <= kSketchMaxBytes);
  EXPECT_EQ(Words("text ``` never closed").size(), 2u);  // "text" + the code placeholder
}

TEST(MaskedWordHashes, CjkIsOneWordPerCodePointAndInvalidUtf8IsTolerated) {
  EXPECT_EQ(Words("\xe4\xbd\xa0\xe5\xa5\xbd").size(), 2u);        // 你好
  EXPECT_EQ(Words("caf\xc3\xa9 ol\xc3\xa9").size(), 4u);          // "caf" "é" "ol" "é"
  EXPECT_FALSE(Words("\xff\xfe\x80 abc \xe4").empty());
}

TEST(MaskedWordHashes, ReadsOnlyTheFirstBytes) {
  std::string a(kSketchMaxBytes, 'x');
  a[100] = ' ';
  std::string b = a + " tail words that differ";
  EXPECT_EQ(Words(a), Words(b));
}

TEST(Sketch, IdenticalTextsGiveIdenticalSketches) {
  const auto a = Sketch("Please solve the following problem step by step and show all reasoning.");
  EXPECT_EQ(a, Sketch("please solve the following problem step by step and show all reasoning"));
  EXPECT_DOUBLE_EQ(EstimateJaccard(a, a), 1.0);
  EXPECT_EQ(ComputeBandKeys(a), ComputeBandKeys(a));
}

TEST(Sketch, EmptyTextIsNotSketched) {
  TemplateSketch s;
  std::vector<uint64_t> scratch;
  EXPECT_FALSE(ComputeSketch("  ,,, ", &s, &scratch));
}

TEST(Sketch, ShortTextsAreOneShingleAndEveryBinIsFilled) {
  const auto s = Sketch("two words");
  for (uint32_t v : s) EXPECT_NE(v, 0xffffffffu);
  EXPECT_NE(Sketch("two words"), Sketch("other words"));
}

TEST(Sketch, JaccardEstimateTracksSharedTemplateShare) {
  // A fixed wrapper of ~40 words around fills of ~10 distinct words: similar.
  const std::string wrapper_a =
      "You are an expert assistant. Think through the task below carefully, reason step by step, "
      "write out every intermediate step of your reasoning in full detail, check each step, and only "
      "then give the final answer in a separate section at the end. Task: ";
  const std::string wrapper_b = " Remember to show all of your work and do not skip any step of the reasoning at all.";
  const auto a = Sketch(wrapper_a + "compute the area of a triangle with sides three four and five" + wrapper_b);
  const auto b = Sketch(wrapper_a + "explain why the sky appears blue during a clear summer day" + wrapper_b);
  const auto unrelated = Sketch("What is a good recipe for a vegetarian lasagna that my kids will like to eat tonight?");
  EXPECT_GT(EstimateJaccard(a, b), 0.45);
  EXPECT_LT(EstimateJaccard(a, unrelated), 0.1);
  // Near-duplicates share at least one LSH band.
  const auto ka = ComputeBandKeys(a);
  const auto kb = ComputeBandKeys(b);
  int shared = 0;
  for (size_t i = 0; i < kSketchBands; ++i) shared += ka[i] == kb[i] ? 1 : 0;
  EXPECT_GE(shared, 1);
}

TEST(Sketch, FixedSeedsMakeSignaturesStableAcrossRuns) {
  // Exported bundles carry signatures that other providers compare with their
  // own: a change of masking, hashing or binning must be deliberate (bump
  // kSketchScheme and these values together).
  const auto s = Sketch("the quick brown fox jumps over the lazy dog");
  EXPECT_EQ(s, Sketch("The quick brown fox jumps over the lazy dog."));
  EXPECT_EQ(s[0], 826852389u);
  EXPECT_EQ(s[1], 1784393627u);
  EXPECT_EQ(s[63], 761119156u);
  EXPECT_EQ(ComputeBandKeys(s)[0], 15673468641333132299ull);
  EXPECT_EQ(kSketchScheme, "dg-oph-v1");
}

}  // namespace
}  // namespace dg
