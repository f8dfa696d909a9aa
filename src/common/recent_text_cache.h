// RecentTextCache: a value computed from a text, kept for texts that come
// back verbatim (an application sends one system prompt with every request).
//
// Bottom of the pipeline, beside hash.h: the classifier keeps the pattern
// matches of recent system prompts in one, linkage the hash of their masked
// words in another. Direct-mapped by the text's hash and compared byte for
// byte, so a hit is exactly what computing again would give; a text longer
// than kMaxBytes is never kept. Memory: kSlots * kMaxBytes of text plus the
// values, allocated at the first Put.
//
// Thread-safety: none; one per thread (each classifier or extractor owns
// its own).
#ifndef DG_COMMON_RECENT_TEXT_CACHE_H_
#define DG_COMMON_RECENT_TEXT_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "common/hash.h"

namespace dg {

template <typename Value, size_t kSlots = 256, size_t kMaxBytes = 2048>
class RecentTextCache {
 public:
  static constexpr size_t kMaxTextBytes = kMaxBytes;

  // The value stored for exactly `text`, or nullptr.
  const Value* Find(std::string_view text) const {
    if (text.size() > kMaxBytes || slots_.empty()) return nullptr;
    const uint64_t hash = Hash64(text);
    const size_t i = hash % kSlots;
    const Slot& s = slots_[i];
    if (!s.used || s.hash != hash || s.length != text.size() ||
        std::memcmp(text_.get() + i * kMaxBytes, text.data(), text.size()) != 0) {
      return nullptr;
    }
    return &s.value;
  }

  // Keeps `value` for `text` in its slot, in place of the text there before.
  void Put(std::string_view text, const Value& value) {
    if (text.size() > kMaxBytes) return;
    if (slots_.empty()) {
      slots_.resize(kSlots);
      text_ = std::make_unique_for_overwrite<char[]>(kSlots * kMaxBytes);
    }
    const uint64_t hash = Hash64(text);
    const size_t i = hash % kSlots;
    slots_[i] = Slot{hash, static_cast<uint32_t>(text.size()), true, value};
    std::memcpy(text_.get() + i * kMaxBytes, text.data(), text.size());
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t length = 0;
    bool used = false;
    Value value{};
  };
  std::vector<Slot> slots_;
  std::unique_ptr<char[]> text_;
};

}  // namespace dg

#endif  // DG_COMMON_RECENT_TEXT_CACHE_H_
