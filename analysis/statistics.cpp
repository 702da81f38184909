#include "analysis/statistics.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace marketsim {

Interval mean_interval(std::span<const double> values, double level) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  std::size_t n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  if (n == 0) return Interval{nan, nan, nan, 0};
  const double mean = sum / static_cast<double>(n);
  if (n < 2) return Interval{mean, nan, nan, n};
  double ss = 0.0;
  for (double v : values) {
    if (!std::isnan(v)) ss += (v - mean) * (v - mean);
  }
  const double se = std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  const boost::math::students_t dist(static_cast<double>(n - 1));
  const double t = boost::math::quantile(boost::math::complement(dist, (1.0 - level) / 2.0));
  return Interval{mean, mean - t * se, mean + t * se, n};
}

ExperimentSummary summarize(const std::vector<RunResult>& runs,
                            const std::vector<std::string>& arm_names, std::size_t baseline,
                            std::size_t replications) {
  ExperimentSummary out;
  const auto at = [&](std::size_t arm, std::size_t rep) -> const RunResult& {
    return runs[arm * replications + rep];
  };
  std::vector<double> values(replications);
  for (std::size_t a = 0; a < arm_names.size(); ++a) {
    ArmSummary s{arm_names[a], a == baseline, {}};
    for (std::size_t m = 0; m < kMetricCount; ++m) {
      for (std::size_t r = 0; r < replications; ++r) values[r] = at(a, r).totals[m];
      s.metrics.push_back(mean_interval(values));
    }
    out.arms.push_back(std::move(s));
  }
  const auto paired = [&](std::size_t a, Metric m) {
    for (std::size_t r = 0; r < replications; ++r) {
      values[r] = at(a, r).totals[m] - at(baseline, r).totals[m];
    }
    return mean_interval(values);
  };
  for (std::size_t a = 0; a < arm_names.size(); ++a) {
    if (a == baseline) continue;
    PairedComparison c;
    c.arm = arm_names[a];
    c.gross_profit = paired(a, kGrossProfit);
    c.units = paired(a, kUnits);
    c.revenue = paired(a, kRevenue);
    c.repeat_rate = paired(a, kRepeatRate);
    c.promotion_spend = paired(a, kPromotionSpend);
    for (std::size_t r = 0; r < replications; ++r) {
      const double spend = at(a, r).totals[kPromotionSpend];
      values[r] = spend > 0 ? (at(a, r).totals[kGrossProfit] - at(baseline, r).totals[kGrossProfit]) / spend
                            : std::numeric_limits<double>::quiet_NaN();  // ROI undefined without spend
    }
    c.roi = mean_interval(values);
    out.comparisons.push_back(c);
  }
  return out;
}

}  // namespace marketsim
