#pragma once
// The consumer's decision rules as plain functions (MODEL.md "Choice" and "Learning"), so that they
// can be tested against their closed forms and shared by every caller.
#include <cmath>
#include <cstddef>

namespace marketsim {

/// Multinomial logit with an outside option of utility 0: given weights w_k = exp(V_k) of the shown
/// products and a uniform u in [0, 1), returns the chosen index, or -1 for the outside option.
/// P(k) = w_k / (1 + sum w), P(outside) = 1 / (1 + sum w).
inline int logit_choice(const double* weights, std::size_t n, double u) {
  double total = 1.0;
  for (std::size_t k = 0; k < n; ++k) total += weights[k];
  double target = u * total - 1.0;  // the first unit of mass is the outside option
  if (target < 0.0) return -1;
  for (std::size_t k = 0; k < n; ++k) {
    target -= weights[k];
    if (target < 0.0) return static_cast<int>(k);
  }
  return static_cast<int>(n) - 1;  // rounding at the top edge
}

/// Reference-price term G(r, p): ln(r/p) when the price is at or below the reference (a gain),
/// loss_aversion * ln(r/p) when above (a loss, weighted more).
inline double reference_price_term(double reference, double price, double loss_aversion) {
  const double g = std::log(reference / price);
  return price <= reference ? g : loss_aversion * g;
}

/// A normal belief about quality: mean and variance.
struct Belief {
  double mean;
  double variance;
};

/// Normal-normal Bayesian update after observing x with noise variance obs_variance:
/// var' = 1 / (1/var + 1/obs_var), mean' = var' (mean/var + x/obs_var).
inline Belief bayes_update(Belief prior, double x, double obs_variance) {
  const double var = 1.0 / (1.0 / prior.variance + 1.0 / obs_variance);
  return Belief{var * (prior.mean / prior.variance + x / obs_variance), var};
}

/// Adaptive reference price: r <- (1 - kappa) r + kappa * observed.
inline double adapt_reference(double reference, double observed, double kappa) {
  return (1.0 - kappa) * reference + kappa * observed;
}

}  // namespace marketsim
