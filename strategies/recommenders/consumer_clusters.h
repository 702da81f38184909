#pragma once
// Consumers clustered by what they bought (K-means, strategies/learning/kmeans.h, the one coupon
// targeting uses), for the recommenders that act by cluster (segment_popular, linucb). Features of
// a consumer with a history, from the platform log only: the share of its units in each category
// of the catalog, log(1 + distinct offers), log(1 + units), recency 1 / (1 + days since its last
// purchase), and whether it bought each of the 8 offers with the most buyers; standardised
// (strategies/learning/standardize.h).
#include <cstdint>
#include <vector>

#include "sim/rng.h"
#include "strategies/context.h"
#include "strategies/learning/standardize.h"
#include "strategies/recommenders/purchase_history.h"

namespace marketsim {

struct ConsumerClusters {
  std::size_t k = 0;                  // clusters (fewer than asked when fewer consumers bought)
  std::vector<std::uint32_t> label;   // per history row of the fit
  std::vector<std::uint32_t> top_items;  // the offers whose purchase is a feature
  Standardizer scale;
  Eigen::MatrixXd centroids;          // k x features, standardised

  /// The nearest fitted cluster of each consumer of another history (the same seller's).
  std::vector<std::uint32_t> assign(const PurchaseHistory& h, const MarketContext& ctx) const;
};

/// Clusters the history's consumers into min(k, rows) clusters; none when the history is empty.
ConsumerClusters cluster_consumers(const PurchaseHistory& h, const MarketContext& ctx, std::size_t k, CounterRng& rng);

}  // namespace marketsim
