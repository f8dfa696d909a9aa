#include "linkage/graph.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(UnionFind, JoinsAndReportsTheAbsorbedRoot) {
  UnionFind uf;
  for (int i = 0; i < 5; ++i) uf.Add();
  uint32_t absorbed = 0;
  const uint32_t r = uf.Union(0, 1, &absorbed);
  EXPECT_NE(absorbed, r);
  EXPECT_EQ(uf.Find(0), uf.Find(1));
  EXPECT_NE(uf.Find(0), uf.Find(2));
  uf.Union(2, 3, &absorbed);
  uf.Union(1, 3, &absorbed);
  EXPECT_EQ(uf.SizeOf(0), 4u);
  const uint32_t again = uf.Union(0, 3, &absorbed);
  EXPECT_EQ(absorbed, again);  // already joined
  EXPECT_EQ(uf.SizeOf(4), 1u);
}

TEST(PeelToCore, KeepsADenseCliqueAndPeelsAPendantAccount) {
  // A 6-clique with edges of weight 1.5, and one account hanging on one edge.
  std::vector<WeightedEdge> edges;
  for (uint32_t a = 0; a < 6; ++a) {
    for (uint32_t b = a + 1; b < 6; ++b) edges.push_back({a, b, 1.5});
  }
  edges.push_back({6, 0, 1.5});
  const auto core = PeelToCore(7, edges, 1.4, 0.3);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(core[i]) << i;
  EXPECT_FALSE(core[6]);
}

TEST(PeelToCore, PeelingCascadesAlongAChain) {
  // Clique 0..4, then a chain 5-6-7 hanging off node 4: the whole chain goes.
  std::vector<WeightedEdge> edges;
  for (uint32_t a = 0; a < 5; ++a) {
    for (uint32_t b = a + 1; b < 5; ++b) edges.push_back({a, b, 2.0});
  }
  edges.push_back({4, 5, 2.0});
  edges.push_back({5, 6, 2.0});
  edges.push_back({6, 7, 2.0});
  const auto core = PeelToCore(8, edges, 1.0, 0.5);  // median degree 8 -> threshold 4
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(core[i]) << i;
  for (int i = 5; i < 8; ++i) EXPECT_FALSE(core[i]) << i;
}

TEST(PeelToCore, MinimumDegreeAppliesWithoutMedianShare) {
  std::vector<WeightedEdge> edges = {{0, 1, 0.5}, {1, 2, 2.0}};
  const auto core = PeelToCore(3, edges, 1.0, 0.0);
  EXPECT_FALSE(core[0]);
  EXPECT_TRUE(core[1]);
  EXPECT_TRUE(core[2]);
  EXPECT_TRUE(PeelToCore(0, {}, 1.0, 0.5).empty());
}

}  // namespace
}  // namespace dg
