// Metrics "active_customers" and "repeat_rate", and the retention cohort tables: one collector
// with a small record per consumer (16 bytes), updated as sales arrive.
//   active_customers  daily: distinct consumers who bought that day; total: distinct consumers
//                     who bought in the measured period (after warm-up).
//   repeat_rate       total only: of the consumers whose first measured purchase fell in a week
//                     other than the last, the share who bought again in a later week.
//   cohorts           weekly and monthly (30-day) first-purchase cohorts over the whole horizon:
//                     how many of each cohort bought again in each later period.
#include <tbb/parallel_for.h>

#include <limits>

#include "analysis/metric.h"
#include "sim/uninitialized.h"

namespace marketsim {
namespace {

class Customers final : public MetricCollector {
 public:
  explicit Customers(const MetricContext& ctx)
      : warmup_(ctx.warmup_days),
        weeks_(static_cast<std::size_t>((ctx.horizon_days - ctx.warmup_days + 6) / 7)),
        months_(static_cast<std::size_t>((ctx.horizon_days - ctx.warmup_days + 29) / 30)),
        consumers_(ctx.market.population.size()),
        week_size_(weeks_, 0),
        week_buyers_(weeks_ * weeks_, 0),
        repeaters_(weeks_, 0),
        month_size_(months_, 0),
        month_buyers_(months_ * months_, 0) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, consumers_.size(), 1 << 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i != r.end(); ++i) consumers_[i] = {-1, -1, -1, -1};
                      });
  }

  void on_window(const WindowRecords& records) override {
    // Sales touch consumers in time order, i.e. at random addresses: fetch a few lines ahead.
    constexpr std::size_t kAhead = 8;
    const auto lines = records.lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i + kAhead < lines.size()) __builtin_prefetch(&consumers_[lines[i + kAhead].consumer], 1);
      if (lines[i].quantity > 0) on_sale(lines[i]);
    }
  }

  void on_day_end(const DayRecord&, std::span<double> values) override {
    values[0] = static_cast<double>(active_today_);
    values[1] = std::numeric_limits<double>::quiet_NaN();
    active_today_ = 0;
  }

  void totals(std::span<double> totals) const override {
    std::uint64_t active = 0, eligible = 0, repeaters = 0;
    for (std::size_t w = 0; w < weeks_; ++w) {
      active += week_size_[w];
      if (w + 1 < weeks_) {
        eligible += week_size_[w];
        repeaters += repeaters_[w];
      }
    }
    totals[0] = static_cast<double>(active);
    totals[1] = eligible > 0 ? static_cast<double>(repeaters) / static_cast<double>(eligible)
                             : std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<CohortRow> cohorts() const override {
    std::vector<CohortRow> out;
    const auto table = [&](const char* period, std::size_t n, const std::vector<std::uint64_t>& size,
                           const std::vector<std::uint64_t>& buyers) {
      for (std::size_t c = 0; c < n; ++c) {
        for (std::size_t off = 1; c + off < n; ++off) {
          out.push_back(CohortRow{period, static_cast<int>(c), size[c], static_cast<int>(off), buyers[c * n + off]});
        }
      }
    };
    table("week", weeks_, week_size_, week_buyers_);
    table("month", months_, month_size_, month_buyers_);
    return out;
  }

 private:
  struct Record {
    Day first_day;   // first purchase after warm-up, or -1
    Day last_day;    // last day with a purchase (warm-up included), or -1
    std::int32_t last_week;   // last measured week with a purchase
    std::int32_t last_month;  // last measured month with a purchase
  };

  void on_sale(const LineRecord& s) {
    const Day day = day_of(s.time);
    Record& c = consumers_[s.consumer];
    if (c.last_day != day) {
      c.last_day = day;
      ++active_today_;
    }
    if (day < warmup_) return;
    const auto week = static_cast<std::int32_t>((day - warmup_) / 7);
    const auto month = static_cast<std::int32_t>((day - warmup_) / 30);
    if (c.first_day < 0) {
      c.first_day = day;
      c.last_week = week;
      c.last_month = month;
      ++week_size_[static_cast<std::size_t>(week)];
      ++month_size_[static_cast<std::size_t>(month)];
      return;
    }
    const auto first_week = static_cast<std::size_t>((c.first_day - warmup_) / 7);
    const auto first_month = static_cast<std::size_t>((c.first_day - warmup_) / 30);
    if (week != c.last_week) {
      if (static_cast<std::size_t>(c.last_week) == first_week) ++repeaters_[first_week];
      ++week_buyers_[first_week * weeks_ + (static_cast<std::size_t>(week) - first_week)];
      c.last_week = week;
    }
    if (month != c.last_month) {
      ++month_buyers_[first_month * months_ + (static_cast<std::size_t>(month) - first_month)];
      c.last_month = month;
    }
  }

  Day warmup_;
  std::size_t weeks_;
  std::size_t months_;
  UninitializedVector<Record> consumers_;  // all a sale touches, in one place
  std::uint64_t active_today_ = 0;
  std::vector<std::uint64_t> week_size_, week_buyers_, repeaters_;
  std::vector<std::uint64_t> month_size_, month_buyers_;
};

}  // namespace

void register_customers_metrics() {
  MetricInfo active{.name = "active_customers",
                    .description = "distinct consumers who bought (daily: that day; totals: in the measured period)",
                    .totaling = Totaling::kCollector};
  MetricInfo repeat{.name = "repeat_rate",
                    .description = "share of first-time buyers (not in the last week) who bought again in a later week",
                    .unit = MetricUnit::kRatio,
                    .totaling = Totaling::kCollector,
                    .daily = false};
  metric_registry().push_back(CollectorInfo{
      "customers", "distinct buyers, repeat purchases and retention cohorts (weeks and 30-day months)",
      kSignalDays | kSignalLines, {active, repeat}, {},
      [](const MetricContext& ctx) { return std::make_unique<Customers>(ctx); }});
}

}  // namespace marketsim
