#include "gateway/shipper.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dg {
namespace {

std::string LogWith(const std::string& name, int lines) {
  auto dir = std::filesystem::temp_directory_path() / ("dg_shipper_test_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "events.log").string();
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i) out << "{\"request_id\":\"r" << i << "\"}\n";
  return path;
}

int CountLines(const std::string& body) {
  int n = 0;
  for (char c : body) n += c == '\n';
  return n;
}

ShipOptions Once(const std::string& path) {
  ShipOptions o;
  o.log_path = path;
  o.from_start = true;
  o.once = true;
  o.batch_lines = 4;
  o.retry_initial_ms = 1;
  o.retry_max_ms = 2;
  return o;
}

TEST(ShipperTest, FailedBatchesAreRepostedUnchanged) {
  const std::string path = LogWith("retry", 10);
  std::vector<std::string> delivered;
  int calls = 0;
  const PostFn post = [&](const std::string& body) {
    ++calls;
    if (calls == 2 || calls == 3) return PostResult{503, "{\"error\":\"busy\"}", ""};
    if (calls == 4) return PostResult{0, "", "connection refused"};
    delivered.push_back(body);
    return PostResult{200, "{\"accepted\":" + std::to_string(CountLines(body)) + ",\"rejected\":0,\"errors\":[]}", ""};
  };
  std::atomic<bool> stop{false};
  ShipStats stats;
  std::vector<std::string> notes;
  ASSERT_TRUE(Ship(Once(path), post, stop, &stats, [&](const std::string& n) { notes.push_back(n); }).ok());
  ASSERT_EQ(delivered.size(), 3u);  // 4 + 4 + 2 lines
  EXPECT_EQ(CountLines(delivered[0]), 4);
  EXPECT_EQ(CountLines(delivered[2]), 2);
  std::string all;
  for (const auto& b : delivered) all += b;
  for (int i = 0; i < 10; ++i) EXPECT_NE(all.find("\"r" + std::to_string(i) + "\""), std::string::npos) << i;
  EXPECT_EQ(CountLines(all), 10);  // each line once among the accepted batches
  EXPECT_EQ(stats.lines, 10);
  EXPECT_EQ(stats.accepted, 10);
  EXPECT_EQ(stats.batches, 3);
  EXPECT_EQ(stats.retries, 3);
  EXPECT_EQ(notes.size(), 3u);
}

TEST(ShipperTest, RejectedLinesAreCountedNotRetried) {
  const std::string path = LogWith("rejected", 3);
  int calls = 0;
  const PostFn post = [&](const std::string&) {
    ++calls;
    return PostResult{
        200, R"({"accepted":2,"rejected":1,"errors":[{"line":2,"reason":"missing required field 'ts'"}]})", ""};
  };
  std::atomic<bool> stop{false};
  ShipStats stats;
  std::vector<std::string> notes;
  ASSERT_TRUE(Ship(Once(path), post, stop, &stats, [&](const std::string& n) { notes.push_back(n); }).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stats.accepted, 2);
  EXPECT_EQ(stats.rejected, 1);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("missing required field"), std::string::npos);
}

TEST(ShipperTest, AnswersRetryingCannotFixEndTheRun) {
  const std::string path = LogWith("fatal", 3);
  for (int status : {400, 401, 403, 404, 413, 415}) {
    int calls = 0;
    const PostFn post = [&](const std::string&) {
      ++calls;
      return PostResult{status, "{\"error\":\"no\"}", ""};
    };
    std::atomic<bool> stop{false};
    ShipStats stats;
    const Status s = Ship(Once(path), post, stop, &stats);
    EXPECT_FALSE(s.ok()) << status;
    EXPECT_NE(s.message().find(std::to_string(status)), std::string::npos) << s.message();
    EXPECT_EQ(calls, 1) << status;
  }
}

TEST(ShipperTest, BatchBytesBoundTheBody) {
  const std::string path = LogWith("bytes", 6);  // lines of 17 bytes
  std::vector<int> sizes;
  const PostFn post = [&](const std::string& body) {
    sizes.push_back(CountLines(body));
    return PostResult{200, "{\"accepted\":" + std::to_string(CountLines(body)) + "}", ""};
  };
  ShipOptions o = Once(path);
  o.batch_lines = 100;
  o.batch_bytes = 40;  // two lines fit
  std::atomic<bool> stop{false};
  ShipStats stats;
  ASSERT_TRUE(Ship(o, post, stop, &stats).ok());
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 2}));
}

TEST(ShipperTest, BadUrlsAreRefused) {
  EXPECT_FALSE(HttpEventPoster("127.0.0.1:8080", "", 1000).ok());
  EXPECT_FALSE(HttpEventPoster("https://x:1", "", 1000).ok());
  EXPECT_FALSE(HttpEventPoster("http://x:1/v1/events", "", 1000).ok());
  EXPECT_TRUE(HttpEventPoster("http://127.0.0.1:8080/", "t", 1000).ok());
}

TEST(ShipperTest, NoServiceMeansRetriesUntilStopped) {
  const std::string path = LogWith("down", 2);
  auto post = HttpEventPoster("http://127.0.0.1:1", "", 200);  // nothing listens on port 1
  ASSERT_TRUE(post.ok());
  std::atomic<bool> stop{false};
  ShipStats stats;
  ShipOptions o = Once(path);
  int notes = 0;
  const Status s = Ship(o, *post, stop, &stats, [&](const std::string&) {
    if (++notes == 3) stop.store(true);
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(stats.accepted, 0);
  EXPECT_GE(stats.retries, 3);
}

// Collects the request ids of the accepted batches.
PostFn Collecting(std::vector<std::string>* ids) {
  return [ids](const std::string& body) {
    size_t pos = 0;
    constexpr std::string_view kKey = "\"request_id\":\"";
    while ((pos = body.find(kKey, pos)) != std::string::npos) {
      pos += kKey.size();
      const size_t end = body.find('"', pos);
      ids->push_back(body.substr(pos, end - pos));
      pos = end;
    }
    return PostResult{200, "{\"accepted\":" + std::to_string(CountLines(body)) + "}", ""};
  };
}

TEST(ShipperTest, SavedPositionResumesWhereTheLastRunStopped) {
  const std::string path = LogWith("position", 5);
  ShipOptions o = Once(path);
  o.from_start = false;  // the saved position must win over "from the end"
  o.position_path = path + ".pos";
  std::vector<std::string> ids;
  std::atomic<bool> stop{false};
  ShipStats first;
  // No position yet: from the end, so nothing; then the position is saved
  // only once a batch went out.
  ASSERT_TRUE(Ship(o, Collecting(&ids), stop, &first).ok());
  EXPECT_TRUE(ids.empty());
  EXPECT_FALSE(std::filesystem::exists(o.position_path));
  o.from_start = true;
  ShipStats second;
  ASSERT_TRUE(Ship(o, Collecting(&ids), stop, &second).ok());
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_FALSE(second.resumed);
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"request_id\":\"r5\"}\n{\"request_id\":\"r6\"}\n";
  }
  ids.clear();
  ShipStats third;
  ASSERT_TRUE(Ship(o, Collecting(&ids), stop, &third).ok());
  EXPECT_TRUE(third.resumed);
  EXPECT_EQ(ids, (std::vector<std::string>{"r5", "r6"}));
  // Rotated while stopped: the new file at the path is read from its start.
  std::filesystem::rename(path, path + ".1");
  {
    std::ofstream out(path);
    out << "{\"request_id\":\"r7\"}\n";
  }
  ids.clear();
  ShipStats fourth;
  std::vector<std::string> notes;
  ASSERT_TRUE(Ship(o, Collecting(&ids), stop, &fourth, [&](const std::string& n) { notes.push_back(n); }).ok());
  EXPECT_FALSE(fourth.resumed);
  EXPECT_EQ(ids, (std::vector<std::string>{"r7"}));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("rotated"), std::string::npos);
}

TEST(ShipperTest, AForeignPositionFileIsAnError) {
  const std::string path = LogWith("foreign", 2);
  ShipOptions o = Once(path);
  o.position_path = path + ".pos";
  std::ofstream(o.position_path) << "hello\n";
  std::vector<std::string> ids;
  std::atomic<bool> stop{false};
  ShipStats stats;
  const Status s = Ship(o, Collecting(&ids), stop, &stats);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not one ship wrote"), std::string::npos) << s.message();
  EXPECT_TRUE(ids.empty());
}

}  // namespace
}  // namespace dg
