// Metrics "aware_consumers" and "adopters" (behaviour word_of_mouth): at each day's end, the
// consumers aware of a new product and those who have bought one, summed over the new products
// (a consumer aware of two counts twice); the total is the mean over the measured days. Empty
// without the module.
#include "analysis/metric.h"

namespace marketsim {

void register_awareness_metrics() {
  metric_registry().push_back(gauge_metric("aware_consumers",
                                           "consumers aware of a new product (summed over new products)",
                                           MetricUnit::kCount, "word_of_mouth.aware")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "word_of_mouth", "new_products": {"every": 6}, "degree": 6, "tell_probability": 0.1, "discovery_rate": 0.01}]})"));
  metric_registry().push_back(gauge_metric("adopters",
                                           "consumers who have bought a new product (summed over new products)",
                                           MetricUnit::kCount, "word_of_mouth.adopters")
      .with_breakdown(kBreakdownTotal, "a gauge of a behaviour module over all consumers: modules report no seller, category or segment")
      .with_example(R"({"behaviours": [{"name": "word_of_mouth", "new_products": {"every": 6}, "degree": 6, "tell_probability": 0.1, "discovery_rate": 0.01}]})"));
}

}  // namespace marketsim
