// Metric "ctr": click-through rate, clicks / impressions (needs the "clicks" module).
#include "analysis/metrics/day_ratio.h"

namespace marketsim {

void register_ctr_metric() {
  metric_registry().push_back(day_ratio_metric(
      "ctr", "click-through rate: clicks / impressions; needs the clicks module",
      [](const DayRecord& d) { return d.gauge("clicks.clicks"); },
      [](const DayRecord& d) { return d.gauge("clicks.impressions"); }));
}

}  // namespace marketsim
