// Metrics "units_per_order" (units sold / orders) and "average_order_value" (revenue / orders,
// currency). Per seller: its units and revenue over the orders with one of its units; for the
// marketplace, the sums over sellers (an order with units of two sellers counts once for each).
#include "analysis/metric.h"

namespace marketsim {

void register_order_size_metrics() {
  MetricInfo units{.name = "units_per_order",
                   .description = "units sold / orders",
                   .unit = MetricUnit::kCount,
                   .totaling = Totaling::kRatio};
  units.numerator = [](const SellerBooks& b) { return static_cast<double>(b.units_sold); };
  units.denominator = [](const SellerBooks& b) { return static_cast<double>(b.orders); };
  metric_registry().push_back(CollectorInfo{units.name, units.description, kSignalDays, {units}, {}, {}}
      .with_breakdown(kBySeller, "the seller's orders; an order spans categories, so there is no count of orders per category")
      .with_example(R"({})"));
  // Ratios are not rescaled from cents: the numerator is in currency units already.
  MetricInfo aov{.name = "average_order_value",
                 .description = "revenue / orders (currency)",
                 .unit = MetricUnit::kMoney,
                 .totaling = Totaling::kRatio};
  aov.numerator = [](const SellerBooks& b) { return static_cast<double>(b.revenue) / 100.0; };
  aov.denominator = [](const SellerBooks& b) { return static_cast<double>(b.orders); };
  metric_registry().push_back(CollectorInfo{aov.name, aov.description, kSignalDays, {aov}, {}, {}}
      .with_breakdown(kBySeller, "the seller's orders; an order spans categories, so there is no count of orders per category")
      .with_example(R"({})"));
}

}  // namespace marketsim
