#include "intel/stix.h"

#include <openssl/sha.h>

#include <array>

#include "common/time_util.h"

namespace dg {
namespace {

constexpr std::array<std::string_view, kIntelKindCount> kKindNames = {
    "ip", "prefix", "asn", "user_agent", "client_fp", "template_sketch", "payment_fp_hmac", "email_shape_hmac"};

}  // namespace

std::string_view IntelKindName(IntelKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

bool ParseIntelKind(std::string_view name, IntelKind* kind) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) {
      *kind = static_cast<IntelKind>(i);
      return true;
    }
  }
  return false;
}

std::string StixId(std::string_view type, std::string_view seed) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x40);  // version 4
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(type);
  out += "--";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

bool IsStixId(std::string_view id, std::string_view type) {
  constexpr size_t kUuidChars = 36;
  if (id.size() != type.size() + 2 + kUuidChars || id.substr(0, type.size()) != type ||
      id.substr(type.size(), 2) != "--") {
    return false;
  }
  const std::string_view uuid = id.substr(type.size() + 2);
  for (size_t i = 0; i < uuid.size(); ++i) {
    const char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string StixTime(int64_t ms) { return FormatRfc3339Ms(ms); }

std::string StixQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace dg
