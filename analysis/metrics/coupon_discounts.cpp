// Metric "coupon_discounts": the value of the coupons redeemed (part of discounts).
#include "analysis/metric.h"

namespace marketsim {

void register_coupon_discounts_metric() {
  metric_registry().push_back(books_metric(
      "coupon_discounts", "value of the coupons redeemed, part of discounts (currency)", MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.coupon_discounts); }));
}

}  // namespace marketsim
