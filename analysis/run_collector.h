#pragma once
// Turns a run's signals into its results: forwards them to every registered collector, forms
// the marketplace's daily series and totals, each seller's totals, and the breakdown by seller,
// category and segment. One RunCollector per run; it is one subscriber of the run's signals.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "analysis/metric.h"
#include "analysis/run_result.h"
#include "engine/run_observer.h"

namespace marketsim {

class RunCollector final : public RunObserver {
 public:
  explicit RunCollector(const MetricContext& ctx);
  ~RunCollector() override;

  /// Per-offer exposures when a registered collector subscribes to them (kSignalExposures).
  LogNeeds needs() const override;
  void on_window(const WindowRecords& records) override;
  void on_day_end(const DayRecord& day) override;

  /// Fills `result` (totals, daily rows, per-seller totals, breakdown, cohorts) once the run has
  /// ended.
  void finish(RunResult& result) const;

 private:
  struct Column {            // where a metric comes from
    std::size_t collector;   // index into collectors_ (stateful) or SIZE_MAX (books or market)
    std::size_t offset;      // its place among the collector's metrics
  };
  const Market& market_;
  Day warmup_;
  std::vector<MetricInfo> metrics_;
  std::vector<const CollectorInfo*> infos_;  // per metric: its collector's registration
  std::vector<Column> columns_;
  std::vector<std::unique_ptr<MetricCollector>> collectors_;
  struct Span {               // a stateful collector's columns: [first, first + count)
    std::size_t first;
    std::size_t count;
  };
  std::vector<Span> collector_columns_;
  std::vector<DailyRow> daily_;
  std::vector<SellerDailyRow> seller_daily_;
  std::vector<MonitorRow> monitor_;
  std::vector<std::string> gauge_names_;
  // Named events: per event of the run, the current day's count and value sum; the days' rows.
  std::vector<std::string> event_names_;
  std::vector<std::uint64_t> event_counts_;
  std::vector<double> event_sums_;
  std::vector<EventDayRow> events_;
  // Orders of the measured days by value (whole currency units) and by units; values beyond the
  // vectors' reach (a very large order) in the maps.
  std::vector<std::uint64_t> order_values_, basket_units_;
  std::map<std::int64_t, std::uint64_t> large_order_values_, large_baskets_;
  // Per (seller, category): offers, and offer-days out of stock at a measured day's end.
  std::vector<std::uint64_t> group_offers_, stockout_days_;
  // The funnel over the measured days, by slot (LineRecord::slot): impressions, clicks, lines
  // sold, their units and revenue (cents).
  std::array<std::uint64_t, kSlotPositions> slot_impressions_{}, slot_clicks_{}, slot_lines_{}, slot_units_{};
  std::array<Money, kSlotPositions> slot_revenue_{};
  bool slot_clicks_counted_ = false;
  // Price paths by product group: each offer's group, each group's list prices summed, the rows.
  std::vector<std::uint32_t> group_of_offer_;
  std::vector<Money> group_list_, group_price_, group_paid_;
  std::vector<GroupPriceRow> group_prices_;
  // Stock alerts: per offer and day, only the days with something to report (stockouts.csv).
  std::vector<StockAlertRow> stock_alerts_;
  // Metrics by consumer group: each consumer's group, and its units, revenue and gross profit
  // (cents) over the measured days so far (only when the arm has groups).
  std::vector<std::string> group_names_;
  std::vector<std::uint8_t> group_of_;
  std::vector<std::int64_t> consumer_units_, consumer_revenue_, consumer_profit_;
  std::vector<GroupDayRow> group_days_;
  // Sums over measured days of each metric's books value, per seller (+ the market at the end):
  // [seller][metric] for kSum and kMean; numerator and denominator for kRatio.
  std::vector<std::vector<double>> sums_, numerators_, denominators_;
  int measured_days_ = 0;
  // Breakdown by seller x category: per (seller, category) group, the measured days' sums of each
  // such metric's slot figure (and denominator); by segment: per segment, of each segment figure.
  std::vector<std::size_t> slot_metrics_, segment_metrics_;
  std::vector<double> slot_sums_, slot_denominators_, segment_sums_, segment_denominators_;
  // Breakdown: sums per (seller, category, segment) cell of the metrics that break down by line.
  std::vector<std::size_t> line_metrics_;
  std::vector<std::int64_t> cells_;
  std::vector<std::uint32_t> line_cells_;  // the window's lines' cells (scratch)
  std::size_t categories_;
  std::size_t segments_;
};

}  // namespace marketsim
