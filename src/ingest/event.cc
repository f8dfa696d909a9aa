#include "ingest/event.h"

#include <array>

namespace dg {
namespace {

constexpr std::array<std::string_view, kIpTypeCount> kIpTypeNames = {
    "unknown", "residential", "mobile", "business", "hosting", "vpn", "tor", "proxy"};
constexpr std::array<std::string_view, 6> kTierNames = {"unknown", "free", "pro", "team", "enterprise", "api"};

// ASCII case-insensitive equality: feeds spell these in either case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view IpTypeName(IpType t) { return kIpTypeNames[static_cast<size_t>(t)]; }

IpType ParseIpType(std::string_view s) {
  for (size_t i = 0; i < kIpTypeNames.size(); ++i) {
    if (EqualsIgnoreCase(s, kIpTypeNames[i])) return static_cast<IpType>(i);
  }
  return IpType::kUnknown;
}

std::string_view TierName(Tier t) { return kTierNames[static_cast<size_t>(t)]; }

Tier ParseTier(std::string_view s) {
  for (size_t i = 0; i < kTierNames.size(); ++i) {
    if (EqualsIgnoreCase(s, kTierNames[i])) return static_cast<Tier>(i);
  }
  return Tier::kUnknown;
}

}  // namespace dg
