// Metric "conversions": orders with at least one unit sold (per seller: orders with one of its
// units).
#include "analysis/metric.h"

namespace marketsim {

void register_conversions_metric() {
  MetricInfo m{.name = "conversions", .description = "visits that ended in an order with at least one unit sold"};
  m.books = [](const SellerBooks& b) { return static_cast<double>(b.orders); };
  // By segment: the conversions of the segment's consumers (DayRecord::segment_conversions). Not
  // by seller: an order with units of two sellers converts once but counts in both sellers' books.
  m.breakdown = kBySegment;
  m.breakdown_note = "the conversions of the segment's consumers; not by seller (an order from two sellers is one conversion)";
  m.segment = [](const DayRecord& d, std::size_t g) {
    return g < d.segment_conversions.size() ? static_cast<double>(d.segment_conversions[g]) : 0.0;
  };
  metric_registry().push_back(CollectorInfo{"conversions", m.description, kSignalDays, {m},
                                            [](const DayRecord& d) { return static_cast<double>(d.conversions); },
                                            {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
