// Metrics of the "membership" behaviour module, read from its gauges at each day's end (empty
// when the run has no such module); totals are means over the measured days.
//   members           consumers with a status tier (tier >= 1)
//   members_top_tier  consumers in the highest tier
//   points_balance    points held by all consumers
//   points_liability  points balance x point value (currency): a marketplace figure, since the
//                     sellers' books know nothing of points
#include "analysis/metric.h"

namespace marketsim {

void register_membership_metrics() {
  metric_registry().push_back(gauge_metric("members", "consumers with a membership tier >= 1 (mean over days)",
                                           MetricUnit::kCount, "membership.members")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]})"));
  metric_registry().push_back(gauge_metric("members_top_tier", "consumers in the top membership tier (mean over days)",
                                           MetricUnit::kCount, "membership.members_top_tier")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]})"));
  metric_registry().push_back(gauge_metric("points_balance", "loyalty points held by consumers (mean over days)",
                                           MetricUnit::kCount, "membership.points_balance")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]})"));
  metric_registry().push_back(gauge_metric("points_liability",
                                           "points balance x point value (currency, mean over days)",
                                           MetricUnit::kMoney, "membership.points_liability")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [2, 3, 4], "window_days": 28, "period_days": 7}]})"));
}

}  // namespace marketsim
