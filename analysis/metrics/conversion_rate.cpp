// Metrics "conversion_rate" (conversions / visits), "conversion_per_impression" and
// "conversion_per_click" (conversions / impressions and / clicks; these need the "clicks"
// module). A conversion is a visit that ended in an order with at least one unit sold.
#include "analysis/metrics/day_ratio.h"

namespace marketsim {

void register_conversion_rate_metrics() {
  const auto conversions = [](const DayRecord& d) { return static_cast<double>(d.conversions); };
  CollectorInfo rate = day_ratio_metric("conversion_rate", "conversions / visits", conversions,
                                        [](const DayRecord& d) { return static_cast<double>(d.visits); });
  // By segment: the segment's conversions / its visits over the measured days.
  rate.metrics[0].breakdown = kBySegment;
  rate.metrics[0].breakdown_note = "the segment's conversions / its visits";
  rate.metrics[0].segment = [](const DayRecord& d, std::size_t g) {
    return g < d.segment_conversions.size() ? static_cast<double>(d.segment_conversions[g]) : 0.0;
  };
  rate.metrics[0].segment_denominator = [](const DayRecord& d, std::size_t g) {
    return g < d.segment_visits.size() ? static_cast<double>(d.segment_visits[g]) : 0.0;
  };
  metric_registry().push_back(std::move(rate).with_example(R"({})"));
  metric_registry().push_back(day_ratio_metric(
      "conversion_per_impression", "conversions / impressions; needs the clicks module", conversions,
      [](const DayRecord& d) { return d.gauge("clicks.impressions"); })
      .with_breakdown(kBreakdownTotal, "impressions and clicks are a behaviour module's gauges over all consumers")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
  metric_registry().push_back(day_ratio_metric(
      "conversion_per_click", "conversions / clicks; needs the clicks module", conversions,
      [](const DayRecord& d) { return d.gauge("clicks.clicks"); })
      .with_breakdown(kBreakdownTotal, "impressions and clicks are a behaviour module's gauges over all consumers")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
}

}  // namespace marketsim
