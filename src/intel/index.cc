#include "intel/index.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/hash.h"
#include "intel/hmac.h"

namespace dg {
namespace {

constexpr int kBitsPerByte = 8;
constexpr int kIpv4MappedOffsetBits = 96;
constexpr int kMaxPrefixBits = 128;

std::string PrefixKey(int bits, const std::array<unsigned char, 16>& addr) {
  std::string key(1 + addr.size(), '\0');
  key[0] = static_cast<char>(bits);
  for (size_t i = 0; i < addr.size(); ++i) {
    const int keep = std::clamp(bits - static_cast<int>(i) * kBitsPerByte, 0, kBitsPerByte);
    const unsigned char mask = keep == 0 ? 0 : static_cast<unsigned char>(0xff << (kBitsPerByte - keep));
    key[1 + i] = static_cast<char>(addr[i] & mask);
  }
  return key;
}

uint64_t BandKey(size_t band, const uint32_t* rows) {
  char buf[sizeof(uint32_t) * kLshRows + sizeof(uint64_t)];
  const uint64_t b = band;
  std::memcpy(buf, &b, sizeof(b));
  std::memcpy(buf + sizeof(b), rows, sizeof(uint32_t) * kLshRows);
  return Hash64(std::string_view(buf, sizeof(buf)));
}

std::string NormalIp(std::string_view text) {
  std::array<unsigned char, 16> bytes;
  if (!ParseIpBytes(text, &bytes)) return std::string(text);
  char out[INET6_ADDRSTRLEN];
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), kMapped, sizeof(kMapped)) == 0) {
    inet_ntop(AF_INET, bytes.data() + 12, out, sizeof(out));
  } else {
    inet_ntop(AF_INET6, bytes.data(), out, sizeof(out));
  }
  return out;
}

}  // namespace

bool ParseIpBytes(std::string_view text, std::array<unsigned char, 16>* out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char v4[4];
  if (inet_pton(AF_INET, buf, v4) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, v4, sizeof(v4));
    return true;
  }
  return inet_pton(AF_INET6, buf, out->data()) == 1;
}

IntelIndex::IntelIndex(std::string key) : key_(std::move(key)) {}

void IntelIndex::Add(const IntelBundle& bundle) {
  const size_t b = bundles_.size();
  bundles_.push_back({bundle.id, bundle.producer, bundle.source});
  for (const auto& ind : bundle.indicators) {
    const size_t e = indicators_.size();
    indicators_.push_back({ind, b});
    switch (ind.kind) {
      case IntelKind::kIp:
        exact_[static_cast<size_t>(ind.kind)][NormalIp(ind.value)].push_back(e);
        break;
      case IntelKind::kPrefix: {
        const auto slash = ind.value.find('/');
        std::array<unsigned char, 16> addr;
        int bits = 0;
        const std::string_view len = std::string_view(ind.value).substr(slash + 1);
        if (!ParseIpBytes(std::string_view(ind.value).substr(0, slash), &addr) ||
            std::from_chars(len.data(), len.data() + len.size(), bits).ec != std::errc()) {
          break;
        }
        const bool v4 = ind.value.find(':') == std::string::npos;
        if (v4) bits += kIpv4MappedOffsetBits;
        if (bits < 0 || bits > kMaxPrefixBits) break;
        prefixes_[PrefixKey(bits, addr)].push_back(e);
        if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), bits) == prefix_lengths_.end()) {
          prefix_lengths_.push_back(bits);
        }
        break;
      }
      case IntelKind::kTemplate:
        for (size_t band = 0; band < kLshBands; ++band) {
          auto& list = bands_[BandKey(band, ind.minhash.data() + band * kLshRows)];
          if (list.empty() || list.back() != e) list.push_back(e);
        }
        break;
      default:
        exact_[static_cast<size_t>(ind.kind)][ind.value].push_back(e);
        break;
    }
  }
}

void IntelIndex::Hit(size_t entry, int64_t ts_ms, std::vector<IntelHit>* hits) const {
  const Entry& e = indicators_[entry];
  if (e.indicator.valid_until_ms != kNoTime && ts_ms != kNoTime && e.indicator.valid_until_ms <= ts_ms) return;
  for (const auto& h : *hits) {
    if (h.indicator_id == e.indicator.id && h.bundle_id == bundles_[e.bundle].id) return;
  }
  const BundleInfo& b = bundles_[e.bundle];
  std::string value;
  switch (e.indicator.kind) {
    case IntelKind::kAsn:
      value = "AS" + e.indicator.value;
      break;
    case IntelKind::kPaymentFp:
      value = "payment fingerprint (keyed hash)";
      break;
    case IntelKind::kEmailShape:
      value = "e-mail domain and shape (keyed hash)";
      break;
    case IntelKind::kTemplate:
      value = "prompt-template sketch";
      break;
    default:
      value = e.indicator.value;
      break;
  }
  hits->push_back({e.indicator.kind, std::move(value), e.indicator.id, b.id, b.producer, b.source});
}

void IntelIndex::Lookup(const absl::flat_hash_map<std::string, std::vector<size_t>>& map, std::string_view key,
                        int64_t ts_ms, std::vector<IntelHit>* hits) const {
  auto it = map.find(absl::string_view(key.data(), key.size()));
  if (it == map.end()) return;
  for (size_t e : it->second) Hit(e, ts_ms, hits);
}

std::vector<IntelHit> IntelIndex::Match(const Event& event, const IntelSketch* sketch) const {
  std::vector<IntelHit> hits;
  if (indicators_.empty()) return hits;
  const int64_t ts = event.ts_ms;
  if (!event.ip.empty()) {
    std::array<unsigned char, 16> addr;
    if (ParseIpBytes(event.ip, &addr)) {
      Lookup(exact_[static_cast<size_t>(IntelKind::kIp)], NormalIp(event.ip), ts, &hits);
      for (int bits : prefix_lengths_) Lookup(prefixes_, PrefixKey(bits, addr), ts, &hits);
    }
  }
  if (event.asn != kAbsent) Lookup(exact_[static_cast<size_t>(IntelKind::kAsn)], std::to_string(event.asn), ts, &hits);
  if (!event.user_agent.empty())
    Lookup(exact_[static_cast<size_t>(IntelKind::kUserAgent)], event.user_agent, ts, &hits);
  if (!event.client_fp.empty()) Lookup(exact_[static_cast<size_t>(IntelKind::kClientFp)], event.client_fp, ts, &hits);
  // Keyed hashes cost a microsecond each: only for lines that carry sign-up
  // facts, and only when such indicators exist.
  if (!key_.empty() && event.has_account) {
    const auto& pay = exact_[static_cast<size_t>(IntelKind::kPaymentFp)];
    if (!pay.empty() && !event.account.payment_fp.empty()) {
      Lookup(pay, HmacSha256Hex(key_, PaymentFpMessage(event.account.payment_fp)), ts, &hits);
    }
    const auto& mail = exact_[static_cast<size_t>(IntelKind::kEmailShape)];
    if (!mail.empty() && !event.account.email_local_shape.empty()) {
      Lookup(mail, HmacSha256Hex(key_, EmailShapeMessage(event.account.email_domain, event.account.email_local_shape)),
             ts, &hits);
    }
  }
  if (sketch != nullptr && !bands_.empty()) {
    std::vector<size_t> candidates;
    for (size_t band = 0; band < kLshBands; ++band) {
      auto it = bands_.find(BandKey(band, sketch->data() + band * kLshRows));
      if (it != bands_.end()) candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (size_t e : candidates) {
      const IntelSketch& theirs = indicators_[e].indicator.minhash;
      size_t agree = 0;
      for (size_t i = 0; i < kIntelSketchHashes; ++i) agree += theirs[i] == (*sketch)[i];
      if (static_cast<double>(agree) >= kTemplateMinAgreement * static_cast<double>(kIntelSketchHashes)) {
        Hit(e, ts, &hits);
      }
    }
  }
  return hits;
}

}  // namespace dg
