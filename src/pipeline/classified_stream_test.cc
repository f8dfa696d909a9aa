#include "pipeline/classified_stream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "pipeline/engine.h"

namespace dg {
namespace {

class Collect : public QuarantineSink {
 public:
  void Write(const QuarantineRecord& r) override { records.push_back(r.reason); }
  std::vector<std::string> records;
};

std::string TempFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/classified_stream_test_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Prompts of several classes, so that a class handed to the wrong event shows.
const char* const kPrompts[] = {
    "Write a Python function that parses a CSV file and returns a list of dicts.",
    "Think step by step and show your full chain of thought: how many primes are below 100?",
    "You have access to the following tools: search, calculator. Use the tools to answer.",
    "Write a poem about the sea at night.",
    "Compare the two responses and output a score from 1 to 10 for each.",
    "hi",
    "What is the capital of Australia?",
    "Build a complete web app from scratch with authentication, end to end.",
};

// `events` lines over two inputs, with bad lines and duplicates mixed in.
std::vector<std::string> Inputs(const std::string& name, int events) {
  std::string a, b;
  for (int i = 0; i < events; ++i) {
    const std::string prompt = kPrompts[(i * 7 + i / 3) % std::size(kPrompts)];
    const std::string line = R"({"ts":)" + std::to_string(1'700'000'000'000 + int64_t{i} * 250) +
                             R"(,"request_id":"r)" + std::to_string(i) + R"(","account_id":"acct)" +
                             std::to_string(i % 37) + R"(","prompt":")" + prompt + "\"}\n";
    std::string& out = i % 3 == 0 ? b : a;
    out += line;
    if (i % 101 == 0) out += "{not json\n";
    if (i % 173 == 0) out += line;  // a duplicate request_id
  }
  return {TempFile(name + "_a", a), TempFile(name + "_b", b)};
}

struct Seen {
  std::string request_id;
  PromptClass prompt_class;
};

// One compiled classifier for the whole test (compiling takes ~0.5 s); each test clones it.
std::unique_ptr<PromptClassifier> MakeClassifier() {
  static const PromptClassifier* const prototype = [] {
    auto classifier = PromptClassifier::Create();
    EXPECT_TRUE(classifier.ok()) << classifier.status().message();
    return std::move(classifier).value().release();
  }();
  auto clone = prototype->Clone();
  EXPECT_TRUE(clone.ok());
  return std::move(clone).value();
}

// The reference: one thread, the source read and classified in turn.
std::vector<Seen> OneThread(const std::vector<std::string>& inputs, PromptClassifier* classifier, Collect* q,
                            IngestCounters* counters) {
  auto source = EventSource::Open(inputs, IngestOptions{}, q);
  EXPECT_TRUE(source.ok());
  std::vector<Seen> seen;
  while (const Event* e = (*source)->Next()) seen.push_back({e->request_id, classifier->Classify(PromptContextOf(*e))});
  *counters = (*source)->counters();
  return seen;
}

void ExpectSame(const std::vector<Seen>& want, const std::vector<Seen>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(want[i].request_id, got[i].request_id) << "at " << i;
    EXPECT_EQ(want[i].prompt_class.capability, got[i].prompt_class.capability) << want[i].request_id;
    EXPECT_EQ(want[i].prompt_class.reasoning_coercion, got[i].prompt_class.reasoning_coercion) << want[i].request_id;
    EXPECT_EQ(want[i].prompt_class.rubric_grading, got[i].prompt_class.rubric_grading) << want[i].request_id;
    EXPECT_EQ(want[i].prompt_class.capability_hits, got[i].prompt_class.capability_hits) << want[i].request_id;
  }
}

TEST(ClassifiedStreamTest, SameEventsClassesAndCountersAsOneThread) {
  auto classifier = MakeClassifier();
  // Several batches and a partial last one; exactly one batch; less than one.
  for (const int events : {3000, static_cast<int>(ClassifiedStream::kBatchEvents), 5}) {
    const auto inputs = Inputs("same" + std::to_string(events), events);
    Collect want_q;
    IngestCounters want_counters;
    const std::vector<Seen> want = OneThread(inputs, classifier.get(), &want_q, &want_counters);
    ASSERT_FALSE(want.empty());
    for (const size_t helpers : {1, 2, 3, 5}) {
      SCOPED_TRACE("events " + std::to_string(events) + ", helpers " + std::to_string(helpers));
      Collect q;
      auto source = EventSource::Open(inputs, IngestOptions{}, &q);
      ASSERT_TRUE(source.ok());
      auto stream = ClassifiedStream::Start(source->get(), *classifier, helpers);
      ASSERT_TRUE(stream.ok()) << stream.status().message();
      std::vector<Seen> got;
      PromptClass c;
      uint64_t last_events = 0;
      while (const Event* e = (*stream)->Next(&c)) {
        got.push_back({e->request_id, c});
        EXPECT_GE((*stream)->progress().events, got.size());  // the snapshot is at the batch's end
        EXPECT_GE((*stream)->progress().events, last_events);
        last_events = (*stream)->progress().events;
      }
      EXPECT_EQ((*stream)->Next(&c), nullptr);  // the end stays the end
      ExpectSame(want, got);
      EXPECT_EQ((*source)->counters().events, want_counters.events);
      EXPECT_EQ((*source)->counters().lines, want_counters.lines);
      EXPECT_EQ((*source)->counters().quarantined, want_counters.quarantined);
      EXPECT_EQ((*source)->counters().duplicates, want_counters.duplicates);
      EXPECT_GT((*source)->counters().quarantined, 0u);
      EXPECT_EQ(q.records, want_q.records);
      EXPECT_EQ((*stream)->progress().events, want_counters.events);
    }
  }
}

TEST(ClassifiedStreamTest, EmptyAndAllBadSources) {
  auto classifier = MakeClassifier();
  const auto empty = TempFile("empty", "");
  const auto bad = TempFile("bad", "{nope\n[1,2]\n\"x\"\n");
  for (const auto& path : {empty, bad}) {
    Collect q;
    auto source = EventSource::Open({path}, IngestOptions{}, &q);
    ASSERT_TRUE(source.ok());
    auto stream = ClassifiedStream::Start(source->get(), *classifier, 2);
    ASSERT_TRUE(stream.ok());
    PromptClass c;
    EXPECT_EQ((*stream)->Next(&c), nullptr);
    EXPECT_EQ((*source)->counters().events, 0u);
    EXPECT_EQ(q.records.size(), path == bad ? 3u : 0u);
  }
}

TEST(ClassifiedStreamTest, DestroyedMidStreamJoinsItsHelpers) {
  auto classifier = MakeClassifier();
  const auto inputs = Inputs("mid", 5000);
  for (const size_t helpers : {1, 3}) {
    auto source = EventSource::Open(inputs, IngestOptions{}, nullptr);
    ASSERT_TRUE(source.ok());
    auto stream = ClassifiedStream::Start(source->get(), *classifier, helpers);
    ASSERT_TRUE(stream.ok());
    PromptClass c;
    for (int i = 0; i < 10; ++i) ASSERT_NE((*stream)->Next(&c), nullptr);
    stream->reset();  // must return (the helpers stop after the batch in hand), not hang
    // The helpers read at most the batches that were free: the source stopped early.
    EXPECT_LT((*source)->counters().events, 5000u);
  }
}

TEST(ClassifiedStreamTest, NeedsAHelper) {
  auto classifier = MakeClassifier();
  auto source = EventSource::Open({TempFile("none", "")}, IngestOptions{}, nullptr);
  ASSERT_TRUE(source.ok());
  const auto stream = ClassifiedStream::Start(source->get(), *classifier, 0);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dg
