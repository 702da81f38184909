#include "analysis/statistics.h"

#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

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

Interval welch_interval(double mean_a, double var_a, std::size_t n_a, double mean_b, double var_b, std::size_t n_b,
                        double level) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Interval out{mean_a - mean_b, nan, nan, n_a + n_b};
  if (n_a < 2 || n_b < 2) return out;
  const double ua = var_a / static_cast<double>(n_a), ub = var_b / static_cast<double>(n_b);
  const double se2 = ua + ub;
  if (!(se2 > 0.0)) return out;
  const double df = se2 * se2 / (ua * ua / static_cast<double>(n_a - 1) + ub * ub / static_cast<double>(n_b - 1));
  const boost::math::students_t dist(df);
  const double half = boost::math::quantile(dist, 0.5 + level / 2.0) * std::sqrt(se2);
  out.low = out.mean - half;
  out.high = out.mean + half;
  return out;
}

VarianceComponents variance_components(std::span<const double> values, std::span<const std::uint64_t> group,
                                       double level) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  struct Group {
    double sum = 0.0;
    std::size_t n = 0;
  };
  std::map<std::uint64_t, Group> groups;
  double total = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    Group& g = groups[group[i]];
    g.sum += values[i];
    ++g.n;
    total += values[i];
    ++n;
  }
  VarianceComponents out{nan, nan, nan, nan, nan, nan, Interval{nan, nan, nan, 0}, groups.size(), n};
  if (n == 0) return out;
  out.mean = total / static_cast<double>(n);
  std::vector<double> means;
  for (const auto& [label, g] : groups) means.push_back(g.sum / static_cast<double>(g.n));
  out.group_means = mean_interval(means, level);
  const auto k = static_cast<double>(groups.size());
  const auto N = static_cast<double>(n);
  if (groups.size() < 2 || n <= groups.size()) return out;
  double ssb = 0.0, ssw = 0.0, sum_n2 = 0.0;
  for (const auto& [label, g] : groups) {
    const double m = g.sum / static_cast<double>(g.n);
    ssb += static_cast<double>(g.n) * (m - out.mean) * (m - out.mean);
    sum_n2 += static_cast<double>(g.n) * static_cast<double>(g.n);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    const Group& g = groups[group[i]];
    const double d = values[i] - g.sum / static_cast<double>(g.n);
    ssw += d * d;
  }
  const double msb = ssb / (k - 1.0), msw = ssw / (N - k);
  const double n0 = (N - sum_n2 / N) / (k - 1.0);
  out.within = msw;
  out.between = std::max(0.0, (msb - msw) / n0);
  out.between_share = out.between + out.within > 0.0 ? out.between / (out.between + out.within) : nan;
  if (msw > 0.0) {
    out.f = msb / msw;
    out.p_value = boost::math::cdf(boost::math::complement(boost::math::fisher_f(k - 1.0, N - k), out.f));
  }
  return out;
}

const std::vector<std::string>& paired_metrics() {
  static const std::vector<std::string> names = {"gross_profit", "contribution", "operating_profit", "units",
                                                 "revenue", "repeat_rate", "promotion_spend",
                                                 // the stock's side (inventory planners compare on them)
                                                 "lost_sales", "holding_cost", "ordering_cost", "backorder_cost",
                                                 "fulfilment_cost",
                                                 // the funnel per impression (recommenders are compared by it;
                                                 // ctr and conversion need the clicks module)
                                                 "ctr", "conversion_per_impression", "revenue_per_impression",
                                                 "contribution_per_impression"};
  return names;
}

const Interval& PairedComparison::difference(const std::string& name) const {
  const auto& names = paired_metrics();
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (names[k] == name) return differences[k];
  }
  throw std::out_of_range("no paired difference for \"" + name + "\"");
}

ExperimentSummary summarize(const std::vector<RunResult>& runs,
                            const std::vector<std::string>& arm_names, std::size_t baseline,
                            std::size_t replications) {
  ExperimentSummary out;
  const auto at = [&](std::size_t arm, std::size_t rep) -> const RunResult& {
    return runs[arm * replications + rep];
  };
  const std::size_t metrics = metric_list().size();
  std::vector<double> values(replications);
  for (std::size_t a = 0; a < arm_names.size(); ++a) {
    ArmSummary s{arm_names[a], a == baseline, {}, {}, {}};
    for (std::size_t m = 0; m < metrics; ++m) {
      for (std::size_t r = 0; r < replications; ++r) values[r] = at(a, r).totals[m];
      s.metrics.push_back(mean_interval(values));
    }
    // The gauges of the last day: every run of a scenario has the same modules, hence gauges.
    if (replications > 0) s.gauge_names = at(a, 0).gauge_names;
    for (std::size_t g = 0; g < s.gauge_names.size(); ++g) {
      for (std::size_t r = 0; r < replications; ++r) {
        const RunResult& run = at(a, r);
        values[r] = run.daily.empty() || g >= run.daily.back().gauges.size() ? std::numeric_limits<double>::quiet_NaN()
                                                                             : run.daily.back().gauges[g];
      }
      s.last_day_gauges.push_back(mean_interval(values));
    }
    out.arms.push_back(std::move(s));
  }
  const auto paired = [&](std::size_t a, std::size_t m) {
    for (std::size_t r = 0; r < replications; ++r) {
      values[r] = at(a, r).totals[m] - at(baseline, r).totals[m];
    }
    return mean_interval(values);
  };
  const std::size_t contribution = metric_index("contribution");
  const std::size_t spend = metric_index("promotion_spend");
  for (std::size_t a = 0; a < arm_names.size(); ++a) {
    if (a == baseline) continue;
    PairedComparison c;
    c.arm = arm_names[a];
    for (const auto& name : paired_metrics()) c.differences.push_back(paired(a, metric_index(name)));
    for (std::size_t r = 0; r < replications; ++r) {
      const double s = at(a, r).totals[spend];
      values[r] = s > 0 ? (at(a, r).totals[contribution] - at(baseline, r).totals[contribution]) / s
                        : std::numeric_limits<double>::quiet_NaN();  // ROI undefined without spend
    }
    c.roi = mean_interval(values);
    out.comparisons.push_back(c);
  }
  const auto roi = [&](std::size_t a, std::size_t r) {
    const double s = at(a, r).totals[spend];
    return s > 0 ? (at(a, r).totals[contribution] - at(baseline, r).totals[contribution]) / s
                 : std::numeric_limits<double>::quiet_NaN();
  };
  for (std::size_t a = 0; a < arm_names.size(); ++a) {
    for (std::size_t b = a + 1; b < arm_names.size(); ++b) {
      if (a == baseline || b == baseline) continue;
      PairedComparison c;
      c.arm = arm_names[b];
      for (const auto& name : paired_metrics()) {
        const std::size_t m = metric_index(name);
        for (std::size_t r = 0; r < replications; ++r) values[r] = at(b, r).totals[m] - at(a, r).totals[m];
        c.differences.push_back(mean_interval(values));
      }
      for (std::size_t r = 0; r < replications; ++r) values[r] = roi(b, r) - roi(a, r);
      c.roi = mean_interval(values);
      out.arm_pairs.push_back(c);
      out.arm_pair_versus.push_back(arm_names[a]);
    }
  }
  return out;
}

}  // namespace marketsim
