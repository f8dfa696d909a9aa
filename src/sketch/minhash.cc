#include "sketch/minhash.h"

// xxHash compiled into this file: the band keys hash 16 bytes 16 times per
// prompt, and inline (the length known at compile time) each costs a third
// of a call into the shared library. Same algorithm, same values.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <limits>

namespace dg {
namespace {

constexpr uint64_t kWordSeed = 0x6467736b65746368ULL;  // "dgsketch"
constexpr uint64_t kBandSeed = 0x6467626164730001ULL;
constexpr uint32_t kEmptyBin = std::numeric_limits<uint32_t>::max();
constexpr unsigned kBinShift = 58;  // top 6 bits pick one of 64 bins
static_assert(kSketchHashes == 64, "kBinShift assumes 64 bins");

// Fixed placeholder hashes for masked spans.
const uint64_t kNumberHash = XXH3_64bits_withSeed("#", 1, kWordSeed);
const uint64_t kQuoteHash = XXH3_64bits_withSeed("<q>", 3, kWordSeed);
const uint64_t kCodeHash = XXH3_64bits_withSeed("<code>", 6, kWordSeed);
const uint64_t kUrlHash = XXH3_64bits_withSeed("<url>", 5, kWordSeed);

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// Quoted spans longer than this are not "a quoted fill" but prose between
// two stray quote marks; they are left unmasked.
constexpr size_t kMaxQuotedBytes = 400;

// Byte classes, looked up once per byte: every byte of every prompt passes
// through the word loop below, and one table load replaces the chains of
// range compares (about a third of MaskedWordHashes' instructions).
constexpr uint8_t kSpaceClass = 1;   // ' ', \n, \t, \r, \f, \v
constexpr uint8_t kAlnumClass = 2;   // ASCII letter or digit: starts a word
constexpr uint8_t kWordClass = 4;    // letter, digit or '_': continues a word
constexpr uint8_t kDigitClass = 8;   // '0'-'9'
constexpr uint8_t kUpperClass = 16;  // 'A'-'Z'; (class & kUpperClass) << 1 is the 0x20 that lower-cases it
static_assert(kUpperClass << 1 == 0x20, "the upper-case bit doubles into the ASCII case bit");

constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const bool digit = c >= '0' && c <= '9';
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    uint8_t cls = 0;
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') cls |= kSpaceClass;
    if (digit || upper || lower) cls |= kAlnumClass | kWordClass;
    if (c == '_') cls |= kWordClass;
    if (digit) cls |= kDigitClass;
    if (upper) cls |= kUpperClass;
    t[c] = cls;
  }
  return t;
}();

inline bool IsSpace(unsigned char c) { return (kByteClass[c] & kSpaceClass) != 0; }

// For the bytes inside a word: 0 for a byte that ends the word, else the
// lower-cased byte with its class in the high byte. One load gives the test,
// the byte to hash and the digit flag (the loop is the hottest of linkage).
constexpr std::array<uint16_t, 256> kWordByte = [] {
  std::array<uint16_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const uint8_t cls = kByteClass[c];
    if ((cls & kWordClass) == 0) continue;
    const unsigned lower = c | ((cls & kUpperClass) << 1);
    t[c] = static_cast<uint16_t>((static_cast<unsigned>(cls) << 8) | lower);
  }
  return t;
}();

// Length of the UTF-8 sequence led by `c` (1 for stray continuation bytes).
inline size_t Utf8Length(unsigned char c) {
  if (c < 0xC0) return 1;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  return 4;
}

inline uint64_t Mix(uint64_t a, uint64_t b) {
  // A cheap, well-spread combination for rolling shingles (from splitmix64).
  uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0xBF58476D1CE4E5B9ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// splitmix64's finaliser: spreads a rolling hash over all 64 bits.
inline uint64_t Finalise(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kRollBase = 0x9E3779B97F4A7C15ULL;  // odd, so the polynomial is invertible

}  // namespace

void MaskedWordHashes(std::string_view text, std::vector<uint64_t>* out) {
  const size_t n = std::min(text.size(), kSketchMaxBytes);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    const uint8_t cls = kByteClass[c];
    if ((cls & kSpaceClass) != 0) {
      ++i;
      continue;
    }
    if (c == '`' && i + 2 < n && s[i + 1] == '`' && s[i + 2] == '`') {
      // Fenced code: everything up to the closing fence is one placeholder.
      const size_t close = text.substr(0, n).find("```", i + 3);
      out->push_back(kCodeHash);
      i = close == std::string_view::npos ? n : close + 3;
      continue;
    }
    if (c == '"') {
      // Bounded search, so a text full of stray quotes stays linear.
      const size_t close = text.substr(0, n).substr(i + 1, kMaxQuotedBytes).find('"');
      if (close != std::string_view::npos) {
        out->push_back(kQuoteHash);
        i = i + 1 + close + 1;
        continue;
      }
      ++i;
      continue;
    }
    if ((cls & kAlnumClass) != 0) {
      // FNV-1a over the lower-cased bytes, finished with a 64-bit mix: a
      // word costs a multiply per byte instead of a call into a general hash.
      size_t j = i;
      uint64_t h = kFnvOffset;
      unsigned seen = 0;  // union of the word's byte classes, in the high byte
      while (j < n) {
        const unsigned word_byte = kWordByte[s[j]];
        if (word_byte == 0) break;
        seen |= word_byte;
        h = (h ^ (word_byte & 0xffu)) * kFnvPrime;
        ++j;
      }
      const bool digit = ((seen >> 8) & kDigitClass) != 0;
      // "http" / "https" followed by "://": the whole URL is a placeholder.
      if (j + 2 < n && s[j] == ':' && s[j + 1] == '/' && s[j + 2] == '/') {
        while (j < n && !IsSpace(s[j])) ++j;
        out->push_back(kUrlHash);
      } else {
        out->push_back(digit ? kNumberHash : Mix(h, kWordSeed));
      }
      i = j;
      continue;
    }
    if (c >= 0x80) {
      // Non-ASCII: scripts written without spaces (CJK and the like, 3-byte
      // sequences and up) give one word per code point; others (Latin with
      // accents, Cyrillic, Greek: 2-byte sequences) a run until space or ASCII.
      const size_t len = std::min(Utf8Length(c), n - i);
      if (len >= 3) {
        out->push_back(XXH3_64bits_withSeed(s + i, len, kWordSeed));
        i += len;
        continue;
      }
      size_t j = i;
      while (j < n && s[j] >= 0x80 && Utf8Length(s[j]) < 3) j += std::min(Utf8Length(s[j]), n - j);
      if (j == i) j = i + 1;
      out->push_back(XXH3_64bits_withSeed(s + i, j - i, kWordSeed));
      i = j;
      continue;
    }
    ++i;  // ASCII punctuation separates words and is not a word itself
  }
}

bool SketchWords(const std::vector<uint64_t>& words, TemplateSketch* sketch) {
  sketch->fill(kEmptyBin);
  if (words.empty()) return false;
  const size_t shingles = words.size() < kShingleWords ? 1 : words.size() - kShingleWords + 1;
  const size_t width = std::min(words.size(), kShingleWords);
  // Rolling polynomial hash of the shingle's word hashes (mod 2^64), one
  // finaliser per shingle: three multiplies a shingle instead of a mix per word.
  uint64_t top = 1;  // kRollBase^(width-1)
  for (size_t k = 1; k < width; ++k) top *= kRollBase;
  uint64_t rolling = 0;
  for (size_t k = 0; k < width; ++k) rolling = rolling * kRollBase + words[k];
  for (size_t i = 0; i < shingles; ++i) {
    if (i > 0) rolling = (rolling - words[i - 1] * top) * kRollBase + words[i + width - 1];
    const uint64_t h = Finalise(rolling);
    const size_t bin = static_cast<size_t>(h >> kBinShift);
    const auto value = static_cast<uint32_t>(h);
    if (value < (*sketch)[bin]) (*sketch)[bin] = value;
  }
  // Densification by rotation (Shrivastava and Li, 2014): an empty bin takes
  // the value of the next non-empty bin to its right (circularly), offset by
  // the distance, so that two texts agree on an empty bin about as often as
  // on a full one. One pass leftwards from a filled bin keeps that donor in
  // hand instead of searching for it from every empty bin; only empty bins
  // are written, so the donors read are always original values.
  size_t donor = 0;
  while ((*sketch)[donor] == kEmptyBin) ++donor;  // at least one shingle was binned
  const size_t start = donor;
  for (size_t step = 1; step < kSketchHashes; ++step) {
    const size_t b = (start + kSketchHashes - step) % kSketchHashes;
    if ((*sketch)[b] != kEmptyBin) {
      donor = b;
      continue;
    }
    const size_t distance = (donor + kSketchHashes - b) % kSketchHashes;
    (*sketch)[b] = static_cast<uint32_t>(Mix((*sketch)[donor], distance));
  }
  return true;
}

bool ComputeSketch(std::string_view text, TemplateSketch* sketch, std::vector<uint64_t>* scratch) {
  scratch->clear();
  MaskedWordHashes(text, scratch);
  return SketchWords(*scratch, sketch);
}

uint64_t BandKey(const TemplateSketch& sketch, size_t band) {
  return XXH3_64bits_withSeed(sketch.data() + band * kSketchRows, kSketchRows * sizeof(uint32_t), kBandSeed + band);
}

BandKeys ComputeBandKeys(const TemplateSketch& sketch) {
  BandKeys keys;
  for (size_t b = 0; b < kSketchBands; ++b) keys[b] = BandKey(sketch, b);
  return keys;
}

double EstimateJaccard(const TemplateSketch& a, const TemplateSketch& b) {
  size_t equal = 0;
  for (size_t i = 0; i < kSketchHashes; ++i) equal += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(equal) / static_cast<double>(kSketchHashes);
}

}  // namespace dg
