// Metric "inventory_costs": holding (units on hand at a day's end), ordering, back-order and
// fulfilment costs (each also its own metric: holding_cost, ordering_cost, backorder_cost,
// fulfilment_cost).
#include "analysis/metric.h"

namespace marketsim {

void register_inventory_costs_metric() {
  metric_registry().push_back(books_metric(
      "inventory_costs", "holding, ordering, back-order and fulfilment costs (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.holding_cost + b.ordering_cost + b.backorder_cost + b.fulfilment_cost); })
      .with_breakdown(kBySeller, "the seller's books; inventory costs are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "holding_cost": 0.01, "order_cost": 1}]}})"));
}

}  // namespace marketsim
