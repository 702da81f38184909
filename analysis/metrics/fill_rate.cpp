// Metric "fill_rate": the share of the units consumers ordered that shipped from stock at once:
// (units - units shipped to back-orders) / (those + units lost when ordered + units back-ordered);
// under lost sales, units / (units + lost_sales). 1 when nothing was asked for. Totals are the
// ratio of the sums, not the mean of the daily ratios.
#include "analysis/metric.h"

namespace marketsim {

void register_fill_rate_metric() {
  MetricInfo m{.name = "fill_rate",
               .description = "units shipped from stock when ordered / units ordered (lost sales: units / (units + lost_sales))",
               .unit = MetricUnit::kRatio,
               .totaling = Totaling::kRatio};
  m.numerator = [](const SellerBooks& b) { return static_cast<double>(b.units_sold - b.units_from_backorders); };
  m.denominator = [](const SellerBooks& b) {
    return static_cast<double>(b.units_sold - b.units_from_backorders + b.units_lost - b.units_cancelled +
                               b.units_backordered);
  };
  m.empty_ratio = 1.0;
  // Per seller, from its books: back-ordered and cancelled units are kept per seller, not per line.
  m.breakdown = kBySeller;
  m.breakdown_note = "the seller's books (back-orders are kept per seller, not per order line)";
  metric_registry().push_back(CollectorInfo{"fill_rate", m.description, kSignalDays, {m}, {}, {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
