#include "linkage/graph.h"

#include <algorithm>

#include "common/check.h"

namespace dg {

uint32_t UnionFind::Add() {
  const auto id = static_cast<uint32_t>(parent_.size());
  parent_.push_back(id);
  size_.push_back(1);
  return id;
}

uint32_t UnionFind::Find(uint32_t x) {
  DG_CHECK(x < parent_.size());
  while (parent_[x] != x) {
    parent_[x] = parent_[parent_[x]];
    x = parent_[x];
  }
  return x;
}

uint32_t UnionFind::Union(uint32_t a, uint32_t b, uint32_t* absorbed) {
  uint32_t ra = Find(a);
  uint32_t rb = Find(b);
  if (ra == rb) {
    *absorbed = ra;
    return ra;
  }
  if (size_[ra] < size_[rb]) std::swap(ra, rb);
  parent_[rb] = ra;
  size_[ra] += size_[rb];
  *absorbed = rb;
  return ra;
}

std::vector<bool> PeelToCore(size_t node_count, const std::vector<WeightedEdge>& edges, double min_degree,
                             double median_share) {
  std::vector<bool> in_core(node_count, true);
  if (node_count == 0) return in_core;
  std::vector<double> degree(node_count, 0.0);
  std::vector<std::vector<std::pair<uint32_t, double>>> adjacent(node_count);
  for (const auto& e : edges) {
    DG_CHECK(e.a < node_count && e.b < node_count);
    if (e.a == e.b) continue;
    degree[e.a] += e.weight;
    degree[e.b] += e.weight;
    adjacent[e.a].emplace_back(e.b, e.weight);
    adjacent[e.b].emplace_back(e.a, e.weight);
  }
  std::vector<double> sorted = degree;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double threshold = std::max(min_degree, median_share * sorted[sorted.size() / 2]);
  // Tolerance for the running sums: a node exactly at the threshold stays.
  constexpr double kEpsilon = 1e-9;
  std::vector<uint32_t> work;
  for (uint32_t v = 0; v < node_count; ++v) {
    if (degree[v] + kEpsilon < threshold) work.push_back(v);
  }
  while (!work.empty()) {
    const uint32_t v = work.back();
    work.pop_back();
    if (!in_core[v]) continue;
    in_core[v] = false;
    for (const auto& [u, w] : adjacent[v]) {
      if (!in_core[u]) continue;
      const bool was_above = degree[u] + kEpsilon >= threshold;
      degree[u] -= w;
      if (was_above && degree[u] + kEpsilon < threshold) work.push_back(u);
    }
  }
  return in_core;
}

}  // namespace dg
