#pragma once
// Writers: the output files of a run (--out DIR) and the comparison table on standard output.
// Model code never writes files; only these functions do.
#include <ostream>
#include <string>

#include "analysis/experiment.h"
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
};

/// The version string of this build.
const char* marketsim_version();

/// The files write_outputs() writes, in order.
const std::vector<std::string>& output_file_names();

/// Writes the output files (output_file_names()) into `dir` (created if needed). Each file is
/// written under a temporary name and renamed only when all are complete.
/// Every byte depends only on the scenario and seed, except the "performance" object of
/// summary.json (timings and memory of this machine).
void write_outputs(const std::string& dir, const Scenario& scenario, const ExperimentResult& result,
                   const ExperimentSummary& summary, const PerformanceInfo& performance);

/// The summary document (what summary.json holds).
Json summary_json(const Scenario& scenario, const ExperimentSummary& summary,
                  const PerformanceInfo& performance);

/// The readable comparison of arms, with confidence intervals and paired differences.
void print_comparison(std::ostream& out, const Scenario& scenario, const ExperimentSummary& summary);

}  // namespace marketsim
