// Metric "stock_on_hand": units in stock at the end of the day; totals are the mean over days.
#include "analysis/metric.h"

namespace marketsim {

void register_stock_on_hand_metric() {
  CollectorInfo c = books_metric(
      "stock_on_hand", "units in stock at the end of the day (totals: mean over days)", MetricUnit::kStock,
      [](const SellerBooks& b) { return static_cast<double>(b.stock_on_hand); }, nullptr, Totaling::kMean);
  // By seller x category: the units on hand at the day's end in the stock points (offer x
  // warehouse) of the seller's offers of the category, mean over the measured days.
  c.metrics[0].breakdown = kBySeller | kByCategory;
  c.metrics[0].breakdown_note = "units on hand of the seller's offers of the category, mean over days";
  c.metrics[0].slot = [](const DayRecord& d, std::size_t k) { return static_cast<double>(d.slot_stock[k]); };
  metric_registry().push_back(std::move(c).with_example(R"({})"));
}

}  // namespace marketsim
