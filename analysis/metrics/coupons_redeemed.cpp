// Metric "coupons_redeemed": coupons used on an order (at most one per seller and order; a
// coupon is used once and leaves the wallet).
#include "analysis/metric.h"

namespace marketsim {

void register_coupons_redeemed_metric() {
  metric_registry().push_back(books_metric(
      "coupons_redeemed", "coupons used on an order", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.coupons_redeemed); }));
}

}  // namespace marketsim
