#pragma once
// The social graph of word of mouth (MODEL.md "Word of mouth"): undirected, ids = consumer ids,
// drawn from one random stream. Small-world (Watts-Strogatz, boost::small_world_iterator),
// scale-free (Barabasi-Albert preferential attachment) and random (Erdos-Renyi,
// boost::sorted_erdos_renyi_iterator) graphs are stored in compressed sparse row form: every
// consumer's neighbours in ascending order, without repeats, in one array (4 bytes per directed
// edge entry, i.e. 4 * mean degree bytes per consumer), plus 8 bytes per consumer of row offsets.
// The ring lattice and the complete graph are implicit (no edge stored).
//
// Construction is O(edges) and holds nothing beyond the final arrays (and, for scale-free, the
// list of edge ends the preferential attachment draws from): the generator runs twice from the
// same stream, once to count each consumer's degree, once to write each edge into both of its
// ends' rows (a counting sort by source); then each row is sorted and its repeats removed. The
// rows are those of a global sort of all (u, v) pairs: the arrays of the
// boost::compressed_sparse_row_graph this class used to hold, without holding the pairs and a
// second copy of the graph while building (2 to 4 times the final bytes before).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "market/population.h"
#include "sim/rng.h"

namespace marketsim {

enum class GraphKind { kSmallWorld, kScaleFree, kRandom, kRing, kComplete };

/// The kind named `name` ("small_world", "scale_free", "random", "ring", "complete").
GraphKind graph_kind(const std::string& name);

class SocialGraph {
 public:
  /// Draws a graph of `consumers` vertices with mean degree `degree` (ring, small world: each
  /// consumer linked to its degree/2 nearest on either side, small world then rewires each link
  /// with probability `rewire`; scale-free: each newcomer links to degree/2 earlier consumers
  /// chosen in proportion to their degree; random: each pair linked with probability
  /// degree/(consumers-1); complete: everyone, `degree` ignored).
  SocialGraph(GraphKind kind, std::uint32_t consumers, std::uint32_t degree, double rewire, CounterRng rng);

  std::uint32_t degree(ConsumerId c) const {
    switch (kind_) {
      case GraphKind::kComplete: return n_ - 1;
      case GraphKind::kRing: return k_;
      default: return static_cast<std::uint32_t>(rows_[c + 1] - rows_[c]);
    }
  }
  /// Neighbour `k` (in [0, degree(c))) of c; stored graphs list them in ascending order.
  ConsumerId neighbour(ConsumerId c, std::uint32_t k) const {
    switch (kind_) {
      case GraphKind::kComplete: return k < c ? k : k + 1;
      case GraphKind::kRing: {
        const std::uint32_t half = k_ / 2;
        return k < half ? (c + k + 1) % n_ : (c + n_ - (k - half + 1) % n_) % n_;
      }
      default: return columns_[rows_[c] + k];
    }
  }
  /// Bytes the stored graph holds (0 for the implicit ones).
  std::size_t bytes() const { return stored_ ? (columns_.size() * 4 + (static_cast<std::size_t>(n_) + 1) * 8) : 0; }
  /// Bytes of consumers [begin, end): 4 per edge entry plus 8 of row offset each.
  std::size_t bytes(ConsumerId begin, ConsumerId end) const {
    if (!stored_) return 0;
    return static_cast<std::size_t>(rows_[end] - rows_[begin]) * 4 + static_cast<std::size_t>(end - begin) * 8;
  }
  std::uint32_t size() const { return n_; }
  bool stored() const { return stored_; }

 private:
  GraphKind kind_;
  std::uint32_t n_;
  std::uint32_t k_;
  bool stored_ = false;
  std::vector<std::uint64_t> rows_;       // n + 1 offsets: c's neighbours are [rows_[c], rows_[c + 1])
  std::vector<std::uint32_t> columns_;    // the neighbours, row after row, ascending in each row
};

}  // namespace marketsim
