#include "agents/social_graph.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <utility>

#include "sim/error.h"

namespace marketsim {
namespace {

using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

/// Compressed sparse rows of the undirected graph whose edges `for_each_edge(visit)` passes to
/// visit(u, v), self-loops skipped; for_each_edge must pass the same edges each time it is called
/// (it is called twice). Row c lists c's neighbours in ascending order, each once: the rows of a
/// global sort of all (u, v) and (v, u) pairs, without holding the pairs.
template <typename ForEachEdge>
void build_rows(std::uint32_t n, const ForEachEdge& for_each_edge, std::vector<std::uint64_t>& rows,
                std::vector<std::uint32_t>& columns) {
  // 1. Degrees (with repeats), then their prefix sums: row c starts at rows[c].
  rows.assign(static_cast<std::size_t>(n) + 1, 0);
  for_each_edge([&](std::uint32_t u, std::uint32_t v) {
    if (u == v) return;
    ++rows[u + 1];
    ++rows[v + 1];
  });
  for (std::size_t c = 0; c < n; ++c) rows[c + 1] += rows[c];
  // 2. Each edge into both its ends' rows (rows[c] is c's next free slot: afterwards, its end).
  columns.resize(rows[n]);
  for_each_edge([&](std::uint32_t u, std::uint32_t v) {
    if (u == v) return;
    columns[rows[u]++] = v;
    columns[rows[v]++] = u;
  });
  for (std::size_t c = n; c > 0; --c) rows[c] = rows[c - 1];
  rows[0] = 0;
  // 3. Each row sorted, repeats (a rewired link landing on an existing one) dropped, the rows
  // moved down over the dropped entries.
  std::uint64_t write = 0;
  std::uint64_t read = 0;
  for (std::size_t c = 0; c < n; ++c) {
    const std::uint64_t end = rows[c + 1];
    const auto first = columns.begin() + static_cast<std::ptrdiff_t>(read);
    const auto last = columns.begin() + static_cast<std::ptrdiff_t>(end);
    std::sort(first, last);
    const auto kept = std::unique(first, last);
    rows[c] = write;
    if (write != read) std::copy(first, kept, columns.begin() + static_cast<std::ptrdiff_t>(write));
    write += static_cast<std::uint64_t>(kept - first);
    read = end;
  }
  rows[n] = write;
  columns.resize(write);  // repeats are rare: the few slots freed stay reserved
}

}  // namespace

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
  // The Boost generators draw from the stream they are given: each pass starts from a copy.
  if (kind == GraphKind::kSmallWorld) {
    using It = boost::small_world_iterator<CounterRng, Undirected>;
    build_rows(
        n_,
        [&](const auto& visit) {
          CounterRng r = rng;
          for (It it(r, n_, k_, rewire, false), end; it != end; ++it) {
            visit(static_cast<std::uint32_t>(it->first), static_cast<std::uint32_t>(it->second));
          }
        },
        rows_, columns_);
  } else if (kind == GraphKind::kRandom) {
    using It = boost::sorted_erdos_renyi_iterator<CounterRng, Undirected>;
    const double p = static_cast<double>(k_) / static_cast<double>(n_ - 1);
    build_rows(
        n_,
        [&](const auto& visit) {
          CounterRng r = rng;
          for (It it(r, n_, p, false), end; it != end; ++it) {
            visit(static_cast<std::uint32_t>(it->first), static_cast<std::uint32_t>(it->second));
          }
        },
        rows_, columns_);
  } else {  // Barabasi-Albert: m links per newcomer, targets drawn from the list of edge ends
    const std::uint32_t m = std::max<std::uint32_t>(1, k_ / 2);
    // The list of edge ends is the list of edges: ends[2i] and ends[2i + 1] are edge i's.
    std::vector<std::uint32_t> ends;
    ends.reserve(static_cast<std::size_t>(n_) * m * 2);
    const std::uint32_t seed_size = std::min(n_, m + 1);
    for (std::uint32_t u = 0; u < seed_size; ++u) {
      for (std::uint32_t v = u + 1; v < seed_size; ++v) {
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
        ends.push_back(v);
        ends.push_back(t);
      }
    }
    build_rows(
        n_,
        [&](const auto& visit) {
          for (std::size_t i = 0; i + 1 < ends.size(); i += 2) visit(ends[i], ends[i + 1]);
        },
        rows_, columns_);
  }
  stored_ = true;
}

}  // namespace marketsim
