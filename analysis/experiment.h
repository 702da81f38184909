#pragma once
// Runs every (arm, replication) of a scenario in parallel on oneTBB and collects the results.
#include <cstdint>
#include <functional>
#include <vector>

#include "market/market.h"
#include "analysis/run_result.h"
#include "sim/columns.h"
#include "scenarios/scenario.h"

namespace marketsim {

struct ExperimentResult {
  std::vector<RunResult> runs;  // indexed arm * replications + replication
  double setup_seconds = 0.0;       // drawing the market
  double simulation_seconds = 0.0;  // wall clock of all runs
  std::uint64_t visits = 0;         // all runs, warm-up included
  std::uint64_t candidate_visits = 0;  // all runs, before thinning by the intensity modules
  std::size_t shards = 0;           // per run
  // Sums over runs of each run's wall-clock seconds, in all and by phase (with runs in parallel
  // these add up to more than simulation_seconds).
  double cpu_seconds = 0.0;  // process CPU time (user + system) while the runs ran
  double run_seconds = 0.0;
  double market_seconds = 0.0;
  double visit_seconds = 0.0;
  double commit_seconds = 0.0;
  std::size_t column_bytes_per_consumer = 0;  // per-consumer run state the run declared
  std::vector<ColumnSpec> columns;            // that state: the declared columns
};

/// Progress: (windows done, windows in all), called from worker threads.
using ProgressFn = std::function<void(std::uint64_t, std::uint64_t)>;

/// Draws the markets (one per replication, or one shared by all, as the scenario says) and runs
/// all arms x replications; a replication's arms share its market (common random numbers).
/// Parallelism is whatever the caller's oneTBB limits allow (the command line bounds it with
/// --threads); results never depend on it.
ExperimentResult run_experiment(const Scenario& scenario, const ProgressFn& progress = {});

/// CPU time (user + system) this process has used so far, in seconds.
double process_cpu_seconds();

/// Peak resident set size of this process, in bytes.
std::size_t peak_rss_bytes();

}  // namespace marketsim
