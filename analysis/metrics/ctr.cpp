// Metrics "ctr" (click-through rate, clicks / impressions), "ctr_recommended" (of the offers the
// sellers' recommenders showed) and "ctr_browsed" (of the offers organic browsing showed); they
// need the "clicks" module.
#include "analysis/metrics/day_ratio.h"

namespace marketsim {

void register_ctr_metric() {
  metric_registry().push_back(day_ratio_metric(
      "ctr", "click-through rate: clicks / impressions; needs the clicks module",
      [](const DayRecord& d) { return d.gauge("clicks.clicks"); },
      [](const DayRecord& d) { return d.gauge("clicks.impressions"); })
      .with_breakdown(kBreakdownTotal, "a ratio of a behaviour module's gauges over all consumers")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
  metric_registry().push_back(day_ratio_metric(
      "ctr_recommended", "click-through rate of the recommendation slots; needs the clicks module",
      [](const DayRecord& d) { return d.gauge("clicks.clicks_recommended"); },
      [](const DayRecord& d) { return d.gauge("clicks.impressions_recommended"); })
      .with_breakdown(kBreakdownTotal, "a ratio of a behaviour module's gauges over all consumers")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
  metric_registry().push_back(day_ratio_metric(
      "ctr_browsed", "click-through rate of the organic browsing slots; needs the clicks module",
      [](const DayRecord& d) { return d.gauge("clicks.clicks") - d.gauge("clicks.clicks_recommended"); },
      [](const DayRecord& d) { return d.gauge("clicks.impressions") - d.gauge("clicks.impressions_recommended"); })
      .with_breakdown(kBreakdownTotal, "a ratio of a behaviour module's gauges over all consumers")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
}

}  // namespace marketsim
