#pragma once
// What the marketplace records as a run settles: order lines, orders and each seller's daily
// books. These are the run's signals (engine/run_observer.h delivers them to collectors and
// strategies) and what behaviour modules learn from; they hold what a real platform knows
// (who bought what, when, at which price), never a consumer's traits or beliefs.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "market/catalog.h"
#include "market/offers.h"
#include "market/population.h"
#include "market/shown_set.h"
#include "market/signals.h"
#include "sim/money.h"
#include "sim/names.h"
#include "sim/time.h"

namespace marketsim {

/// Where a visit showed an offer: its position among the visit's placed offers (the sellers'
/// recommendation slots, then featured slots, then the mechanics' offers of the consumer's own;
/// 0 = the first), or kBrowsedSlot when organic browsing showed it. Arrays by slot have
/// kSlotPositions entries, the last for browsing.
inline constexpr std::uint8_t kBrowsedSlot = ShownSet::kCapacity;
static_assert(ShownSet::kCapacity <= 255, "slot indices and kBrowsedSlot are bytes");
inline constexpr std::size_t kSlotPositions = std::size_t{kBrowsedSlot} + 1;

/// One settled line of an order. Money in cents. What the consumer paid for the line is
/// revenue() = quantity * (unit_price - unit_discount) - order_discount.
struct LineRecord {
  Time time;
  ConsumerId consumer;
  std::uint32_t visit;          // the consumer's visit index (keys its streams)
  OfferId offer;
  ProductId product;
  SellerId seller;
  std::uint16_t line;           // position in the order (0 = first chosen)
  std::uint8_t slot;            // where the visit showed the offer (kBrowsedSlot: browsing)
  std::int32_t promotion;       // seller's promotion funding unit_discount, or -1
  std::uint32_t quantity;       // units sold
  std::uint32_t lost;           // units asked for but out of stock (lost sales)
  Money unit_price;             // the seller's price per unit, before promotions
  Money unit_discount;          // per-item promotion discount per unit
  Money order_discount;         // this line's share of order-level discounts (rules, mechanics)
  Money unit_cost;              // per unit

  Money revenue() const {
    return static_cast<Money>(quantity) * (unit_price - unit_discount) - order_discount;
  }
  Money cogs() const { return static_cast<Money>(quantity) * unit_cost; }
  Money discount() const { return static_cast<Money>(quantity) * unit_discount + order_discount; }
  /// Price paid per unit after per-item promotions (before order-level discounts).
  Money unit_paid() const { return unit_price - unit_discount; }
};

/// One settled order: the lines of one visit, in line order ([first_line, first_line + lines)
/// of the window's line records).
struct OrderRecord {
  Time time;
  ConsumerId consumer;
  std::uint32_t visit;
  std::uint32_t first_line;
  std::uint32_t lines;
  std::uint32_t units;          // units sold over all lines (0: nothing sold, not a conversion)
};

/// Kinds of promotion costs that are not discounts (charged to a promotion's budget when they
/// happen; MODEL.md "Metrics": contribution = gross profit - these), by name: whoever posts a cost
/// names its kind ("message", "fee", ...), and metrics read a kind by its name.
using CostKind = std::uint8_t;
inline constexpr std::size_t kCostKinds = 8;
inline NameTable& cost_kind_table() {
  static NameTable table("cost kind", kCostKinds);
  return table;
}
inline CostKind cost_kind(std::string_view name) { return static_cast<CostKind>(cost_kind_table().id(name)); }

/// Counters a seller's books keep for whoever names them (a promotion mechanic counting what it
/// did: items issued, redeemed, ...), by name like cost kinds; counts or cents, as the namer says.
inline constexpr std::size_t kBookCounters = 16;
inline NameTable& book_counter_table() {
  static NameTable table("book counter", kBookCounters);
  return table;
}
inline std::size_t book_counter(std::string_view name) { return book_counter_table().id(name); }

/// One seller's books for one day (or, summed, for a run). Money in cents.
struct SellerBooks {
  std::uint64_t orders = 0;           // orders with at least one unit from this seller
  std::uint64_t units_sold = 0;
  std::uint64_t units_lost = 0;
  std::uint64_t budget_cancelled = 0; // lines dropped because their promotion's budget ran out
  std::int64_t units_received = 0;    // deliveries
  std::int64_t stock_on_hand = 0;     // at the end of the day
  std::uint64_t replenishment_orders = 0;
  Money revenue = 0;
  Money cogs = 0;
  Money item_discounts = 0;           // per-item promotion discounts
  Money order_discounts = 0;          // order-level discounts (rules, and what mechanics take off)
  Money costs[kCostKinds] = {};       // promotion costs that are not discounts, by kind (cost_kind)
  std::int64_t counters[kBookCounters] = {};  // named counters (book_counter)
  Money holding_cost = 0;
  Money ordering_cost = 0;
  Money backorder_cost = 0;           // back-ordered units waiting at a day's end x the unit-day cost
  std::uint64_t units_backordered = 0;  // units consumers ordered that waited for stock (when ordered)
  std::uint64_t units_cancelled = 0;    // back-ordered units cancelled before they shipped (lost sales)
  std::uint64_t units_from_backorders = 0;  // units shipped to waiting lines (in units_sold)
  std::int64_t units_waiting = 0;       // back-ordered units waiting at the end of the day
  std::uint64_t offer_days = 0;         // offers x days (for the ready rate)
  std::uint64_t ready_offer_days = 0;   // offer-days with stock on hand at the day's end
  std::uint64_t units_from_fallback = 0;  // units shipped from a warehouse other than the consumer's (in units_sold)
  std::int64_t units_transferred = 0;     // units sent between warehouses
  Money fulfilment_cost = 0;            // fallback_cost x fallback units + transfer_cost x units transferred
  // The seller's prices (before promotions) and list prices, summed over its offers and the
  // day's windows: price_index = shelf_value / list_value.
  Money shelf_value = 0;
  Money list_value = 0;

  /// The counter called `name` (0 until someone counts it).
  std::int64_t counter(std::string_view name) const { return counters[book_counter(name)]; }
  /// The costs of the kind called `name`.
  Money cost(std::string_view name) const { return costs[cost_kind(name)]; }

  Money discounts() const {
    Money t = item_discounts;
    add_checked(t, order_discounts);
    return t;
  }
  Money promotion_costs() const {
    Money t = 0;
    for (Money c : costs) add_checked(t, c);
    return t;
  }
  void add(const SellerBooks& o) {
    orders += o.orders;
    units_sold += o.units_sold;
    units_lost += o.units_lost;
    budget_cancelled += o.budget_cancelled;
    add_checked(units_received, o.units_received, "unit");
    add_checked(stock_on_hand, o.stock_on_hand, "stock");
    replenishment_orders += o.replenishment_orders;
    add_checked(revenue, o.revenue);
    add_checked(cogs, o.cogs);
    add_checked(item_discounts, o.item_discounts);
    add_checked(order_discounts, o.order_discounts);
    for (std::size_t k = 0; k < kCostKinds; ++k) add_checked(costs[k], o.costs[k]);
    for (std::size_t k = 0; k < kBookCounters; ++k) add_checked(counters[k], o.counters[k]);
    add_checked(holding_cost, o.holding_cost);
    add_checked(ordering_cost, o.ordering_cost);
    add_checked(backorder_cost, o.backorder_cost);
    units_backordered += o.units_backordered;
    units_cancelled += o.units_cancelled;
    units_from_backorders += o.units_from_backorders;
    add_checked(units_waiting, o.units_waiting, "unit");
    offer_days += o.offer_days;
    ready_offer_days += o.ready_offer_days;
    units_from_fallback += o.units_from_fallback;
    add_checked(units_transferred, o.units_transferred, "unit");
    add_checked(fulfilment_cost, o.fulfilment_cost);
    add_checked(shelf_value, o.shelf_value);
    add_checked(list_value, o.list_value);
  }
};

/// One check of a promotion's monitoring rule at a day's end (strategies/campaign.h): what it
/// observed and what it did. Names are static strings.
struct MonitorRecord {
  Day day;
  SellerId seller;
  std::uint32_t promotion;  // index among the seller's promotions
  std::uint32_t rule;       // index among the promotion's rules
  const char* metric;       // "spend_to_date", "sales_vs_forecast", "lift_per_spend", "gauge:NAME" (the rule's; lives as long as the run)
  double value;             // NaN when undefined (no spend yet, no holdout buyer, no forecast)
  const char* action;       // "none", "stop", "scale_depth"
};

/// The end of a day.
struct DayRecord {
  Day day;
  std::uint64_t visits;           // visits that started on the day
  std::uint64_t conversions;      // orders with at least one unit sold (any seller)
  std::span<const SellerBooks> sellers;  // the day's books, per seller
  SellerBooks market;             // the sum over sellers
  /// The behaviour modules' gauges at the day's end ("module.gauge" names, summed over shards in
  /// shard order), e.g. churned consumers or the sum of engagement.
  std::span<const std::string> gauge_names = {};
  std::span<const double> gauges = {};
  /// The promotions' monitoring rules checked at the day's end, in seller, promotion and rule order.
  std::span<const MonitorRecord> monitor = {};
  /// Per offer, the day's exposures (times shown) and considered exposures (not hidden by a module),
  /// when a subscriber or strategy asked for them (LogNeeds::exposures); empty otherwise.
  std::span<const std::uint32_t> exposures = {};
  std::span<const std::uint32_t> considered = {};
  /// Per offer, the day's exposures in recommendation slots (each seller's recommender's), and
  /// over the day's recommendation lists (a visit's recommended offers, when two or more), the
  /// pairs of offers and the pairs whose products are in different categories; when a subscriber
  /// asked for them (LogNeeds::recommendations), else empty and 0.
  std::span<const std::uint32_t> recommended = {};
  std::uint64_t list_pairs = 0;
  std::uint64_t diverse_pairs = 0;
  /// Per offer, the units on hand at the day's end (what stock-outs are counted from).
  std::span<const std::int64_t> stock = {};
  /// Per stock point (slot: an offer in one of its seller's warehouses; with one warehouse per
  /// seller, the offers), the day's stock alerts: units consumers asked for that were not on hand
  /// when they ordered (short = lost + back-ordered), units lost (stock-outs under lost sales, and
  /// back-ordered units cancelled that day), units back-ordered, units waiting at the day's end,
  /// the units on hand at the day's end and the safety stock its replenishment policy planned
  /// (ReplenishmentPolicy::safety_stock). slot_offer and slot_warehouse say whose slot it is
  /// (empty: slot k is offer k in warehouse 0).
  std::span<const std::int64_t> short_units = {};
  std::span<const std::int64_t> lost_units = {};
  std::span<const std::int64_t> backordered_units = {};
  std::span<const std::int64_t> waiting_units = {};
  std::span<const std::int64_t> safety_stock = {};
  std::span<const std::int64_t> slot_stock = {};
  std::span<const OfferId> slot_offer = {};
  std::span<const std::uint32_t> slot_warehouse = {};
  /// Per offer, the seller's price at the day's end (its last window's, before promotions) and
  /// the per-item promotion discount per unit then in effect (0 without one), in cents.
  std::span<const Money> price = {};
  std::span<const Money> discount = {};
  /// The day's impressions by slot (kSlotPositions entries: placed positions, then browsing,
  /// LineRecord::slot), and the impressions a module modelling clicks (agents/click_model.h) left
  /// in the choice, by slot; slot_clicks is empty when no module of the run models clicks.
  std::span<const std::uint64_t> slot_impressions = {};
  std::span<const std::uint64_t> slot_clicks = {};
  /// The day's visits and conversions by the consumer's segment (Population::segment; one entry
  /// per segment, summing to `visits` and `conversions`).
  std::span<const std::uint64_t> segment_visits = {};
  std::span<const std::uint64_t> segment_conversions = {};

  /// The gauge called `name`, or NaN when no module of the run reports it.
  double gauge(std::string_view name) const {
    for (std::size_t k = 0; k < gauge_names.size(); ++k) {
      if (gauge_names[k] == name) return gauges[k];
    }
    return std::numeric_limits<double>::quiet_NaN();
  }
};

/// A window's settled orders and lines, in commit order (time, consumer, visit, line), and the
/// named events of the window (market/signals.h), in time order (ties: the order they were
/// emitted in: the engine's and strategies' serial phases, then behaviour hooks shard by shard).
struct WindowRecords {
  Day day;
  Time start;
  Time end;
  std::span<const OrderRecord> orders;
  std::span<const LineRecord> lines;
  std::span<const EventRecord> events = {};
  std::span<const std::string> event_names = {};  // every event the run declared, by index
};

}  // namespace marketsim
