#include "experiments/designs.h"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>

#include "sim/error.h"
#include "sim/rng.h"

namespace marketsim {

std::vector<std::vector<double>> unit_design(DesignKind kind, std::size_t n, std::size_t dims, std::uint64_t seed) {
  std::vector<std::vector<double>> x(n, std::vector<double>(dims, 0.0));
  if (n == 0 || dims == 0) return x;
  switch (kind) {
    case DesignKind::kGrid:
      throw Error("a grid is not a sampled design");
    case DesignKind::kRandom:
      for (std::size_t d = 0; d < dims; ++d) {
        const StreamFamily keys(seed, 0, Purpose::kDesign, d);
        for (std::size_t i = 0; i < n; ++i) x[i][d] = CounterRng(keys.key(i)).uniform();
      }
      break;
    case DesignKind::kLhs:
      for (std::size_t d = 0; d < dims; ++d) {
        // A Fisher-Yates shuffle of the strata, then a uniform within each point's stratum.
        CounterRng rng(StreamFamily(seed, 1, Purpose::kDesign, d).key(0));
        std::vector<std::size_t> stratum(n);
        for (std::size_t i = 0; i < n; ++i) stratum[i] = i;
        for (std::size_t i = n - 1; i > 0; --i) std::swap(stratum[i], stratum[rng.below(i + 1)]);
        for (std::size_t i = 0; i < n; ++i) {
          x[i][d] = (static_cast<double>(stratum[i]) + rng.uniform()) / static_cast<double>(n);
        }
      }
      break;
    case DesignKind::kSobol: {
      if (dims > 3667) throw Error("a Sobol design has at most 3667 dimensions");
      boost::random::sobol gen(dims);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t d = 0; d < dims; ++d) x[i][d] = static_cast<double>(gen() >> 11) * 0x1.0p-53;
      }
      break;
    }
  }
  return x;
}

Json factor_value(const SweepFactor& f, double u) {
  if (f.integer) {
    const auto lo = static_cast<std::int64_t>(std::ceil(f.lo));
    const auto hi = static_cast<std::int64_t>(std::floor(f.hi));
    double v = 0.0;
    if (f.log_scale) {  // log-uniform over [lo, hi + 1), rounded down
      v = std::floor(std::exp(std::log(static_cast<double>(lo)) +
                              u * (std::log(static_cast<double>(hi) + 1.0) - std::log(static_cast<double>(lo)))));
    } else {
      v = std::floor(static_cast<double>(lo) + u * static_cast<double>(hi - lo + 1));
    }
    return std::clamp(static_cast<std::int64_t>(v), lo, hi);
  }
  const double v = f.log_scale ? std::exp(std::log(f.lo) + u * (std::log(f.hi) - std::log(f.lo))) : f.lo + u * (f.hi - f.lo);
  return std::clamp(v, f.lo, f.hi);
}

std::vector<std::vector<Json>> design_points(const std::vector<SweepFactor>& factors, const SweepDesign& design) {
  std::vector<std::vector<Json>> points;
  if (design.kind == DesignKind::kGrid) {
    std::size_t total = 1;
    for (const SweepFactor& f : factors) total *= f.levels.size();
    for (std::size_t p = 0; p < total; ++p) {
      std::vector<Json> values(factors.size());
      std::size_t rest = p;
      for (std::size_t k = factors.size(); k-- > 0;) {  // the last factor varies fastest
        values[k] = factors[k].levels[rest % factors[k].levels.size()];
        rest /= factors[k].levels.size();
      }
      points.push_back(std::move(values));
    }
    return points;
  }
  for (const std::vector<double>& u : unit_design(design.kind, design.points, factors.size(), design.seed)) {
    std::vector<Json> values;
    for (std::size_t k = 0; k < factors.size(); ++k) values.push_back(factor_value(factors[k], u[k]));
    points.push_back(std::move(values));
  }
  return points;
}

}  // namespace marketsim
