// Metrics "active_customers", "repeat_rate", "new_customers" and "customer_lifetime_value", and
// the retention cohort tables: one collector with one small record per consumer (16 bytes), so a
// sale touches one place at a random address (at 10^6 consumers, two collectors with a record
// each cost twice the cache misses).
//   active_customers  daily: distinct consumers who bought that day; total: distinct consumers
//                     who bought in the measured period (after warm-up).
//   repeat_rate       total only: of the consumers whose first measured purchase fell in a week
//                     other than the last, the share who bought again in a later week.
//   new_customers     daily: consumers whose first purchase of the run (warm-up included) fell on
//                     that day; total: those whose first purchase fell in the measured period.
//   customer_lifetime_value
//                     total only: per new customer of the measured period, its margin from its
//                     first purchase to the end of the horizon, discounted to the first purchase
//                     at the scenario's annual rate r (/lifetime_value; factor (1 + r)^(-days /
//                     365), r = 10% by default); truncated at the horizon. The margin is
//                     contribution by default: the gross profit (revenue - cogs) of its
//                     purchases less the costs of the commands addressed to it from its first
//                     purchase on (coupons sent, notifications: the engine's "command.cost"
//                     events); or gross profit (margin "gross_profit").
//   cohorts           weekly and monthly (30-day) first-purchase cohorts over the whole horizon:
//                     how many of each cohort bought again in each later period.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/metric.h"
#include "sim/uninitialized.h"

namespace marketsim {
namespace {

class Customers final : public MetricCollector {
 public:
  explicit Customers(const MetricContext& ctx)
      : warmup_(ctx.warmup_days),
        per_day_(std::log(1.0 + ctx.lifetime_value.annual_rate) / 365.0),
        contribution_(ctx.lifetime_value.contribution),
        weeks_(static_cast<std::size_t>((ctx.horizon_days - ctx.warmup_days + 6) / 7)),
        months_(static_cast<std::size_t>((ctx.horizon_days - ctx.warmup_days + 29) / 30)),
        consumers_(ctx.market.population.size()),
        segment_of_(ctx.market.population.segment.data()),
        segments_(ctx.market.population.segment_names.size()),
        segment_value_(segments_, 0.0),
        week_size_(weeks_, 0),
        week_buyers_(weeks_ * weeks_, 0),
        repeaters_(weeks_, 0),
        month_size_(months_, 0),
        month_buyers_(months_ * months_, 0) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, consumers_.size(), 1 << 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i != r.end(); ++i) consumers_[i] = {-1.0, -1, -1};
                      });
    // e^(-rate * d) for whole days d of the horizon (the discount of a purchase d days and a
    // fraction after the first one is this times e^(-rate * fraction), below).
    day_discount_.resize(static_cast<std::size_t>(std::max(ctx.horizon_days, 0)) + 2);
    for (std::size_t d = 0; d < day_discount_.size(); ++d) day_discount_[d] = std::exp(-per_day_ * static_cast<double>(d));
  }

  void on_window(const WindowRecords& records) override {
    // Sales touch consumers in time order, i.e. at random addresses: fetch a few lines ahead.
    constexpr std::size_t kAhead = 8;
    const auto lines = records.lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i + kAhead < lines.size()) __builtin_prefetch(&consumers_[lines[i + kAhead].consumer], 1);
      if (lines[i].quantity > 0) on_sale(lines[i]);
    }
    if (!contribution_ || records.events.empty()) return;
    if (command_cost_ == kUnknown) {  // found by name once (every event is declared at set-up)
      command_cost_ = kAbsent;
      for (std::size_t k = 0; k < records.event_names.size(); ++k) {
        if (records.event_names[k] == "command.cost") command_cost_ = k;
      }
    }
    for (const EventRecord& e : records.events) {
      if (e.event != command_cost_ || e.consumer == kNoConsumer || e.consumer >= consumers_.size()) continue;
      const Record& c = consumers_[e.consumer];
      // A cost from the customer's first purchase on, of a new customer of the measured period.
      if (c.first_time < 0 || e.time < c.first_time || day_of(c.first_time) < warmup_) continue;
      const double cost = e.value * discount(e.time - c.first_time);
      value_ -= cost;
      segment_value_[segment_of_[e.consumer]] -= cost;
    }
  }

  void on_day_end(const DayRecord&, std::span<double> values) override {
    values[0] = static_cast<double>(active_today_);
    values[1] = std::numeric_limits<double>::quiet_NaN();
    values[2] = static_cast<double>(new_today_);
    values[3] = std::numeric_limits<double>::quiet_NaN();
    active_today_ = 0;
    new_today_ = 0;
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
    totals[2] = static_cast<double>(new_total_);
    totals[3] = new_total_ > 0 ? value_ / static_cast<double>(new_total_) : std::numeric_limits<double>::quiet_NaN();
  }

  // Per segment, from each consumer's record: active (a measured first purchase), repeaters (its
  // last purchase in a later week than its first), new customers (first purchase of the run in
  // the measured period) and their discounted margin: the totals' own counts, split by segment.
  void segment_totals(std::span<double> totals) const override {
    std::vector<std::uint64_t> active(segments_, 0), eligible(segments_, 0), repeaters(segments_, 0), fresh(segments_, 0);
    for (std::size_t i = 0; i < consumers_.size(); ++i) {
      const Record& c = consumers_[i];
      const std::size_t g = segment_of_[i];
      if (c.first_time >= 0 && day_of(c.first_time) >= warmup_) ++fresh[g];
      if (c.first_day < 0) continue;
      ++active[g];
      const auto first_week = static_cast<std::size_t>((c.first_day - warmup_) / 7);
      if (first_week + 1 >= weeks_) continue;
      ++eligible[g];
      if (static_cast<std::size_t>((c.last_day - warmup_) / 7) > first_week) ++repeaters[g];
    }
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t g = 0; g < segments_; ++g) {
      double* t = totals.data() + g * 4;
      t[0] = static_cast<double>(active[g]);
      t[1] = eligible[g] > 0 ? static_cast<double>(repeaters[g]) / static_cast<double>(eligible[g]) : kNaN;
      t[2] = static_cast<double>(fresh[g]);
      t[3] = fresh[g] > 0 ? segment_value_[g] / static_cast<double>(fresh[g]) : kNaN;
    }
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
    double first_time;  // time of the first purchase of the run (warm-up included), or -1
    Day first_day;      // day of the first purchase after warm-up, or -1
    Day last_day;       // last day with a purchase (warm-up included), or -1; the last measured
                        // week and month with a purchase follow from it once first_day >= 0
  };

  void on_sale(const LineRecord& s) {
    const Day day = day_of(s.time);
    Record& c = consumers_[s.consumer];
    if (c.first_time < 0) {
      c.first_time = s.time;
      ++new_today_;
      if (day >= warmup_) ++new_total_;
    }
    if (day_of(c.first_time) >= warmup_) {  // a new customer of the measured period
      const double profit = static_cast<double>(s.revenue() - s.cogs()) / 100.0;
      const double value = profit * discount(s.time - c.first_time);
      value_ += value;
      segment_value_[segment_of_[s.consumer]] += value;
    }
    const Day last_day = c.last_day;
    if (last_day != day) {
      c.last_day = day;
      ++active_today_;
    }
    if (day < warmup_) return;
    const auto week = static_cast<std::int32_t>((day - warmup_) / 7);
    const auto month = static_cast<std::int32_t>((day - warmup_) / 30);
    if (c.first_day < 0) {
      c.first_day = day;
      ++week_size_[static_cast<std::size_t>(week)];
      ++month_size_[static_cast<std::size_t>(month)];
      return;
    }
    // The previous purchase was measured (first_day >= 0 and times increase): its week and month.
    const auto last_week = static_cast<std::int32_t>((last_day - warmup_) / 7);
    const auto last_month = static_cast<std::int32_t>((last_day - warmup_) / 30);
    const auto first_week = static_cast<std::size_t>((c.first_day - warmup_) / 7);
    const auto first_month = static_cast<std::size_t>((c.first_day - warmup_) / 30);
    if (week != last_week) {
      if (static_cast<std::size_t>(last_week) == first_week) ++repeaters_[first_week];
      ++week_buyers_[first_week * weeks_ + (static_cast<std::size_t>(week) - first_week)];
    }
    if (month != last_month) {
      ++month_buyers_[first_month * months_ + (static_cast<std::size_t>(month) - first_month)];
    }
  }

  /// e^(-rate * days) for days >= 0: the whole days from the table, the fraction f < 1 by its
  /// Taylor series to the third power (rate * f < 3e-4, so the first term left out is below
  /// 4e-16 relative: within a double's rounding).
  double discount(double days) const {
    const auto d = static_cast<std::size_t>(days);  // days >= 0: truncation is the floor
    const double whole = static_cast<double>(d);
    const double x = per_day_ * (days - whole);
    const double fraction = 1.0 - x * (1.0 - x * (0.5 - x / 6.0));
    return d < day_discount_.size() ? day_discount_[d] * fraction : std::exp(-per_day_ * days);
  }

  static constexpr std::size_t kUnknown = static_cast<std::size_t>(-1), kAbsent = static_cast<std::size_t>(-2);
  Day warmup_;
  double per_day_;  // continuous discount rate per day
  bool contribution_;  // net out the costs of commands addressed to the customer
  std::size_t command_cost_ = kUnknown;  // the index of the "command.cost" event
  std::size_t weeks_;
  std::size_t months_;
  UninitializedVector<Record> consumers_;  // all a sale touches, in one place
  const std::uint16_t* segment_of_;  // each consumer's segment (Population::segment)
  std::size_t segments_;
  std::vector<double> segment_value_;  // value_ by the customer's segment
  std::vector<double> day_discount_;  // e^(-per_day_ * d) for d = 0, 1, ...
  std::uint64_t active_today_ = 0;
  std::uint64_t new_today_ = 0;
  std::uint64_t new_total_ = 0;
  double value_ = 0;  // discounted margin of the measured period's new customers (currency)
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
  MetricInfo fresh{.name = "new_customers",
                   .description = "consumers whose first purchase of the run fell on the day (totals: in the measured period)",
                   .totaling = Totaling::kCollector};
  MetricInfo clv{.name = "customer_lifetime_value",
                 .description = "per new customer, contribution (gross profit less the costs of commands addressed to it; "
                                "or gross profit: /lifetime_value) from its first purchase to the horizon, discounted at "
                                "/lifetime_value/annual_rate, 10% a year by default (currency)",
                 .unit = MetricUnit::kMoney,
                 .totaling = Totaling::kCollector,
                 .daily = false};
  // By segment (segment_totals): each figure over the segment's consumers; a customer is a
  // consumer of the marketplace, not of one seller or category.
  active.breakdown = repeat.breakdown = fresh.breakdown = clv.breakdown = kBySegment;
  active.breakdown_note = "distinct buyers among the segment's consumers";
  repeat.breakdown_note = "the share among the segment's first-time buyers";
  fresh.breakdown_note = "first-time buyers among the segment's consumers";
  clv.breakdown_note = "per new customer of the segment";
  metric_registry().push_back(CollectorInfo{
      "customers",
      "distinct buyers, repeat purchases, retention cohorts (weeks and 30-day months), first-time buyers and their "
      "discounted gross profit over the horizon",
      kSignalDays | kSignalLines, {active, repeat, fresh, clv}, {},
      [](const MetricContext& ctx) { return std::make_unique<Customers>(ctx); }}
      .with_example(R"({})"));
}

}  // namespace marketsim
