#include "strategies/learning/kmeans.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace marketsim {

std::uint32_t nearest_centroid(const Eigen::MatrixXd& centroids, const Eigen::Ref<const Eigen::RowVectorXd>& point) {
  std::uint32_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (Eigen::Index c = 0; c < centroids.rows(); ++c) {
    const double d = (centroids.row(c) - point).squaredNorm();
    if (d < best_distance) {
      best_distance = d;
      best = static_cast<std::uint32_t>(c);
    }
  }
  return best;
}

KMeansResult kmeans(const Eigen::MatrixXd& points, std::size_t k, CounterRng& rng, int max_iterations) {
  const auto n = static_cast<std::size_t>(points.rows());
  if (k < 1 || k > n) {
    throw std::invalid_argument("kmeans: k = " + std::to_string(k) + " clusters for " + std::to_string(n) + " points");
  }
  const Eigen::Index d = points.cols();
  KMeansResult r;
  r.centroids.resize(static_cast<Eigen::Index>(k), d);

  // k-means++ seeding. distance[i]: squared distance of row i to its nearest centroid so far.
  std::vector<double> distance(n, std::numeric_limits<double>::infinity());
  std::size_t chosen = rng.below(n);
  for (std::size_t c = 0; c < k; ++c) {
    r.centroids.row(static_cast<Eigen::Index>(c)) = points.row(static_cast<Eigen::Index>(chosen));
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double dist = (points.row(static_cast<Eigen::Index>(i)) - r.centroids.row(static_cast<Eigen::Index>(c))).squaredNorm();
      if (dist < distance[i]) distance[i] = dist;
      total += distance[i];
    }
    if (c + 1 == k) break;
    if (total > 0.0) {
      // The first row whose cumulative weight exceeds u * total (rows at distance 0 never are).
      const double target = rng.uniform() * total;
      double cumulative = 0.0;
      chosen = n;
      for (std::size_t i = 0; i < n; ++i) {
        cumulative += distance[i];
        if (distance[i] > 0.0 && cumulative > target) {
          chosen = i;
          break;
        }
      }
      if (chosen == n) {  // rounding left the target beyond the sum: the last row with weight
        for (std::size_t i = n; i-- > 0;) {
          if (distance[i] > 0.0) {
            chosen = i;
            break;
          }
        }
      }
    } else {
      chosen = rng.below(n);  // every row sits on a centroid: duplicates are all that is left
    }
  }

  // Lloyd iterations.
  r.labels.assign(n, 0);
  r.sizes.assign(k, 0);
  Eigen::MatrixXd sums(static_cast<Eigen::Index>(k), d);
  for (int it = 0; it < max_iterations; ++it) {
    bool changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t c = nearest_centroid(r.centroids, points.row(static_cast<Eigen::Index>(i)));
      if (it == 0 || c != r.labels[i]) changed = true;
      r.labels[i] = c;
    }
    r.iterations = it + 1;
    if (!changed) {
      r.converged = true;
      break;
    }
    sums.setZero();
    std::fill(r.sizes.begin(), r.sizes.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      sums.row(r.labels[i]) += points.row(static_cast<Eigen::Index>(i));
      ++r.sizes[r.labels[i]];
    }
    for (std::size_t c = 0; c < k; ++c) {
      if (r.sizes[c] > 0) {
        r.centroids.row(static_cast<Eigen::Index>(c)) = sums.row(static_cast<Eigen::Index>(c)) / static_cast<double>(r.sizes[c]);
        continue;
      }
      // An empty cluster takes the row farthest from its centroid (the lower index on ties).
      std::size_t far = 0;
      double far_distance = -1.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double dist =
            (points.row(static_cast<Eigen::Index>(i)) - r.centroids.row(r.labels[i])).squaredNorm();
        if (dist > far_distance) {
          far_distance = dist;
          far = i;
        }
      }
      r.centroids.row(static_cast<Eigen::Index>(c)) = points.row(static_cast<Eigen::Index>(far));
      r.labels[far] = static_cast<std::uint32_t>(c);  // so that another empty cluster takes another row
    }
  }
  if (!r.converged) {  // the labels of the last centroids
    for (std::size_t i = 0; i < n; ++i) r.labels[i] = nearest_centroid(r.centroids, points.row(static_cast<Eigen::Index>(i)));
  }
  r.sizes.assign(k, 0);
  r.inertia = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    ++r.sizes[r.labels[i]];
    r.inertia += (points.row(static_cast<Eigen::Index>(i)) - r.centroids.row(r.labels[i])).squaredNorm();
  }
  return r;
}

}  // namespace marketsim
