// ASCII helpers for protocol text: header names, tokens, enum spellings.
//
// Bottom of the pipeline, beside status.h: used by ingest (enum names in
// event lines) and service (HTTP header names and tokens, the Bearer
// scheme). Locale-free on purpose: std::tolower depends on the C locale and
// costs a call per byte.
//
// Thread-safety: pure functions.
#ifndef DG_COMMON_ASCII_H_
#define DG_COMMON_ASCII_H_

#include <cstddef>
#include <string_view>

namespace dg {

constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// ASCII case-insensitive equality; other bytes compare exactly.
constexpr bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace dg

#endif  // DG_COMMON_ASCII_H_
