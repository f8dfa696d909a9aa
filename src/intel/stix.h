// Vocabulary shared by the STIX export and import: the DistillGuard
// extension (an extension-definition for what STIX has no type for: template
// sketches, client fingerprints and keyed hashes of identifiers), the
// indicator kinds, deterministic identifiers and timestamps.
//
// Thread-safety: constants and pure functions.
#ifndef DG_INTEL_STIX_H_
#define DG_INTEL_STIX_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace dg {

// The one extension every DistillGuard bundle uses (fixed, so that bundles of
// different producers name the same extension), and the identity of the
// project that defines it.
inline constexpr std::string_view kDgExtensionId = "extension-definition--8c1e6a6e-4f0b-4c59-9a43-5b2a1b0d6f7e";
inline constexpr std::string_view kDgProjectIdentityId = "identity--3f6d2c1a-7b4e-4d2a-8e61-0c9b5a7d4e21";
// pattern_type of indicators whose value is carried by the extension.
inline constexpr std::string_view kDgPatternType = "distillguard";

enum class IntelKind : uint8_t {
  kIp,          // STIX pattern [ipv4-addr:value = '...'] / ipv6-addr
  kPrefix,      // [ipv4-addr:value ISSUBSET 'a.b.c.d/n']
  kAsn,         // [autonomous-system:number = N]
  kUserAgent,   // [network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = '...']
  kClientFp,    // extension: client_fp
  kTemplate,    // extension: minhash (64 x uint32), matched through LSH bands
  kPaymentFp,   // extension: hmac_sha256 of PaymentFpMessage
  kEmailShape,  // extension: hmac_sha256 of EmailShapeMessage
};
inline constexpr size_t kIntelKindCount = 8;
std::string_view IntelKindName(IntelKind kind);  // "ip", "prefix", ... (the extension's indicator_kind)
bool ParseIntelKind(std::string_view name, IntelKind* kind);

// "TYPE--uuid": a version-4-shaped UUID from SHA-256 of `seed`, so that the
// same campaign exported twice keeps its identifiers. The seed must never be
// a raw low-entropy identifier (the hash would be a dictionary target): use
// its keyed hash.
std::string StixId(std::string_view type, std::string_view seed);
bool IsStixId(std::string_view id, std::string_view type);

// STIX timestamps: "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string StixTime(int64_t ms);

// A STIX pattern string literal: quotes and backslashes escaped.
std::string StixQuote(std::string_view text);

}  // namespace dg

#endif  // DG_INTEL_STIX_H_
