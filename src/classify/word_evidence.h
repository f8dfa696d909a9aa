// Word-level evidence for the prompt classifier: a table of word phrases,
// each tagged with the rules (classifier patterns) it is evidence for, and a
// single pass over a text that reports which rules' phrases occur in it.
//
// Pipeline position: inside PromptClassifier::Classify(), beside the
// Hyperscan scan of the rules that are not word lists. The table is built
// once by PromptClassifier::Create() from the rule list (via
// classify/pattern_split.h) and shared, immutable, by every clone.
//
// Tokenizer (the same for phrases and texts, so both sides always agree):
//  - a word is a maximal run of word characters of one script: ASCII
//    letters, digits and '_' with the Latin letters U+00C0..U+024F; Cyrillic;
//    any other letter-like character (CJK and the rest). A change of script
//    ends a word, as Hyperscan's ASCII \b does ("用Python写" has the word
//    "python").
//  - case is folded for ASCII, Latin-1 and basic Cyrillic letters.
//  - everything else separates words: ASCII punctuation and white space,
//    Unicode punctuation (U+2000..U+206F, U+3000..U+303F, full-width
//    punctuation, U+00A0..U+00BF) and invalid UTF-8 bytes, skipped one byte
//    at a time.
//  - two words are joined (may continue a phrase) when the gap between them
//    is at most kMaxSoftGapBytes bytes of soft separators only: space, '-',
//    '\'', U+2018 and U+2019. A newline, a tab or any other punctuation
//    breaks a phrase, as the regexes' literal spaces did.
//  - a word longer than kMaxWordBytes never matches (no phrase word is
//    that long) and breaks phrases.
//
// Thread-safety: Add() and Build() are for construction on one thread;
// after Build() the table is immutable and Scan() may be called from any
// number of threads at once. Scan() never allocates.
#ifndef DG_CLASSIFY_WORD_EVIDENCE_H_
#define DG_CLASSIFY_WORD_EVIDENCE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dg {

class PhraseTable {
 public:
  static constexpr size_t kMaxPhraseWords = 16;
  static constexpr size_t kMaxWordBytes = 48;
  static constexpr size_t kMaxSoftGapBytes = 4;

  // Adds `phrase` as evidence for `rule`. Returns false (and adds nothing)
  // if it holds no word, more than kMaxPhraseWords words, a word that never
  // matches, or a break between words. Must precede Build().
  bool Add(std::string_view phrase, uint32_t rule);

  // Freezes the table into its lookup form.
  void Build();

  // For every phrase occurring in `text`, sets bit `rule` of `hits` (bit r
  // is hits[r / 64] >> (r % 64)) for each of its rules. Rules must be below
  // 64 * hits.size(). Requires Build().
  void Scan(std::string_view text, std::span<uint64_t> hits) const;

  size_t phrase_count() const { return phrases_; }
  size_t entry_count() const { return entries_used_; }  // phrases and their proper prefixes

 private:
  // One slot, 8 bytes so that the whole table (about 70k keys at a load
  // of at most 0.55) is 1 MiB and mostly stays in the core's L2 cache: the
  // high 32 bits of the key identify it (the low bits pick the slot; two keys
  // would have to agree on both to be confused, about once in 2^32 lookups
  // of a word that is in the vocabulary), the rest packs where its rules are.
  struct Entry {
    uint32_t fingerprint = 0;  // 0: empty slot
    uint32_t packed = 0;       // rules_begin << kRuleCountBits | rules_count << 1 | continues
  };
  static constexpr unsigned kRuleCountBits = 9;  // 1 continues bit + 8 bits of count
  static constexpr uint32_t kMaxRulesPerPhrase = 255;
  static constexpr uint32_t kMaxRulePool = uint32_t{1} << (32 - kRuleCountBits);
  struct Pending {
    std::vector<uint32_t> rules;
    bool continues = false;
  };

  const Entry* Find(uint64_t key) const;
  bool InVocabulary(uint64_t word_hash) const {
    const uint64_t bit = word_hash >> (64 - kVocabularyBitsLog2);
    return ((vocabulary_[bit / 64] >> (bit % 64)) & 1) != 0;
  }
  void AddToVocabulary(uint64_t word_hash) {
    const uint64_t bit = word_hash >> (64 - kVocabularyBitsLog2);
    vocabulary_[bit / 64] |= uint64_t{1} << (bit % 64);
  }

  // A one-hash Bloom filter of every word of every phrase (32 KiB, stays in
  // cache): most words of a text are in no phrase, and the filter answers
  // for them without touching the table, which is megabytes.
  static constexpr unsigned kVocabularyBitsLog2 = 18;
  std::vector<uint64_t> vocabulary_ = std::vector<uint64_t>((size_t{1} << kVocabularyBitsLog2) / 64);

  std::unordered_map<uint64_t, Pending> pending_;  // until Build()
  std::vector<Entry> slots_;                       // open addressing, size a power of two
  std::vector<uint32_t> rules_;
  uint64_t mask_ = 0;
  size_t phrases_ = 0;
  size_t entries_used_ = 0;
};

}  // namespace dg

#endif  // DG_CLASSIFY_WORD_EVIDENCE_H_
