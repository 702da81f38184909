#pragma once
// K-means clustering of the rows of a matrix: k-means++ seeding, then Lloyd iterations until no
// point changes cluster. Deterministic: one thread, a fixed order of operations, ties to the lower
// index, and every random draw from the caller's stream (a strategy keys it from the scenario's
// seed, the replication and itself: sim/rng.h). Shared by the strategies that segment consumers
// from what the platform observes (coupon targeting; recommenders).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "sim/rng.h"

namespace marketsim {

struct KMeansResult {
  Eigen::MatrixXd centroids;          // k x d
  std::vector<std::uint32_t> labels;  // per row of the data, its cluster
  std::vector<std::size_t> sizes;     // rows per cluster
  double inertia = 0.0;               // sum of squared distances of the rows to their centroids
  int iterations = 0;                 // Lloyd iterations run
  bool converged = false;             // the last iteration changed no label
};

/// Clusters the rows of `points` (n x d) into k clusters, 1 <= k <= n. Seeding (k-means++): the
/// first centroid is a uniform row, each next one a row drawn with probability proportional to its
/// squared distance to the nearest centroid so far. A cluster left empty by an iteration takes the
/// row farthest from its centroid. Stops when no label changes or after max_iterations.
KMeansResult kmeans(const Eigen::MatrixXd& points, std::size_t k, CounterRng& rng, int max_iterations = 100);

/// The centroid (row of `centroids`) nearest to `point`; ties to the lower index.
std::uint32_t nearest_centroid(const Eigen::MatrixXd& centroids, const Eigen::Ref<const Eigen::RowVectorXd>& point);

}  // namespace marketsim
