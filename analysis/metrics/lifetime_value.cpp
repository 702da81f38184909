// Metrics "new_customers" and "customer_lifetime_value": one collector with the time of each
// consumer's first purchase (8 bytes per consumer).
//   new_customers            daily: consumers whose first purchase of the run (warm-up included)
//                            fell on that day; total: those whose first purchase fell in the
//                            measured period.
//   customer_lifetime_value  total only: per new customer of the measured period, the gross
//                            profit (revenue - cogs) of its purchases from its first one to the
//                            end of the horizon, discounted to the first purchase at a fixed 10%
//                            a year (factor 1.1^(-days / 365)); truncated at the horizon.
#include <cmath>
#include <limits>

#include "analysis/metric.h"
#include <vector>

namespace marketsim {
namespace {

constexpr double kAnnualDiscountRate = 0.10;

class LifetimeValue final : public MetricCollector {
 public:
  explicit LifetimeValue(const MetricContext& ctx)
      : warmup_(ctx.warmup_days),
        first_(ctx.market.population.size(), -1.0),
        per_day_(std::log(1.0 + kAnnualDiscountRate) / 365.0) {}

  void on_window(const WindowRecords& records) override {
    for (const LineRecord& l : records.lines) {
      if (l.quantity == 0) continue;
      double& first = first_[l.consumer];
      if (first < 0) {
        first = l.time;
        ++new_today_;
        if (day_of(l.time) >= warmup_) ++new_total_;
      }
      if (day_of(first) < warmup_) continue;  // not a new customer of the measured period
      const double profit = static_cast<double>(l.revenue() - l.cogs()) / 100.0;
      value_ += profit * std::exp(-per_day_ * (l.time - first));
    }
  }

  void on_day_end(const DayRecord&, std::span<double> values) override {
    values[0] = static_cast<double>(new_today_);
    values[1] = std::numeric_limits<double>::quiet_NaN();
    new_today_ = 0;
  }

  void totals(std::span<double> totals) const override {
    totals[0] = static_cast<double>(new_total_);
    totals[1] = new_total_ > 0 ? value_ / static_cast<double>(new_total_) : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  Day warmup_;
  std::vector<double> first_;  // time of the first purchase, or -1
  double per_day_;             // continuous discount rate per day
  std::uint64_t new_today_ = 0;
  std::uint64_t new_total_ = 0;
  double value_ = 0;  // discounted gross profit of the measured period's new customers (currency)
};

}  // namespace

void register_lifetime_value_metrics() {
  MetricInfo fresh{.name = "new_customers",
                   .description = "consumers whose first purchase of the run fell on the day (totals: in the measured period)",
                   .totaling = Totaling::kCollector};
  MetricInfo clv{.name = "customer_lifetime_value",
                 .description = "per new customer, gross profit from its first purchase to the horizon, discounted at 10% a year (currency)",
                 .unit = MetricUnit::kMoney,
                 .totaling = Totaling::kCollector,
                 .daily = false};
  metric_registry().push_back(CollectorInfo{
      "lifetime_value", "first-time buyers and their discounted gross profit over the horizon", kSignalDays | kSignalLines,
      {fresh, clv}, {}, [](const MetricContext& ctx) { return std::make_unique<LifetimeValue>(ctx); }});
}

}  // namespace marketsim
