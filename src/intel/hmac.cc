#include "intel/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "report/result_dir.h"

namespace dg {
namespace {

constexpr size_t kKeyIdHexChars = 16;
constexpr char kKeyIdLabel[] = "distillguard intel key id v1";

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot HMAC(): not deprecated in OpenSSL 3 (the HMAC_CTX API is).
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string PaymentFpMessage(std::string_view payment_fp) { return "payment_fp:" + std::string(payment_fp); }

std::string EmailShapeMessage(std::string_view domain, std::string_view shape) {
  std::string d(domain);
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "email_shape:" + d + "|" + std::string(shape);
}

std::string IntelKeyId(std::string_view key) { return HmacSha256Hex(key, kKeyIdLabel).substr(0, kKeyIdHexChars); }

Result<std::string> LoadIntelKeyFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  std::string key = std::move(text).value();
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (!key.empty() && key.back() == '\r') key.pop_back();
  if (key.size() < kMinIntelKeyBytes) {
    return Status::InvalidArgument("key file " + path + " holds " + std::to_string(key.size()) +
                                   " bytes; a shared intel key needs at least " + std::to_string(kMinIntelKeyBytes));
  }
  return key;
}

}  // namespace dg
