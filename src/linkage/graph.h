// Campaign graph primitives: union-find over accounts and the dense-core
// peeling that keeps incidental neighbours out of a campaign.
//
// Pipeline: linkage index (linker.h) -> **graph** -> campaign scoring. The
// linker adds an edge when two accounts share enough evidence; components of
// those edges grow in event time (union-find, near-constant time per edge).
// Before a component is scored or actioned, its dense core is computed by
// weighted-degree peeling in the manner of Fraudar and k-cores: members
// whose evidence into the component is far below that of a typical member
// are peeled, repeatedly, so that one legitimate account that shares an
// address and an SDK with a campaign does not join it.
//
// Thread-safety: none; the linker owns the graph.
#ifndef DG_LINKAGE_GRAPH_H_
#define DG_LINKAGE_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dg {

// Union by size with path halving. Elements are dense indices added with Add().
class UnionFind {
 public:
  uint32_t Add();  // a new singleton; returns its index
  uint32_t Find(uint32_t x);
  // Joins the sets of a and b; returns the new root and sets *absorbed to the
  // root that stopped being one (== the new root if they were already joined).
  uint32_t Union(uint32_t a, uint32_t b, uint32_t* absorbed);
  uint32_t SizeOf(uint32_t x) { return size_[Find(x)]; }
  size_t size() const { return parent_.size(); }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> size_;
};

struct WeightedEdge {
  uint32_t a;  // local node indices in [0, node_count)
  uint32_t b;
  double weight;
};

// Dense core by peeling: a node leaves while its weighted degree (over nodes
// still in) is below max(min_degree, share * median degree of the starting
// graph). Returns in_core[i] for every node. O(E + V) with a work list.
std::vector<bool> PeelToCore(size_t node_count, const std::vector<WeightedEdge>& edges, double min_degree,
                             double median_share);

}  // namespace dg

#endif  // DG_LINKAGE_GRAPH_H_
