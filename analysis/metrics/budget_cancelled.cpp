// Metric "budget_cancelled": order lines dropped because their promotion's budget ran out.
#include "analysis/metric.h"

namespace marketsim {

void register_budget_cancelled_metric() {
  metric_registry().push_back(books_metric(
      "budget_cancelled", "order lines dropped because their promotion's budget ran out", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.budget_cancelled); })
      .with_breakdown(kBySeller, "the seller's books; promotion budgets are a seller's")
      .with_example(R"({"arm": {"promotions": [{"name": "percent_off", "depth": 0.3, "start": 2, "end": 10, "budget": 40, "daily_cap": 10}]}})"));
}

}  // namespace marketsim
