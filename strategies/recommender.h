#pragma once
#include <cstdint>

#include "market/population.h"
#include "market/shown_set.h"
#include "sim/rng.h"
#include "strategies/context.h"
#include "strategies/strategy.h"

namespace marketsim {

/// Fills a seller's recommendation slots of a visit with that seller's offers. prepare() runs
/// once per window on one thread; recommend() runs per visit, concurrently from several shards,
/// and must not modify the object.
class Recommender : public Strategy {
 public:
  /// Number of offers recommend() adds to a visit.
  virtual std::size_t slots() const = 0;
  /// Runs after every seller's pricing and promotions of the window: `ctx.prices` and
  /// `ctx.discounts` hold the window's posted prices and per-item discounts (every offer).
  virtual void prepare(const MarketContext& ctx) = 0;
  /// Appends slots() distinct offers (global ids) not yet in `shown`, drawing any randomness
  /// from `rng` (the visit's recommendation stream).
  virtual void recommend(ConsumerId consumer, CounterRng& rng, ShownSet& shown) const = 0;
};

}  // namespace marketsim
