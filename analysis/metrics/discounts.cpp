// Metric "discounts": per-item promotion discounts, order-level rules and coupons redeemed.
#include "analysis/metric.h"

namespace marketsim {
namespace {

std::int64_t discount_of_line(const LineRecord& l) { return l.discount(); }

}  // namespace

void register_discounts_metric() {
  metric_registry().push_back(books_metric(
      "discounts", "discounts given: per-item promotions, order-level rules, coupons (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.discounts()); },
      sum_lines<discount_of_line>)
      .with_breakdown(kBreakdownCell, "sums over the cell's order lines")
      .with_example(R"({"arm": {"promotions": [{"name": "percent_off", "depth": 0.25, "start": 3, "end": 10}]}})"));
}

}  // namespace marketsim
