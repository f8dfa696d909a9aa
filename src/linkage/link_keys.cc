#include "linkage/link_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/check.h"
#include "common/hash.h"
#include "features/account_state.h"

namespace dg {
namespace {

struct KindInfo {
  LinkFamily family;
  std::string_view name;
  std::string_view label;
};

constexpr std::array<KindInfo, kLinkKindCount> kKinds = {{
    {LinkFamily::kNetwork, "ip", "IP address"},
    {LinkFamily::kNetwork, "prefix", "network prefix"},
    {LinkFamily::kNetwork, "asn", "anonymising network (ASN)"},
    {LinkFamily::kClient, "client_fp", "client fingerprint"},
    {LinkFamily::kClient, "user_agent", "user agent"},
    {LinkFamily::kClient, "request_shape", "identical request parameters"},
    {LinkFamily::kSignup, "payment_fp", "payment fingerprint"},
    {LinkFamily::kSignup, "email_shape", "email domain and local-part shape"},
    {LinkFamily::kSignup, "signup_hour", "sign-up hour"},
    {LinkFamily::kContent, "system_prompt", "system prompt"},
    {LinkFamily::kContent, "prompt_head", "prompt opening"},
    {LinkFamily::kContent, "prompt_tail", "prompt closing"},
    {LinkFamily::kContent, "template", "prompt template (MinHash band)"},
    {LinkFamily::kTiming, "lockstep", "identical requests in the same 10-minute window"},
    {LinkFamily::kTiming, "model_switch", "switch to a new model in the same hour"},
}};

// Display values are cut to this many bytes (on a UTF-8 boundary).
constexpr size_t kMaxDisplayBytes = 80;

std::string_view Clip(std::string_view s) {
  if (s.size() <= kMaxDisplayBytes) return s;
  size_t n = kMaxDisplayBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

uint64_t KeyHash(LinkKind kind, std::string_view value) {
  return Hash64(value, 0x6c696e6b00ULL + static_cast<uint64_t>(kind));
}

bool IsAnonymising(IpType t) {
  return t == IpType::kHosting || t == IpType::kVpn || t == IpType::kTor || t == IpType::kProxy;
}

// Whether `text` has at least `min_words` whitespace-separated words
// (stops counting there).
bool HasWords(std::string_view text, size_t min_words) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = static_cast<unsigned char>(c) <= ' ';
    if (!space && !in_word && ++words >= min_words) return true;
    in_word = !space;
  }
  return false;
}

// The first (or last) `max_words` words of `text`, joined by single spaces
// and lower-cased (ASCII), as shown in evidence.
void EdgeWords(std::string_view text, size_t max_words, bool from_end, std::string* out) {
  // Runs for every prompt, so no word list: the last words are found by one
  // backward pass to where the first of them starts, then both ends are
  // copied by the same forward pass straight into `out` (whose buffer is
  // reused from event to event).
  const auto is_space = [](char c) { return static_cast<unsigned char>(c) <= ' '; };
  size_t i = 0;
  size_t words = max_words;
  if (from_end) {
    size_t j = text.size();
    words = 0;
    i = j;
    while (j > 0 && words < max_words) {
      while (j > 0 && is_space(text[j - 1])) --j;
      size_t start = j;
      while (start > 0 && !is_space(text[start - 1])) --start;
      if (j > start) {
        i = start;
        ++words;
      }
      j = start;
    }
  }
  out->clear();
  for (size_t count = 0; count < words; ++count) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    if (count > 0) out->push_back(' ');
    const size_t at = out->size();
    out->append(text.data() + i, j - i);
    // Through a local pointer: stores via (*out)[k] may alias the string's
    // own size and data, which the compiler would then reload every byte.
    char* word = out->data() + at;
    for (size_t k = 0; k < j - i; ++k) {
      if (word[k] >= 'A' && word[k] <= 'Z') word[k] = static_cast<char>(word[k] | 0x20);
    }
    i = j;
  }
}

std::string_view TriName(TriBool b) { return b == TriBool::kTrue ? "on" : (b == TriBool::kFalse ? "off" : "unset"); }

// The prompt's edges are read from this many bytes at each end only.
constexpr size_t kEdgeScanBytes = 512;

}  // namespace

LinkFamily FamilyOf(LinkKind kind) { return kKinds[static_cast<size_t>(kind)].family; }
std::string_view LinkKindName(LinkKind kind) { return kKinds[static_cast<size_t>(kind)].name; }
std::string_view LinkKindLabel(LinkKind kind) { return kKinds[static_cast<size_t>(kind)].label; }
std::string_view LinkFamilyName(LinkFamily family) {
  switch (family) {
    case LinkFamily::kNetwork:
      return "network";
    case LinkFamily::kClient:
      return "client";
    case LinkFamily::kSignup:
      return "sign-up";
    case LinkFamily::kContent:
      return "content";
    case LinkFamily::kTiming:
      return "timing";
  }
  return "?";
}

const std::vector<LinkKey>& KeyExtractor::Extract(const Event& e) {
  keys_.clear();
  auto add = [this](LinkKind kind, std::string_view value, std::string_view text) {
    keys_.push_back(LinkKey{kind, KeyHash(kind, value), Clip(text)});
  };
  // Network.
  if (!e.ip.empty()) {
    add(LinkKind::kIp, e.ip, e.ip);
    prefix_text_ = IpPrefix(e.ip);
    if (!prefix_text_.empty()) add(LinkKind::kPrefix, prefix_text_, prefix_text_);
  }
  if (e.asn != kAbsent && IsAnonymising(e.ip_type)) {
    if (e.asn != asn_cached_ || e.ip_type != asn_type_cached_) {  // formatting per event shows in profiles
      asn_text_ = fmt::format("AS{} ({})", e.asn, IpTypeName(e.ip_type));
      asn_cached_ = e.asn;
      asn_type_cached_ = e.ip_type;
    }
    add(LinkKind::kAsn, asn_text_, asn_text_);
  }
  // Client.
  if (!e.client_fp.empty()) add(LinkKind::kClientFp, e.client_fp, e.client_fp);
  if (!e.user_agent.empty()) add(LinkKind::kUserAgent, e.user_agent, e.user_agent);
  {
    // The exact parameter vector a script sends, hashed from its binary form
    // (formatting it per event would cost more than the rest of linkage).
    const GenParams& p = e.params;
    struct {
      uint64_t client, agent, model;
      int64_t max_tokens, thinking, n, top_logprobs, tools;
      double temperature, top_p;
      uint8_t logprobs, stream;
    } shape;
    std::memset(&shape, 0, sizeof(shape));  // padding bytes are hashed too
    shape.client = Hash64(e.client_fp);
    shape.agent = Hash64(e.user_agent);
    model_hash_ = Hash64(e.model);
    shape.model = model_hash_;
    shape.max_tokens = p.max_tokens;
    shape.thinking = p.thinking_budget;
    shape.n = p.n;
    shape.top_logprobs = p.top_logprobs;
    shape.tools = static_cast<int64_t>(e.tools.size());
    shape.temperature = p.temperature;
    shape.top_p = p.top_p;
    shape.logprobs = static_cast<uint8_t>(p.logprobs);
    shape.stream = static_cast<uint8_t>(p.stream);
    shape_hash_ = XXH3_64bits_withSeed(&shape, sizeof(shape), 0x73686170ULL);
    keys_.push_back(LinkKey{LinkKind::kRequestShape, shape_hash_, {}});
    if (e.ts_ms != kNoTime) {
      const int64_t window = e.ts_ms / kLockstepWindowMs;
      const uint64_t pair[2] = {shape_hash_, static_cast<uint64_t>(window)};
      keys_.push_back(LinkKey{LinkKind::kLockstep, XXH3_64bits_withSeed(pair, sizeof(pair), 0x6c6f636bULL), {}});
    }
  }
  // Sign-up.
  if (e.has_account) {
    const AccountFacts& a = e.account;
    if (!a.payment_fp.empty()) add(LinkKind::kPaymentFp, a.payment_fp, a.payment_fp);
    if (!a.email_domain.empty() || !a.email_local_shape.empty()) {
      email_text_.assign(a.email_local_shape).append("@").append(a.email_domain);
      add(LinkKind::kEmailShape, email_text_, email_text_);
    }
    if (a.created_ms != kNoTime) {
      const int64_t hour_ms = a.created_ms - (a.created_ms % kMsPerHour + kMsPerHour) % kMsPerHour;
      if (hour_ms != signup_cached_) {
        signup_text_ = FormatRfc3339Ms(hour_ms).substr(0, 13) + "h";
        signup_cached_ = hour_ms;
      }
      add(LinkKind::kSignupHour, signup_text_, signup_text_);
    }
  }
  // Content.
  uint64_t system_hash = 0;
  if (!e.system.empty() && SystemPromptHash(e.system, &system_hash)) {
    system_text_.assign(Clip(e.system));  // in place: no allocation per event
    keys_.push_back(
        LinkKey{LinkKind::kSystemPrompt, system_hash ^ static_cast<uint64_t>(LinkKind::kSystemPrompt), system_text_});
  }
  has_sketch_ = false;
  prompt_hash_ = 0;
  if (!e.prompt.empty()) {
    const std::string_view prompt = e.prompt;
    // Only prompts long enough to have a wrapper around their content.
    if (HasWords(prompt.substr(0, kEdgeScanBytes), kPromptEdgeMinWords)) {
      EdgeWords(prompt.substr(0, kEdgeScanBytes), kPromptEdgeWords, false, &head_text_);
      EdgeWords(prompt.substr(prompt.size() > kEdgeScanBytes ? prompt.size() - kEdgeScanBytes : 0), kPromptEdgeWords,
                true, &tail_text_);
      add(LinkKind::kPromptHead, head_text_, head_text_);
      if (tail_text_ != head_text_) add(LinkKind::kPromptTail, tail_text_, tail_text_);
    }
    has_sketch_ = ComputeSketch(prompt, &sketch_, &words_);
    if (has_sketch_) prompt_hash_ = XXH3_64bits(words_.data(), words_.size() * sizeof(uint64_t)) | 1;
    if (has_sketch_) {
      for (size_t b = 0; b < kLinkBands; ++b) {
        keys_.push_back(
            LinkKey{LinkKind::kTemplateBand, BandKey(sketch_, b) ^ static_cast<uint64_t>(LinkKind::kTemplateBand), {}});
      }
    }
  }
  return keys_;
}

bool KeyExtractor::SystemPromptHash(std::string_view system, uint64_t* words_hash) {
  const auto compute = [this, system](uint64_t* hash) {
    words_.clear();
    MaskedWordHashes(system, &words_);
    if (words_.empty()) return false;
    *hash = XXH3_64bits(words_.data(), words_.size() * sizeof(uint64_t));
    return true;
  };
  if (const SystemPromptHashValue* cached = system_cache_.Find(system); cached != nullptr) {
    *words_hash = cached->words_hash;
    return cached->has_words;
  }
  SystemPromptHashValue v;
  v.has_words = compute(&v.words_hash);
  system_cache_.Put(system, v);
  *words_hash = v.words_hash;
  return v.has_words;
}

std::string KeyExtractor::Display(const LinkKey& key, const Event& e) const {
  switch (key.kind) {
    case LinkKind::kRequestShape: {
      const GenParams& p = e.params;
      // Every field the shape hashes, so two shapes never read alike.
      return fmt::format(
          "{}, {}, model {}, max_tokens {}, thinking {}, temperature {}, top_p {}, n {}, logprobs {}, top_logprobs {}, "
          "stream {}, {} tools",
          e.client_fp.empty() ? "no fingerprint" : std::string(Clip(e.client_fp)),
          e.user_agent.empty() ? "no agent" : std::string(Clip(e.user_agent)), e.model.empty() ? "-" : e.model,
          p.max_tokens, p.thinking_budget, p.temperature, p.top_p, p.n, TriName(p.logprobs), p.top_logprobs,
          TriName(p.stream), e.tools.size());
    }
    case LinkKind::kTemplateBand:
      return fmt::format("#{:016x}", key.hash);
    case LinkKind::kLockstep:
      return "window from " + FormatRfc3339Ms(e.ts_ms - e.ts_ms % kLockstepWindowMs).substr(0, 16);
    default:
      return std::string(key.text);
  }
}

}  // namespace dg
