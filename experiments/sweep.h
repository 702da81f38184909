#pragma once
// A sweep: many points of one base scenario, each point the base with its factors' values set at
// their JSON pointers, each run for a number of replications as run units
// (experiments/run_unit.h). Units are stored as they complete (experiments/sweep_store.h), so a
// sweep killed at any moment resumes where it stopped, and every output file but sweep.json is
// rebuilt from the store in (point, replication) order: the same sweep gives the same bytes
// however it ran (threads, interruptions).
//
// A sweep file:
//   {"scenario": "base.json" (relative to the sweep file) or {an inline scenario},
//    "factors": [{"name": N, "pointer": "/json/pointer", "levels": [v, ...]}          (grid)
//                {"name": N, "pointer": P, "range": [lo, hi], "type": "real" | "integer",
//                 "scale": "linear" | "log"}],                                         (sampled)
//    "design": {"kind": "grid" | "random" | "lhs" | "sobol", "points": n, "seed": s},
//    "replications": R, or sequential: {"batch": b, "min": m, "max": M, "metric": NAME, "arm": ARM,
//                    "half_width": h | "relative": q}}
// Sequential replications run a point in batches until the 95% CI of the paired difference of
// `metric` (ARM against the baseline) is at most h wide on each side (or q times |its mean|), from
// m replications on, at most M. The decision reads results in replication order only, so it is
// the same on any thread count; no unit past a point's stopping batch is run, stored or reported.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "experiments/designs.h"
#include "scenarios/scenario.h"
#include "sim/params.h"

namespace marketsim {

struct SweepSpec {
  std::string file;            // the sweep file (messages, metadata)
  std::string text;            // its text, as read
  Json base;                   // the base scenario document (resolved: an inline one or the file's)
  std::string base_file;       // where the base came from ("<inline scenario>" or its path)
  std::vector<SweepFactor> factors;
  SweepDesign design;
  struct Sequential {
    std::uint64_t batch = 4, min = 8, max = 64;
    std::string metric, arm;
    double half_width = -1.0;  // absolute target (currency or the metric's unit), or
    double relative = -1.0;    // relative target: a share of |mean difference|
  };
  std::optional<Sequential> sequential;
  std::vector<std::vector<Json>> points;  // every point's factor values, in point order
  /// A shard of the sweep (`--shard i/n`, shard = i - 1): the points p with p % shards == shard.
  std::size_t shard = 0, shards = 1;
  bool in_shard(std::size_t p) const { return p % shards == shard; }
};

/// Reads and validates a sweep file. Throws ScenarioError naming the file and the JSON pointer.
SweepSpec load_sweep(const std::string& path);
/// The same from text (as read from `file`; a relative base scenario path is relative to file's
/// folder). With `base`, that document is the base scenario (a store's copy: sweep merge).
SweepSpec parse_sweep(std::string_view text, const std::string& file, const Json* base = nullptr);

/// Point p's scenario: the base with the point's values set and the sweep's replications. Throws
/// ScenarioError when the point's values make an invalid scenario.
Scenario point_scenario(const SweepSpec& spec, std::size_t point);

/// How many replications of point p count: the scenario's (fixed replications), or where the
/// sequential rule stops given the units `unit(r)` returns (nullopt: not run yet; the answer is then
/// the count the rule has reached).
std::uint64_t replications_used(const SweepSpec& spec, const Scenario& scenario,
                                const std::function<std::optional<double>(std::uint64_t)>& difference);

/// A fingerprint of the sweep (its file's text, the resolved base scenario, marketsim's commit):
/// a store refuses to resume a sweep of another.
std::string sweep_fingerprint(const SweepSpec& spec);

/// One wave of a sweep's units, as run_sweep hands it to an executor: the units planned and not in
/// the store, and what the executor may do with unit i (an index into `units`). run_sweep keeps the
/// storing, the failures and the progress; an executor only decides where and when units run.
/// Every unit must be either run here (`run`) or recorded (`record`) exactly once before the
/// executor returns.
struct SweepWave {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> units;  // (point, replication)
  /// Runs unit i in this process and records its outcome (any thread, concurrently).
  std::function<void(std::size_t)> run;
  /// Whether unit i need not run: its point has failed (record it with neither result nor error).
  std::function<bool(std::size_t)> skip;
  /// Records unit i run elsewhere (an MPI rank): its encode_unit_result bytes, or its run's
  /// one-line error, or neither (not run: its point failed). Any thread, concurrently.
  std::function<void(std::size_t, const std::vector<std::uint8_t>* result, const std::string* error)> record;
};

/// Runs a wave's units (returns when every one is run or recorded). The default runs them in
/// this process on oneTBB's threads.
using SweepExecutor = std::function<void(const SweepWave&)>;

struct SweepOptions {
  bool fresh = false;                 // start the store over
  std::string command_line;           // for the metadata
  std::size_t threads = 1;            // for the metadata (the caller bounds oneTBB)
  int ranks = 1;                      // for the metadata: the MPI ranks running the units
  /// Where the units run (empty: this process, tbb::parallel_for).
  SweepExecutor executor = {};
  /// Progress: (units done, units in all, failed points), from worker threads.
  std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)> progress = {};
};

struct SweepReport {
  std::uint64_t points = 0;
  std::uint64_t units = 0;          // units the sweep holds in all
  std::uint64_t units_run = 0;      // of which run now (the rest were in the store)
  std::uint64_t failed_points = 0;
};

/// Runs the sweep's missing units into DIR/store.sqlite and writes DIR/sweep.csv, runs.csv,
/// failed.csv and sweep.json (each to a temporary name, then renamed). A point whose scenario is
/// invalid or whose run fails is recorded in failed.csv with its one-line error; the others go on.
SweepReport run_sweep(const SweepSpec& spec, const std::string& out_dir, const SweepOptions& options);

/// Merges the stores of a sweep's shards (`--shard i/n` for every i of one n, each in its own
/// directory) into DIR's store and writes DIR's output files: the bytes of the sweep run whole.
/// Errors (a store of another sweep, a shard missing or twice) are UsageErrors.
SweepReport merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const SweepOptions& options);

/// The output files of a sweep, rebuilt from its store: (name, text) for sweep.csv, runs.csv and
/// failed.csv.
std::vector<std::pair<std::string, std::string>> sweep_outputs(const SweepSpec& spec, const std::string& store_path);

}  // namespace marketsim
