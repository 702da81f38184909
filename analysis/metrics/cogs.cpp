// Metric "cogs": cost of the goods sold.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t cogs_of(const LineRecord& l) { return l.cogs(); }

}  // namespace

void register_cogs_metric() {
  metric_registry().push_back(books_metric(
      "cogs", "cost of the goods sold (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.cogs); },
      sum_lines<cogs_of>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({})"));
}

}  // namespace marketsim
