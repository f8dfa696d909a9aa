// Tokenizer and open-addressing phrase table; the header states the rules.
//
// A phrase of n words is stored as n keys: the key of its first word, then of
// its first two words, and so on (each a hash of the previous key and the
// next word's hash), every one but the last flagged `continues`. Scanning
// keeps the keys of the phrases still open at the previous word (at most
// kMaxPhraseWords, one per start position) and extends them with each new
// word, so the text is read once and each word costs one lookup plus one per
// open phrase, which is almost always none.
#include "classify/word_evidence.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "common/check.h"
#include "common/utf8.h"

namespace dg {
namespace {

constexpr unsigned char kFirstNonAscii = 0x80;

enum class ByteKind : uint8_t { kHard, kSoft, kWord, kNonAscii };

constexpr std::array<ByteKind, 256> MakeByteKinds() {
  std::array<ByteKind, 256> kinds{};
  for (int b = 0; b < 256; ++b) {
    ByteKind k = ByteKind::kHard;
    if (b >= 0x80) k = ByteKind::kNonAscii;
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_') k = ByteKind::kWord;
    if (b == ' ' || b == '-' || b == '\'') k = ByteKind::kSoft;
    kinds[static_cast<size_t>(b)] = k;
  }
  return kinds;
}
constexpr std::array<ByteKind, 256> kByteKinds = MakeByteKinds();

enum class Script : uint8_t { kNone, kLatin, kCyrillic, kOther };

// A non-ASCII character's role, with its case-folded code point.
struct CharInfo {
  ByteKind kind;
  Script script;
  uint32_t folded;
};

CharInfo ClassifyCodePoint(uint32_t cp) {
  constexpr uint32_t kLeftQuote = 0x2018, kRightQuote = 0x2019;
  if (cp == kLeftQuote || cp == kRightQuote) return {ByteKind::kSoft, Script::kNone, cp};
  const bool punctuation = (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
                           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
                           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
                           (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFEFF;
  if (punctuation) return {ByteKind::kHard, Script::kNone, cp};
  if (cp >= 0xC0 && cp <= 0x24F) {
    uint32_t folded = cp;
    if (cp <= 0xDE) folded = cp + 0x20;                              // À..Þ -> à..þ
    if (cp >= 0x100 && cp <= 0x17F && cp % 2 == 0) folded = cp + 1;  // Latin Extended-A pairs
    return {ByteKind::kWord, Script::kLatin, folded};
  }
  if (cp >= 0x400 && cp <= 0x4FF) {
    uint32_t folded = cp;
    if (cp >= 0x410 && cp <= 0x42F) folded = cp + 0x20;  // А..Я -> а..я
    if (cp <= 0x40F) folded = cp + 0x50;                 // Ѐ..Џ -> ѐ..џ
    return {ByteKind::kWord, Script::kCyrillic, folded};
  }
  return {ByteKind::kWord, Script::kOther, cp};
}

uint32_t DecodeUtf8(std::string_view s, size_t len) {
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
  switch (len) {
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// Appends cp (< 0x110000) as UTF-8 to buf[*len...] if it fits.
void AppendUtf8(uint32_t cp, char* buf, size_t* len, size_t cap) {
  char tmp[4];
  size_t n = 0;
  if (cp < 0x800) {
    tmp[n++] = static_cast<char>(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    tmp[n++] = static_cast<char>(0xE0 | (cp >> 12));
    tmp[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  } else {
    tmp[n++] = static_cast<char>(0xF0 | (cp >> 18));
    tmp[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    tmp[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  }
  if (cp >= 0x80) tmp[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  for (size_t i = 0; i < n; ++i) {
    if (*len < cap) buf[*len] = tmp[i];
    ++*len;
  }
}

// Never the hash of a real word (a collision only costs a missed phrase).
constexpr uint64_t kUnmatchableWord = 0;

// ASCII word bytes ([A-Za-z0-9_]) fold to lower case with one OR: digits
// already have the bit, and '_' becomes 0x7F on both sides alike.
constexpr uint64_t kAsciiFold = 0x2020202020202020ULL;
constexpr size_t kChunk = sizeof(uint64_t);

uint64_t Mix64(uint64_t x) {  // the murmur3 finaliser
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

// Hash of the word p[0, len) after OR-ing every byte with `fold`, eight
// bytes at a time. p[0, readable) may be read (readable >= len); bytes past
// len are masked off. Every word goes through here, so it is the per-word
// cost of the tokenizer: a multiply per 8 bytes and one finaliser. (Not
// common/hash.h's xxHash: that one needs the folded bytes copied first.)
uint64_t HashWord(const char* p, size_t len, size_t readable, uint64_t fold) {
  uint64_t h = len * 0x9E3779B97F4A7C15ULL;
  size_t i = 0;
  for (; i + kChunk <= len; i += kChunk) {
    uint64_t chunk;
    std::memcpy(&chunk, p + i, kChunk);
    h = (h ^ (chunk | fold)) * 0xC2B2AE3D27D4EB4FULL;
  }
  const size_t rest = len - i;
  if (rest > 0) {
    uint64_t chunk = 0;
    if (i + kChunk <= readable) {
      std::memcpy(&chunk, p + i, kChunk);
    } else {
      std::memcpy(&chunk, p + i, rest);
    }
    chunk = (chunk | fold) & (~uint64_t{0} >> (8 * (kChunk - rest)));
    h = (h ^ chunk) * 0xC2B2AE3D27D4EB4FULL;
  }
  return Mix64(h) | 1;  // never kUnmatchableWord
}

// Calls on_word(hash, joined) for each word of `text`; `joined` tells
// whether the gap before it allows a phrase to continue.
template <typename OnWord>
void ForEachWord(std::string_view text, OnWord&& on_word) {
  constexpr size_t kCap = PhraseTable::kMaxWordBytes;
  char buf[kCap + kChunk];  // folded bytes of a word with non-ASCII letters
  size_t len = 0;           // bytes of that word so far (may exceed kCap)
  Script script = Script::kNone;
  bool soft_gap = false;  // the gap since the last word allows a join
  size_t gap_bytes = 0;
  bool any_word = false;

  auto emit = [&](uint64_t h) {
    on_word(h, any_word && soft_gap && gap_bytes <= PhraseTable::kMaxSoftGapBytes);
    any_word = true;
    len = 0;
    script = Script::kNone;
    soft_gap = true;
    gap_bytes = 0;
  };
  auto finish_word = [&] {
    if (len == 0) return;
    emit(len <= kCap ? HashWord(buf, len, sizeof(buf), 0) : kUnmatchableWord);
  };
  auto separator = [&](bool soft, size_t bytes) {
    finish_word();
    soft_gap = soft_gap && soft;
    gap_bytes += bytes;
  };

  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(text[i]);
    const ByteKind kind = kByteKinds[b];
    if (kind == ByteKind::kWord) {
      if (script != Script::kLatin && len > 0) {
        finish_word();
        soft_gap = false;  // a change of script is no place to continue a phrase
      }
      script = Script::kLatin;
      size_t end = i + 1;
      while (end < n && kByteKinds[static_cast<unsigned char>(text[end])] == ByteKind::kWord) ++end;
      const bool continues_non_ascii = end < n && static_cast<unsigned char>(text[end]) >= kFirstNonAscii;
      if (len == 0 && !continues_non_ascii) {
        // The common case, a plain ASCII word: hashed in place.
        const size_t word = end - i;
        emit(word <= kCap ? HashWord(text.data() + i, word, n - i, kAsciiFold) : kUnmatchableWord);
      } else {
        // Part of a word with non-ASCII letters ("café", "naïve"): folded
        // into the buffer, hashed when the word ends.
        for (size_t k = i; k < end; ++k, ++len) {
          if (len < kCap) buf[len] = static_cast<char>(static_cast<unsigned char>(text[k]) | 0x20);
        }
      }
      i = end;
      continue;
    }
    if (kind != ByteKind::kNonAscii) {
      separator(kind == ByteKind::kSoft, 1);
      ++i;
      continue;
    }
    const size_t seq = Utf8SequenceLength(text.substr(i));
    if (seq == 0) {
      separator(false, 1);
      ++i;
      continue;
    }
    const CharInfo info = ClassifyCodePoint(DecodeUtf8(text.substr(i), seq));
    if (info.kind != ByteKind::kWord) {
      separator(info.kind == ByteKind::kSoft, seq);
    } else {
      if (script != info.script && len > 0) {
        finish_word();
        soft_gap = false;
      }
      script = info.script;
      AppendUtf8(info.folded, buf, &len, kCap);
    }
    i += seq;
  }
  finish_word();
}

uint64_t Extend(uint64_t prefix_key, uint64_t word_hash) {
  return Mix64(prefix_key * 0x9E3779B97F4A7C15ULL + word_hash) | 1;
}

uint32_t Fingerprint(uint64_t key) { return static_cast<uint32_t>(key >> 32) | 1; }  // never 0, the empty slot

}  // namespace

bool PhraseTable::Add(std::string_view phrase, uint32_t rule) {
  DG_CHECK(slots_.empty());  // Add() after Build()
  std::array<uint64_t, kMaxPhraseWords> keys{};
  std::array<uint64_t, kMaxPhraseWords> hashes{};
  size_t words = 0;
  bool ok = true;
  ForEachWord(phrase, [&](uint64_t h, bool joined) {
    if (h == kUnmatchableWord || words == kMaxPhraseWords || (words > 0 && !joined)) {
      ok = false;
      return;
    }
    keys[words] = words == 0 ? h : Extend(keys[words - 1], h);
    hashes[words] = h;
    ++words;
  });
  if (!ok || words == 0) return false;
  for (size_t w = 0; w < words; ++w) AddToVocabulary(hashes[w]);
  for (size_t w = 0; w + 1 < words; ++w) pending_[keys[w]].continues = true;
  std::vector<uint32_t>& rules = pending_[keys[words - 1]].rules;
  if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
  ++phrases_;
  return true;
}

void PhraseTable::Build() {
  // Linear probing stays short up to a load of ~0.55 (1.5 probes for a hit).
  constexpr size_t kLoadDenominator = 11;
  constexpr size_t kLoadNumerator = 20;  // capacity >= entries * 20 / 11
  const size_t capacity = std::bit_ceil(std::max<size_t>(16, pending_.size() * kLoadNumerator / kLoadDenominator));
  slots_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  for (const auto& [key, pending] : pending_) {
    size_t slot = key & mask_;
    while (slots_[slot].fingerprint != 0) slot = (slot + 1) & mask_;
    DG_CHECK(pending.rules.size() <= kMaxRulesPerPhrase);
    DG_CHECK(rules_.size() + pending.rules.size() < kMaxRulePool);
    const auto begin = static_cast<uint32_t>(rules_.size());
    const auto count = static_cast<uint32_t>(pending.rules.size());
    slots_[slot] = {Fingerprint(key), begin << kRuleCountBits | count << 1 | (pending.continues ? 1U : 0U)};
    rules_.insert(rules_.end(), pending.rules.begin(), pending.rules.end());
  }
  entries_used_ = pending_.size();
  pending_ = {};
}

const PhraseTable::Entry* PhraseTable::Find(uint64_t key) const {
  const uint32_t fingerprint = Fingerprint(key);
  size_t slot = key & mask_;
  while (true) {
    const Entry& e = slots_[slot];
    if (e.fingerprint == fingerprint) return &e;
    if (e.fingerprint == 0) return nullptr;
    slot = (slot + 1) & mask_;
  }
}

void PhraseTable::Scan(std::string_view text, std::span<uint64_t> hits) const {
  if (slots_.empty()) return;
  constexpr size_t kBits = 64;
  // Keys of the phrases still open after the previous word, double-buffered.
  std::array<std::array<uint64_t, kMaxPhraseWords>, 2> open;
  size_t open_count = 0;
  size_t current = 0;
  ForEachWord(text, [&](uint64_t h, bool joined) {
    if (open_count == 0 && !InVocabulary(h)) return;  // the common case: nothing to do
    std::array<uint64_t, kMaxPhraseWords>& next = open[current ^ 1];
    size_t next_count = 0;
    auto visit = [&](uint64_t key) {
      const Entry* e = Find(key);
      if (e == nullptr) return;
      const uint32_t begin = e->packed >> kRuleCountBits;
      const uint32_t end = begin + ((e->packed >> 1) & kMaxRulesPerPhrase);
      for (uint32_t r = begin; r < end; ++r) {
        const uint32_t rule = rules_[r];
        hits[rule / kBits] |= uint64_t{1} << (rule % kBits);
      }
      if ((e->packed & 1) != 0 && next_count < kMaxPhraseWords) next[next_count++] = key;
    };
    if (h != kUnmatchableWord && InVocabulary(h)) {
      if (joined) {
        for (size_t k = 0; k < open_count; ++k) visit(Extend(open[current][k], h));
      }
      visit(h);
    }
    current ^= 1;
    open_count = next_count;
  });
}

}  // namespace dg
