// Metric "coupon_costs": the cost of distributing coupons (part of promotion_costs).
#include "analysis/metric.h"

namespace marketsim {

void register_coupon_costs_metric() {
  metric_registry().push_back(books_metric(
      "coupon_costs", "cost of distributing coupons, part of promotion_costs (currency)", MetricUnit::kMoney,
      [k = cost_kind("coupon_distribution")](const SellerBooks& b) { return static_cast<double>(b.costs[k]); })
      .with_breakdown(kBySeller, "the seller's books; coupons are a seller's promotion, counted in its books")
      .with_example(R"({"arm": {"promotions": [{"name": "coupon", "value": 4, "min_spend": 10, "expiry_days": 3, "day": 1, "every": 4, "to": "random", "share": 0.4, "cost": 0.05}]}})"));
}

}  // namespace marketsim
