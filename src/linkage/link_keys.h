// Linkage keys: the values one exchange shares with other accounts.
//
// Pipeline: features -> **linkage** (keys -> index -> campaign graph) -> scoring.
// Each exchange yields a handful of keys (kind + 64-bit hash of the value):
// infrastructure (IP, /24 or /48 prefix, ASN of anonymising networks, client
// fingerprint, user agent), sign-up facts (payment fingerprint, email domain
// with local-part shape, sign-up hour), automation shape (the exact request
// parameters a script sends), content (masked system prompt, the first and
// last words of the prompt around its fill, LSH bands of its template
// sketch) and timing (the request shape in a 10-minute window: lockstep).
// Kinds are grouped into families; two accounts are linked only by evidence
// from at least two families (linker.h), so one shared NAT address, one
// popular SDK or one common phrase never links accounts on its own.
//
// Thread-safety: KeyExtractor holds scratch buffers and a cache of recent
// system prompts' hashes; one per thread.
#ifndef DG_LINKAGE_LINK_KEYS_H_
#define DG_LINKAGE_LINK_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classifier.h"
#include "common/recent_text_cache.h"
#include "ingest/event.h"
#include "sketch/minhash.h"

namespace dg {

enum class LinkKind : uint8_t {
  kIp,
  kPrefix,
  kAsn,
  kClientFp,
  kUserAgent,
  kRequestShape,
  kPaymentFp,
  kEmailShape,
  kSignupHour,
  kSystemPrompt,
  kPromptHead,
  kPromptTail,
  kTemplateBand,
  kLockstep,     // the same request shape in the same 10-minute window
  kModelSwitch,  // a switch to a model in a given hour (made by the linker, which knows the previous model)
};
inline constexpr size_t kLinkKindCount = 15;

enum class LinkFamily : uint8_t { kNetwork, kClient, kSignup, kContent, kTiming };
inline constexpr size_t kLinkFamilyCount = 5;

// Lockstep windows: accounts that send the same request shape in the same
// window again and again act in lockstep (SynchroTrap's (action, time
// bucket) sets, with the request shape as the action).
inline constexpr int64_t kLockstepWindowMs = 10 * 60 * 1000;

LinkFamily FamilyOf(LinkKind kind);
// "ip", "prefix", "asn", "client_fp", "user_agent", "request_shape",
// "payment_fp", "email_shape", "signup_hour", "system_prompt", "prompt_head",
// "prompt_tail", "template".
std::string_view LinkKindName(LinkKind kind);
// What a person reads: "IP address", "payment fingerprint", ...
std::string_view LinkKindLabel(LinkKind kind);
std::string_view LinkFamilyName(LinkFamily family);

// The first kLinkBands of the sketch's LSH bands are linkage keys: half the
// index work of all sixteen, for a template evidence that is weak anyway (a
// shared band says "similar", not "same template"). Intel exports carry the
// whole sketch.
inline constexpr size_t kLinkBands = 8;
static_assert(kLinkBands <= kSketchBands);

struct LinkKey {
  LinkKind kind;
  uint64_t hash;          // of (kind, value): distinct kinds never collide on purpose
  std::string_view text;  // the value (view into the event or the extractor); empty: see Display()
};

// Words at each end of a prompt that form its head / tail key: wrapper
// phrases around different content.
inline constexpr size_t kPromptEdgeWords = 6;
// A prompt shorter than this many words has no head/tail keys (the whole of
// a short question is content, not a wrapper).
inline constexpr size_t kPromptEdgeMinWords = 16;

class KeyExtractor {
 public:
  // Keys of one exchange; the views stay valid until the next call or until
  // `event` is destroyed. `sketch` receives the prompt's template sketch
  // (returns via has_sketch() whether the prompt had any words).
  const std::vector<LinkKey>& Extract(const Event& event);
  bool has_sketch() const { return has_sketch_; }
  // The value of `key` (from the last Extract() of `event`) as a person reads it.
  std::string Display(const LinkKey& key, const Event& event) const;
  const TemplateSketch& sketch() const { return sketch_; }
  // Hash of the whole masked prompt (first 4 KiB), 0 when it has no words:
  // the same prompt sent twice, for coverage (linker.h).
  uint64_t prompt_hash() const { return prompt_hash_; }
  // Hash64 of the event's model (of "" when it has none), which the request
  // shape hashes anyway: the linker's model-switch key needs it too.
  uint64_t model_hash() const { return model_hash_; }

 private:
  std::vector<LinkKey> keys_;
  std::vector<uint64_t> words_;
  TemplateSketch sketch_{};
  bool has_sketch_ = false;
  uint64_t prompt_hash_ = 0;
  std::string prefix_text_;
  std::string asn_text_;
  int64_t asn_cached_ = kAbsent;
  IpType asn_type_cached_ = IpType::kUnknown;
  int64_t signup_cached_ = kNoTime;
  uint64_t shape_hash_ = 0;
  uint64_t model_hash_ = 0;
  std::string email_text_;
  std::string signup_text_;
  std::string system_text_;
  std::string head_text_;
  std::string tail_text_;

  // Applications send one system prompt with all their requests, and masking
  // and hashing it cost more than all the other keys but the prompt's (on
  // the demo traffic ~3k instructions per system prompt; 91% repeat one of
  // the last 256). So the hash of recent ones is kept: direct-mapped by the
  // text's hash and compared byte for byte, a hit is exactly what hashing
  // again would give (common/recent_text_cache.h; 512 KiB of text once used).
  struct SystemPromptHashValue {
    bool has_words = false;  // a prompt of only spaces and punctuation gives no key
    uint64_t words_hash = 0;
  };
  // The hash of the masked words of `system` (false: it has none), from the
  // cache or computed (and cached).
  bool SystemPromptHash(std::string_view system, uint64_t* words_hash);
  RecentTextCache<SystemPromptHashValue> system_cache_;
};

}  // namespace dg

#endif  // DG_LINKAGE_LINK_KEYS_H_
