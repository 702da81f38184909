#pragma once
// Means with Student-t confidence intervals, and paired comparisons of arms against the baseline.
#include <span>
#include <string>
#include <vector>

#include "analysis/run_result.h"

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
  std::vector<Interval> metrics;  // indexed by metric column (metric_list())
  /// Each module gauge's value at the end of the horizon's last day, over replications, indexed
  /// like the runs' gauge_names (RunResult::gauge_names).
  std::vector<std::string> gauge_names;
  std::vector<Interval> last_day_gauges;
};

/// Per non-baseline arm: paired differences arm - baseline over replications (common random
/// numbers) for the metrics of paired_metrics(), and ROI = (contribution_arm -
/// contribution_baseline) / promotion_spend_arm per replication (MODEL.md "Metrics").
struct PairedComparison {
  std::string arm;
  std::vector<Interval> differences;  // indexed like paired_metrics()
  Interval roi;
  /// The difference of metric `name` (one of paired_metrics()).
  const Interval& difference(const std::string& name) const;
};

/// The metrics compared pairwise against the baseline, in order.
const std::vector<std::string>& paired_metrics();

struct ExperimentSummary {
  std::vector<ArmSummary> arms;
  std::vector<PairedComparison> comparisons;  // each arm against the baseline
  /// Every pair of arms other than the baseline (arm b against arm a, a before b): the paired
  /// differences b - a per replication, and `roi` the paired difference of their ROIs (e.g.
  /// uplift targeting against random targeting at equal coupon counts).
  std::vector<PairedComparison> arm_pairs;
  std::vector<std::string> arm_pair_versus;  // per arm_pairs entry: arm a's name
};

/// `runs` is indexed arm * replications + replication.
ExperimentSummary summarize(const std::vector<RunResult>& runs,
                            const std::vector<std::string>& arm_names, std::size_t baseline,
                            std::size_t replications);

}  // namespace marketsim
