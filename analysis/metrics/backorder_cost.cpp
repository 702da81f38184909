// Metric "backorder_cost": back-ordered units waiting at each day's end x the seller's
// backorder_cost per unit-day (0 for sellers whose unmet demand is lost).
#include "analysis/metric.h"

namespace marketsim {

void register_backorder_cost_metric() {
  metric_registry().push_back(books_metric(
      "backorder_cost", "back-ordered units waiting at each day's end x backorder_cost (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.backorder_cost); })
      .with_breakdown(kBySeller, "the seller's books; back-order costs are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "unmet_demand": "backorder", "backorder_cost": 0.05}]}})"));
}

}  // namespace marketsim
