#pragma once
// What a run will need, estimated from the scenario before anything is allocated: memory (from the
// column store's bytes per consumer, the catalog, the runs' state and the results kept for the
// output files) and work (expected visits). The command line stops a run whose estimate exceeds
// the machine's available memory or the work bound, with the estimate, before it starts.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "scenarios/scenario.h"

namespace marketsim {

struct ResourceEstimate {
  double market_bytes = 0.0;       // one market: consumer traits, catalog, offers
  std::size_t markets_at_once = 0;  // markets alive together (a wave, or the shared one)
  double run_bytes = 0.0;          // one run's state: columns, calendar, stock, log, collectors
  std::size_t runs_at_once = 0;    // runs alive together (at most one per thread)
  double results_bytes = 0.0;      // every run's results and the output files' text
  double total_bytes = 0.0;        // all of the above plus a fixed allowance for the program
  std::size_t run_state_bytes_per_consumer = 0;  // engine and module columns
  double expected_visits = 0.0;    // all runs, at the modules' base intensity
  double shard_windows = 0.0;      // all runs: windows x shards, each a unit of fixed work
};

/// The estimate for `scenario` run on `threads` threads.
ResourceEstimate estimate_resources(const Scenario& scenario, std::size_t threads);

/// The memory this process may still use, in bytes: the smaller of MemAvailable (/proc/meminfo)
/// and the cgroup's limit minus its usage; nothing when neither can be read.
std::optional<double> available_memory_bytes();

/// Runs above this many expected visits are refused before they start (about 12 days of one
/// machine at 10 M visits/s); split such a study into several scenarios.
constexpr double kMaxExpectedVisits = 1e13;

/// Runs above this many shard-windows (windows x shards x runs, each a fixed cost even without a
/// visit: tiny shards over minute-long windows) are refused too.
constexpr double kMaxShardWindows = 1e11;

/// Throws ScenarioError (exit 2) naming the scenario file when the estimate exceeds
/// `available_bytes` (if known), or the expected visits or shard-windows exceed their bounds.
void check_resources(const Scenario& scenario, const ResourceEstimate& estimate,
                     std::optional<double> available_bytes);

/// "1.5 GiB", "730 MiB", "12 KiB": a byte count for messages.
std::string format_bytes(double bytes);

/// "6e+06", "8.05e+15": a large count to three significant digits, for messages.
std::string format_count(double count);

}  // namespace marketsim
