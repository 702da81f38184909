// Metric "fulfilment_cost": what serving consumers from more than one warehouse costs: units
// shipped from a fallback warehouse x its region's fallback_cost, plus units transferred between
// warehouses x the seller's transfer_cost (0 for a seller with one warehouse).
#include "analysis/metric.h"

namespace marketsim {

void register_fulfilment_cost_metric() {
  metric_registry().push_back(books_metric(
      "fulfilment_cost", "fallback shipments x fallback_cost + units transferred x transfer_cost (currency)",
      MetricUnit::kMoney, [](const SellerBooks& b) { return static_cast<double>(b.fulfilment_cost); })
      .with_breakdown(kBySeller, "the seller's books; fulfilment costs are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "transfer_ratio": 2, "transfer_cost": 0.2,
          "warehouses": [{"name": "north", "share": 1, "fallback": ["south"], "fallback_cost": 0.5},
                         {"name": "south", "share": 1, "fallback": ["north"], "fallback_cost": 0.5}]}]}})"));
}

}  // namespace marketsim
