// Metric "units": units sold.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t units_of(const LineRecord& l) { return static_cast<std::int64_t>(l.quantity); }

}  // namespace

void register_units_metric() {
  metric_registry().push_back(books_metric(
      "units", "units sold", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.units_sold); },
      sum_lines<units_of>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({})"));
}

}  // namespace marketsim
