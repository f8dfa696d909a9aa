// Intel import: a STIX 2.1 bundle (as intel/stix_export.h writes it, or any
// producer's using the same patterns and extension) parsed into the
// indicators DistillGuard can match.
//
// Pipeline: bundle.json -> **intel/bundle** -> intel/index (IntelIndex) ->
// engine (evidence on matching exchanges and accounts).
//
// Understood: indicators with pattern_type "stix" of the single-comparison
// forms the export writes (ipv4-addr / ipv6-addr value =, ISSUBSET a CIDR,
// autonomous-system:number =, the http-request-ext User-Agent header =), and
// indicators carrying the DistillGuard extension (client_fp, template_sketch,
// payment_fp_hmac, email_shape_hmac). Other indicators and object types are
// counted as unsupported and ignored. A malformed bundle (not JSON, not a
// bundle, an object without a type or a valid id, an indicator without
// pattern or valid_from, a bad timestamp, a sketch of the wrong width, a
// non-hex hash) is rejected whole with an InvalidArgument naming the object.
//
// Thread-safety: plain values and free functions.
#ifndef DG_INTEL_BUNDLE_H_
#define DG_INTEL_BUNDLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time_util.h"
#include "intel/stix.h"

namespace dg {

inline constexpr size_t kIntelSketchHashes = 64;
using IntelSketch = std::array<uint32_t, kIntelSketchHashes>;

struct IntelIndicator {
  std::string id;
  IntelKind kind = IntelKind::kIp;
  // ip / prefix text, ASN in decimal, user agent, client fingerprint, or the
  // lower-case hex HMAC.
  std::string value;
  IntelSketch minhash{};  // kTemplate only
  std::string key_id;     // HMAC kinds: IntelKeyId of the producer's key (may be empty)
  int64_t valid_from_ms = kNoTime;
  int64_t valid_until_ms = kNoTime;  // kNoTime: no expiry
  std::string name;
};

struct IntelBundle {
  std::string id;        // bundle--...
  std::string producer;  // name of the identity that created the indicators, else "unknown producer"
  std::string source;    // file name it was loaded from
  std::vector<IntelIndicator> indicators;
  int64_t objects = 0;
  int64_t unsupported = 0;  // indicators whose pattern we cannot match
};

// Parses bundle JSON; `source` names it in hits and errors.
Result<IntelBundle> ParseIntelBundle(std::string_view json, std::string source);
// Reads and parses a bundle file (NotFound if missing).
Result<IntelBundle> LoadIntelBundle(const std::string& path);

// `distillguard intel import`: validates the bundle and copies it into
// STATE_DIR/intel/<bundle id>.json (creating the directory). Returns the
// parsed bundle; IoError when the copy cannot be written.
Result<IntelBundle> ImportIntelBundle(const std::string& path, const std::string& state_dir);

// Every bundle previously imported into STATE_DIR/intel/ (none: empty).
Result<std::vector<IntelBundle>> LoadImportedBundles(const std::string& state_dir);

}  // namespace dg

#endif  // DG_INTEL_BUNDLE_H_
