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

/// A product group's own lead time (a seller's "lead_times"): the first entry whose selector
/// picks the product applies.
struct LeadTimeRule {
  Json products = "all";  // a validated product selector
  LeadTime lead_time;
};

/// One of a seller's stock points. Its region's consumers are served from it; when it cannot
/// serve a line, its fallback warehouses are tried in order (each unit shipped from one pays
/// fallback_cost).
struct WarehouseSpec {
  std::string name = "main";
  std::vector<std::string> segments;  // its region: these segments' consumers (empty: by share)
  double share = 1.0;                 // its region's weight when regions are drawn
  std::optional<LeadTime> lead_time;  // absent: the seller's (per product group, then its own)
  std::int64_t capacity = 0;          // units of each product on hand + on order at most (0: no cap)
  std::vector<std::uint32_t> fallback;  // warehouse indices, in the order they are tried
  double fallback_cost = 0.0;         // currency per unit shipped from a fallback warehouse
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
  std::vector<LeadTimeRule> lead_times;  // per product group (first match), before lead_time
  /// Its stock points (empty: one, "main", with the seller's lead times and no cap). Consumers'
  /// regions come from their segments (every warehouse lists segments) or are drawn by share.
  std::vector<WarehouseSpec> warehouses;
  double transfer_ratio = 0.0;  // rebalance an offer when the largest days of supply > ratio x the smallest (0: never)
  double transfer_days = 1.0;   // a transfer's transit time, days
  double transfer_cost = 0.0;   // currency per unit transferred

  std::size_t warehouse_count() const { return warehouses.empty() ? 1 : warehouses.size(); }
  bool regions_by_segment() const { return !warehouses.empty() && !warehouses[0].segments.empty(); }
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
  /// The lead time of seller s's product in warehouse w, given which product-group rule picks the
  /// product (-1: none): the warehouse's own, else the group's, else the seller's, else the market's.
  LeadTime lead_time(std::size_t s, std::size_t w, std::int64_t rule) const {
    if (s < sellers.size()) {
      const SellerSpec& seller = sellers[s];
      if (w < seller.warehouses.size() && seller.warehouses[w].lead_time) return *seller.warehouses[w].lead_time;
      if (rule >= 0) return seller.lead_times[static_cast<std::size_t>(rule)].lead_time;
    }
    return lead_time(s);
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
