#pragma once
// A seller's response to its price (MODEL.md "Choice"; the pricing lab of README "Shipped
// scenarios"). When two or more arms price one seller's offers with `fixed` at different
// `price_factor`s (a price ladder), for each rung: the seller's units, revenue and gross profit,
// the measured price elasticity of its units between neighbouring rungs, and the multinomial
// logit's own elasticity beside it. Every other arm of the seller is compared with the best rung
// in hindsight (per replication): its regret in revenue and in gross profit.
//
// Measured elasticity at rung k: (ln Q_{k+1} - ln Q_{k-1}) / (ln f_{k+1} - ln f_{k-1}) per
// replication (one-sided at the ends), Q the seller's units and f the price factor.
// The logit's: when every price of the seller is scaled by f, the representative consumer's
// d ln Q / d ln f = -β · p̄ · (1 - S), with p̄ the seller's revenue per unit, S its orders per
// visit (the share of visits choosing one of its offers) and β the population's mean price
// sensitivity, weighted by visit rates (lognormal means of the segments). With one product this
// is -β·p·(1 - s); with homogeneous price sensitivity it is exact, with heterogeneous consumers an
// approximation.
#include <string>
#include <vector>

#include "analysis/experiment_result.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"

namespace marketsim {

struct PriceRung {
  std::size_t arm;
  double price_factor;
  Interval units, revenue, gross_profit;
  Interval orders_per_visit;     // S
  Interval revenue_per_unit;     // p̄
  Interval measured_elasticity;
  Interval logit_elasticity;
};

struct PriceRegret {
  std::size_t arm;
  std::size_t best_rung_by_mean;  // the rung with the highest mean revenue (index into rungs)
  Interval revenue;               // best rung's revenue - arm's revenue, the best taken per replication
  Interval gross_profit;          // the same for gross profit
};

struct PriceResponse {
  std::size_t seller;
  double mean_price_sensitivity;  // β
  std::vector<PriceRung> rungs;   // by price factor, ascending
  std::vector<PriceRegret> regrets;
};

/// One entry per seller with a price ladder of at least two rungs.
std::vector<PriceResponse> price_response(const Scenario& scenario, const ExperimentResult& result);

}  // namespace marketsim
