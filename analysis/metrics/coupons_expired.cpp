// Metric "coupons_expired": coupons that left a wallet unused at their expiry (counted at the end
// of the day they stopped being valid). Coupons still held at the horizon are neither redeemed nor
// expired: issued = redeemed + expired + held (the engine checks it at the end of each run).
#include "analysis/metric.h"

namespace marketsim {

void register_coupons_expired_metric() {
  metric_registry().push_back(books_metric(
      "coupons_expired", "coupons dropped unused at their expiry", MetricUnit::kCount,
      [k = book_counter("coupons_expired")](const SellerBooks& b) { return static_cast<double>(b.counters[k]); })
      .with_breakdown(kBySeller, "the seller's books; coupons are a seller's promotion, counted in its books")
      .with_example(R"({"arm": {"promotions": [{"name": "coupon", "value": 4, "min_spend": 10, "expiry_days": 3, "day": 1, "every": 4, "to": "random", "share": 0.4, "cost": 0.05}]}})"));
}

}  // namespace marketsim
