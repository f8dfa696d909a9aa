#include "sinks/outputs.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dg {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OutputsTest, AccountRowHasEveryContractField) {
  AccountRow row;
  row.account_id = "a17";
  row.action = Action::kBlock;
  row.score = 0.97;
  row.campaign = "C0003";
  row.exchanges = 1234;
  row.first_action_ts_ms = *ParseRfc3339Ms("2026-04-22T10:03:00.000Z");
  row.exchanges_before_action = 12;
  row.reasons = {"why \"quoted\""};
  EXPECT_EQ(
      AccountRowJson(row),
      R"({"account_id":"a17","action":"block","score":0.97,"campaign":"C0003","exchanges":1234,)"
      R"("first_action_ts":"2026-04-22T10:03:00.000Z","exchanges_before_action":12,"reasons":["why \"quoted\""]})");
  AccountRow plain;
  plain.account_id = "b";
  EXPECT_EQ(AccountRowJson(plain), R"({"account_id":"b","action":"allow","score":0,"campaign":null,"exchanges":0,)"
                                   R"("first_action_ts":null,"exchanges_before_action":null,"reasons":[]})");
}

TEST(OutputsTest, CampaignsFileParses) {
  const std::string path = ::testing::TempDir() + "/campaigns.json";
  CampaignRow c;
  c.id = "C1";
  c.accounts = 3;
  c.first_seen_ms = 0;
  c.last_seen_ms = 1000;
  c.capabilities = {{"reasoning", 0.5}, {"software_engineering", 0.5}};
  ASSERT_TRUE(WriteCampaignsJson({c}, path).ok());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(path).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["campaigns"].at(0)["id"]), "C1");
  ASSERT_TRUE(WriteCampaignsJson({}, path).ok());
  EXPECT_EQ(Slurp(path), "{\"campaigns\":[]}\n");
}

TEST(OutputsTest, QuarantineRecordsAreValidJsonEvenForBinaryInput) {
  const std::string path = ::testing::TempDir() + "/outputs_test_quarantine.jsonl";
  std::filesystem::remove(path);
  auto sink = QuarantineFileSink::Open(path);
  ASSERT_TRUE(sink.ok());
  QuarantineRecord r{8, "in.jsonl", "invalid UTF-8", "bad \xff\xfe utf8 \"q\"\n"};
  (*sink)->Write(r);
  EXPECT_FALSE(std::filesystem::exists(path));  // only complete files are visible
  ASSERT_TRUE((*sink)->Close().ok());
  const std::string text = Slurp(path);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_EQ(int64_t(doc["line"]), 8);
  EXPECT_EQ(std::string_view(doc["reason"]), "invalid UTF-8");
}

TEST(OutputsTest, UnwritableDirectoryIsAnIoError) {
  EXPECT_EQ(WriteFileAtomically("/nonexistent-dir/x.json", "{}").code(), StatusCode::kIoError);
  EXPECT_FALSE(QuarantineFileSink::Open("/nonexistent-dir/q.jsonl").ok());
}

}  // namespace
}  // namespace dg
