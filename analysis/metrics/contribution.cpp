// Metric "contribution": gross profit - the promotion costs that are not discounts (MODEL.md
// "Metrics"; ROI is measured on it).
#include "analysis/metric.h"

namespace marketsim {

void register_contribution_metric() {
  metric_registry().push_back(books_metric(
      "contribution", "gross_profit - promotion_costs (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.revenue - b.cogs - b.promotion_costs()); })
      .with_breakdown(kBySeller, "the seller's books; promotion costs are kept per seller, not by category or segment")
      .with_example(R"({"arm": {"promotions": [{"name": "percent_off", "depth": 0.25, "start": 3, "end": 10}]}})"));
}

}  // namespace marketsim
