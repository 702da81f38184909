// Metric "price_index": the seller's prices (before promotions) relative to list, Σ price / Σ list
// over its offers and the windows of the day (of the measured days for totals): 1 at list price,
// 0.9 when every price is 10% below list. Per seller in sellers.csv and sellers_daily.csv: prices
// over time.
#include "analysis/metric.h"

namespace marketsim {

void register_price_index_metric() {
  MetricInfo m{.name = "price_index",
               .description = "the seller's prices before promotions over list prices (sum over offers and windows)",
               .unit = MetricUnit::kRatio,
               .totaling = Totaling::kRatio};
  m.numerator = [](const SellerBooks& b) { return static_cast<double>(b.shelf_value); };
  m.denominator = [](const SellerBooks& b) { return static_cast<double>(b.list_value); };
  metric_registry().push_back(CollectorInfo{"price_index", m.description, kSignalDays, {m}, {}, {}}
      .with_breakdown(kBySeller, "the seller's books (prices summed over the day's windows; prices.csv has them by category at each day's end)")
      .with_example(R"({"arm": {"pricing": {"name": "fixed", "price_factor": 0.9}}})"));
}

}  // namespace marketsim
