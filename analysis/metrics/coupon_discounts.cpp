// Metric "coupon_discounts": the value of the coupons redeemed (part of discounts).
#include "analysis/metric.h"

namespace marketsim {

void register_coupon_discounts_metric() {
  metric_registry().push_back(books_metric(
      "coupon_discounts", "value of the coupons redeemed, part of discounts (currency)", MetricUnit::kMoney,
      [k = book_counter("coupon_discounts")](const SellerBooks& b) { return static_cast<double>(b.counters[k]); })
      .with_breakdown(kBySeller, "the seller's books; coupons are a seller's promotion, counted in its books (an order-level discount)")
      .with_example(R"({"arm": {"promotions": [{"name": "coupon", "value": 4, "min_spend": 10, "expiry_days": 3, "day": 1, "every": 4, "to": "random", "share": 0.4, "cost": 0.05}]}})"));
}

}  // namespace marketsim
