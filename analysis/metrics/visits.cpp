// Metric "visits": shop visits that started on the day (the marketplace's; not per seller).
#include "analysis/metric.h"

namespace marketsim {

void register_visits_metric() {
  MetricInfo m{.name = "visits", .description = "shop visits"};
  metric_registry().push_back(CollectorInfo{"visits", m.description, kSignalDays, {m},
                                            [](const DayRecord& d) { return static_cast<double>(d.visits); },
                                            {}}
      .with_example(R"({})"));
}

}  // namespace marketsim
