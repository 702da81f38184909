// Metric "conversions": orders with at least one unit sold (per seller: orders with one of its
// units).
#include "analysis/metric.h"

namespace marketsim {

void register_conversions_metric() {
  MetricInfo m{.name = "conversions", .description = "visits that ended in an order with at least one unit sold"};
  m.books = [](const SellerBooks& b) { return static_cast<double>(b.orders); };
  metric_registry().push_back(CollectorInfo{"conversions", m.description, kSignalDays, {m},
                                            [](const DayRecord& d) { return static_cast<double>(d.conversions); },
                                            {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
