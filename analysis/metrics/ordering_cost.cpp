// Metric "ordering_cost": replenishment orders placed x the seller's cost per order.
#include "analysis/metric.h"

namespace marketsim {

void register_ordering_cost_metric() {
  metric_registry().push_back(books_metric(
      "ordering_cost", "replenishment orders placed x order_cost (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.ordering_cost); })
      .with_breakdown(kBySeller, "the seller's books; replenishment orders are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "order_cost": 1}]}})"));
}

}  // namespace marketsim
