#pragma once
// A market as drawn from its description and seed: the catalog, the population and the
// marketplace's offers. Immutable; the runs that share it (the arms of one replication, or every
// run when the scenario shares one market) only read it.
#include <cstdint>

#include "market/catalog.h"
#include "market/market_spec.h"
#include "market/offers.h"
#include "market/population.h"
#include "sim/rng.h"

namespace marketsim {

struct Market {
  MarketSpec spec;
  Catalog catalog;
  Population population;
  Offers offers;
};

/// Draws the catalog and population of `spec` from `seed` for `replication` (kAllReplications:
/// the one market every replication shares). Streams are keyed by product or consumer id, so the
/// result does not depend on how the work is split across threads.
Market build_market(const MarketSpec& spec, std::uint64_t seed,
                    std::uint64_t replication = kAllReplications);

/// The catalog's outline: categories, and each product's category, a list price of its
/// category's price_min, its cost and its category's mean quality, but no attribute vectors and
/// no random draws. Enough to validate product selectors and strategies against the market
/// (26 bytes per product) without drawing it: what the scenario loader and `validate` use.
Catalog outline_catalog(const MarketSpec& spec);

/// The catalog alone.
Catalog build_catalog(const MarketSpec& spec, std::uint64_t seed,
                      std::uint64_t replication = kAllReplications);
/// The population alone, drawn in parallel.
Population build_population(const MarketSpec& spec, std::uint64_t seed,
                            std::uint64_t replication = kAllReplications);
/// The sellers' offers: each seller offers the products its selector picks, in product order.
Offers build_offers(const MarketSpec& spec, const Catalog& catalog);

}  // namespace marketsim
