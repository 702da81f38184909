// Metric "lost_sales": units asked for while out of stock.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t lost_of(const LineRecord& l) { return static_cast<std::int64_t>(l.lost); }

}  // namespace

void register_lost_sales_metric() {
  metric_registry().push_back(books_metric(
      "lost_sales", "units lost to stock-outs", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.units_lost); },
      sum_lines<lost_of>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({})"));
}

}  // namespace marketsim
