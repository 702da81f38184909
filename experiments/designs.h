#pragma once
// The points of a sweep (experiments/sweep.h): a full grid over factors' levels, or a number of
// points sampled from factors' ranges by a random, Latin hypercube or Sobol design. A sampled
// design draws points in the unit cube and maps each coordinate to its factor's range (linear or
// log scale; integers uniform over [lo, hi]).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.h"

namespace marketsim {

/// One factor of a sweep: the scenario value at `pointer`, named `name` in every output.
struct SweepFactor {
  std::string name;
  std::string pointer;
  std::vector<Json> levels;  // a grid factor's levels (empty: sampled from the range)
  double lo = 0.0, hi = 0.0;  // a sampled factor's range, lo <= hi (lo > 0 on a log scale)
  bool integer = false;
  bool log_scale = false;
};

enum class DesignKind { kGrid, kRandom, kLhs, kSobol };

struct SweepDesign {
  DesignKind kind = DesignKind::kGrid;
  std::size_t points = 0;   // sampled designs: how many points
  std::uint64_t seed = 1;   // random and Latin hypercube designs: their stream
};

/// `n` points of a `dims`-dimensional design in the unit cube [0, 1)^dims (row i: point i):
///  random  independent uniforms from (seed, point, dimension) streams;
///  lhs     Latin hypercube: in every dimension each of the n strata [k/n, (k+1)/n) holds exactly
///          one point (a random permutation of the strata per dimension, a uniform within);
///  sobol   Boost.Random's Sobol sequence (boost::random::sobol), its first n points: the
///          generator skips the origin, so point 0 is (1/2, ..., 1/2). Needs dims <= 3667.
std::vector<std::vector<double>> unit_design(DesignKind kind, std::size_t n, std::size_t dims, std::uint64_t seed);

/// A unit-cube coordinate mapped to a sampled factor's value.
Json factor_value(const SweepFactor& factor, double u);

/// Every point's factor values, in point order: the grid's points with the first factor varying
/// slowest, or the sampled design's points.
std::vector<std::vector<Json>> design_points(const std::vector<SweepFactor>& factors, const SweepDesign& design);

}  // namespace marketsim
