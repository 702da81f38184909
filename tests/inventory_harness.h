#pragma once
// Drives ONE offer's inventory (agents/inventory.h) and a registered replenishment policy with
// synthetic Poisson demand, without the engine: for tests that compare a policy's long-run
// behaviour with closed forms (base-stock fill rates, renewal costs of (s, S), the uniform
// inventory position of (r, Q)) and that stress the inventory agent (orders that cross).
//
// Event timing of day d (time runs from d to d + 1):
//  1. deliveries with arrival <= d are received (Inventory::receive_next), each followed by
//     fill() of the waiting lines;
//  2. a periodic review when review().due(d) (never on day 0): order_quantity() sees the
//     position after those deliveries, and an order placed now arrives at d + lead time; an
//     order with a zero lead time is received at once, before the day's demand;
//  3. the day's demand, Poisson(demand_per_day) units, arrives one unit at a time at uniform
//     times in [d, d + 1) (a Poisson process); before each unit, deliveries due by its time are
//     received. A unit is sold from stock when some is free (on hand and no line waiting), else it
//     waits (backorders) or is lost. Under continuous review, a unit that lowered the position
//     (sold or waiting) is followed by a review at its time;
//  4. the day's end (time d + 1): deliveries due before it are received; on hand, waiting units,
//     the position and the costs are recorded (holding_cost per unit on hand, backorder_cost per
//     unit waiting, order_cost per order placed that day), and Inventory::unconserved() and the
//     harness's own ledger (ordered = received + in transit) are checked.
//
// The platform log gets the day's demand as the engine logs it: units sold at once (add_sale), units
// that wait (add_backordered, on the day they were ordered) and lost units (add_lost), so
// demand(d) = every unit asked for on day d.
#include <algorithm>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agents/inventory.h"
#include "market/catalog.h"
#include "market/offers.h"
#include "market/platform_log.h"
#include "sim/concat.h"
#include "sim/rng.h"
#include "strategies/registry.h"

namespace marketsim::testing {

/// What to simulate. Set the fields by name (no aggregate initialisation: fields may be added).
struct InventoryPlan {
  std::string policy;                 // a registered replenishment strategy
  Json params = Json::object();       // its parameters (validated here, defaults filled in)
  double demand_per_day = 1.0;        // lambda: Poisson units a day
  Day days = 1000;                    // days simulated: 0 .. days - 1
  Day warmup = 0;                     // first days left out of the long-run averages
  bool backorders = true;             // unmet units wait for stock (false: they are lost)
  double lead_time = 1.0;             // days from order to arrival (when draw_lead_time is empty)
  /// Draws each order's lead time, days >= 0 (empty: the fixed lead_time); gets the harness's
  /// lead-time stream, so a run is reproducible from the seed.
  std::function<double(CounterRng&)> draw_lead_time = {};
  double lead_time_mean = -1.0;       // what the policy is told (InventoryView; < 0: lead_time)
  double lead_time_sd = 0.0;          // what the policy is told, days
  double holding_cost = 0.0;          // per unit on hand at a day's end
  double backorder_cost = 0.0;        // per unit waiting at a day's end
  double order_cost = 0.0;            // per order placed
  std::uint64_t seed = 1;
};

/// One day of a run.
struct InventoryDay {
  Units demand = 0;       // units asked for
  Units served = 0;       // units sold at once from stock
  Units backordered = 0;  // units that joined the waiting queue
  Units lost = 0;         // units lost (lost-sales runs)
  Units shipped_late = 0; // units shipped to waiting lines from deliveries
  Units received = 0;     // units delivered
  Units ordered = 0;      // units ordered
  std::int64_t orders = 0;
  Units on_hand = 0;      // at the day's end
  Units waiting = 0;      // back-ordered units waiting at the day's end
  Units position = 0;     // on hand + on order - waiting at the day's end
  double holding_cost = 0.0;
  double backorder_cost = 0.0;
  double order_cost = 0.0;
  double cost() const { return holding_cost + backorder_cost + order_cost; }
};

/// A run's days and its long-run averages over days warmup .. days - 1.
struct InventoryRun {
  std::vector<InventoryDay> days;
  Day warmup = 0;
  double fill_rate = 0.0;        // units sold at once / units asked for
  double mean_on_hand = 0.0;     // per day's end
  double mean_backorders = 0.0;  // units waiting per day's end
  double mean_holding_cost = 0.0, mean_backorder_cost = 0.0, mean_order_cost = 0.0;
  double mean_cost = 0.0;        // per day
  double orders_per_day = 0.0;
  // Over the whole run.
  std::int64_t reviews = 0;      // calls of order_quantity()
  std::int64_t crossings = 0;    // deliveries received while an order placed before them was in transit
  Units ordered = 0, received = 0, in_transit = 0;  // at the end (the harness's own tally)
  Day unconserved_day = -1;      // first day Inventory::unconserved() was not -1 (-1: never)
  Day ledger_day = -1;           // first day ordered != received + in transit, or a delivery the
                                 // harness did not place (-1: never)
  std::vector<Day> review_days;  // days with at least one review
};

/// A batch-means estimate: the mean and its standard error.
struct Estimate {
  double mean = 0.0;
  double standard_error = 0.0;
};

/// sum(num) / sum(den) over days warmup .. days - 1, with the standard error of `batches` equal
/// consecutive batches' ratios (batch means: the batches must be long against the run's
/// correlation time; the days after the last whole batch are left out).
template <typename Num, typename Den>
Estimate batch_ratio(const InventoryRun& run, int batches, Num num, Den den) {
  const auto first = static_cast<std::size_t>(run.warmup);
  const std::size_t length = (run.days.size() - first) / static_cast<std::size_t>(batches);
  if (batches < 2 || length == 0) throw std::invalid_argument("batch_ratio: too few days for the batches");
  std::vector<double> ratios;
  double total_num = 0.0, total_den = 0.0;
  for (int b = 0; b < batches; ++b) {
    double n = 0.0, d = 0.0;
    for (std::size_t k = first + static_cast<std::size_t>(b) * length; k < first + static_cast<std::size_t>(b + 1) * length;
         ++k) {
      n += num(run.days[k]);
      d += den(run.days[k]);
    }
    ratios.push_back(n / d);
    total_num += n;
    total_den += d;
  }
  double mean_ratio = 0.0;
  for (double r : ratios) mean_ratio += r;
  mean_ratio /= static_cast<double>(batches);
  double ss = 0.0;
  for (double r : ratios) ss += (r - mean_ratio) * (r - mean_ratio);
  const double sd = std::sqrt(ss / static_cast<double>(batches - 1));
  return {total_num / total_den, sd / std::sqrt(static_cast<double>(batches))};
}

/// The per-day mean of value(day) over days warmup .. days - 1, by batch means.
template <typename Value>
Estimate batch_mean(const InventoryRun& run, int batches, Value value) {
  return batch_ratio(run, batches, value, [](const InventoryDay&) { return 1.0; });
}

/// A market of one product sold by one seller: what a policy is built for.
struct OneOffer {
  OneOffer() {
    catalog.dimensions = 0;
    catalog.category_names = {"c"};
    catalog.category_quality_mean = {0.0};
    catalog.category = {0};
    catalog.list_price = {1000};
    catalog.unit_cost = {600};
    catalog.quality = {0.0};
    offers.seller_names = {"shop"};
    offers.seller_begin = {0, 1};
    offers.product = {0};
    offers.seller = {0};
  }
  OneOffer(const OneOffer&) = delete;  // build contexts refer to it
  OneOffer& operator=(const OneOffer&) = delete;

  /// What a policy of the seller is built with: a lead time of `lead_time_days` and
  /// `visits_per_day` expected visits a day (order_up_to's prior forecast is
  /// initial_demand_per_visit x visits_per_day, the market having one offer).
  BuildContext context(std::int64_t lead_time_days, double visits_per_day) const {
    return BuildContext{.catalog = catalog, .offers = offers, .seller = 0, .lead_time_days = lead_time_days,
                        .expected_visits_per_day = visits_per_day, .consumers = 0, .segments = {}, .seed = 1,
                        .replication = 0, .promotion = -1};
  }
  /// The registered replenishment policy `name` built from `params` (validated, defaults filled in).
  std::unique_ptr<ReplenishmentPolicy> policy(const std::string& name, const Json& params, std::int64_t lead_time_days,
                                              double visits_per_day) const {
    register_builtin_strategies();
    const auto* info = replenishment_registry().find(name);
    if (info == nullptr) throw std::invalid_argument(cat("no replenishment strategy \"", name, "\""));
    return info->make(validate_object(info->params, params, "test", "/replenishment"),
                      context(lead_time_days, visits_per_day));
  }

  Catalog catalog;
  Offers offers;
};

/// One run of a plan (build, then run() once).
class InventoryHarness {
 public:
  explicit InventoryHarness(InventoryPlan plan)
      : plan_(std::move(plan)),
        told_mean_(plan_.lead_time_mean >= 0.0 ? plan_.lead_time_mean : plan_.lead_time),
        policy_(market_.policy(plan_.policy, plan_.params, static_cast<std::int64_t>(std::ceil(told_mean_)),
                               plan_.demand_per_day)),
        log_(1, policy_->needs()),
        inventory_(1),
        demand_rng_(stream_key(plan_.seed, 0, 0, Purpose::kTest)),
        lead_rng_(stream_key(plan_.seed, 0, 1, Purpose::kTest)) {
    if (!(plan_.demand_per_day > 0.0)) throw std::invalid_argument("demand_per_day must be > 0");
  }

  ReplenishmentPolicy& policy() { return *policy_; }
  const Inventory& inventory() const { return inventory_; }

  InventoryRun run() {
    InventoryRun out;
    out.warmup = plan_.warmup;
    out.days.reserve(static_cast<std::size_t>(plan_.days));
    const Review review = policy_->review();
    const bool continuous = review.kind == Review::Kind::kContinuous;
    const Units initial = policy_->initial_stock(0);
    inventory_.initial[0] = initial;
    inventory_.on_hand[0] = initial;
    boost::random::poisson_distribution<Units, double> demand(plan_.demand_per_day);
    std::vector<double> times;
    for (Day d = 0; d < plan_.days; ++d) {
      InventoryDay day;
      current_day_ = d;
      log_.begin_day(d);
      const Time start = static_cast<Time>(d);
      receive_through(start, day, out);
      if (review.due(d)) {
        review_at(d, start, day, out);
        receive_through(start, day, out);  // zero lead times arrive before the day's demand
      }
      const Units units = demand(demand_rng_);
      times.resize(static_cast<std::size_t>(units));
      for (double& t : times) t = start + demand_rng_.uniform();
      std::sort(times.begin(), times.end());
      for (std::size_t k = 0; k < times.size(); ++k) {
        const Time t = times[k];
        receive_through(t, day, out);
        ++day.demand;
        bool lowered = true;
        if (inventory_.available(0, 1) == 1) {
          inventory_.sell(0, 1);
          log_.add_sale(0, 1);
          ++day.served;
        } else if (plan_.backorders) {
          inventory_.backorder(0, WaitingLine{t, 0, static_cast<std::uint32_t>(k), 1});
          log_.add_backordered(0, 1);
          ++day.backordered;
        } else {
          log_.add_lost(0, 1);
          ++day.lost;
          lowered = false;
        }
        if (continuous && lowered) {
          review_at(d, t, day, out);
          receive_through(t, day, out);  // a zero lead time arrives at once
        }
      }
      receive_before(start + 1.0, day, out);
      close_day(d, day, out);
      out.days.push_back(day);
    }
    averages(out);
    return out;
  }

 private:
  /// Receives, in arrival order, every delivery due at or before t, filling waiting lines.
  void receive_through(Time t, InventoryDay& day, InventoryRun& out) {
    while (inventory_.in_transit() && inventory_.next_arrival() <= t) receive_one(day, out);
  }
  /// Receives every delivery due strictly before t (the day's end: arrivals at d + 1 belong to
  /// the next day's start).
  void receive_before(Time t, InventoryDay& day, InventoryRun& out) {
    while (inventory_.in_transit() && inventory_.next_arrival() < t) receive_one(day, out);
  }
  void receive_one(InventoryDay& day, InventoryRun& out) {
    const Shipment s = inventory_.receive_next();
    const auto it = outstanding_.find(s.sequence);
    if (it == outstanding_.end() || it->second != s.units) {
      if (out.ledger_day < 0) out.ledger_day = current_day_;
    } else {
      if (outstanding_.begin()->first < s.sequence) ++out.crossings;  // an earlier order is still out
      outstanding_.erase(it);
    }
    received_ += s.units;
    day.received += s.units;
    inventory_.fill(0, [&day](const WaitingLine&, Units n) { day.shipped_late += n; });
  }

  void review_at(Day d, Time t, InventoryDay& day, InventoryRun& out) {
    const InventoryView view{.offer = 0,
                             .product = 0,
                             .day = d,
                             .on_hand = inventory_.on_hand[0],
                             .on_order = inventory_.on_order[0],
                             .lead_time_days = static_cast<std::int64_t>(std::ceil(told_mean_)),
                             .log = log_,
                             .backorders = inventory_.backordered[0],
                             .time = t,
                             .lead_time_mean = told_mean_,
                             .lead_time_sd = plan_.lead_time_sd,
                             .category = 0,
                             .plan = nullptr};
    ++out.reviews;
    if (out.review_days.empty() || out.review_days.back() != d) out.review_days.push_back(d);
    const Units q = policy_->order_quantity(view);
    if (q < 0) throw std::logic_error(cat(plan_.policy, " ordered ", std::to_string(q), " units"));
    if (q == 0) return;
    const double lead = plan_.draw_lead_time ? plan_.draw_lead_time(lead_rng_) : plan_.lead_time;
    if (!(lead >= 0.0)) throw std::logic_error("a lead time must be >= 0 days");
    outstanding_.emplace(placed_++, q);  // the inventory numbers shipments in placement order from 0
    inventory_.place(0, q, t + lead);
    ordered_ += q;
    day.ordered += q;
    ++day.orders;
  }

  void close_day(Day d, InventoryDay& day, InventoryRun& out) {
    day.on_hand = inventory_.on_hand[0];
    day.waiting = inventory_.backordered[0];
    day.position = inventory_.position(0);
    day.holding_cost = plan_.holding_cost * static_cast<double>(day.on_hand);
    day.backorder_cost = plan_.backorder_cost * static_cast<double>(day.waiting);
    day.order_cost = plan_.order_cost * static_cast<double>(day.orders);
    if (out.unconserved_day < 0 && inventory_.unconserved() != -1) out.unconserved_day = d;
    Units transit = 0;
    for (const auto& [sequence, units] : outstanding_) transit += units;
    if (out.ledger_day < 0 && (ordered_ != received_ + transit || transit != inventory_.on_order[0])) {
      out.ledger_day = d;
    }
    out.ordered = ordered_;
    out.received = received_;
    out.in_transit = transit;
  }

  static void averages(InventoryRun& out) {
    double demand = 0.0, served = 0.0, n = 0.0;
    for (std::size_t k = static_cast<std::size_t>(out.warmup); k < out.days.size(); ++k) {
      const InventoryDay& day = out.days[k];
      demand += static_cast<double>(day.demand);
      served += static_cast<double>(day.served);
      out.mean_on_hand += static_cast<double>(day.on_hand);
      out.mean_backorders += static_cast<double>(day.waiting);
      out.mean_holding_cost += day.holding_cost;
      out.mean_backorder_cost += day.backorder_cost;
      out.mean_order_cost += day.order_cost;
      out.orders_per_day += static_cast<double>(day.orders);
      n += 1.0;
    }
    if (n == 0.0) return;
    out.fill_rate = demand > 0.0 ? served / demand : 1.0;
    out.mean_on_hand /= n;
    out.mean_backorders /= n;
    out.mean_holding_cost /= n;
    out.mean_backorder_cost /= n;
    out.mean_order_cost /= n;
    out.orders_per_day /= n;
    out.mean_cost = out.mean_holding_cost + out.mean_backorder_cost + out.mean_order_cost;
  }

  InventoryPlan plan_;
  double told_mean_;  // the mean lead time the policy is told, days
  OneOffer market_;
  std::unique_ptr<ReplenishmentPolicy> policy_;
  PlatformLog log_;
  Inventory inventory_;
  CounterRng demand_rng_;
  CounterRng lead_rng_;
  std::map<std::uint64_t, Units> outstanding_;  // orders in transit by placement number
  std::uint64_t placed_ = 0;
  Units ordered_ = 0, received_ = 0;
  Day current_day_ = 0;
};

/// Builds and runs a plan.
inline InventoryRun run_inventory(const InventoryPlan& plan) {
  InventoryHarness harness(plan);
  return harness.run();
}

}  // namespace marketsim::testing
