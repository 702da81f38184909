// Metric "promotion_costs": promotion costs that are not discounts (notifications, coupon
// distribution, referral payouts, fees).
#include "analysis/metric.h"

namespace marketsim {

void register_promotion_costs_metric() {
  metric_registry().push_back(books_metric(
      "promotion_costs", "promotion costs that are not discounts: messages, coupon distribution, referrals, fees (currency)",
      MetricUnit::kMoney, [](const SellerBooks& b) { return static_cast<double>(b.promotion_costs()); })
      .with_breakdown(kBySeller, "the seller's books; costs are charged to a seller's promotion, not to a category or segment")
      .with_example(R"({"behaviours": [{"name": "basket", "max_items": 4}], "arm": {"promotions": [{"name": "gift", "gift": 3, "min_spend": 20}, {"name": "coupon", "value": 3, "day": 1, "cost": 0.05}]}})"));
}

}  // namespace marketsim
