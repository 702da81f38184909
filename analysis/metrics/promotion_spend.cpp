// Metric "promotion_spend": discounts given plus the promotion costs that are not discounts
// (notifications, coupon distribution, referral payouts, fees), all charged to promotion budgets.
#include "analysis/metric.h"

namespace marketsim {

void register_promotion_spend_metric() {
  metric_registry().push_back(books_metric(
      "promotion_spend", "discounts given + promotion costs that are not discounts, charged to promotion budgets (currency)",
      MetricUnit::kMoney,
      [](const SellerBooks& b) { return static_cast<double>(b.discounts() + b.promotion_costs()); })
      .with_breakdown(kBySeller, "the seller's books; its costs other than discounts are not kept by category or segment")
      .with_example(R"({"arm": {"promotions": [{"name": "percent_off", "depth": 0.25, "start": 3, "end": 10}]}})"));
}

}  // namespace marketsim
