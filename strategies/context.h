#pragma once
// What a strategy sees: the catalog, the shop's own sales log and the clock — never consumers'
// traits or beliefs.
#include "market/catalog.h"
#include "market/sales_history.h"
#include "sim/time.h"

namespace marketsim {

/// The window a strategy is preparing for: [window_start, window_end), inside day `day`.
struct MarketContext {
  const Catalog& catalog;
  const SalesHistory& history;
  Day day;
  Time window_start;
  Time window_end;
};

/// What a factory may use to configure a strategy for a market.
struct BuildContext {
  const Catalog& catalog;
  std::int64_t lead_time_days;
  double expected_visits_per_day;  // over the whole population
};

}  // namespace marketsim
