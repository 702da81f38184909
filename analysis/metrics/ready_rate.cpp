// Metric "ready_rate": the share of offer-days with stock on hand at the day's end (the planner's
// "ready rate", against the fill rate's share of units); totals are the ratio of the sums.
#include "analysis/metric.h"

namespace marketsim {

void register_ready_rate_metric() {
  MetricInfo m{.name = "ready_rate", .description = "offer-days with stock on hand at the day's end / offer-days",
               .unit = MetricUnit::kRatio, .totaling = Totaling::kRatio};
  m.numerator = [](const SellerBooks& b) { return static_cast<double>(b.ready_offer_days); };
  m.denominator = [](const SellerBooks& b) { return static_cast<double>(b.offer_days); };
  m.empty_ratio = 1.0;
  // By seller x category: per stock point (an offer in one of its seller's warehouses) with stock
  // on hand at the day's end, over the stock points of the seller's offers of the category.
  m.breakdown = kBySeller | kByCategory;
  m.breakdown_note = "stock points of the seller's offers of the category with stock on hand at the day's end / stock point-days";
  m.slot = [](const DayRecord& d, std::size_t k) { return d.slot_stock[k] > 0 ? 1.0 : 0.0; };
  m.slot_denominator = [](const DayRecord&, std::size_t) { return 1.0; };
  metric_registry().push_back(CollectorInfo{"ready_rate", m.description, kSignalDays, {m}, {}, {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
