#include "strategies/recommenders/consumer_clusters.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "strategies/learning/kmeans.h"

namespace marketsim {

namespace {

Eigen::MatrixXd features(const PurchaseHistory& h, const MarketContext& ctx, const std::vector<std::uint32_t>& top) {
  const std::size_t categories = std::max<std::size_t>(1, ctx.catalog.category_names.size());
  const std::size_t tops = top.size();
  const auto d = static_cast<Eigen::Index>(categories + 3 + tops);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(h.rows()), d);
  for (std::size_t r = 0; r < h.rows(); ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    double units = 0;
    Day last = h.from;
    for (std::size_t e = h.row_start[r]; e < h.row_start[r + 1]; ++e) {
      const ProductId p = ctx.offers.product[ctx.first_offer() + h.item[e]];
      const std::size_t c = ctx.catalog.category.empty() ? 0 : ctx.catalog.category[p] % categories;
      x(row, static_cast<Eigen::Index>(c)) += h.units[e];
      units += h.units[e];
      last = std::max(last, h.last_day[e]);
    }
    if (units > 0) x.row(row).head(static_cast<Eigen::Index>(categories)) /= units;
    const auto base = static_cast<Eigen::Index>(categories);
    x(row, base) = std::log1p(static_cast<double>(h.row_start[r + 1] - h.row_start[r]));
    x(row, base + 1) = std::log1p(units);
    x(row, base + 2) = 1.0 / (1.0 + static_cast<double>(h.to - 1 - last));
    for (std::size_t t = 0; t < tops; ++t) x(row, base + 3 + static_cast<Eigen::Index>(t)) = h.bought(r, top[t]) ? 1.0 : 0.0;
  }
  return x;
}

}  // namespace

ConsumerClusters cluster_consumers(const PurchaseHistory& h, const MarketContext& ctx, std::size_t k, CounterRng& rng) {
  ConsumerClusters out;
  if (h.rows() == 0 || k == 0) return out;
  constexpr std::size_t kTopItems = 8;
  std::vector<std::uint32_t> top(h.items);
  std::iota(top.begin(), top.end(), 0u);
  const std::size_t tops = std::min(kTopItems, h.items);
  std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(tops), top.end(), [&](std::uint32_t a, std::uint32_t b) {
    const std::size_t na = h.buyers_of(a).size(), nb = h.buyers_of(b).size();
    return na != nb ? na > nb : a < b;
  });
  top.resize(tops);
  const Eigen::MatrixXd x = features(h, ctx, top);
  out.scale = Standardizer::fit(x);
  const KMeansResult km = kmeans(out.scale.apply(x), std::min(k, h.rows()), rng);
  out.k = static_cast<std::size_t>(km.centroids.rows());
  out.label = km.labels;
  out.top_items = std::move(top);
  out.centroids = km.centroids;
  return out;
}

std::vector<std::uint32_t> ConsumerClusters::assign(const PurchaseHistory& h, const MarketContext& ctx) const {
  std::vector<std::uint32_t> labels(h.rows(), 0);
  if (k == 0 || h.rows() == 0) return labels;
  const Eigen::MatrixXd z = scale.apply(features(h, ctx, top_items));
  for (Eigen::Index r = 0; r < z.rows(); ++r) labels[static_cast<std::size_t>(r)] = nearest_centroid(centroids, z.row(r));
  return labels;
}

}  // namespace marketsim
