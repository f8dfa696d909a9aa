#include "report/report.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

const std::string kFixture = std::string(DG_SOURCE_DIR) + "/tests/e2e/data/ext_result";

CampaignData Minimal() {
  CampaignData c;
  c.id = "C7";
  c.accounts = 1234;
  c.exchanges = 56789;
  c.first_seen_ms = *ParseRfc3339Ms("2026-04-22T10:00:00Z");
  c.last_seen_ms = *ParseRfc3339Ms("2026-04-24T18:30:00Z");
  c.capabilities = {{"reasoning", 0.12},
                    {"software_engineering", 0.41},
                    {"agentic_tool_use", 0.30},
                    {"knowledge", 0.10},
                    {"writing", 0.07}};
  return c;
}

TEST(ReportTest, SentenceInTheStyleOfTheLetters) {
  EXPECT_EQ(CampaignSentence(Minimal()),
            "1,234 accounts, 56,789 exchanges between 2026-04-22 10:00 and 2026-04-24 18:30 UTC, targeting "
            "software engineering 41%, agentic tool use 30%, reasoning 12%, knowledge 10% and 7% other.");
  CampaignData c = Minimal();
  c.action = "block";
  c.actioned_at_ms = *ParseRfc3339Ms("2026-04-22T11:00:00Z");
  c.exchanges_before_action = 5679;
  c.infrastructure.ip_types = {{"residential", 0.19}, {"hosting", 0.81}};
  const std::string s = CampaignSentence(c);
  EXPECT_NE(s.find("from hosting 81%, residential 19% addresses"), std::string::npos) << s;
  EXPECT_NE(s.find("; block from 2026-04-22 11:00 UTC, 5,679 exchanges (10%) served before action."), std::string::npos)
      << s;
}

TEST(ReportTest, LeakageFromCampaignOrFromItsAccounts) {
  ResultData data;
  CampaignData c = Minimal();
  c.exchanges = 100;
  c.exchanges_before_action = 25;
  EXPECT_DOUBLE_EQ(CampaignLeakage(c, data), 0.25);
  c.exchanges_before_action = kAbsentCount;
  EXPECT_LT(CampaignLeakage(c, data), 0);  // unknown
  AccountData served_all{"a", "allow", 0.1, "C7", 30, kNoTime, kAbsentCount, {}};
  AccountData stopped{"b", "block", 0.9, "C7", 70, 1, 10, {}};
  data.accounts = {served_all, stopped};
  EXPECT_DOUBLE_EQ(CampaignLeakage(c, data), 40.0 / 100.0);
}

TEST(ReportTest, PageIsSelfContainedAndEscapesData) {
  auto data = LoadResultDir(kFixture);
  ASSERT_TRUE(data.ok()) << data.status().message();
  data->accounts[0].account_id = "</script><img src=x onerror=alert(1)>";
  const std::string html = RenderReportHtml(*data, ReportOptions{});
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("var uPlot="), std::string::npos);  // inlined library
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);  // data cannot close the script block
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_NE(html.find("C0002"), std::string::npos);
}

TEST(ReportTest, TablesAreCappedButCountTheRest) {
  auto data = LoadResultDir(kFixture);
  ASSERT_TRUE(data.ok());
  ReportOptions options;
  options.max_table_accounts = 5;
  const std::string model = ReportModelJson(*data, options);
  EXPECT_NE(model.find("\"rows_total\":24"), std::string::npos);
  EXPECT_NE(model.find("\"rows_total\":36"), std::string::npos);  // all actioned accounts
}

TEST(ReportTest, CsvQuotesEveryTextField) {
  ResultData data;
  data.accounts.push_back({"a\"1,x", "block", 0.5, "", 3, kNoTime, kAbsentCount, {"r1", "r2"}});
  EXPECT_EQ(AccountsCsv(data),
            "account_id,action,score,campaign,exchanges,first_action_ts,exchanges_before_action,reasons\n"
            "\"a\"\"1,x\",\"block\",0.5000,\"\",3,,,\"r1 | r2\"\n");
}

}  // namespace
}  // namespace dg
