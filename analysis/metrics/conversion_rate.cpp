// Metrics "conversion_rate" (conversions / visits), "conversion_per_impression" and
// "conversion_per_click" (conversions / impressions and / clicks; these need the "clicks"
// module). A conversion is a visit that ended in an order with at least one unit sold.
#include "analysis/metrics/day_ratio.h"

namespace marketsim {

void register_conversion_rate_metrics() {
  const auto conversions = [](const DayRecord& d) { return static_cast<double>(d.conversions); };
  metric_registry().push_back(day_ratio_metric("conversion_rate", "conversions / visits", conversions,
                                               [](const DayRecord& d) { return static_cast<double>(d.visits); })
      .with_example(R"({})"));
  metric_registry().push_back(day_ratio_metric(
      "conversion_per_impression", "conversions / impressions; needs the clicks module", conversions,
      [](const DayRecord& d) { return d.gauge("clicks.impressions"); })
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
  metric_registry().push_back(day_ratio_metric(
      "conversion_per_click", "conversions / clicks; needs the clicks module", conversions,
      [](const DayRecord& d) { return d.gauge("clicks.clicks"); })
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
}

}  // namespace marketsim
