// Metric "revenue": what consumers paid, after every discount.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t revenue_of(const LineRecord& l) { return l.revenue(); }

}  // namespace

void register_revenue_metric() {
  metric_registry().push_back(books_metric(
      "revenue", "what consumers paid, after discounts (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.revenue); },
      sum_lines<revenue_of>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({})"));
}

}  // namespace marketsim
