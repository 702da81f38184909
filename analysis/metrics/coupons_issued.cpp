// Metric "coupons_issued": coupons put into consumers' wallets (coupon commands the engine
// applied; one its promotion's budget could not pay for is not counted).
#include "analysis/metric.h"

namespace marketsim {

void register_coupons_issued_metric() {
  metric_registry().push_back(books_metric(
      "coupons_issued", "coupons put into consumers' wallets", MetricUnit::kCount,
      [k = book_counter("coupons_issued")](const SellerBooks& b) { return static_cast<double>(b.counters[k]); })
      .with_breakdown(kBySeller, "the seller's books; coupons are a seller's promotion, counted in its books")
      .with_example(R"({"arm": {"promotions": [{"name": "coupon", "value": 4, "min_spend": 10, "expiry_days": 3, "day": 1, "every": 4, "to": "random", "share": 0.4, "cost": 0.05}]}})"));
}

}  // namespace marketsim
