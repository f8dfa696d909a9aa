#include "service/event_log.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace dg {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dg_event_log_test_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(EventLogTest, AppendsSurviveReopenInOrder) {
  const std::string dir = TempDir("reopen");
  {
    auto log = EventLog::Open(dir, false);
    ASSERT_TRUE(log.ok()) << log.status().message();
    int64_t first = 0;
    ASSERT_TRUE((*log)->Append({"one", "two"}, &first).ok());
    EXPECT_EQ(first, 1);
    ASSERT_TRUE((*log)->Append({std::string_view("th\0ree", 6)}, &first).ok());
    EXPECT_EQ(first, 3);
  }
  auto log = EventLog::Open(dir, true);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->last_seq(), 3);
  std::vector<std::pair<int64_t, std::string>> seen;
  ASSERT_TRUE((*log)->ForEachEvent(1, [&](int64_t seq, std::string_view line) { seen.emplace_back(seq, line); }).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(int64_t{2}, std::string("two")));
  EXPECT_EQ(seen[1], std::make_pair(int64_t{3}, std::string("th\0ree", 6)));
  std::filesystem::remove_all(dir);
}

TEST(EventLogTest, OverridesAndAuditPersist) {
  const std::string dir = TempDir("overrides");
  {
    auto log = EventLog::Open(dir, false);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->SaveOverride({OverrideKind::kAccount, "a1", Action::kBlock, "alice", "fraud", 10}, false).ok());
    ASSERT_TRUE(
        (*log)->SaveOverride({OverrideKind::kCampaign, "C1", Action::kAllow, "bob", "eval lab", 11}, false).ok());
    ASSERT_TRUE((*log)->SaveOverride({OverrideKind::kAccount, "a1", Action::kAllow, "carol", "appeal", 12}, true).ok());
  }
  auto log = EventLog::Open(dir, false);
  ASSERT_TRUE(log.ok());
  auto current = (*log)->LoadOverrides();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ((*current)[0].id, "C1");
  EXPECT_EQ((*current)[0].kind, OverrideKind::kCampaign);
  EXPECT_EQ((*current)[0].action, Action::kAllow);
  auto audit = (*log)->Audit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_TRUE((*audit)[0].cleared);
  EXPECT_EQ((*audit)[0].change.by, "carol");
  EXPECT_EQ((*audit)[2].change.reason, "fraud");
  std::filesystem::remove_all(dir);
}

TEST(EventLogTest, TemporaryDatabaseWithoutDirectory) {
  auto log = EventLog::Open("", true);
  ASSERT_TRUE(log.ok()) << log.status().message();
  int64_t first = 0;
  ASSERT_TRUE((*log)->Append({"x"}, &first).ok());
  EXPECT_EQ((*log)->last_seq(), 1);
}

TEST(EventLogTest, RefusesAFileThatIsNotADatabase) {
  const std::string dir = TempDir("garbage");
  std::filesystem::create_directories(dir);
  {
    std::FILE* f = std::fopen((dir + "/state.sqlite").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an sqlite database, just text that is long enough to look like a header", f);
    std::fclose(f);
  }
  auto log = EventLog::Open(dir, false);
  EXPECT_FALSE(log.ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dg
