// Metric "visits": shop visits that started on the day (the marketplace's; not per seller).
#include "analysis/metric.h"

namespace marketsim {

void register_visits_metric() {
  MetricInfo m{.name = "visits", .description = "shop visits"};
  // By segment: the visits of the segment's consumers (DayRecord::segment_visits). A visit is to
  // the marketplace, not to a seller or category.
  m.breakdown = kBySegment;
  m.breakdown_note = "the visits of the segment's consumers; a visit is to the marketplace, not to a seller or category";
  m.segment = [](const DayRecord& d, std::size_t g) {
    return g < d.segment_visits.size() ? static_cast<double>(d.segment_visits[g]) : 0.0;
  };
  metric_registry().push_back(CollectorInfo{"visits", m.description, kSignalDays, {m},
                                            [](const DayRecord& d) { return static_cast<double>(d.visits); },
                                            {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
