// Metric "gross_profit": revenue - cogs.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t gross_profit_of(const LineRecord& l) { return l.revenue() - l.cogs(); }

}  // namespace

void register_gross_profit_metric() {
  metric_registry().push_back(books_metric(
      "gross_profit", "revenue - cogs (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.revenue - b.cogs); },
      sum_lines<gross_profit_of>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({})"));
}

}  // namespace marketsim
