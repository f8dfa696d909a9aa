// Intel export: a STIX 2.1 bundle of the campaigns in a result dir, for other
// providers to recognise the same campaign without receiving user content.
//
// Pipeline: scan result dir -> report/result_dir -> **intel/stix_export** ->
// bundle.json -> (another provider) intel/bundle + intel/index.
//
// The bundle holds: the producer identity and that of the project that
// defines the DistillGuard extension (its extension-definition object, see
// intel/stix.h, is returned beside the bundle); one campaign per detected campaign
// (first/last seen, the report's summary sentence as description, counts and
// capability mix in the extension); indicators with STIX patterns for IPs,
// prefixes, ASNs and user agents, and extension-carried indicators for
// client fingerprints, template sketches (MinHash signatures) and keyed
// hashes of payment fingerprints and e-mail shapes; an infrastructure object
// per campaign for its proxy network; relationships (indicator indicates
// campaign / infrastructure, campaign uses infrastructure); one sighting per
// indicator with its count.
//
// What never leaves: prompt text, account ids, evidence strings (they may
// quote identifiers), raw payment fingerprints, e-mail domains or shapes.
// Without a key, identifier indicators are left out rather than hashed
// without one.
//
// Thread-safety: free functions, reentrant.
#ifndef DG_INTEL_STIX_EXPORT_H_
#define DG_INTEL_STIX_EXPORT_H_

#include <cstdint>
#include <string>

#include "common/status.h"
#include "report/result_dir.h"

namespace dg {

struct StixExportOptions {
  std::string producer = "DistillGuard operator";  // the identity's name
  std::string key;                                 // shared HMAC key; empty: no identifier indicators
  int64_t now_ms = 0;                              // created / modified of every object
  // Indicators stay valid this long after the later of the campaign's last
  // sighting and the export (hydra clusters reuse infrastructure for weeks,
  // but proxy addresses are recycled to other customers after that).
  int64_t valid_days = 30;
  // Put the extension-definition inside the bundle. Off by default: the
  // OASIS bundle schema rejects any bundle holding one (its catch-all branch
  // matches the object against both core.json and cyber-observable-core.json
  // under a oneOf), so the definition travels beside the bundle instead.
  bool embed_extension_definition = false;
};

struct StixExportStats {
  int64_t campaigns = 0;
  int64_t indicators = 0;
  int64_t sightings = 0;
  int64_t objects = 0;
  int64_t identifiers_left_out = 0;  // payment / e-mail values skipped for want of a key
};

struct StixExport {
  std::string bundle_json;
  std::string extension_definition_json;  // the extension-definition object alone
  StixExportStats stats;
};

// InvalidArgument for a bad option (key too short, valid_days < 1).
Result<StixExport> ExportStixBundle(const ResultData& data, const StixExportOptions& options);

}  // namespace dg

#endif  // DG_INTEL_STIX_EXPORT_H_
