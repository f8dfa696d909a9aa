// IntelIndex: the indicators of imported bundles, ready to match exchanges.
//
// Pipeline: intel/bundle (parsed bundles) -> **intel/index** -> engine: each
// exchange is matched on its IP (exact and by prefix), ASN, user agent,
// client fingerprint, the keyed hashes of its account's payment fingerprint
// and e-mail shape, and (when the caller has one) its prompt's template
// sketch through LSH bands. A hit names the kind, the value, the indicator
// and the bundle it came from, so that reasons can cite the source.
//
// Expiry: an indicator whose valid_until is at or before the exchange's
// event time does not match (intel about a proxy address goes stale as the
// address is recycled); valid_from is not enforced, because a forensic scan
// of older logs should still find a campaign another provider saw later.
//
// Template sketches: the signature is split into kLshBands bands of
// kLshRows values; any identical band makes the indicator a candidate, and a
// candidate matches when at least kTemplateMinAgreement of the 64 positions
// agree (the MinHash estimate of Jaccard similarity of the shingle sets).
//
// Thread-safety: Add() is not thread-safe; Match() is const and may be called
// from several threads once the index is built.
#ifndef DG_INTEL_INDEX_H_
#define DG_INTEL_INDEX_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "intel/bundle.h"

namespace dg {

inline constexpr size_t kLshBands = 16;
inline constexpr size_t kLshRows = 4;
static_assert(kLshBands * kLshRows == kIntelSketchHashes);
// Half the positions: two prompts of one template with different variable
// parts agree on far more; unrelated prompts agree on almost none (the
// chance that a band of 4 collides for Jaccard 0.5 is 1/16 per band).
inline constexpr double kTemplateMinAgreement = 0.5;

struct IntelHit {
  IntelKind kind = IntelKind::kIp;
  std::string value;  // what matched, fit for a reason string (never a raw identifier)
  std::string indicator_id;
  std::string bundle_id;
  std::string producer;
  std::string source;  // bundle file name
};

class IntelIndex {
 public:
  // `key`: the trust group's HMAC key; empty: keyed indicators cannot match.
  explicit IntelIndex(std::string key = "");

  // Adds every indicator of `bundle` (the index keeps its own copy).
  void Add(const IntelBundle& bundle);

  // The hits for one exchange at its event time. `sketch`: the prompt's
  // template sketch, or nullptr when the caller has none.
  std::vector<IntelHit> Match(const Event& event, const IntelSketch* sketch = nullptr) const;

  size_t indicator_count() const { return indicators_.size(); }
  size_t bundle_count() const { return bundles_.size(); }
  bool empty() const { return indicators_.empty(); }
  // Whether any template-sketch indicator is loaded (callers skip sketching otherwise).
  bool has_templates() const { return !bands_.empty(); }

 private:
  struct Entry {
    IntelIndicator indicator;
    size_t bundle = 0;
  };
  struct BundleInfo {
    std::string id, producer, source;
  };
  using Bytes = std::array<unsigned char, 16>;

  void Hit(size_t entry, int64_t ts_ms, std::vector<IntelHit>* hits) const;
  void Lookup(const absl::flat_hash_map<std::string, std::vector<size_t>>& map, std::string_view key, int64_t ts_ms,
              std::vector<IntelHit>* hits) const;

  std::string key_;
  std::vector<BundleInfo> bundles_;
  std::vector<Entry> indicators_;
  // Exact values per kind (IP text is normalised through inet_pton/ntop).
  std::array<absl::flat_hash_map<std::string, std::vector<size_t>>, kIntelKindCount> exact_;
  // Prefixes: (prefix length, masked 16-byte address) -> entries; IPv4 is
  // mapped into ::ffff:0:0/96.
  absl::flat_hash_map<std::string, std::vector<size_t>> prefixes_;
  std::vector<int> prefix_lengths_;  // distinct lengths present, in bits over the 16-byte form
  // LSH: hash of (band, rows) -> template entries.
  absl::flat_hash_map<uint64_t, std::vector<size_t>> bands_;
};

// Parses an IPv4 or IPv6 address into the 16-byte form (IPv4 mapped).
bool ParseIpBytes(std::string_view text, std::array<unsigned char, 16>* out);

}  // namespace dg

#endif  // DG_INTEL_INDEX_H_
