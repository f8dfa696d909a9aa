#include "stream/partition.h"

#include <fmt/format.h>

#include "common/hash.h"

namespace dg {
namespace {

bool Plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

uint32_t PartitionOf(std::string_view account_id, uint32_t partitions) {
  return static_cast<uint32_t>(Hash64(account_id) % partitions);
}

std::string EventsSubject(uint32_t partition) { return fmt::format("{}{}", kEventsSubjectPrefix, partition); }
std::string ClassifiedSubject(uint32_t partition) { return fmt::format("{}{}", kClassifiedSubjectPrefix, partition); }
std::string PartitionConsumer(uint32_t partition) { return fmt::format("dg-p{:02}", partition); }

std::string EncodeKeyToken(std::string_view id) {
  // The empty id needs a non-empty key; "=" alone is no escape, so it is
  // unambiguous.
  if (id.empty()) return "=";
  std::string out;
  out.reserve(id.size());
  for (char c : id) {
    if (Plain(c)) {
      out.push_back(c);
    } else {
      out += fmt::format("={:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::optional<std::string> DecodeKeyToken(std::string_view token) {
  if (token == "=") return std::string();
  if (token.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    if (Plain(c)) {
      out.push_back(c);
      continue;
    }
    if (c != '=' || i + 2 >= token.size()) return std::nullopt;
    const int hi = HexValue(token[i + 1]);
    const int lo = HexValue(token[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char decoded = static_cast<char>(hi * 16 + lo);
    // Canonical form only: an escaped plain byte would give two keys to one id.
    if (Plain(decoded)) return std::nullopt;
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

std::string AccountKey(std::string_view account_id) {
  return std::string(kAccountKeyPrefix) + EncodeKeyToken(account_id);
}
std::string CampaignKey(std::string_view campaign_id) {
  return std::string(kCampaignKeyPrefix) + EncodeKeyToken(campaign_id);
}

}  // namespace dg
