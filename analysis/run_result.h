#pragma once
// What a run's collectors produce: daily series, totals, per-seller totals, the breakdown by
// seller, category and segment, and cohort tables. Values are indexed by metric column
// (analysis/metric.h: metric_list()); money in currency units, exact to the cent.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metric.h"
#include "sim/params.h"
#include "sim/time.h"

namespace marketsim {

/// One day of one run.
struct DailyRow {
  Day day;
  bool warmup;
  std::vector<double> values;  // NaN where a metric has no daily value
  std::vector<double> gauges;  // the modules' gauges at the day's end, in RunResult::gauge_names order
};

/// One day of one seller in one run: the metrics of the seller's books (metric columns; NaN for
/// the marketplace-only metrics and those of stateful collectors).
struct SellerDailyRow {
  Day day;
  bool warmup;
  std::uint32_t seller;
  std::vector<double> values;
};

/// One row of the breakdown over the measured days: a seller x category x segment cell, or a row
/// that spans a dimension (kBreakdownAll there: `*` in breakdown.csv). `values` is indexed by
/// metric column; a metric has values only in the rows of its own breakdown dimensions
/// (MetricInfo::breakdown), NaN elsewhere.
inline constexpr std::uint32_t kBreakdownAll = 0xffffffffu;
struct BreakdownRow {
  std::uint32_t seller;    // or kBreakdownAll
  std::uint32_t category;  // or kBreakdownAll
  std::uint32_t segment;   // or kBreakdownAll
  std::vector<double> values;
  /// The dimensions the row breaks down by (BreakdownDim bits).
  unsigned dims() const {
    return (seller != kBreakdownAll ? kBySeller : 0u) | (category != kBreakdownAll ? kByCategory : 0u) |
           (segment != kBreakdownAll ? kBySegment : 0u);
  }
};

/// One check of a promotion's monitoring rule (MonitorRecord, with its day's warm-up flag).
struct MonitorRow {
  Day day;
  bool warmup;
  std::uint32_t seller;
  std::uint32_t promotion;
  std::uint32_t rule;
  std::string metric;  // "spend_to_date", "sales_vs_forecast", "lift_per_spend"
  double value;        // NaN when undefined
  std::string action;  // "none", "stop", "scale_depth"
};

/// One named event's occurrences on one day (market/signals.h): how many, and the sum of the
/// values they carried (NaN values count but add nothing). Days without an occurrence have none.
struct EventDayRow {
  Day day;
  bool warmup;
  std::uint32_t event;  // index into RunResult::event_names
  std::uint64_t count;
  double value_sum;
};

/// The measured days' orders counted by a whole-number measure: (value, orders) pairs in
/// ascending value, values with orders only. order_value: the order's subtotal after per-item
/// discounts and before order-level ones, in whole currency units (rounded down), so a
/// threshold's bunching shows just above it; basket_units: the units the order sold.
struct OrderCounts {
  std::vector<std::pair<std::int64_t, std::uint64_t>> order_value;
  std::vector<std::pair<std::int64_t, std::uint64_t>> basket_units;
};

/// One product group (a seller's offers of one category) over the measured days: its offers and
/// its stock-out days (offer-days with nothing on hand at the day's end).
struct ProductGroupRow {
  std::uint32_t seller;
  std::uint32_t category;
  std::uint64_t offers;
  std::uint64_t stockout_days;
};

/// One slot of the funnel over the measured days (LineRecord::slot: a placed position, or
/// kBrowsedSlot for organic browsing): impressions, clicks (0 unless RunResult::funnel_clicks),
/// and the order lines sold from an offer shown there, their units and revenue (currency units).
/// Slots without impressions have no row.
struct FunnelRow {
  std::uint32_t slot;
  std::uint64_t impressions;
  std::uint64_t clicks;
  std::uint64_t lines;
  std::uint64_t units;
  double revenue;
};

/// One product group's prices at one day's end: the group's shelf prices (before promotions) and
/// the prices after per-item promotions, each summed over its offers and divided by their list
/// prices' sum (1 = list price).
struct GroupPriceRow {
  Day day;
  bool warmup;
  std::uint32_t seller;
  std::uint32_t category;
  double price_index;
  double paid_index;
};

/// One offer's stock alert on one day (stockouts.csv): a day on which consumers asked for units
/// not on hand (short = lost + back-ordered), units were lost or back-ordered, back-ordered units
/// were waiting at the day's end, or the units on hand at the day's end were below the safety
/// stock its replenishment policy planned (DayRecord's per-offer stock alerts). Days without any
/// of these have no row.
struct StockAlertRow {
  Day day;
  bool warmup;
  std::uint32_t seller;
  std::uint32_t warehouse;  // index within the seller's warehouses (0: its first, or only, "main")
  std::uint32_t product;
  std::int64_t short_units;
  std::int64_t lost_units;
  std::int64_t backordered_units;
  std::int64_t waiting_units;  // at the day's end
  std::int64_t stock;          // on hand at the day's end
  std::int64_t safety_stock;   // planned (0: none)
  bool below_safety_stock() const { return stock < safety_stock; }
  friend bool operator==(const StockAlertRow&, const StockAlertRow&) = default;
};

/// One consumer group of an arm (strategies/consumer_groups.h) from the first measured day to the
/// end of `day`: its consumers, and over them the sum and the sum of squares of each consumer's
/// units, revenue and gross profit (currency units; from its order lines), and of the products of
/// units with the other two. Per-consumer means, variances and covariances, a test's Welch
/// interval between groups and the delta method's for ratios (revenue per unit), follow.
struct GroupDayRow {
  Day day;
  std::uint32_t group;  // index into RunResult::group_names
  std::uint64_t consumers;
  double sum[3];        // units, revenue, gross profit
  double sum_squares[3];
  double sum_products[2];  // units x revenue, units x gross profit (ratios' delta method)
};

/// One order line a run sold (transactions.csv), recorded only when asked for
/// (ExperimentOptions::transactions): its time, consumer, product, the units sold, the price paid
/// per unit after per-item promotions and the line's share of order-level discounts (cents).
struct TransactionLine {
  double time;
  std::uint32_t consumer;
  std::uint32_t product;
  std::uint32_t seller;
  std::uint32_t quantity;
  std::int64_t unit_paid;
  std::int64_t order_discount;
  friend bool operator==(const TransactionLine&, const TransactionLine&) = default;
};

/// What a run measured of the machine it ran on (wall-clock seconds): not part of its
/// deterministic result, so never compared, and kept apart in the stored form.
struct RunTimings {
  double simulation_seconds = 0.0;
  double market_seconds = 0.0;  // phases of the windows (see PhaseSeconds)
  double visit_seconds = 0.0;
  double commit_seconds = 0.0;
  double training_seconds = 0.0;
};

/// One run's result (one arm of one replication). Everything but `timings` depends only on the
/// scenario, the seed and the replication: the same bytes on any thread count, in any process.
struct RunResult {
  std::size_t arm = 0;
  std::uint64_t replication = 0;
  std::vector<double> totals;                      // over the measured days (after warm-up)
  std::vector<DailyRow> daily;
  std::vector<std::string> gauge_names;  // the run's gauges ("module.gauge", DayRecord::gauge_names)
  std::vector<CohortRow> cohorts;
  std::vector<std::vector<double>> seller_totals;  // per seller; NaN for market-only metrics
  std::vector<SellerDailyRow> seller_daily;        // per day, then seller
  std::vector<BreakdownRow> breakdown;             // by kind (full cells first, the total last), then seller, category, segment
  std::vector<MonitorRow> monitor;                 // every monitoring rule's checks, in order
  std::vector<std::string> event_names;            // every event the run declared
  std::vector<EventDayRow> events;                 // by day, then event index
  OrderCounts orders;                              // order values and basket sizes (orders.csv)
  std::vector<ProductGroupRow> product_groups;     // by seller, then category (products.csv)
  std::vector<FunnelRow> funnel;                   // by slot, browsing last (funnel.csv)
  bool funnel_clicks = false;                      // a module modelled clicks (FunnelRow::clicks)
  std::vector<GroupPriceRow> group_prices;         // by day, seller, category (prices.csv)
  std::vector<StockAlertRow> stock_alerts;         // by seller, warehouse, product, day; alert days only (stockouts.csv)
  std::vector<std::string> group_names;            // the arm's consumer groups, then "others" (none: no groups)
  std::vector<GroupDayRow> group_days;             // by measured day, then group (groups.csv)
  /// Offline evaluation of the arm's (seller 0's) recommender (scenario /offline): "users",
  /// "precision@k", "recall@k", "ndcg@k" for each k; empty without /offline or when the
  /// recommender does not rank offline.
  std::vector<std::pair<std::string, double>> offline;
  /// Every order line sold, in settlement order (time, then consumer), warm-up included; empty
  /// unless the experiment asked for them (ExperimentOptions::transactions).
  std::vector<TransactionLine> transactions;
  std::uint64_t visits_simulated = 0;  // including warm-up
  std::uint64_t candidate_visits = 0;  // drawn before thinning, including warm-up
  std::size_t shards = 0;
  std::size_t column_bytes_per_consumer = 0;
  RunTimings timings;  // measured, not deterministic
};

/// The columns of metric_list() that break down by seller x category x segment (by order line),
/// in order.
std::vector<std::size_t> breakdown_metrics();
/// The kinds of breakdown.csv's rows (BreakdownDim bits), in their order: every kind some metric
/// declares, from the finest (seller x category x segment) to the total.
std::vector<unsigned> breakdown_kinds();

/// A run's result as JSON, losslessly: doubles as numbers (NaN and infinities included: encode
/// the JSON in a binary form that keeps them, such as CBOR, never as text), its timings apart
/// under "measured". run_result_from_json(run_result_json(r)) equals r field for field.
Json run_result_json(const RunResult& r);
/// Reads run_result_json's form back; throws Error naming what is missing or malformed.
RunResult run_result_from_json(const Json& j);

}  // namespace marketsim
