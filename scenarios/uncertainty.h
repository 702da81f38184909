#pragma once
// Parameter uncertainty: what the user does not know about the market, written as distributions.
// Any numeric scenario value may be
//   {"$dist": "uniform" | "normal" | "lognormal" | "beta", its parameters, "min": a, "max": b,
//    "name": column (default: the value's pointer), "integer": true (rounds the draws)}
// with parameters normal {"mean", "sd"}, lognormal {"mu", "sigma"} (of the logarithm), beta
// {"alpha", "beta"} (on [min, max]), uniform none; normal and lognormal are truncated to
// [min, max], which must lie inside the parameter's declared range (the loader checks the scenario
// with every value at its min and at its max). The scenario's
//   "uncertainty": {"draws": D, "replications_per_draw": R}
// then draws every value D times: draw d from the stream keyed by (seed, d) (purpose
// kUncertainty, entity: a hash of the value's pointer), one uniform through the truncated
// distribution's quantile. Replications d*R .. d*R + R - 1 and all their arms run on draw d (the
// scenario's replications are D*R), so arms stay paired and the summary can separate
// between-draw variance (parameter uncertainty) from within-draw variance (replication noise) by a
// one-way random-effects ANOVA (analysis/statistics.h).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.h"

namespace marketsim {

struct UncertainValue {
  enum class Kind { kUniform, kNormal, kLognormal, kBeta };
  std::string pointer;  // where the value sits in the scenario
  std::string name;     // its column in runs.csv
  Kind kind = Kind::kUniform;
  double p1 = 0.0, p2 = 0.0;  // normal: mean, sd; lognormal: mu, sigma; beta: alpha, beta
  double min = 0.0, max = 0.0;
  bool integer = false;
  Json spec;  // the $dist object, normalised (every key given)
  /// The value at quantile u in [0, 1] of the distribution truncated to [min, max] (rounded when
  /// `integer`).
  double quantile(double u) const;
};

struct Uncertainty {
  std::uint64_t draws = 0;
  std::uint64_t replications_per_draw = 0;
  std::vector<UncertainValue> values;  // in document order
  Json document;                       // the scenario with its $dist objects, without "uncertainty"

  std::uint64_t draw_of(std::uint64_t replication) const { return replication / replications_per_draw; }
  /// Draw d's value of every uncertain value, in `values` order.
  std::vector<double> values_of_draw(std::uint64_t seed, std::uint64_t draw) const;
  /// The scenario document with the given values in place of the $dist objects.
  Json document_with(const std::vector<double>& values) const;
  /// The "uncertainty" block as resolved, and the document with it (what summary.json shows).
  Json resolved_block() const;
};

/// Whether a scenario document uses uncertainty (an "uncertainty" key or any "$dist" object).
bool uses_uncertainty(const Json& document);

/// Reads a document's "uncertainty" block and $dist objects. Throws ScenarioError naming the file
/// and the pointer for a malformed one, a $dist without an "uncertainty" block and the reverse,
/// and "replications" given beside "uncertainty".
Uncertainty read_uncertainty(const Json& document, const std::string& file);

}  // namespace marketsim
