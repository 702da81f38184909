#pragma once
#include <cstdint>
#include <span>
#include <vector>

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

  /// Offline evaluation (experiments/offline_eval.h): the consumer's ranked list of up to k
  /// offers (global ids), best first, as the last prepare() left the model, without randomness
  /// or exploration, skipping offers o with skip[o] != 0 (`skip` spans the market's offers;
  /// empty: none). Returns false when the recommender does not rank (random lists; bandits that
  /// act online only).
  virtual bool rank(ConsumerId consumer, std::size_t k, std::span<const std::uint8_t> skip,
                    std::vector<OfferId>& out) const {
    (void)consumer;
    (void)k;
    (void)skip;
    out.clear();
    return false;
  }
};

}  // namespace marketsim
