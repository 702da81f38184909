#pragma once
#include <span>

#include "sim/money.h"
#include "strategies/context.h"

namespace marketsim {

/// Sets the seller's price of every product for a window (before promotions).
class PricingStrategy {
 public:
  virtual ~PricingStrategy() = default;
  /// Writes one price in cents per product into `prices` (size = catalog size).
  virtual void set_prices(const MarketContext& ctx, std::span<Money> prices) = 0;
};

}  // namespace marketsim
