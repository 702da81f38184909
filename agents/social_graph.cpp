#include "agents/social_graph.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <utility>
#include <vector>

#include "sim/error.h"

namespace marketsim {

GraphKind graph_kind(const std::string& name) {
  if (name == "small_world") return GraphKind::kSmallWorld;
  if (name == "scale_free") return GraphKind::kScaleFree;
  if (name == "random") return GraphKind::kRandom;
  if (name == "ring") return GraphKind::kRing;
  if (name == "complete") return GraphKind::kComplete;
  throw Error("unknown social graph \"" + name + "\"");
}

SocialGraph::SocialGraph(GraphKind kind, std::uint32_t consumers, std::uint32_t degree, double rewire,
                         CounterRng rng)
    : kind_(kind), n_(consumers), k_(std::min(degree, consumers > 0 ? consumers - 1 : 0)) {
  if (kind == GraphKind::kComplete || kind == GraphKind::kRing || n_ < 2) {
    if (n_ < 2) kind_ = GraphKind::kComplete;  // 0 or 1 consumer: nobody to tell
    return;
  }
  using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;  // both directions
  const auto add = [&](std::size_t u, std::size_t v) {
    if (u == v) return;
    edges.emplace_back(static_cast<std::uint32_t>(u), static_cast<std::uint32_t>(v));
    edges.emplace_back(static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(u));
  };
  if (kind == GraphKind::kSmallWorld) {
    using It = boost::small_world_iterator<CounterRng, Undirected>;
    edges.reserve(static_cast<std::size_t>(n_) * k_);
    for (It it(rng, n_, k_, rewire, false), end; it != end; ++it) add(it->first, it->second);
  } else if (kind == GraphKind::kRandom) {
    using It = boost::sorted_erdos_renyi_iterator<CounterRng, Undirected>;
    const double p = static_cast<double>(k_) / static_cast<double>(n_ - 1);
    for (It it(rng, n_, p, false), end; it != end; ++it) add(it->first, it->second);
  } else {  // Barabasi-Albert: m links per newcomer, targets drawn from the list of edge ends
    const std::uint32_t m = std::max<std::uint32_t>(1, k_ / 2);
    std::vector<std::uint32_t> ends;
    ends.reserve(static_cast<std::size_t>(n_) * m * 2);
    const std::uint32_t seed_size = std::min(n_, m + 1);
    for (std::uint32_t u = 0; u < seed_size; ++u) {
      for (std::uint32_t v = u + 1; v < seed_size; ++v) {
        add(u, v);
        ends.push_back(u);
        ends.push_back(v);
      }
    }
    std::vector<std::uint32_t> chosen;
    for (std::uint32_t v = seed_size; v < n_; ++v) {
      chosen.clear();
      while (chosen.size() < m) {
        const std::uint32_t t = ends[rng.below(ends.size())];
        if (std::find(chosen.begin(), chosen.end(), t) == chosen.end()) chosen.push_back(t);
      }
      for (std::uint32_t t : chosen) {
        add(v, t);
        ends.push_back(v);
        ends.push_back(t);
      }
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  csr_ = Csr(boost::edges_are_sorted, edges.begin(), edges.end(), n_);
  stored_ = true;
  rows_ = csr_.m_forward.m_rowstart.data();
  columns_ = csr_.m_forward.m_column.data();
  columns_size_ = csr_.m_forward.m_column.size();
}

}  // namespace marketsim
