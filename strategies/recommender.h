#pragma once
#include <cstdint>

#include "market/population.h"
#include "market/shown_set.h"
#include "sim/rng.h"
#include "strategies/context.h"

namespace marketsim {

/// Fills the recommendation slots of a visit. prepare() runs once per window on one thread;
/// recommend() runs per visit, concurrently from several shards, and must not modify the object.
class Recommender {
 public:
  virtual ~Recommender() = default;
  /// Number of products recommend() adds to a visit.
  virtual std::size_t slots() const = 0;
  virtual void prepare(const MarketContext& ctx) = 0;
  /// Appends slots() distinct products to `shown`, drawing any randomness from the visit's stream.
  virtual void recommend(ConsumerId consumer, CounterRng& rng, ShownSet& shown) const = 0;
};

}  // namespace marketsim
