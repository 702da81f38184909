// Metric "promotion_costs": promotion costs that are not discounts (notifications, coupon
// distribution, referral payouts, fees).
#include "analysis/metric.h"

namespace marketsim {

void register_promotion_costs_metric() {
  metric_registry().push_back(books_metric(
      "promotion_costs", "promotion costs that are not discounts: messages, coupon distribution, referrals, fees (currency)",
      MetricUnit::kMoney, [](const SellerBooks& b) { return static_cast<double>(b.promotion_costs()); }));
}

}  // namespace marketsim
