#pragma once
// The description of a market as a scenario gives it (validated by scenarios/), from which
// build_market() draws the catalog and the consumer population.
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "market/lead_time.h"
#include "sim/params.h"

namespace marketsim {

/// A product category: how many products it has and the distributions their attributes come from.
struct CategorySpec {
  std::string name;
  std::int64_t products = 0;
  double price_min = 5.0;        // currency units; list prices ~ Uniform(price_min, price_max)
  double price_max = 50.0;
  double cost_ratio = 0.6;       // unit cost = cost_ratio * list price
  double attribute_sd = 0.25;    // phi_j ~ Normal(0, attribute_sd^2 I_D)
  double quality_mean = 0.0;     // true quality q_j ~ Normal(quality_mean, quality_sd^2)
  double quality_sd = 0.0;
};

/// Products given one by one instead of drawn (/market/catalog_file: a fitted catalog), in product
/// id order, grouped by category in the scenario's category order.
struct ProductTable {
  std::vector<std::uint16_t> category;  // index into MarketSpec::categories
  std::vector<double> list_price;       // currency units
  std::vector<double> cost;             // currency units
  std::vector<double> quality;          // true quality q_j
  std::vector<float> attributes;        // phi_j, latent_dimensions floats per product
};

/// A consumer segment: its size and the distributions of its consumers' traits.
struct SegmentSpec {
  std::string name;
  std::int64_t consumers = 0;
  double taste_sd = 1.0;                   // theta_i ~ Normal(taste_mean, taste_sd^2 I_D)
  std::vector<double> taste_mean = {};     // empty: 0 in every dimension
  double price_sensitivity_median = 0.06;  // beta_i = exp(Normal(ln median, log_sd^2)), per currency unit
  double price_sensitivity_log_sd = 0.25;
  double deal_proneness = 0.0;             // gamma_i: utility of a promotion tag
  double visit_rate = 0.2;                 // median of lambda_i: visits per day
  double visit_rate_log_sd = 0.0;          // lambda_i = visit_rate * exp(Normal(0, log_sd^2))
};

/// The consumers of one segment: ids [begin, end). The population is laid out by segment, in the
/// scenario's order.
struct SegmentRange {
  std::string name;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

/// A seller of the marketplace: which products it offers, and what holding its stock costs.
/// Its strategies are chosen per arm (scenarios/), its offers drawn up by build_offers().
struct SellerSpec {
  std::string name = "shop";
  Json products = "all";            // a validated product selector
  double holding_cost = 0.0;        // currency per unit on hand at the end of a day
  double order_cost = 0.0;          // currency per replenishment order placed
  std::optional<LeadTime> lead_time;  // absent: MarketSpec::lead_time_days
  bool backorders = false;          // unmet demand waits for stock ("backorder") or is lost ("lost")
  double backorder_cost = 0.0;      // currency per back-ordered unit waiting at the end of a day
  double cancel_rate = 0.0;         // daily hazard that a waiting line is cancelled
};

/// How markets are drawn for the replications of an experiment.
enum class MarketSampling {
  kPerReplication,  // each replication draws its own catalog and population (shared by its arms)
  kShared,          // one market for every replication (intervals then condition on it)
};

struct MarketSpec {
  std::int64_t latent_dimensions = 16;
  double intercept = -2.5;               // a in V_ij
  std::int64_t browse_slots = 0;         // products added to each visit by organic browsing
  std::int64_t max_shown = 0;            // set by the loader: most offers an arm shows per visit (0: unknown)
  std::int64_t lead_time_days = 3;       // replenishment lead time
  std::vector<CategorySpec> categories;
  std::vector<SegmentSpec> segments;
  std::vector<SellerSpec> sellers = {SellerSpec{}};
  /// Behaviour modules, in the order their hooks run (scenario key /market/behaviours).
  std::vector<ComponentSpec> behaviours;
  MarketSampling sampling = MarketSampling::kPerReplication;
  /// From /market/catalog_file: every product's category, prices, quality and attributes (null:
  /// drawn from the categories' distributions).
  std::shared_ptr<const ProductTable> product_table;

  std::int64_t products() const {
    std::int64_t n = 0;
    for (const auto& c : categories) n += c.products;
    return n;
  }
  std::int64_t consumers() const {
    std::int64_t n = 0;
    for (const auto& s : segments) n += s.consumers;
    return n;
  }
  /// Each segment's consumer ids, in order.
  std::vector<SegmentRange> segment_ranges() const {
    std::vector<SegmentRange> out;
    std::uint32_t first = 0;
    for (const auto& s : segments) {
      out.push_back(SegmentRange{s.name, first, first + static_cast<std::uint32_t>(s.consumers)});
      first = out.back().end;
    }
    return out;
  }
  /// Seller s's lead time: its own, or the market's lead_time_days.
  LeadTime lead_time(std::size_t s) const {
    return s < sellers.size() && sellers[s].lead_time ? *sellers[s].lead_time
                                                      : LeadTime::fixed(static_cast<double>(lead_time_days));
  }
  /// Expected visits per day over the whole population (sum of mean visit rates; a lognormal
  /// rate has mean median * exp(sd^2 / 2)).
  double expected_visits_per_day() const {
    double v = 0.0;
    for (const auto& s : segments) {
      v += static_cast<double>(s.consumers) * s.visit_rate *
           std::exp(s.visit_rate_log_sd * s.visit_rate_log_sd / 2.0);
    }
    return v;
  }
};

}  // namespace marketsim
