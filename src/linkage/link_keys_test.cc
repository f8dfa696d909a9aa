#include "linkage/link_keys.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"

namespace dg {
namespace {

Event BaseEvent() {
  Event e;
  e.ts_ms = 1'000'000;
  e.account_id = "a1";
  e.ip = "203.0.113.7";
  e.asn = 64500;
  e.ip_type = IpType::kResidential;
  e.client_fp = "t13d_fp";
  e.user_agent = "sdk/1.0";
  e.model = "m1";
  e.params.max_tokens = 16000;
  return e;
}

std::vector<LinkKey> Keys(KeyExtractor& x, const Event& e) { return x.Extract(e); }

const LinkKey* Find(const std::vector<LinkKey>& keys, LinkKind kind) {
  auto it = std::find_if(keys.begin(), keys.end(), [&](const LinkKey& k) { return k.kind == kind; });
  return it == keys.end() ? nullptr : &*it;
}

TEST(KeyExtractor, NetworkKeysAndAsnOnlyForAnonymisingNetworks) {
  KeyExtractor x;
  Event e = BaseEvent();
  auto keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kIp), nullptr);
  ASSERT_NE(Find(keys, LinkKind::kPrefix), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPrefix)->text, "203.0.113.0/24");
  EXPECT_EQ(Find(keys, LinkKind::kAsn), nullptr);  // residential ASNs are everyone's
  e.ip_type = IpType::kProxy;
  keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kAsn), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kAsn)->text, "AS64500 (proxy)");
}

TEST(KeyExtractor, KindsNeverCollideOnEqualText) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.client_fp = "same";
  e.user_agent = "same";
  auto keys = Keys(x, e);
  EXPECT_NE(Find(keys, LinkKind::kClientFp)->hash, Find(keys, LinkKind::kUserAgent)->hash);
}

TEST(KeyExtractor, RequestShapeIsTheExactParameterVector) {
  KeyExtractor x;
  Event a = BaseEvent();
  Event b = BaseEvent();
  b.account_id = "a2";
  b.ip = "198.51.100.1";
  const uint64_t ha = Find(Keys(x, a), LinkKind::kRequestShape)->hash;
  EXPECT_EQ(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  b.params.max_tokens = 16001;
  EXPECT_NE(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  b.params.max_tokens = 16000;
  b.tools = {"bash"};
  EXPECT_NE(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  auto keys = Keys(x, a);
  const std::string shown = x.Display(*Find(keys, LinkKind::kRequestShape), a);
  EXPECT_NE(shown.find("max_tokens 16000"), std::string::npos);
}

TEST(KeyExtractor, SignupKeysFromAccountFacts) {
  KeyExtractor x;
  Event e = BaseEvent();
  EXPECT_EQ(Find(Keys(x, e), LinkKind::kPaymentFp), nullptr);
  e.has_account = true;
  e.account.payment_fp = "pm_1";
  e.account.email_domain = "mail.example";
  e.account.email_local_shape = "aaaa99";
  e.account.created_ms = 3 * kMsPerHour + 1234;
  auto keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kPaymentFp), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kEmailShape)->text, "aaaa99@mail.example");
  EXPECT_EQ(Find(keys, LinkKind::kSignupHour)->text, "1970-01-01T03h");
}

TEST(KeyExtractor, SystemPromptIsMaskedBeforeHashing) {
  KeyExtractor x;
  Event a = BaseEvent();
  a.system = "You triage tickets for org 1234. Reply in JSON.";
  Event b = a;
  b.system = "You triage tickets for org 98. Reply in JSON!";
  EXPECT_EQ(Find(Keys(x, a), LinkKind::kSystemPrompt)->hash, Find(Keys(x, b), LinkKind::kSystemPrompt)->hash);
  b.system = "You write poems.";
  EXPECT_NE(Find(Keys(x, a), LinkKind::kSystemPrompt)->hash, Find(Keys(x, b), LinkKind::kSystemPrompt)->hash);
}

TEST(KeyExtractor, PromptEdgesOnlyForPromptsWithRoomForAWrapper) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.prompt = "What is the capital of France?";
  auto keys = Keys(x, e);
  EXPECT_EQ(Find(keys, LinkKind::kPromptHead), nullptr);
  EXPECT_TRUE(x.has_sketch());
  EXPECT_EQ(std::count_if(keys.begin(), keys.end(), [](const LinkKey& k) { return k.kind == LinkKind::kTemplateBand; }),
            static_cast<long>(kLinkBands));
  e.prompt =
      "Think step by step and show every step: explain how a hash map resolves collisions with open "
      "addressing and chaining, then compare them. Give the final answer only after the reasoning.";
  keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kPromptHead), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPromptHead)->text, "think step by step and show");
  ASSERT_NE(Find(keys, LinkKind::kPromptTail), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPromptTail)->text, "final answer only after the reasoning.");
}

// The edge words as the first implementation computed them (a list of
// words, then joined), kept here as the reference for the one-pass version.
std::string ReferenceEdgeWords(std::string_view text, size_t max_words, bool from_end) {
  std::vector<std::string_view> words;
  if (!from_end) {
    size_t i = 0;
    while (i < text.size() && words.size() < max_words) {
      while (i < text.size() && static_cast<unsigned char>(text[i]) <= ' ') ++i;
      size_t j = i;
      while (j < text.size() && static_cast<unsigned char>(text[j]) > ' ') ++j;
      if (j > i) words.push_back(text.substr(i, j - i));
      i = j;
    }
  } else {
    size_t j = text.size();
    while (j > 0 && words.size() < max_words) {
      while (j > 0 && static_cast<unsigned char>(text[j - 1]) <= ' ') --j;
      size_t i = j;
      while (i > 0 && static_cast<unsigned char>(text[i - 1]) > ' ') --i;
      if (j > i) words.push_back(text.substr(i, j - i));
      j = i;
    }
    std::reverse(words.begin(), words.end());
  }
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out.push_back(' ');
    for (char c : w) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c);
  }
  return out;
}

size_t CountWords(std::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = static_cast<unsigned char>(c) <= ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// Random prompts (mixed case, UTF-8, control characters and runs of
// whitespace as separators, lengths across the 512-byte edge windows, so
// that a window often cuts a word): the extracted opening and closing equal
// the reference's, and appear exactly when it says they should.
TEST(KeyExtractor, PromptEdgesMatchTheReferenceOnRandomPrompts) {
  const std::vector<std::string> pieces = {"a",     "Bb",  "CCC", "dd4", "x_y", "Éé",        "\xe4\xbd\xa0",
                                           "\"q\"", "...", "The", "end", "?",   "ZZZZZZZZZ", "mIxEd"};
  const std::vector<std::string> separators = {" ", "  ", "\t", "\n", "\r\n", "\x01", "\x1f", " \n "};
  uint64_t state = 0x5eed;
  const auto next = [&](size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  KeyExtractor x;
  size_t with_edges = 0;
  for (int round = 0; round < 2000; ++round) {
    Event e = BaseEvent();
    const size_t target = next(1400);
    if (next(4) == 0) e.prompt += separators[next(separators.size())];  // leading space
    while (e.prompt.size() < target) {
      std::string word;
      const size_t parts = 1 + next(3);
      for (size_t k = 0; k < parts; ++k) word += pieces[next(pieces.size())];
      e.prompt += word;
      e.prompt += separators[next(separators.size())];
    }
    if (next(2) == 0 && !e.prompt.empty()) e.prompt.pop_back();  // sometimes no trailing separator
    const std::string_view prompt = e.prompt;
    const auto keys = Keys(x, e);
    const LinkKey* head = Find(keys, LinkKind::kPromptHead);
    const LinkKey* tail = Find(keys, LinkKind::kPromptTail);
    if (prompt.empty() || CountWords(prompt.substr(0, 512)) < kPromptEdgeMinWords) {
      EXPECT_EQ(head, nullptr) << round;
      EXPECT_EQ(tail, nullptr) << round;
      continue;
    }
    ++with_edges;
    const std::string want_head = ReferenceEdgeWords(prompt.substr(0, 512), kPromptEdgeWords, false);
    const std::string want_tail =
        ReferenceEdgeWords(prompt.substr(prompt.size() > 512 ? prompt.size() - 512 : 0), kPromptEdgeWords, true);
    // The displayed text is clipped at 80 bytes; the hash covers all of it
    // (KeyHash in link_keys.cc: the value hashed with the kind as seed).
    const auto key_hash = [](LinkKind kind, std::string_view value) {
      return Hash64(value, 0x6c696e6b00ULL + static_cast<uint64_t>(kind));
    };
    ASSERT_NE(head, nullptr) << round;
    EXPECT_EQ(head->hash, key_hash(LinkKind::kPromptHead, want_head)) << round << ": " << want_head;
    EXPECT_EQ(head->text, std::string_view(want_head).substr(0, head->text.size())) << round;
    if (want_tail == want_head) {
      EXPECT_EQ(tail, nullptr) << round;
    } else {
      ASSERT_NE(tail, nullptr) << round;
      EXPECT_EQ(tail->hash, key_hash(LinkKind::kPromptTail, want_tail)) << round << ": " << want_tail;
      EXPECT_EQ(tail->text, std::string_view(want_tail).substr(0, tail->text.size())) << round;
    }
  }
  EXPECT_GT(with_edges, 1000u);
}

// The system-prompt cache: one extractor that has seen many system prompts
// (more than its slots, so they collide and evict one another; repeats; one
// longer than what is cached; one with no words) gives for each exchange the
// system-prompt key a fresh extractor gives.
TEST(KeyExtractor, CachedSystemPromptKeysEqualFreshOnes) {
  std::vector<std::string> systems;
  for (int i = 0; i < 700; ++i)
    systems.push_back("You are assistant number " + std::string(i % 7, 'x') + " of team " + std::to_string(i) +
                      ". Answer in JSON.");
  systems.push_back(std::string(3000, 'a') + " long");  // beyond the cached size
  systems.push_back("... !!! ???");                     // no words: no key
  systems.push_back("You are a helpful assistant.");
  uint64_t state = 42;
  KeyExtractor cached;
  size_t with_key = 0;
  for (int round = 0; round < 5000; ++round) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    // Mostly a few popular prompts, sometimes any of them.
    const size_t pick =
        (state >> 40) % 4 == 0 ? (state >> 20) % systems.size() : systems.size() - 1 - (state >> 20) % 3;
    Event e = BaseEvent();
    e.system = systems[pick];
    const auto got = Keys(cached, e);
    KeyExtractor fresh;
    const auto want = Keys(fresh, e);
    const LinkKey* g = Find(got, LinkKind::kSystemPrompt);
    const LinkKey* w = Find(want, LinkKind::kSystemPrompt);
    ASSERT_EQ(g == nullptr, w == nullptr) << round << ": " << e.system.substr(0, 40);
    if (w == nullptr) continue;
    ++with_key;
    EXPECT_EQ(g->hash, w->hash) << round << ": " << e.system.substr(0, 40);
  }
  EXPECT_GT(with_key, 3000u);
}

// The template band keys and the model hash as Extract() first computed
// them (all sixteen band keys hashed, then the first kLinkBands used; the
// model hashed again by the linker), on random prompts and models: the keys
// are bit for bit the same.
TEST(KeyExtractor, TemplateBandKeysAndModelHashEqualTheReference) {
  const std::vector<std::string> pieces = {"word",
                                           "Word",
                                           "x9",
                                           "2026",
                                           " ",
                                           "\n",
                                           "\"",
                                           "\"quoted fill\"",
                                           "```",
                                           "```code\n```",
                                           "https://a.b/c",
                                           "caf\xc3\xa9",
                                           "\xe4\xbd\xa0\xe5\xa5\xbd",
                                           "\xf0\x9f\x98\x80",
                                           "\x80",
                                           "\xc3",
                                           "-",
                                           "the",
                                           "end"};
  const std::vector<std::string> models = {"", "m1", "gpt-x", "claude-\xe4\xbd\xa0", std::string(300, 'm')};
  constexpr uint64_t kBandSeed = 0x6467626164730001ULL;  // minhash.cc
  uint64_t state = 0xba2d;
  const auto next = [&](size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  KeyExtractor x;
  size_t banded = 0;
  for (int round = 0; round < 2000; ++round) {
    Event e = BaseEvent();
    e.model = models[next(models.size())];
    const size_t target = next(round % 10 == 0 ? 6000 : 700);
    while (e.prompt.size() < target) {
      if (next(8) == 0) {
        e.prompt.push_back(static_cast<char>(next(256)));
      } else {
        e.prompt += pieces[next(pieces.size())];
      }
    }
    const std::vector<LinkKey> keys = Keys(x, e);
    EXPECT_EQ(x.model_hash(), Hash64(e.model)) << round;
    std::vector<uint64_t> got;
    for (const LinkKey& k : keys) {
      if (k.kind == LinkKind::kTemplateBand) got.push_back(k.hash);
    }
    TemplateSketch sketch;
    std::vector<uint64_t> words;
    std::vector<uint64_t> want;
    if (ComputeSketch(e.prompt, &sketch, &words)) {
      std::array<uint64_t, kSketchBands> bands;
      for (size_t b = 0; b < kSketchBands; ++b) {
        bands[b] = XXH3_64bits_withSeed(sketch.data() + b * kSketchRows, kSketchRows * sizeof(uint32_t), kBandSeed + b);
      }
      for (size_t b = 0; b < kLinkBands; ++b) want.push_back(bands[b] ^ static_cast<uint64_t>(LinkKind::kTemplateBand));
      ++banded;
    }
    EXPECT_EQ(got, want) << round;
  }
  EXPECT_GT(banded, 1500u);
}

TEST(KeyExtractor, EmptyEventHasOnlyTheShapeKey) {
  KeyExtractor x;
  Event e;
  auto keys = Keys(x, e);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kind, LinkKind::kRequestShape);
  EXPECT_FALSE(x.has_sketch());
}

TEST(KeyExtractor, LockstepKeyIsTheShapeInATenMinuteWindow) {
  KeyExtractor x;
  Event a = BaseEvent();
  Event b = BaseEvent();
  b.account_id = "a2";
  a.ts_ms = 7 * kLockstepWindowMs + 10;
  b.ts_ms = 7 * kLockstepWindowMs + kLockstepWindowMs - 1;
  const uint64_t ka = Find(Keys(x, a), LinkKind::kLockstep)->hash;
  EXPECT_EQ(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
  b.ts_ms += 1;  // next window
  EXPECT_NE(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
  b.ts_ms = a.ts_ms;
  b.params.max_tokens = 1;  // another shape
  EXPECT_NE(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
}

TEST(KeyExtractor, LongValuesAreClippedOnACodePointBoundary) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.user_agent = std::string(79, 'a') + "\xc3\xa9" + std::string(100, 'b');
  auto keys = Keys(x, e);
  EXPECT_EQ(Find(keys, LinkKind::kUserAgent)->text, std::string(79, 'a'));
}

}  // namespace
}  // namespace dg
