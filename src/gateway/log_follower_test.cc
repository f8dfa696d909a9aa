#include "gateway/log_follower.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace dg {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dg_gateway_test_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::vector<std::string> PollAll(LogFollower& f) {
  std::vector<std::string> lines;
  while (true) {
    auto n = f.Poll(1000, &lines);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) break;
  }
  return lines;
}

TEST(LogFollowerTest, WholeLinesOnlyAndBlankLinesSkipped) {
  const std::string path = TempDir("lines") + "/access.log";
  Append(path, "a\n\n  \nb\r\nhalf");
  LogFollower f(path, /*from_start=*/true);
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"a", "b"}));
  Append(path, "-line\nc\n");
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"half-line", "c"}));
  EXPECT_EQ(f.offset(), static_cast<int64_t>(std::filesystem::file_size(path)));
}

TEST(LogFollowerTest, FromTheEndSkipsWhatWasThere) {
  const std::string path = TempDir("end") + "/access.log";
  Append(path, "old1\nold2\n");
  LogFollower f(path, /*from_start=*/false);
  EXPECT_TRUE(PollAll(f).empty());
  Append(path, "new\n");
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"new"}));
}

TEST(LogFollowerTest, FollowsRenameAndNewFile) {
  const std::string dir = TempDir("rename");
  const std::string path = dir + "/access.log";
  Append(path, "1\n2\n");
  LogFollower f(path, true);
  EXPECT_EQ(PollAll(f).size(), 2u);
  Append(path, "3\n");
  // logrotate: rename, then the gateway reopens a new file at the path.
  std::filesystem::rename(path, dir + "/access.log.1");
  Append(dir + "/access.log.1", "4\n");  // written to the old file before the reopen
  Append(path, "5\n6\n");
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"3", "4", "5", "6"}));
  EXPECT_EQ(f.rotations(), 1);
}

TEST(LogFollowerTest, FollowsTruncationInPlace) {
  const std::string path = TempDir("truncate") + "/access.log";
  Append(path, "first-file-line-1\nfirst-file-line-2\n");
  LogFollower f(path, true);
  EXPECT_EQ(PollAll(f).size(), 2u);
  std::filesystem::resize_file(path, 0);  // copytruncate
  EXPECT_TRUE(PollAll(f).empty());
  Append(path, "x\n");
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"x"}));
  EXPECT_EQ(f.rotations(), 1);
}

TEST(LogFollowerTest, MissingFileIsWaitedFor) {
  const std::string path = TempDir("missing") + "/access.log";
  LogFollower f(path, false);
  EXPECT_TRUE(PollAll(f).empty());
  Append(path, "appeared\n");  // a file that appears later is read from its start
  EXPECT_EQ(PollAll(f), (std::vector<std::string>{"appeared"}));
}

TEST(LogFollowerTest, OverlongLineIsCutNotHeld) {
  const std::string path = TempDir("long") + "/access.log";
  Append(path, std::string(LogFollower::kMaxLineBytes + 100, 'x') + "\nnext\n");
  LogFollower f(path, true);
  const auto lines = PollAll(f);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), LogFollower::kMaxLineBytes);
  EXPECT_EQ(lines[1], "next");
}

}  // namespace
}  // namespace dg
