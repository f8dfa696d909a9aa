#include "intel/stix_export.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "intel/bundle.h"
#include "intel/stix.h"

namespace dg {
namespace {

const std::string kFixture = std::string(DG_SOURCE_DIR) + "/tests/e2e/data/ext_result";
constexpr char kKey[] = "trust-group-key-0123456789";

StixExport ExportFixture(const std::string& key) {
  auto data = LoadResultDir(kFixture);
  EXPECT_TRUE(data.ok()) << data.status().message();
  StixExportOptions options;
  options.producer = "Provider A";
  options.key = key;
  options.now_ms = *ParseRfc3339Ms("2026-04-25T00:00:00Z");
  auto out = ExportStixBundle(*data, options);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return std::move(out).value();
}

TEST(StixExportTest, ObjectsOfEveryKind) {
  const StixExport out = ExportFixture(kKey);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out.bundle_json).get(doc), simdjson::SUCCESS);
  std::map<std::string, int> types;
  simdjson::dom::array objects;
  ASSERT_EQ(doc["objects"].get_array().get(objects), simdjson::SUCCESS);
  for (auto o : objects) {
    const std::string type(o["type"].get_string().value());
    ++types[type];
    EXPECT_TRUE(IsStixId(o["id"].get_string().value(), type));
  }
  EXPECT_EQ(types["identity"], 2);
  EXPECT_EQ(types["extension-definition"], 0);  // beside the bundle, not in it
  EXPECT_NE(out.extension_definition_json.find("\"type\":\"extension-definition\""), std::string::npos);
  EXPECT_EQ(types["campaign"], 2);
  EXPECT_EQ(types["infrastructure"], 2);
  // Per campaign: ips (2 + 1), prefix, asn, ua, client fp, template, payment, email.
  EXPECT_EQ(types["indicator"], 9 + 8);
  EXPECT_EQ(types["sighting"], types["indicator"]);
  EXPECT_EQ(out.stats.identifiers_left_out, 0);
  EXPECT_EQ(out.stats.objects, static_cast<int64_t>(types["identity"] + types["extension-definition"] +
                                                    types["campaign"] + types["infrastructure"] + types["indicator"] +
                                                    types["sighting"] + types["relationship"]));
}

TEST(StixExportTest, NothingPrivateLeaves) {
  auto data = LoadResultDir(kFixture);
  ASSERT_TRUE(data.ok());
  const StixExport out = ExportFixture(kKey);
  for (const auto& a : data->accounts) EXPECT_EQ(out.bundle_json.find(a.account_id), std::string::npos) << a.account_id;
  for (const auto& c : data->campaigns) {
    for (const auto& p : c.signup.payment_fps) EXPECT_EQ(out.bundle_json.find(p.value), std::string::npos);
    for (const auto& e : c.signup.email_shapes) {
      EXPECT_EQ(out.bundle_json.find(e.shape), std::string::npos);
      EXPECT_EQ(out.bundle_json.find(e.domain), std::string::npos);
    }
  }
}

TEST(StixExportTest, WithoutKeyIdentifiersAreLeftOut) {
  const StixExport out = ExportFixture("");
  EXPECT_EQ(out.stats.identifiers_left_out, 4);
  EXPECT_EQ(out.bundle_json.find("\"hmac_sha256\":"), std::string::npos);
  auto data = LoadResultDir(kFixture);
  StixExportOptions bad;
  bad.key = "short";
  EXPECT_EQ(ExportStixBundle(*data, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(StixExportTest, StableIdsAndRoundTrip) {
  EXPECT_EQ(ExportFixture(kKey).bundle_json, ExportFixture(kKey).bundle_json);
  auto bundle = ParseIntelBundle(ExportFixture(kKey).bundle_json, "a.json");
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  EXPECT_EQ(bundle->producer, "Provider A");
  EXPECT_EQ(bundle->indicators.size(), 17u);
  EXPECT_EQ(bundle->unsupported, 0);
  std::map<IntelKind, int> kinds;
  for (const auto& i : bundle->indicators) ++kinds[i.kind];
  EXPECT_EQ(kinds[IntelKind::kIp], 3);
  EXPECT_EQ(kinds[IntelKind::kPrefix], 2);
  EXPECT_EQ(kinds[IntelKind::kAsn], 2);
  EXPECT_EQ(kinds[IntelKind::kUserAgent], 2);
  EXPECT_EQ(kinds[IntelKind::kClientFp], 2);
  EXPECT_EQ(kinds[IntelKind::kTemplate], 2);
  EXPECT_EQ(kinds[IntelKind::kPaymentFp], 2);
  EXPECT_EQ(kinds[IntelKind::kEmailShape], 2);
}

}  // namespace
}  // namespace dg
