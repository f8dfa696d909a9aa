#include "stream/sequencer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dg {
namespace {

std::vector<std::string> Drain(Sequencer* s) {
  std::vector<std::string> out;
  std::string p;
  while (s->Pop(&p)) out.push_back(p);
  return out;
}

TEST(SequencerTest, ReleasesInSequenceOrder) {
  Sequencer s(1);
  EXPECT_TRUE(s.Push(3, "c"));
  EXPECT_TRUE(s.Push(2, "b"));
  EXPECT_TRUE(Drain(&s).empty());  // 1 has not arrived
  EXPECT_EQ(s.buffered(), 2u);
  EXPECT_TRUE(s.Push(1, "a"));
  EXPECT_EQ(Drain(&s), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(s.next(), 4u);
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(SequencerTest, DropsRedeliveriesHeldOrReleased) {
  Sequencer s(10);
  EXPECT_TRUE(s.Push(11, "b"));
  EXPECT_FALSE(s.Push(11, "b again"));  // held
  EXPECT_TRUE(s.Push(10, "a"));
  EXPECT_EQ(Drain(&s), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s.Push(10, "a again"));  // released
  EXPECT_FALSE(s.Push(3, "before the start"));
  EXPECT_EQ(s.duplicates(), 3u);
  EXPECT_TRUE(Drain(&s).empty());
}

TEST(SequencerTest, AGapHoldsEverythingBehindIt) {
  Sequencer s(1);
  for (uint64_t q = 2; q <= 100; ++q) EXPECT_TRUE(s.Push(q, std::to_string(q)));
  EXPECT_TRUE(Drain(&s).empty());
  EXPECT_EQ(s.next(), 1u);
  EXPECT_EQ(s.buffered(), 99u);
  s.Push(1, "1");
  const auto out = Drain(&s);
  ASSERT_EQ(out.size(), 100u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], std::to_string(i + 1));
}

TEST(SequencerTest, InterleavedPartitionsComeOutInOneOrder) {
  // Three stage-1 workers' outputs, each in its own order, merge into the
  // same sequence however they interleave.
  std::vector<uint64_t> a = {1, 4, 7, 10}, b = {2, 5, 8}, c = {3, 6, 9};
  for (int round = 0; round < 3; ++round) {
    Sequencer s(1);
    std::vector<std::string> out;
    std::vector<std::vector<uint64_t>*> order = {&a, &b, &c};
    std::rotate(order.begin(), order.begin() + round, order.end());
    for (auto* part : order) {
      for (uint64_t q : *part) s.Push(q, std::to_string(q));
      for (auto& p : Drain(&s)) out.push_back(p);
    }
    EXPECT_EQ(out, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"})) << round;
  }
}

}  // namespace
}  // namespace dg
