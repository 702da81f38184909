// Metric "coupons_issued": coupons put into consumers' wallets (coupon commands the engine
// applied; one its promotion's budget could not pay for is not counted).
#include "analysis/metric.h"

namespace marketsim {

void register_coupons_issued_metric() {
  metric_registry().push_back(books_metric(
      "coupons_issued", "coupons put into consumers' wallets", MetricUnit::kCount,
      [](const SellerBooks& b) { return static_cast<double>(b.coupons_issued); }));
}

}  // namespace marketsim
