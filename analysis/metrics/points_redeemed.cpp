// Metrics "points_redeemed" and "points_discounts": loyalty points redeemed on orders by a points
// promotion, and what they took off (a part of the order discounts).
#include "analysis/metric.h"

namespace marketsim {

void register_points_redeemed_metrics() {
  metric_registry().push_back(books_metric(
      "points_redeemed", "loyalty points redeemed on orders", MetricUnit::kCount,
      [k = book_counter("points_redeemed")](const SellerBooks& b) { return static_cast<double>(b.counters[k]); })
      .with_breakdown(kBySeller, "the seller's books; points redeemed are counted in the books of the seller whose promotion took them")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [5, 8, 10], "window_days": 28, "period_days": 7}], "arm": {"promotions": [{"name": "points", "min_points": 50, "step": 25, "max_share": 0.5}]}})"));
  metric_registry().push_back(books_metric(
      "points_discounts", "what redeemed points took off orders (currency)", MetricUnit::kMoney,
      [k = book_counter("points_discounts")](const SellerBooks& b) { return static_cast<double>(b.counters[k]); })
      .with_breakdown(kBySeller, "the seller's books; points redeemed are counted in the books of the seller whose promotion took them")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [5, 8, 10], "window_days": 28, "period_days": 7}], "arm": {"promotions": [{"name": "points", "min_points": 50, "step": 25, "max_share": 0.5}]}})"));
}

}  // namespace marketsim
