// Keyed hashing for intel sharing: HMAC-SHA256 (OpenSSL) of low-entropy
// identifiers (payment fingerprints, e-mail shapes) under a key shared in a
// trust group, so that members can match them and nobody else can
// dictionary-attack them (a plain hash of a 10-character shape is reversed
// by enumeration in seconds).
//
// Pipeline: intel export (stix_export.h) hashes what leaves; intel matching
// (index.h) hashes what arrives with the same key and message layout.
//
// Thread-safety: free functions, reentrant.
#ifndef DG_INTEL_HMAC_H_
#define DG_INTEL_HMAC_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace dg {

// A shared key shorter than this is refused: HMAC under a guessable key is
// no better than a plain hash.
inline constexpr size_t kMinIntelKeyBytes = 16;

// Lower-case hex of HMAC-SHA256(key, message) (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The messages that are hashed, identical on both sides of an exchange.
std::string PaymentFpMessage(std::string_view payment_fp);
// The domain is lower-cased; the shape is used as written (it is already
// normalised: letters as 'a', digits as '9').
std::string EmailShapeMessage(std::string_view domain, std::string_view shape);

// A short public name of a key (16 hex characters of an HMAC of a fixed
// label), so that a receiver can tell which key a bundle was made with
// without learning the key.
std::string IntelKeyId(std::string_view key);

// Reads a key file: its bytes, less one trailing newline. NotFound / IoError,
// InvalidArgument when shorter than kMinIntelKeyBytes.
Result<std::string> LoadIntelKeyFile(const std::string& path);

}  // namespace dg

#endif  // DG_INTEL_HMAC_H_
