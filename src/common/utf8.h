// UTF-8 helpers shared by ingest (validation of input lines) and the JSON
// writer (escaping of quoted raw input).
#ifndef DG_COMMON_UTF8_H_
#define DG_COMMON_UTF8_H_

#include <cstddef>
#include <string_view>

namespace dg {

// Length (1..4) of the well-formed UTF-8 sequence at the start of `s`, or 0
// if it does not start with one (overlong forms, surrogates and code points
// above U+10FFFF are not well formed).
size_t Utf8SequenceLength(std::string_view s);

// The longest prefix of s[0, max_bytes) that does not cut a sequence in two.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace dg

#endif  // DG_COMMON_UTF8_H_
