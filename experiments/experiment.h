#pragma once
// An experiment: replications K .. K+M-1 of one scenario, every arm, as a loop over run units
// (experiments/run_unit.h), laid out as an ExperimentResult for the writers.
#include <cstdint>
#include <functional>
#include <vector>

#include "analysis/experiment_result.h"
#include "experiments/run_unit.h"
#include "scenarios/scenario.h"

namespace marketsim {

/// Progress: (windows done, windows in all), called from worker threads.
using ProgressFn = std::function<void(std::uint64_t, std::uint64_t)>;

struct ExperimentOptions {
  /// The first replication's index: the experiment runs replications first_replication ..
  /// first_replication + scenario.replications - 1, each exactly as in an experiment that starts
  /// at 0 (a replication's streams are keyed by its index).
  std::uint64_t first_replication = 0;
  ProgressFn progress = {};
  /// Record every order line of every run (RunResult::transactions; transactions.csv).
  bool transactions = false;
};

/// Runs every arm of the scenario's replications, one run unit per replication; a replication's
/// arms share its market (common random numbers). Units run in waves of as many as there are
/// threads (a wave draws its markets, then runs their arms, so memory holds at most that many
/// markets), which changes no result. Parallelism is whatever the caller's oneTBB limits allow
/// (the command line bounds it with --threads); results never depend on it.
ExperimentResult run_experiment(const Scenario& scenario, const ExperimentOptions& options = {});

/// Lays units' results (live, or read back from a store) out as an experiment: units sorted by
/// replication, which must be consecutive with every arm of the scenario. The deterministic part
/// equals that of run_experiment over the same replications; the measured part is rebuilt from
/// the units' measurements (set-up and run seconds summed over units, process CPU time unknown:
/// NaN). Throws Error when the units do not form such an experiment.
ExperimentResult assemble_experiment(const Scenario& scenario, std::vector<UnitResult> units);

/// CPU time (user + system) this process has used so far, in seconds.
double process_cpu_seconds();

/// Peak resident set size of this process, in bytes.
std::size_t peak_rss_bytes();

}  // namespace marketsim
