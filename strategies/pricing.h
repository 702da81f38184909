#pragma once
#include <span>

#include "sim/money.h"
#include "strategies/context.h"
#include "strategies/strategy.h"

namespace marketsim {

/// Sets the seller's price of each of its offers for a window (before promotions).
class PricingStrategy : public Strategy {
 public:
  /// Writes one price in cents per offer of the seller into `prices` (size ctx.offer_count()).
  virtual void set_prices(const MarketContext& ctx, std::span<Money> prices) = 0;
};

}  // namespace marketsim
