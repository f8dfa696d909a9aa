#include "intel/bundle.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace dg {
namespace {

constexpr char kBundleId[] = "bundle--6f1c1d9e-2b7a-4c3e-9f1a-0d2e3c4b5a69";

std::string Bundle(const std::string& objects) {
  return std::string(R"({"type": "bundle", "id": ")") + kBundleId + R"(", "objects": [)" + objects + "]}";
}

std::string Indicator(const std::string& pattern, const std::string& extra = "") {
  return R"({"type": "indicator", "spec_version": "2.1", "id": "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "pattern_type": "stix", "valid_from": "2026-04-22T10:00:00.000Z", "pattern": ")" +
         pattern + "\"" + extra + "}";
}

TEST(BundleTest, RejectsMalformedBundlesClearly) {
  struct Case {
    std::string json, message;
  } cases[] = {
      {"not json", "not a JSON object"},
      {R"({"type": "report", "id": "x"})", "type is not \"bundle\""},
      {R"({"type": "bundle", "id": "bundle--nope", "objects": []})", "malformed bundle id"},
      {std::string(R"({"type": "bundle", "id": ")") + kBundleId + "\"}", "no \"objects\" array"},
      {Bundle("5"), "object 0 is not an object"},
      {Bundle(R"({"type": "indicator", "id": "campaign--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"})"), "malformed id"},
      {Bundle(R"({"type": "indicator", "id": "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"})"),
       "indicator without pattern"},
      {Bundle(Indicator("[ipv4-addr:value = '1.2.3.4']", R"(, "valid_until": "yesterday")")), "valid_until"},
  };
  for (const auto& c : cases) {
    auto b = ParseIntelBundle(c.json, "t.json");
    ASSERT_FALSE(b.ok()) << c.json;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(b.status().message().find(c.message), std::string::npos) << b.status().message();
    EXPECT_EQ(b.status().message().rfind("t.json", 0), 0u);
  }
}

TEST(BundleTest, ReadsPatternsAndSkipsWhatItCannotMatch) {
  auto b = ParseIntelBundle(
      Bundle(Indicator("[ipv4-addr:value = '1.2.3.4']", R"(, "valid_until": "2026-05-01T00:00:00Z")") + "," +
             Indicator("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'it\\\\'s/1.0']") +
             "," + Indicator("[file:hashes.MD5 = 'abc']") + "," + Indicator("[autonomous-system:number = 64500]")),
      "t.json");
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(b->indicators.size(), 3u);
  EXPECT_EQ(b->unsupported, 1);
  EXPECT_EQ(b->indicators[0].kind, IntelKind::kIp);
  EXPECT_EQ(b->indicators[0].value, "1.2.3.4");
  EXPECT_EQ(b->indicators[0].valid_until_ms, *ParseRfc3339Ms("2026-05-01T00:00:00Z"));
  EXPECT_EQ(b->indicators[1].kind, IntelKind::kUserAgent);
  EXPECT_EQ(b->indicators[1].value, "it's/1.0");
  EXPECT_EQ(b->indicators[2].kind, IntelKind::kAsn);
  EXPECT_EQ(b->indicators[2].value, "64500");
}

TEST(BundleTest, ExtensionWithWrongSketchWidthIsRejected) {
  const std::string ext = R"(, "extensions": {"extension-definition--8c1e6a6e-4f0b-4c59-9a43-5b2a1b0d6f7e":
      {"extension_type": "property-extension", "indicator_kind": "template_sketch", "minhash": [1, 2, 3]}})";
  auto b = ParseIntelBundle(Bundle(Indicator("template_sketch = 'x'", ext)), "t.json");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("minhash"), std::string::npos);
}

TEST(BundleTest, ImportCopiesIntoState) {
  const std::string dir = testing::TempDir() + "/dg_intel_state";
  std::filesystem::remove_all(dir);
  const std::string src = testing::TempDir() + "/dg_bundle.json";
  {
    std::FILE* f = std::fopen(src.c_str(), "w");
    const std::string text = Bundle(Indicator("[ipv4-addr:value = '1.2.3.4']"));
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  auto b = ImportIntelBundle(src, dir);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_TRUE(std::filesystem::exists(dir + "/intel/" + kBundleId + ".json"));
  auto all = LoadImportedBundles(dir);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].indicators.size(), 1u);
  EXPECT_EQ(ImportIntelBundle(src + ".missing", dir).status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
  std::remove(src.c_str());
}

}  // namespace
}  // namespace dg
