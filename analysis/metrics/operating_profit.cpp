// Metric "operating_profit": contribution - holding, ordering, back-order and fulfilment costs.
#include "analysis/metric.h"

namespace marketsim {

void register_operating_profit_metric() {
  metric_registry().push_back(books_metric(
      "operating_profit", "contribution - inventory_costs (holding, ordering, back-order and fulfilment costs; currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) {
        return static_cast<double>(b.revenue - b.cogs - b.promotion_costs() - b.holding_cost - b.ordering_cost -
                                   b.backorder_cost - b.fulfilment_cost);
      })
      .with_breakdown(kBySeller, "the seller's books; promotion and inventory costs are kept per seller, not by category or segment")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "holding_cost": 0.01, "order_cost": 1}]}})"));
}

}  // namespace marketsim
