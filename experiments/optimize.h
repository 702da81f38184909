#pragma once
// Optimisation: search for the values of a base scenario's decision variables that maximise or
// minimise one or several objectives under constraints, with pagmo2's algorithms (NSGA-II and
// MOEA/D for several objectives; particle swarm, CMA-ES, differential evolution and self-adaptive
// DE for one). Each evaluation of a candidate is a point of the base scenario (the candidate's
// values at their JSON pointers) run for `replications` replications 0 .. R-1 as run units
// (experiments/run_unit.h): every candidate sees the same seeds (common random numbers), so
// candidates are compared on paired differences, not on noise. Units are kept in a store
// (experiments/sweep_store.h) keyed by the exact bits of the candidate's values, so an
// optimisation killed at any moment reruns from its seed, finds its finished evaluations there
// and gives the same result. The best point (or the front) found is then re-run on fresh
// replications R .. R+M-1, and only those re-evaluated figures are reported as the answer (the
// search's own figures favour the lucky: the winner's curse).
//
// An optimisation file:
//   {"base": "scenario.json" (relative to the file) or {an inline scenario},
//    "variables": [{"name"?, "pointer": "/arms/1/promotions/0/depth", "type": "real" | "integer",
//                   "min": lo, "max": hi}
//                  {"name"?, "pointer": P, "type": "categorical", "values": [v, ...]}],
//    "objectives": [{"metric": M, "arm"?: A, "of"?: "value" | "difference" | "roi", "sense": "max" | "min"}],
//    "constraints"?: [{"metric": M, "arm"?: A, "of"?: ..., "max"?: x, "min"?: y}],
//    "replications"?: R (default 4), "reevaluation"?: {"replications": M (default 2R), "points": K},
//    "algorithm"?: {"name": "nsga2" | "moead" | "pso" | "cmaes" | "de" | "sade",
//                   "population": n, "generations": g, "seed": s},
//    "front_files"?: true (every front point as a ready-to-run scenario, front/point-K.json)}
// An objective or constraint reads metric M (a column of runs.csv) of arm A (default: the first
// arm that is not the baseline, or the only arm) as "value" (A's mean over replications),
// "difference" (A less the baseline, paired by replication) or "roi" (that difference over A's
// promotion_spend, per replication). A constraint holds when its 95% CI lies on the allowed side
// of its bound (max: the CI's upper end <= max; min: its lower end >= min): "repeat rate no worse
// than the baseline's by more than 0.01" is {"metric": "repeat_rate", "of": "difference", "min":
// -0.01}. The algorithms see infeasible candidates through pagmo::unconstrain's death penalty.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/statistics.h"
#include "sim/params.h"

namespace marketsim {

/// A decision variable: the scenario value at `pointer`.
struct OptimizeVariable {
  enum class Type { kReal, kInteger, kCategorical };
  std::string name;
  std::string pointer;
  Type type = Type::kReal;
  double min = 0.0, max = 0.0;  // real and integer
  std::vector<Json> values;     // categorical
};

/// What an objective or a constraint reads of a candidate's runs.
struct OptimizeMeasure {
  enum class Of { kValue, kDifference, kRoi };
  std::string metric;
  std::string arm;               // resolved: always an arm's name
  std::size_t arm_index = 0;
  std::size_t metric_index = 0;
  Of of = Of::kValue;
  /// Its column name in the outputs: the metric; where an earlier objective or constraint took
  /// that name, the metric with "_difference" or "_roi", then with ".ARM" (optimize.json says which
  /// measure each column is).
  std::string column;
};

struct OptimizeObjective {
  OptimizeMeasure measure;
  bool maximise = true;
};

struct OptimizeConstraint {
  OptimizeMeasure measure;
  std::optional<double> max, min;
};

struct OptimizeAlgorithm {
  std::string name;          // nsga2, moead, pso, cmaes, de, sade
  std::size_t population = 0;
  std::size_t generations = 0;
  std::uint64_t seed = 1;
};

struct OptimizeSpec {
  std::string file;           // the optimisation file (messages, metadata)
  std::string text;           // its text, as read
  Json base;                  // the base scenario document (resolved)
  std::string base_file;
  std::vector<OptimizeVariable> variables;
  std::vector<OptimizeObjective> objectives;
  std::vector<OptimizeConstraint> constraints;
  std::uint64_t replications = 4;
  std::uint64_t reevaluation_replications = 8;
  std::size_t reevaluation_points = 20;  // at most this many front points are re-evaluated
  bool front_files = false;              // also write every front point as front/point-K.json
  OptimizeAlgorithm algorithm;
  std::vector<std::size_t> arms;  // the arms the units run: the baseline and those measured
};

/// Reads and validates an optimisation file. Throws ScenarioError naming the file and the JSON
/// pointer.
OptimizeSpec load_optimize(const std::string& path);
OptimizeSpec parse_optimize(std::string_view text, const std::string& file);

/// A candidate's values decoded from the algorithm's continuous coordinates: a real as given, an
/// integer as floor(x) within [min, max], a categorical as its values[floor(x)].
std::vector<Json> decode_candidate(const OptimizeSpec& spec, const std::vector<double>& x);
/// The base scenario with a candidate's values set (and `replications` replications). Throws
/// ScenarioError when they make an invalid scenario.
Json candidate_document(const OptimizeSpec& spec, const std::vector<Json>& values, std::uint64_t replications);

/// One measure over a candidate's replications (mean and 95% CI).
struct MeasureValue {
  Interval value;
  std::uint64_t replications = 0;
};

/// A candidate evaluated: its values, each objective's and constraint's figure, and whether every
/// constraint holds.
struct Evaluation {
  std::size_t index = 0;               // in first-evaluation order
  std::vector<Json> values;
  std::vector<MeasureValue> objectives;
  std::vector<MeasureValue> constraints;
  bool feasible = true;
  std::string error;                   // an invalid candidate's one-line error (then infeasible)
};

struct OptimizeOptions {
  bool fresh = false;
  std::string command_line;
  std::size_t threads = 1;
  /// Progress: (evaluations done, evaluations planned).
  std::function<void(std::uint64_t, std::uint64_t)> progress = {};
};

struct OptimizeReport {
  std::uint64_t evaluations = 0;       // distinct candidates the search evaluated
  std::uint64_t units = 0;             // units they and the re-evaluation hold
  std::uint64_t units_run = 0;         // of which run now (the rest were in the store)
  std::size_t front = 0;               // points in pareto.csv
  bool found = false;                  // a feasible point was found (best.json written)
};

/// Runs the optimisation into DIR (store.sqlite, evaluations.csv, pareto.csv, best.json,
/// optimize.json; each written to a temporary name, then renamed).
OptimizeReport run_optimize(const OptimizeSpec& spec, const std::string& out_dir, const OptimizeOptions& options);

/// A fingerprint of the optimisation (its file's text, the resolved base, marketsim's commit).
std::string optimize_fingerprint(const OptimizeSpec& spec);

}  // namespace marketsim
