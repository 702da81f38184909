// Metric "holding_cost": units on hand at each day's end x the seller's holding cost per unit-day.
#include "analysis/metric.h"

namespace marketsim {

void register_holding_cost_metric() {
  metric_registry().push_back(books_metric(
      "holding_cost", "units on hand at each day's end x holding_cost (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.holding_cost); })
      .with_breakdown(kBySeller, "the seller's books; holding cost is kept per seller (stock by category: stock_on_hand)")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "holding_cost": 0.01}]}})"));
}

}  // namespace marketsim
