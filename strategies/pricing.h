#pragma once
#include <optional>
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
  /// The factor of list price it posts every offer at for the whole run, when it is such a fixed
  /// price (a rung of a price ladder: analysis/price_response.h); nothing otherwise.
  virtual std::optional<double> fixed_price_factor() const { return std::nullopt; }
};

}  // namespace marketsim
