#include "eval/evaluate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace dg {
namespace {

// A case small enough to compute by hand (see the comments).
class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/evaluate_test";
    std::filesystem::create_directories(dir_);
    std::ofstream events(dir_ + "/events.jsonl");
    int n = 0;
    const auto event = [&](const char* account, double hours) {
      events << R"({"ts":)" << static_cast<int64_t>(hours * kMsPerHour) << R"(,"request_id":"r)" << n++
             << R"(","account_id":")" << account << "\"}\n";
    };
    event("x1", 0);  // campaign c starts here
    event("b1", 0);
    event("x2", 0.5);
    event("x1", 1);
    event("b1", 1);
    event("x1", 2);  // detector blocks x1 here; the quota (2/24h) refuses it too
    event("b1", 2);  // quota refuses b1 (benign) from here on
    event("x1", 3);
    event("b1", 3);
    event("b1", 4);
    event("b2", 10);
    event("x2", 25);
    std::ofstream labels(dir_ + "/labels.jsonl");
    labels << R"({"account_id":"x1","label":"attack","campaign":"c","kind":"campaign"})"
           << "\n"
           << R"({"account_id":"x2","label":"attack","campaign":"c","kind":"campaign"})"
           << "\n"
           << R"({"account_id":"b1","label":"benign","campaign":null,"kind":"chat"})"
           << "\n"
           << R"({"account_id":"b2","label":"benign","campaign":null,"kind":"batch"})"
           << "\n";
    std::ofstream accounts(dir_ + "/accounts.jsonl");
    accounts << R"({"account_id":"x1","action":"block","score":0.99,"campaign":null,"exchanges":4,)"
             << R"("first_action_ts":"1970-01-01T02:00:00.000Z","exchanges_before_action":2,"reasons":[]})"
             << "\n";
    for (const auto& [id, n_ex] : {std::pair{"x2", 2}, {"b1", 5}, {"b2", 1}}) {
      accounts << R"({"account_id":")" << id << R"(","action":"allow","score":0.1,"campaign":null,"exchanges":)" << n_ex
               << R"(,"first_action_ts":null,"exchanges_before_action":null,"reasons":[]})"
               << "\n";
    }
  }
  std::string dir_;
};

TEST_F(EvaluateTest, AgreesWithTheHandComputedCase) {
  EvalOptions options;
  options.labels_path = dir_ + "/labels.jsonl";
  options.event_paths = {dir_ + "/events.jsonl"};
  options.result_dir = dir_;
  options.quota_per_day = 2;
  auto report = Evaluate(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->events, 12);
  const Metrics& d = report->detector;
  EXPECT_DOUBLE_EQ(d.recall(), 0.5);
  EXPECT_DOUBLE_EQ(d.benign_fpr(), 0.0);
  EXPECT_DOUBLE_EQ(d.leakage(), 4.0 / 6.0);  // x1: 2 of 4 served, x2: 2 of 2
  EXPECT_EQ(d.campaigns.at("c").first_exchange_ms, 0);
  EXPECT_EQ(d.campaigns.at("c").first_action_ms, 2 * kMsPerHour);  // time to detection 2 h
  const Metrics& b = report->baseline;
  EXPECT_DOUBLE_EQ(b.recall(), 0.5);      // x1 refused at 2 h; x2 never over quota
  EXPECT_DOUBLE_EQ(b.benign_fpr(), 0.5);  // b1 refused at 2 h
  EXPECT_DOUBLE_EQ(b.leakage(), 4.0 / 6.0);
  EXPECT_EQ(b.benign_by_kind.at("chat").actioned, 1);
  EXPECT_EQ(b.campaigns.at("c").first_action_ms, 2 * kMsPerHour);
  const std::string json = EvalReportJson(*report);
  EXPECT_NE(json.find(R"("time_to_detection_s":7200)"), std::string::npos) << json;
  EXPECT_NE(EvalReportText(*report).find("baseline quota 2/24h"), std::string::npos);
}

TEST_F(EvaluateTest, MissingInputsAreErrors) {
  EvalOptions options;
  options.labels_path = dir_ + "/none.jsonl";
  options.event_paths = {dir_ + "/events.jsonl"};
  options.result_dir = dir_;
  EXPECT_EQ(Evaluate(options).status().code(), StatusCode::kNotFound);
  options.labels_path = dir_ + "/labels.jsonl";
  options.quota_per_day = 0;
  EXPECT_EQ(Evaluate(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dg
