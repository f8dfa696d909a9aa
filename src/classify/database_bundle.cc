#include "classify/database_bundle.h"

#include <algorithm>
#include <cstring>

namespace dg {
namespace {

constexpr std::string_view kMagic = "DGHSDB01";
constexpr size_t kAlign = 8;

size_t Padded(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

void PutU64(uint64_t v, std::string* out) {
  for (size_t i = 0; i < sizeof(v); ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(std::string_view bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(v); ++i) v |= uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  return v;
}

}  // namespace

Result<DatabaseBundle> DatabaseBundle::Parse(std::string_view bytes) {
  DatabaseBundle bundle;
  if (bytes.empty()) return bundle;
  if (bytes.substr(0, kMagic.size()) != kMagic) return Status::DataLoss("database bundle: bad magic");
  if (bytes.size() < kMagic.size() + sizeof(uint64_t)) return Status::DataLoss("database bundle: truncated header");
  const uint64_t count = GetU64(bytes, kMagic.size());
  size_t at = kMagic.size() + sizeof(uint64_t);
  constexpr size_t kHeader = 2 * sizeof(uint64_t);
  for (uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - at < kHeader) return Status::DataLoss("database bundle: truncated entry header");
    const uint64_t key = GetU64(bytes, at);
    const uint64_t size = GetU64(bytes, at + sizeof(uint64_t));
    at += kHeader;
    if (size > bytes.size() - at || Padded(size) > bytes.size() - at) {
      return Status::DataLoss("database bundle: entry runs past the end");
    }
    if (bundle.Find(key).has_value()) return Status::DataLoss("database bundle: duplicate key");
    bundle.entries_.emplace_back(key, bytes.substr(at, size));
    at += Padded(size);
  }
  if (at != bytes.size()) return Status::DataLoss("database bundle: bytes after the last entry");
  return bundle;
}

std::string DatabaseBundle::Serialize(const std::vector<Entry>& entries) {
  std::string out(kMagic);
  PutU64(entries.size(), &out);
  for (const Entry& e : entries) {
    PutU64(e.key, &out);
    PutU64(e.bytes.size(), &out);
    out += e.bytes;
    out.append(Padded(e.bytes.size()) - e.bytes.size(), '\0');
  }
  return out;
}

std::optional<std::string_view> DatabaseBundle::Find(uint64_t key) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dg
