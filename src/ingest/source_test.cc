#include "ingest/source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/dedup.h"

namespace dg {
namespace {

class Collect : public QuarantineSink {
 public:
  void Write(const QuarantineRecord& r) override { records.push_back(r); }
  std::vector<QuarantineRecord> records;
};

std::string TempFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/source_test_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string Line(int64_t ts_ms, const std::string& id, const std::string& account = "a") {
  return R"({"ts":)" + std::to_string(ts_ms) + R"(,"request_id":")" + id + R"(","account_id":")" + account + "\"}\n";
}

std::vector<std::string> Drain(EventSource* source) {
  std::vector<std::string> ids;
  Event e;
  while (source->Next(&e)) ids.push_back(e.request_id);
  return ids;
}

TEST(SourceTest, MergesInputsByTimeAndRestoresJitter) {
  // Input a is 3 s out of order at one point; b interleaves with a.
  const auto a = TempFile("a", Line(1000, "a1") + Line(5000, "a3") + Line(2000, "a2") + Line(9000, "a4"));
  const auto b = TempFile("b", Line(1500, "b1") + Line(6000, "b2"));
  Collect q;
  auto source = EventSource::Open({a, b}, IngestOptions{}, &q);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Drain(source->get()), (std::vector<std::string>{"a1", "b1", "a2", "a3", "b2", "a4"}));
  EXPECT_EQ((*source)->counters().late, 0u);
  EXPECT_TRUE(q.records.empty());
}

TEST(SourceTest, EventsLaterThanTheWindowAreDeliveredAndCounted) {
  IngestOptions options;
  options.reorder_window_ms = 1000;
  const auto a = TempFile("late", Line(1000, "x1") + Line(5000, "x2") + Line(9000, "x3") + Line(2000, "x4"));
  auto source = EventSource::Open({a}, options, nullptr);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Drain(source->get()), (std::vector<std::string>{"x1", "x2", "x4", "x3"}));
  EXPECT_EQ((*source)->counters().late, 1u);
  EXPECT_EQ((*source)->counters().events, 4u);
}

TEST(SourceTest, TiesKeepInputThenLineOrder) {
  const auto a = TempFile("tie_a", Line(1000, "a1") + Line(1000, "a2"));
  const auto b = TempFile("tie_b", Line(1000, "b1"));
  auto source = EventSource::Open({b, a}, IngestOptions{}, nullptr);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Drain(source->get()), (std::vector<std::string>{"b1", "a1", "a2"}));
}

TEST(SourceTest, QuarantinesBadLinesWithNumberInputReasonAndRaw) {
  const auto a = TempFile("bad", Line(1000, "r1") + "{broken\n" + "\n" + R"({"ts":2000,"request_id":"r2"})" + "\n" +
                                     Line(3000, "r1") + Line(4000, "r3"));
  Collect q;
  auto source = EventSource::Open({a}, IngestOptions{}, &q);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Drain(source->get()), (std::vector<std::string>{"r1", "r3"}));
  const auto& c = (*source)->counters();
  EXPECT_EQ(c.lines, 6u);
  EXPECT_EQ(c.blank_lines, 1u);
  EXPECT_EQ(c.quarantined, 2u);
  EXPECT_EQ(c.duplicates, 1u);
  ASSERT_EQ(q.records.size(), 2u);
  EXPECT_EQ(q.records[0].line, 2u);
  EXPECT_EQ(q.records[0].input, a);
  EXPECT_EQ(q.records[0].raw, "{broken");
  EXPECT_NE(q.records[0].reason.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(q.records[1].line, 4u);
  EXPECT_EQ(q.records[1].reason, "missing required field 'account_id'");
}

TEST(SourceTest, OverlongLinesAreQuarantinedWithTheirPrefix) {
  IngestOptions options;
  options.max_line_bytes = 100;
  const std::string big =
      R"({"ts":1000,"request_id":"big","account_id":"a","prompt":")" + std::string(10000, 'x') + "\"}\n";
  const auto a = TempFile("long", big + Line(2000, "ok"));
  Collect q;
  auto source = EventSource::Open({a}, options, &q);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Drain(source->get()), (std::vector<std::string>{"ok"}));
  ASSERT_EQ(q.records.size(), 1u);
  EXPECT_EQ(q.records[0].line, 1u);
  EXPECT_EQ(q.records[0].raw.size(), kQuarantineRawBytes);
  EXPECT_NE(q.records[0].reason.find("exceeds the limit"), std::string::npos);
  EXPECT_EQ((*source)->counters().too_long, 1u);
}

TEST(SourceTest, MissingInputFailsBeforeReading) {
  auto source = EventSource::Open({"/nonexistent/dir/x.jsonl"}, IngestOptions{}, nullptr);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
}

// Events are decoded into a reused pool: whatever an earlier line left in a
// pooled Event, each delivered event must equal its line decoded fresh, with
// its position. Lines vary in which optional fields they carry, arrive out of
// order (so several events are pending and the pool grows while one is
// lent), repeat a request_id and include rejected lines.
TEST(SourceTest, PooledEventsEqualFreshDecodesInBothNextForms) {
  const std::vector<std::string> lines = {
      R"({"ts":3000,"request_id":"p1","account_id":"a1","org_id":"o1","system":"a system prompt long enough for the heap",)"
      R"("prompt":"a prompt long enough to need its own heap buffer, not the small one","tools":["bash"],)"
      R"("account":{"tier":"pro","email_domain":"example.com"},"params":{"max_tokens":5,"stream":true}})",
      R"({"ts":1000,"request_id":"p2","account_id":"a2"})",
      R"({"ts":2000,"request_id":"p3","account_id":"a3","messages":[{"role":"user","content":"from the messages"}]})",
      R"({"ts":2500,"request_id":"p4","account_id":"a4","asn":"wrong type"})",
      R"({"ts":4000,"request_id":"p1","account_id":"a1"})",  // a duplicate delivery
      R"({"ts":3500,"request_id":"p5","account_id":"a5","ip_type":"vpn","turn":3})",
      R"({"ts":9000,"request_id":"p6","account_id":"a6","country":"SG"})",
  };
  std::string content;
  for (const auto& l : lines) content += l + "\n";
  const auto path = TempFile("pooled", content);

  // Expected: each accepted line decoded on its own, in delivery order.
  std::vector<Event> fresh;
  for (size_t i = 0; i < lines.size(); ++i) {
    EventDecoder decoder;
    Event e;
    std::string padded = lines[i] + std::string(simdjson::SIMDJSON_PADDING, ' ');
    if (!decoder.Decode(std::string_view(padded.data(), lines[i].size()), &e).ok()) continue;
    if (e.request_id == "p1" && e.ts_ms == 4000) continue;
    e.line_number = i + 1;
    fresh.push_back(e);
  }
  std::stable_sort(fresh.begin(), fresh.end(), [](const Event& a, const Event& b) { return a.ts_ms < b.ts_ms; });
  ASSERT_EQ(fresh.size(), 5u);

  // A short window, so that lines are read (and slots taken) between deliveries.
  IngestOptions options;
  options.reorder_window_ms = 1000;
  {
    auto source = EventSource::Open({path}, options, nullptr);
    ASSERT_TRUE(source.ok());
    size_t n = 0;
    while (const Event* e = (*source)->Next()) {
      ASSERT_LT(n, fresh.size());
      EXPECT_TRUE(*e == fresh[n]) << "event " << n << ": " << e->request_id;
      ++n;
    }
    EXPECT_EQ(n, fresh.size());
    EXPECT_EQ((*source)->Next(), nullptr);
    EXPECT_EQ((*source)->counters().duplicates, 1u);
    EXPECT_EQ((*source)->counters().quarantined, 1u);
    EXPECT_EQ((*source)->counters().late, 0u);
  }
  {
    auto source = EventSource::Open({path}, options, nullptr);
    ASSERT_TRUE(source.ok());
    std::vector<Event> got;
    Event e;
    while ((*source)->Next(&e)) got.push_back(e);
    ASSERT_EQ(got.size(), fresh.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i] == fresh[i]) << "event " << i;
  }
}

TEST(DedupTest, ForgetsIdsAfterTheWindowAndBeyondCapacity) {
  RequestIdDedup dedup(/*window_ms=*/1000, /*max_ids=*/3);
  EXPECT_TRUE(dedup.Insert("a", 0));
  EXPECT_FALSE(dedup.Insert("a", 500));
  EXPECT_TRUE(dedup.Insert("a", 2000));  // window passed
  EXPECT_TRUE(dedup.Insert("b", 2001));
  EXPECT_TRUE(dedup.Insert("c", 2002));
  EXPECT_TRUE(dedup.Insert("d", 2003));  // evicts "a" (capacity 3)
  EXPECT_LE(dedup.size(), 3u);
  EXPECT_TRUE(dedup.Insert("a", 2004));
  EXPECT_FALSE(dedup.Insert("d", 2005));
}

}  // namespace
}  // namespace dg
