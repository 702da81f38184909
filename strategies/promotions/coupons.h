#pragma once
// Coupons as promotions issue them: the terms of a coupon and the command that puts one into a
// consumer's wallet. The wallet itself is a promotion mechanic (mechanics/coupon_wallet.cpp,
// "coupon"): a promotion that issues coupons names it in mechanics().
#include <cstdint>

#include "market/commands.h"
#include "sim/money.h"
#include "sim/time.h"

namespace marketsim {

/// A coupon: money off an order of the issuing seller's offers, after stock-outs and per-item
/// promotions, when the eligible subtotal reaches min_spend. At most one coupon per seller per
/// order (the one worth most); a redeemed coupon leaves the wallet; an expired one is dropped.
struct Coupon {
  Money amount_off = 0;      // cents off (0 when percent_off is used)
  double percent_off = 0.0;  // share of the eligible subtotal off, in [0, 1]
  Money min_spend = 0;       // cents of eligible subtotal needed
  Time expires = 1e300;      // usable by orders strictly before this time
  Time valid_from = 0.0;     // and at or after this time (a festival deposit: the peak)
  std::uint32_t category = kAllCategories;  // eligible category, or every category
  Money max_off = 0;  // with percent_off: the most it takes off, cents (0: no cap)

  /// Whether it applies to products of `product_category`.
  bool covers(std::uint32_t product_category) const {
    return category == kAllCategories || category == product_category;
  }
  /// The discount on an eligible subtotal (0 below the minimum spend).
  Money value_on(Money subtotal) const {
    if (subtotal <= 0 || subtotal < min_spend) return 0;
    Money off = amount_off > 0 ? amount_off : discount_of(subtotal, percent_off);
    if (amount_off <= 0 && max_off > 0 && off > max_off) off = max_off;
    return off < subtotal ? off : subtotal;
  }
};

/// The name of the mechanic that keeps coupons.
inline constexpr const char* kCouponMechanic = "coupon";

/// The command kind "issue_coupon" (its payload: a Coupon).
inline CommandKind coupon_command() {
  static const CommandKind k = command_kind("issue_coupon");
  return k;
}

/// Issues a coupon for `consumer`; `cost` (cents, kind "coupon_distribution") is the distribution
/// cost.
inline void issue_coupon(CommandSink& sink, ConsumerId consumer, const Coupon& coupon,
                         Money cost = 0) {
  static const CostKind distribution = cost_kind("coupon_distribution");
  sink.issue(coupon_command(), consumer, cost, distribution, 0, coupon);
}

}  // namespace marketsim
