#pragma once
// Writers: the output files of a run (--out DIR) and the comparison table on standard output.
// Model code never writes files; only these functions do.
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "analysis/experiment_result.h"
#include "analysis/statistics.h"
#include "sim/columns.h"
#include "scenarios/scenario.h"

namespace marketsim {

struct PerformanceInfo {
  std::uint64_t visits = 0;
  double setup_seconds = 0.0;
  double simulation_seconds = 0.0;
  std::size_t peak_rss_bytes = 0;
  std::size_t threads = 0;
  std::size_t shards = 0;
  double run_seconds = 0.0;     // sum over runs of their wall-clock seconds
  double market_seconds = 0.0;  // ... of which market events and strategy preparation
  double visit_seconds = 0.0;   // ... shards advancing visits in parallel
  double commit_seconds = 0.0;  // ... committing intents, collectors, learning
  double cpu_seconds = 0.0;     // process CPU time (user + system) during the simulation
  std::size_t population_bytes_per_consumer = 0;  // traits, shared by a market's runs
  std::vector<ColumnSpec> columns;                // per-consumer state of a run
  std::uint64_t candidate_visits = 0;             // drawn before thinning (all runs)
  double training_seconds = 0.0;  // ... of which recommenders' training (apart from market_seconds)
};

/// The version string of this build.
const char* marketsim_version();
/// `git describe --always --dirty` of the source tree when CMake configured it ("unknown" outside
/// git): the commit a run's results came from.
const char* marketsim_commit();
/// The build: type and compiler flags.
const char* marketsim_build();

/// A number, or null when not finite (JSON has no NaN).
Json number_or_null(double v);
/// An interval as {mean, ci_low, ci_high, n} (null where undefined).
Json interval_json(const Interval& i);

/// "12,345.67": `decimals` places, thousands separators; "n/a" when not finite.
std::string grouped(double v, int decimals);
/// The same with a sign: "+12,345.67", "-3.00".
std::string signed_grouped(double v, int decimals);

/// The output set: (name, text) for the registered outputs (analysis/output_registry.h) of `names`
/// (empty: the default ones, default_outputs()), in registration order. Every byte depends only
/// on the scenario and seed, except the "performance" object of summary.json (timings and memory
/// of this machine) and what report.html shows of it.
std::vector<std::pair<std::string, std::string>> output_texts(const Scenario& scenario,
                                                              const ExperimentResult& result,
                                                              const ExperimentSummary& summary,
                                                              const PerformanceInfo& performance,
                                                              const std::vector<std::string>& names = {});

/// The summary document (what summary.json holds). With `result`, each paired difference of an
/// arm with a timed promotion also holds its "promotion_effects" (analysis/promotion_effects.h).
Json summary_json(const Scenario& scenario, const ExperimentSummary& summary,
                  const PerformanceInfo& performance, const ExperimentResult* result = nullptr);

/// The readable comparison of arms, with confidence intervals and paired differences.
void print_comparison(std::ostream& out, const Scenario& scenario, const ExperimentSummary& summary);

/// The price ladders of the run (analysis/price_response.h), when there are any: per rung the
/// seller's units, revenue, gross profit and elasticities; per other arm its regret.
void print_price_response(std::ostream& out, const Scenario& scenario, const ExperimentResult& result);

/// With parameter uncertainty (scenarios/uncertainty.h), one line per arm against the baseline: how
/// much of the spread of its contribution difference is parameter uncertainty. Nothing without.
void print_uncertainty(std::ostream& out, const Scenario& scenario, const ExperimentResult& result);

}  // namespace marketsim
