// Metrics of the "engagement" behaviour module (agents/engagement.cpp), read from its gauges;
// empty in the CSVs when the run has no such module.
//   churned      consumers churned at the day's end (a level; total: mean over measured days)
//   won_back     consumers won back on the day by a coupon or notification (total: sum)
//   opted_out    consumers who opted out of notifications (a level; total: mean)
//   engagement   mean engagement over all consumers at the day's end (total: mean)
#include "analysis/metric.h"

namespace marketsim {

void register_engagement_metrics() {
  metric_registry().push_back(gauge_metric("churned", "consumers churned at the day's end (engagement module)",
                                           MetricUnit::kCount, "engagement.churned")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "engagement", "churn_base": 0.05, "winback": 0.5, "tolerance": 1}], "arm": {"promotions": [{"name": "notify", "day": 1, "every": 1, "to": "all"}]}})"));
  metric_registry().push_back(gauge_metric("won_back", "churned consumers won back on the day (engagement module)",
                                           MetricUnit::kCount, "engagement.won_back", {}, Totaling::kSum)
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "engagement", "churn_base": 0.05, "winback": 0.5, "tolerance": 1}], "arm": {"promotions": [{"name": "notify", "day": 1, "every": 1, "to": "all"}]}})"));
  metric_registry().push_back(gauge_metric("opted_out",
                                           "consumers who opted out of notifications (engagement module)",
                                           MetricUnit::kCount, "engagement.opted_out")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "engagement", "churn_base": 0.05, "winback": 0.5, "tolerance": 1}], "arm": {"promotions": [{"name": "notify", "day": 1, "every": 1, "to": "all"}]}})"));
  metric_registry().push_back(gauge_metric("engagement", "mean engagement at the day's end (engagement module)",
                                           MetricUnit::kRatio, "engagement.engagement_sum",
                                           "engagement.consumers")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "engagement", "churn_base": 0.05, "winback": 0.5, "tolerance": 1}], "arm": {"promotions": [{"name": "notify", "day": 1, "every": 1, "to": "all"}]}})"));
}

}  // namespace marketsim
