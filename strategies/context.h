#pragma once
// What a strategy sees: the catalog, the marketplace's offers, the platform log and the clock,
// never consumers' traits or beliefs. The one consumer attribute a strategy may know is its
// segment (BuildContext::segments): a platform's CRM knows its customer segments. A strategy belongs to one seller and works on that seller's
// offers, numbered locally 0 .. offer_count() - 1 (global offer = first_offer() + local).
#include <span>

#include "market/catalog.h"
#include "market/market_spec.h"
#include "market/offers.h"
#include "market/platform_log.h"
#include "sim/time.h"

namespace marketsim {

/// The window a strategy is preparing for: [window_start, window_end), inside day `day`.
struct MarketContext {
  const Catalog& catalog;
  const Offers& offers;
  const PlatformLog& log;
  SellerId seller;
  Day day;
  Time window_start;
  Time window_end;
  /// Units on hand per offer of the market (global offer ids) at the window's start, as the
  /// seller's own stock system knows them; empty where the caller has none (tests).
  std::span<const Units> on_hand = {};
  /// The window's posted prices (before promotions) and the per-item discount everyone sees, per
  /// offer of the market (global offer ids, cents), as a platform shows them. Set for
  /// recommenders (prepare(), after every seller's pricing and promotions of the window have
  /// run, so margin- and promotion-aware ranking can use them); empty elsewhere.
  std::span<const Money> prices = {};
  std::span<const Money> discounts = {};

  OfferId first_offer() const { return offers.begin(seller); }
  std::size_t offer_count() const { return offers.count(seller); }
  /// The product of the seller's local offer k.
  ProductId product(std::size_t k) const { return offers.product[first_offer() + k]; }
};

/// What a factory may use to configure a strategy for a market and seller.
struct BuildContext {
  const Catalog& catalog;
  const Offers& offers;
  SellerId seller;
  std::int64_t lead_time_days;     // the seller's mean lead time, rounded up
  double expected_visits_per_day;  // over the whole population
  std::int64_t consumers = 0;      // consumers in the market (ids 0 .. consumers - 1)
  /// The market's customer segments (ids by segment, /market/segments in order): the one consumer
  /// attribute strategies may see, as a platform's CRM knows its segments. Empty when unknown.
  std::span<const SegmentRange> segments = {};
  /// The run's seed and replication, and the promotion's index within its seller (-1 outside a
  /// promotion): the key of the strategy's random streams (sim/rng.h, Purpose::kStrategy).
  std::uint64_t seed = 0;
  std::uint64_t replication = 0;
  std::int32_t promotion = -1;

  std::size_t offer_count() const { return offers.count(seller); }
};

}  // namespace marketsim
