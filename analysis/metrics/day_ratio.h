#pragma once
// A metric that is a ratio of two figures of the day record (visits, conversions, gauges): daily
// numerator / denominator; total sum(numerator) / sum(denominator) over the measured days. Days
// whose figures are NaN (no module reports the gauge) count for nothing; NaN when nothing counted.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "analysis/metric.h"

namespace marketsim {

inline CollectorInfo day_ratio_metric(std::string name, std::string description,
                                      std::function<double(const DayRecord&)> numerator,
                                      std::function<double(const DayRecord&)> denominator) {
  class Ratio final : public MetricCollector {
   public:
    Ratio(Day warmup, std::function<double(const DayRecord&)> num, std::function<double(const DayRecord&)> den)
        : warmup_(warmup), num_(std::move(num)), den_(std::move(den)) {}
    void on_day_end(const DayRecord& d, std::span<double> values) override {
      const double n = num_(d), q = den_(d);
      const bool known = !std::isnan(n) && !std::isnan(q);
      values[0] = known && q > 0 ? n / q : std::numeric_limits<double>::quiet_NaN();
      if (!known || d.day < warmup_) return;
      num_sum_ += n;
      den_sum_ += q;
    }
    void totals(std::span<double> totals) const override {
      totals[0] = den_sum_ > 0 ? num_sum_ / den_sum_ : std::numeric_limits<double>::quiet_NaN();
    }

   private:
    Day warmup_;
    std::function<double(const DayRecord&)> num_, den_;
    double num_sum_ = 0, den_sum_ = 0;
  };
  MetricInfo m{.name = name, .description = description, .unit = MetricUnit::kRatio, .totaling = Totaling::kCollector};
  return CollectorInfo{std::move(name), std::move(description), kSignalDays, {std::move(m)}, {},
                       [num = std::move(numerator), den = std::move(denominator)](const MetricContext& ctx) {
                         return std::make_unique<Ratio>(ctx.warmup_days, num, den);
                       }};
}

}  // namespace marketsim
