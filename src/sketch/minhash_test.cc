#include "sketch/minhash.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  EXPECT_EQ(Words("\xe4\xbd\xa0\xe5\xa5\xbd").size(), 2u);  // 你好
  EXPECT_EQ(Words("caf\xc3\xa9 ol\xc3\xa9").size(), 4u);    // "caf" "é" "ol" "é"
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
  const auto unrelated =
      Sketch("What is a good recipe for a vegetarian lasagna that my kids will like to eat tonight?");
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

// MaskedWordHashes as first written (range compares per byte), kept as the
// reference for the table-driven version: the word hashes feed signatures
// that other providers compare, so they must not change by a bit.
namespace reference {

constexpr uint64_t kWordSeed = 0x6467736b65746368ULL;
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr size_t kMaxQuotedBytes = 400;

bool IsAsciiAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
bool IsSpace(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
size_t Utf8Length(unsigned char c) { return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }
uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0xBF58476D1CE4E5B9ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<uint64_t> MaskedWordHashes(std::string_view text) {
  const uint64_t number_hash = XXH3_64bits_withSeed("#", 1, kWordSeed);
  const uint64_t quote_hash = XXH3_64bits_withSeed("<q>", 3, kWordSeed);
  const uint64_t code_hash = XXH3_64bits_withSeed("<code>", 6, kWordSeed);
  const uint64_t url_hash = XXH3_64bits_withSeed("<url>", 5, kWordSeed);
  std::vector<uint64_t> out;
  const size_t n = std::min(text.size(), kSketchMaxBytes);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (c == '`' && i + 2 < n && s[i + 1] == '`' && s[i + 2] == '`') {
      const size_t close = text.substr(0, n).find("```", i + 3);
      out.push_back(code_hash);
      i = close == std::string_view::npos ? n : close + 3;
      continue;
    }
    if (c == '"') {
      const size_t close = text.substr(0, n).substr(i + 1, kMaxQuotedBytes).find('"');
      if (close != std::string_view::npos) {
        out.push_back(quote_hash);
        i = i + 1 + close + 1;
        continue;
      }
      ++i;
      continue;
    }
    if (IsAsciiAlnum(c)) {
      size_t j = i;
      uint64_t h = kFnvOffset;
      bool digit = false;
      while (j < n && (IsAsciiAlnum(s[j]) || s[j] == '_')) {
        digit |= (s[j] >= '0' && s[j] <= '9');
        h = (h ^ static_cast<uint64_t>(s[j] | (s[j] >= 'A' && s[j] <= 'Z' ? 0x20 : 0))) * kFnvPrime;
        ++j;
      }
      if (j + 2 < n && s[j] == ':' && s[j + 1] == '/' && s[j + 2] == '/') {
        while (j < n && !IsSpace(s[j])) ++j;
        out.push_back(url_hash);
      } else {
        out.push_back(digit ? number_hash : Mix(h, kWordSeed));
      }
      i = j;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = std::min(Utf8Length(c), n - i);
      if (len >= 3) {
        out.push_back(XXH3_64bits_withSeed(s + i, len, kWordSeed));
        i += len;
        continue;
      }
      size_t j = i;
      while (j < n && s[j] >= 0x80 && Utf8Length(s[j]) < 3) j += std::min(Utf8Length(s[j]), n - j);
      if (j == i) j = i + 1;
      out.push_back(XXH3_64bits_withSeed(s + i, j - i, kWordSeed));
      i = j;
      continue;
    }
    ++i;
  }
  return out;
}

constexpr uint64_t kRollBase = 0x9E3779B97F4A7C15ULL;
uint64_t Finalise(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// SketchWords as first written (densification searching for each empty
// bin's donor).
TemplateSketch SketchWords(const std::vector<uint64_t>& words) {
  constexpr uint32_t kEmptyBin = 0xffffffffu;
  TemplateSketch sketch;
  sketch.fill(kEmptyBin);
  if (words.empty()) return sketch;
  const size_t shingles = words.size() < kShingleWords ? 1 : words.size() - kShingleWords + 1;
  const size_t width = std::min(words.size(), kShingleWords);
  uint64_t top = 1;
  for (size_t k = 1; k < width; ++k) top *= kRollBase;
  uint64_t rolling = 0;
  for (size_t k = 0; k < width; ++k) rolling = rolling * kRollBase + words[k];
  for (size_t i = 0; i < shingles; ++i) {
    if (i > 0) rolling = (rolling - words[i - 1] * top) * kRollBase + words[i + width - 1];
    const uint64_t h = Finalise(rolling);
    const size_t bin = static_cast<size_t>(h >> 58);
    const auto value = static_cast<uint32_t>(h);
    if (value < sketch[bin]) sketch[bin] = value;
  }
  TemplateSketch filled = sketch;
  for (size_t b = 0; b < kSketchHashes; ++b) {
    if (filled[b] != kEmptyBin) continue;
    for (size_t d = 1; d < kSketchHashes; ++d) {
      const uint32_t donor = filled[(b + d) % kSketchHashes];
      if (donor != kEmptyBin) {
        sketch[b] = static_cast<uint32_t>(Mix(donor, d));
        break;
      }
    }
  }
  return sketch;
}

// ComputeBandKeys as first written (all sixteen hashed in one loop), kept
// as the reference for BandKey: band keys are linkage keys and exported.
BandKeys ComputeBandKeys(const TemplateSketch& sketch) {
  constexpr uint64_t kBandSeed = 0x6467626164730001ULL;
  BandKeys keys;
  for (size_t b = 0; b < kSketchBands; ++b) {
    keys[b] = XXH3_64bits_withSeed(sketch.data() + b * kSketchRows, kSketchRows * sizeof(uint32_t), kBandSeed + b);
  }
  return keys;
}

}  // namespace reference

// Word sequences from 1 to 300 words (one shingle up to more shingles than
// bins, so from one filled bin to nearly all): the sketch equals the
// reference's bin for bin.
TEST(Sketch, EqualsTheReferenceOnRandomWordSequences) {
  uint64_t state = 0xd15e;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint64_t> words(1 + (next() >> 33) % (round % 3 == 0 ? 300 : 40));
    for (auto& w : words) w = next() % 50 == 0 ? 7 : next();  // some repeated words
    TemplateSketch got;
    ASSERT_TRUE(SketchWords(words, &got));
    EXPECT_EQ(got, reference::SketchWords(words)) << "round " << round << ", " << words.size() << " words";
  }
}

// Random texts built from every byte value and from the pieces the masking
// treats specially (case, digits, '_', each whitespace byte, quotes, fences,
// URLs, 2- to 4-byte UTF-8, stray continuation bytes), some longer than
// kSketchMaxBytes: the word hashes equal the reference's exactly.
TEST(MaskedWordHashes, EqualsTheReferenceOnRandomTexts) {
  const std::vector<std::string> pieces = {"word",
                                           "Word",
                                           "WORD",
                                           "snake_case",
                                           "_lead",
                                           "x9",
                                           "2026",
                                           "A1_b2",
                                           " ",
                                           "  ",
                                           "\n",
                                           "\t",
                                           "\r",
                                           "\f",
                                           "\v",
                                           "\"",
                                           "\"quoted fill\"",
                                           "```",
                                           "```code\n```",
                                           "http://x.y/z",
                                           "https://a",
                                           "ftp:/",
                                           "caf\xc3\xa9",
                                           "\xd0\x96\xd0\xb8",
                                           "\xe4\xbd\xa0\xe5\xa5\xbd",
                                           "\xf0\x9f\x98\x80",
                                           "\x80",
                                           "\xbf\xbf",
                                           "\xc3",
                                           "-",
                                           ".",
                                           "!?"};
  uint64_t state = 0x5eed5eed;
  const auto next = [&](size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  size_t words = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t target = round % 10 == 0 ? 4000 + next(2000) : next(600);
    while (text.size() < target) {
      if (next(8) == 0) {
        text.push_back(static_cast<char>(next(256)));
      } else {
        text += pieces[next(pieces.size())];
      }
    }
    const auto want = reference::MaskedWordHashes(text);
    EXPECT_EQ(Words(text), want) << "round " << round;
    words += want.size();
  }
  EXPECT_GT(words, 100000u);
}

// Random sketches and the sketches of random texts: each band's key alone
// equals the reference's, as do all sixteen together.
TEST(Sketch, BandKeysEqualTheReference) {
  uint64_t state = 0xba4d;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state;
  };
  for (int round = 0; round < 2000; ++round) {
    TemplateSketch s;
    if (round % 2 == 0) {
      for (auto& v : s) v = static_cast<uint32_t>(next() >> 32);
    } else {
      std::string text;
      const size_t words = 1 + next() % 60;
      for (size_t w = 0; w < words; ++w) {
        text += std::string(1 + next() % 3, static_cast<char>('a' + next() % 26)) + ' ';
      }
      s = Sketch(text);
    }
    const BandKeys want = reference::ComputeBandKeys(s);
    EXPECT_EQ(ComputeBandKeys(s), want) << "round " << round;
    for (size_t b = 0; b < kSketchBands; ++b) EXPECT_EQ(BandKey(s, b), want[b]) << "round " << round << ", band " << b;
  }
}

}  // namespace
}  // namespace dg
