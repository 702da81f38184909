#pragma once
// What parameter uncertainty (scenarios/uncertainty.h) does to an experiment's results: for every
// arm's metrics and every paired difference against the baseline, a one-way random-effects ANOVA
// over the draws (analysis/statistics.h variance_components) separates the variance of what the
// user does not know about the market (between draws) from replication noise (within a draw).
#include "analysis/experiment_result.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"
#include "sim/params.h"

namespace marketsim {

/// summary.json's "uncertainty" block: the draws, each value's distribution and drawn values, and
/// the decomposition per arm and metric and per paired difference. Null without uncertainty.
Json uncertainty_json(const Scenario& scenario, const ExperimentResult& result);

/// The decomposition of arm `arm`'s metric `metric` (index into metric_list()), or of its paired
/// difference against the baseline. The scenario must have uncertainty.
VarianceComponents draw_variance(const Scenario& scenario, const ExperimentResult& result, std::size_t arm,
                                 std::size_t metric, bool against_baseline);

}  // namespace marketsim
