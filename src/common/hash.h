// Hashing for in-memory keys and sketches: xxHash3 (64-bit), fast on short
// keys and well distributed; not a cryptographic hash (intel export uses
// HMAC-SHA256 for anything that leaves the process).
#ifndef DG_COMMON_HASH_H_
#define DG_COMMON_HASH_H_

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace dg {

inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) { return XXH3_64bits_withSeed(s.data(), s.size(), seed); }

}  // namespace dg

#endif  // DG_COMMON_HASH_H_
