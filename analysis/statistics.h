#pragma once
// Means with Student-t confidence intervals, and paired comparisons of arms against the baseline.
#include <span>
#include <string>
#include <vector>

#include "analysis/metrics.h"

namespace marketsim {

/// A mean and its two-sided confidence interval over n finite observations. With n < 2 the bounds
/// are NaN (no interval can be given); NaN observations (undefined values) are left out.
struct Interval {
  double mean;
  double low;
  double high;
  std::size_t n;
};

/// Mean and `level` (e.g. 0.95) confidence interval, t quantile with n - 1 degrees of freedom.
Interval mean_interval(std::span<const double> values, double level = 0.95);

struct ArmSummary {
  std::string name;
  bool baseline;
  std::vector<Interval> metrics;  // indexed by Metric
};

/// Per non-baseline arm: paired differences arm - baseline over replications (common random
/// numbers), and ROI = (profit_arm - profit_baseline) / spend_arm per replication.
struct PairedComparison {
  std::string arm;
  Interval gross_profit;
  Interval units;
  Interval revenue;
  Interval repeat_rate;
  Interval promotion_spend;
  Interval roi;
};

struct ExperimentSummary {
  std::vector<ArmSummary> arms;
  std::vector<PairedComparison> comparisons;
};

/// `runs` is indexed arm * replications + replication.
ExperimentSummary summarize(const std::vector<RunResult>& runs,
                            const std::vector<std::string>& arm_names, std::size_t baseline,
                            std::size_t replications);

}  // namespace marketsim
