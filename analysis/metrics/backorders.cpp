// Metrics "units_backordered" (units consumers ordered that waited for stock, counted when
// ordered) and "units_cancelled" (back-ordered units cancelled before they shipped; they are lost
// sales too).
#include "analysis/metric.h"

namespace marketsim {

void register_backorder_metrics() {
  metric_registry().push_back(books_metric(
      "units_backordered", "units ordered that waited for stock (when ordered)", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.units_backordered); })
      .with_breakdown(kBySeller, "the seller's books; back-orders are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "unmet_demand": "backorder"}]}})"));
  metric_registry().push_back(books_metric(
      "units_cancelled", "back-ordered units cancelled before they shipped", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.units_cancelled); })
      .with_breakdown(kBySeller, "the seller's books; back-orders are kept per seller")
      .with_example(R"({"market": {"sellers": [{"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0.1}]}})"));
}

}  // namespace marketsim
