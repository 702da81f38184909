#pragma once
// A market as drawn from its description and seed: the catalog and the population. Immutable;
// every run (arm x replication) of an experiment reads the same Market.
#include <cstdint>

#include "market/catalog.h"
#include "market/market_spec.h"
#include "market/population.h"

namespace marketsim {

struct Market {
  MarketSpec spec;
  Catalog catalog;
  Population population;
};

/// Draws the catalog and population of `spec` from `seed` (streams keyed by product or consumer id,
/// so the result does not depend on how the work is split across threads).
Market build_market(const MarketSpec& spec, std::uint64_t seed);

/// The catalog alone (cheap: used to validate strategies against the market).
Catalog build_catalog(const MarketSpec& spec, std::uint64_t seed);
/// The population alone, drawn in parallel.
Population build_population(const MarketSpec& spec, std::uint64_t seed);

}  // namespace marketsim
