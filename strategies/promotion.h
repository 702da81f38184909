#pragma once
#include <optional>
#include <span>

#include "sim/money.h"
#include "strategies/context.h"

namespace marketsim {

/// A promotion offers discounts on some products during some windows, funded by its budget.
/// The engine's budget agent charges each discount to the ledger at the moment of sale and stops
/// the promotion once its budget is spent; when promotions overlap, the deepest discount applies.
class PromotionStrategy {
 public:
  virtual ~PromotionStrategy() = default;
  /// Writes the discount in cents this promotion offers on each product for the window (0 where it
  /// offers none), given the seller's prices. Returns false when it offers nothing in this window.
  virtual bool offers(const MarketContext& ctx, std::span<const Money> prices,
                      std::span<Money> discounts) = 0;
  /// The promotion's total budget in cents; nullopt for unlimited.
  virtual std::optional<Money> budget() const = 0;
};

}  // namespace marketsim
