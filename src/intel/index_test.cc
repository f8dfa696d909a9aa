#include "intel/index.h"

#include <gtest/gtest.h>

#include <random>

#include "intel/stix_export.h"

namespace dg {
namespace {

const std::string kFixture = std::string(DG_SOURCE_DIR) + "/tests/e2e/data/ext_result";
constexpr char kKey[] = "trust-group-key-0123456789";

class IndexTest : public testing::Test {
 protected:
  void SetUp() override {
    auto data = LoadResultDir(kFixture);
    ASSERT_TRUE(data.ok());
    data_ = std::move(data).value();
    StixExportOptions options;
    options.producer = "Provider A";
    options.key = kKey;
    options.now_ms = *ParseRfc3339Ms("2026-04-25T00:00:00Z");
    options.valid_days = 10;
    auto out = ExportStixBundle(data_, options);
    ASSERT_TRUE(out.ok());
    auto bundle = ParseIntelBundle(out->bundle_json, "provider_a.json");
    ASSERT_TRUE(bundle.ok()) << bundle.status().message();
    bundle_ = std::move(bundle).value();
  }

  static Event At(const char* ts) {
    Event e;
    e.ts_ms = *ParseRfc3339Ms(ts);
    return e;
  }

  static std::vector<IntelKind> Kinds(const std::vector<IntelHit>& hits) {
    std::vector<IntelKind> kinds;
    for (const auto& h : hits) kinds.push_back(h.kind);
    return kinds;
  }

  ResultData data_;
  IntelBundle bundle_;
};

TEST_F(IndexTest, NetworkIndicators) {
  IntelIndex index(kKey);
  index.Add(bundle_);
  Event e = At("2026-04-26T00:00:00Z");
  e.ip = "203.0.113.7";
  auto hits = index.Match(e);
  EXPECT_EQ(Kinds(hits), (std::vector<IntelKind>{IntelKind::kIp, IntelKind::kPrefix}));
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].value, "203.0.113.7");
  EXPECT_EQ(hits[0].producer, "Provider A");
  EXPECT_EQ(hits[0].source, "provider_a.json");
  EXPECT_EQ(hits[0].bundle_id, bundle_.id);
  e.ip = "203.0.113.200";  // same /24, not listed itself
  EXPECT_EQ(Kinds(index.Match(e)), (std::vector<IntelKind>{IntelKind::kPrefix}));
  e.ip = "::ffff:203.0.113.7";  // the mapped spelling of the same address
  EXPECT_EQ(index.Match(e).size(), 2u);
  e.ip = "192.0.2.1";
  EXPECT_TRUE(index.Match(e).empty());
  e.ip.clear();
  e.asn = 16509;
  e.user_agent = "python-httpx/0.27";
  e.client_fp = "t13d1516h2_8daaf6152771_02713d6af862";
  EXPECT_EQ(Kinds(index.Match(e)),
            (std::vector<IntelKind>{IntelKind::kAsn, IntelKind::kUserAgent, IntelKind::kClientFp}));
}

TEST_F(IndexTest, KeyedIdentifiersNeedTheKey) {
  Event e = At("2026-04-26T00:00:00Z");
  e.has_account = true;
  e.account.payment_fp = "pm_hydra_01";
  e.account.email_domain = "MAILBOX.example";  // domains compare case-insensitively
  e.account.email_local_shape = "aaaaaa99";
  IntelIndex keyed(kKey);
  keyed.Add(bundle_);
  EXPECT_EQ(Kinds(keyed.Match(e)), (std::vector<IntelKind>{IntelKind::kPaymentFp, IntelKind::kEmailShape}));
  IntelIndex wrong("another-groups-key-000000");
  wrong.Add(bundle_);
  EXPECT_TRUE(wrong.Match(e).empty());
  IntelIndex none;
  none.Add(bundle_);
  EXPECT_TRUE(none.Match(e).empty());
}

TEST_F(IndexTest, ExpiryByEventTime) {
  IntelIndex index(kKey);
  index.Add(bundle_);
  // valid_until = max(last_seen, export time 2026-04-25) + 10 days = 2026-05-05.
  Event e = At("2026-05-04T23:59:59Z");
  e.asn = 16509;
  EXPECT_EQ(index.Match(e).size(), 1u);
  e.ts_ms = *ParseRfc3339Ms("2026-05-05T00:00:00Z");
  EXPECT_TRUE(index.Match(e).empty());
  e.ts_ms = *ParseRfc3339Ms("2026-01-01T00:00:00Z");  // before valid_from: still matches (forensic scans)
  EXPECT_EQ(index.Match(e).size(), 1u);
}

TEST_F(IndexTest, TemplateSketchThroughLshBands) {
  IntelIndex index(kKey);
  index.Add(bundle_);
  const auto& theirs = data_.campaigns[0].templates[0].minhash;
  IntelSketch same;
  std::copy(theirs.begin(), theirs.end(), same.begin());
  Event e = At("2026-04-26T00:00:00Z");
  EXPECT_TRUE(index.Match(e).empty());  // no sketch given: no template match
  EXPECT_EQ(Kinds(index.Match(e, &same)), (std::vector<IntelKind>{IntelKind::kTemplate}));
  // 40 of 64 positions agree (a near-duplicate): bands 0..9 intact, the rest changed.
  IntelSketch near = same;
  std::mt19937 rng(1);
  for (size_t i = 40; i < kIntelSketchHashes; ++i) near[i] = static_cast<uint32_t>(rng());
  EXPECT_EQ(index.Match(e, &near).size(), 1u);
  // 28 of 64 agree: candidates through band 0..6, but below the agreement bar.
  IntelSketch far = same;
  for (size_t i = 28; i < kIntelSketchHashes; ++i) far[i] = static_cast<uint32_t>(rng());
  EXPECT_TRUE(index.Match(e, &far).empty());
  IntelSketch random;
  for (auto& v : random) v = static_cast<uint32_t>(rng());
  EXPECT_TRUE(index.Match(e, &random).empty());
}

TEST(IpBytesTest, ParsesBothFamilies) {
  std::array<unsigned char, 16> a;
  EXPECT_TRUE(ParseIpBytes("10.1.2.3", &a));
  EXPECT_EQ(a[10], 0xff);
  EXPECT_EQ(a[15], 3);
  EXPECT_TRUE(ParseIpBytes("2001:db8::1", &a));
  EXPECT_FALSE(ParseIpBytes("10.1.2", &a));
  EXPECT_FALSE(ParseIpBytes("", &a));
  EXPECT_FALSE(ParseIpBytes(std::string(100, '1'), &a));
}

}  // namespace
}  // namespace dg
