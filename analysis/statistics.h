#pragma once
// Means with Student-t confidence intervals, and paired comparisons of arms against the baseline.
#include <cstdint>
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

/// The difference of two independent samples' means (a less b) with Welch's `level` interval:
/// standard error sqrt(va / na + vb / nb), t quantile with the Welch-Satterthwaite degrees of
/// freedom (Welch 1947). va, vb: the samples' variances (n - 1 denominators). NaN bounds when a
/// sample has fewer than 2 values or both variances are 0. `n` of the result: na + nb.
Interval welch_interval(double mean_a, double var_a, std::size_t n_a, double mean_b, double var_b, std::size_t n_b,
                        double level = 0.95);

/// A one-way random-effects ANOVA of observations in groups (model y_gi = mu + a_g + e_gi, with
/// a_g ~ (0, between) and e_gi ~ (0, within) independent): the method-of-moments estimates
/// (Searle, Casella & McCulloch, "Variance Components", 1992, ch. 3), for unbalanced groups with
/// n0 = (N - sum n_g^2 / N) / (k - 1). between = max(0, (MSB - MSW) / n0), within = MSW;
/// F = MSB / MSW on (k - 1, N - k) degrees of freedom tests between = 0. NaN observations are left
/// out; with fewer than 2 groups or no replicate within a group the undefined fields are NaN.
struct VarianceComponents {
  double mean;            // the grand mean over observations
  double between;         // variance between groups' true means (parameter uncertainty)
  double within;          // variance within a group (replication noise)
  double between_share;   // between / (between + within)
  double f;               // MSB / MSW
  double p_value;         // P(F(k-1, N-k) >= f)
  Interval group_means;   // the mean of the groups' means with its t interval over groups
  std::size_t groups;     // k: groups with an observation
  std::size_t n;          // N: observations
};

/// `group[i]` is observation i's group (any labels; groups need not be of equal size).
VarianceComponents variance_components(std::span<const double> values, std::span<const std::uint64_t> group,
                                       double level = 0.95);

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
