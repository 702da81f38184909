// Metric "impressions": offers shown to consumers (slots of their visits), as counted by the
// "clicks" behaviour module (gauge clicks.impressions); empty when the run has no such module.
#include "analysis/metric.h"

namespace marketsim {

void register_impressions_metric() {
  metric_registry().push_back(gauge_metric("impressions",
                                           "offers shown in visits (slots); needs the clicks module",
                                           MetricUnit::kCount, "clicks.impressions", {}, Totaling::kSum)
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
}

}  // namespace marketsim
