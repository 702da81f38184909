#pragma once
// An experiment's results: every run of every arm and replication, and what the runs measured of
// the machine. The writers (analysis/report.h) turn it into the output files; the experiment
// layer (experiments/) assembles it from run units, live or read back from a store.
#include <cstdint>
#include <vector>

#include "analysis/run_result.h"
#include "sim/columns.h"

namespace marketsim {

struct ExperimentResult {
  /// Indexed arm * replications + (replication - first_replication), replications in order.
  std::vector<RunResult> runs;
  std::uint64_t first_replication = 0;  // the first replication's index (--first-replication)
  std::uint64_t visits = 0;             // all runs, warm-up included
  std::uint64_t candidate_visits = 0;   // all runs, before thinning by the intensity modules
  std::size_t shards = 0;               // per run
  std::size_t column_bytes_per_consumer = 0;  // per-consumer run state the run declared
  std::vector<ColumnSpec> columns;            // that state: the declared columns
  // Measured, not deterministic. Wall clock of drawing the markets and of the runs; with runs
  // in parallel, the sums over runs of each run's seconds (in all and by phase) add up to more
  // than simulation_seconds.
  double setup_seconds = 0.0;
  double simulation_seconds = 0.0;
  double cpu_seconds = 0.0;  // process CPU time (user + system) while the runs ran
  double run_seconds = 0.0;
  double market_seconds = 0.0;
  double visit_seconds = 0.0;
  double commit_seconds = 0.0;
  double training_seconds = 0.0;
};

}  // namespace marketsim
