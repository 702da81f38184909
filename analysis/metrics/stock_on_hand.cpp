// Metric "stock_on_hand": units in stock at the end of the day; totals are the mean over days.
#include "analysis/metric.h"

namespace marketsim {

void register_stock_on_hand_metric() {
  metric_registry().push_back(books_metric(
      "stock_on_hand", "units in stock at the end of the day (totals: mean over days)", MetricUnit::kStock,
      [](const SellerBooks& b) { return static_cast<double>(b.stock_on_hand); }, nullptr, Totaling::kMean)
      .with_example(R"({})"));
}

}  // namespace marketsim
