#include "service/auth.h"

#include <cstdlib>

#include "common/ascii.h"

namespace dg {
namespace {

void AddFromEnv(const char* name, std::vector<std::string>* out) {
  const char* value = std::getenv(name);
  if (value == nullptr) return;
  std::string_view rest(value);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view token = rest.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty()) out->emplace_back(token);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

// Compares without an early exit, so the time taken does not tell an
// attacker how many leading bytes of a guess were right.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool Contains(const std::vector<std::string>& tokens, std::string_view token) {
  bool found = false;
  for (const auto& t : tokens) found |= ConstantTimeEquals(t, token);
  return found;
}

}  // namespace

TokenSet::TokenSet(std::vector<std::string> read, std::vector<std::string> write)
    : read_(std::move(read)), write_(std::move(write)) {}

TokenSet TokenSet::FromOptions(const ServiceOptions& options) {
  std::vector<std::string> read = options.read_tokens;
  std::vector<std::string> write = options.write_tokens;
  AddFromEnv(kReadTokensEnv, &read);
  AddFromEnv(kWriteTokensEnv, &write);
  return TokenSet(std::move(read), std::move(write));
}

Scope TokenSet::Authorize(std::string_view authorization) const {
  if (open()) return Scope::kWrite;
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !AsciiEqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return Scope::kNone;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return Scope::kNone;
  if (Contains(write_, token)) return Scope::kWrite;
  if (Contains(read_, token)) return Scope::kRead;
  return Scope::kNone;
}

}  // namespace dg
