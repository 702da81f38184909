// Metric "clicks": shown offers the consumers clicked, as counted by the "clicks" behaviour module
// (gauge clicks.clicks); empty when the run has no such module.
#include "analysis/metric.h"

namespace marketsim {

void register_clicks_metric() {
  metric_registry().push_back(gauge_metric("clicks", "shown offers clicked; needs the clicks module",
                                           MetricUnit::kCount, "clicks.clicks", {}, Totaling::kSum)
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "clicks", "intercept": 0.5}]})"));
}

}  // namespace marketsim
