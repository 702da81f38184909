// The social graph's construction (agents/social_graph.h): the counting sort by source gives the
// same graph, row for row, as the straightforward construction it replaced (every (u, v) and
// (v, u) pair of the generator's edges in one vector, a global sort, repeats removed).
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <utility>
#include <vector>

#include "agents/social_graph.h"

using namespace marketsim;

namespace {

using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
using Pairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

/// The reference: all directed pairs of the generator's edges, globally sorted, without repeats.
Pairs reference_pairs(GraphKind kind, std::uint32_t n, std::uint32_t k, double rewire, CounterRng rng) {
  Pairs edges;
  const auto add = [&](std::size_t u, std::size_t v) {
    if (u == v) return;
    edges.emplace_back(static_cast<std::uint32_t>(u), static_cast<std::uint32_t>(v));
    edges.emplace_back(static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(u));
  };
  if (kind == GraphKind::kSmallWorld) {
    using It = boost::small_world_iterator<CounterRng, Undirected>;
    for (It it(rng, n, k, rewire, false), end; it != end; ++it) add(it->first, it->second);
  } else if (kind == GraphKind::kRandom) {
    using It = boost::sorted_erdos_renyi_iterator<CounterRng, Undirected>;
    const double p = static_cast<double>(k) / static_cast<double>(n - 1);
    for (It it(rng, n, p, false), end; it != end; ++it) add(it->first, it->second);
  } else {
    const std::uint32_t m = std::max<std::uint32_t>(1, k / 2);
    std::vector<std::uint32_t> ends;
    const std::uint32_t seed_size = std::min(n, m + 1);
    for (std::uint32_t u = 0; u < seed_size; ++u) {
      for (std::uint32_t v = u + 1; v < seed_size; ++v) {
        add(u, v);
        ends.push_back(u);
        ends.push_back(v);
      }
    }
    std::vector<std::uint32_t> chosen;
    for (std::uint32_t v = seed_size; v < n; ++v) {
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
  return edges;
}

/// The graph's rows read back as (consumer, neighbour) pairs, row after row, in stored order.
Pairs stored_pairs(const SocialGraph& g) {
  Pairs out;
  for (ConsumerId c = 0; c < g.size(); ++c) {
    for (std::uint32_t k = 0; k < g.degree(c); ++k) out.emplace_back(c, g.neighbour(c, k));
  }
  return out;
}

}  // namespace

TEST_CASE("social graph construction: the same rows as a global sort of the edge pairs", "[diffusion][graph]") {
  struct Case {
    GraphKind kind;
    std::uint32_t n;
    std::uint32_t degree;
    double rewire;
  };
  // Several sizes, degrees and seeds; rewire 0.5 and a small ring make repeated links (a rewired
  // link landing on an existing one) frequent, which the rows must drop like the global unique.
  const std::vector<Case> cases = {
      {GraphKind::kSmallWorld, 3000, 10, 0.1}, {GraphKind::kSmallWorld, 2500, 6, 0.5},
      {GraphKind::kSmallWorld, 40, 8, 0.9},    {GraphKind::kRandom, 3000, 10, 0.0},
      {GraphKind::kRandom, 2000, 7, 0.0},      {GraphKind::kScaleFree, 3000, 10, 0.0},
      {GraphKind::kScaleFree, 2500, 2, 0.0},   {GraphKind::kScaleFree, 30, 8, 0.0},
  };
  std::size_t repeats_seen = 0;
  for (const Case& c : cases) {
    for (std::uint64_t seed : {1u, 42u, 977u}) {
      INFO("kind " << static_cast<int>(c.kind) << ", n " << c.n << ", degree " << c.degree << ", seed " << seed);
      const SocialGraph g(c.kind, c.n, c.degree, c.rewire, CounterRng(seed));
      const Pairs want = reference_pairs(c.kind, c.n, c.degree, c.rewire, CounterRng(seed));
      const Pairs got = stored_pairs(g);
      REQUIRE(got.size() == want.size());
      CHECK(got == want);
      CHECK(g.bytes() == want.size() * 4 + (static_cast<std::size_t>(c.n) + 1) * 8);
      // Repeats happen in the small worlds: a rewired link may land on an existing one.
      if (c.kind == GraphKind::kSmallWorld) repeats_seen += static_cast<std::size_t>(c.n) * c.degree - want.size();
    }
  }
  CHECK(repeats_seen > 0);  // the repeat removal was exercised
}
