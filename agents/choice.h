#pragma once
// The consumer's decision rules as plain functions (MODEL.md "Choice" and "Learning"), so that they
// can be tested against their closed forms and shared by every caller.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace marketsim {

/// Multinomial logit with an outside option of utility 0: given weights w_k = exp(V_k) of the shown
/// products and a uniform u in [0, 1), returns the chosen index, or -1 for the outside option.
/// P(k) = w_k / (1 + sum w), P(outside) = 1 / (1 + sum w).
template <typename Real>
inline int logit_choice(const Real* weights, std::size_t n, double u) {
  double total = 1.0;
  for (std::size_t k = 0; k < n; ++k) total += static_cast<double>(weights[k]);
  double target = u * total - 1.0;  // the first unit of mass is the outside option
  if (target < 0.0) return -1;
  for (std::size_t k = 0; k < n; ++k) {
    target -= weights[k];
    if (target < 0.0) return static_cast<int>(k);
  }
  return static_cast<int>(n) - 1;  // rounding at the top edge
}

/// exp(x) for every element of x, in place, in single precision (relative error < 2e-7 for
/// x in [-87, 88]; inputs outside are clamped). Written without branches or library calls so that
/// the compiler vectorises it over the shown set; IEEE arithmetic only (no fast-math), so the
/// result is the same on every run. Range reduction x = k ln2 + r, |r| <= ln2/2, then a degree-6
/// Taylor polynomial for e^r and 2^k assembled in the exponent bits.
inline void exp_in_place(float* x, std::size_t n) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;  // ln 2 split so that k * kLn2Hi is exact
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  constexpr float kRound = 12582912.0f;          // 1.5 * 2^23: adding it rounds to an integer
  for (std::size_t i = 0; i < n; ++i) {
    const float lo = x[i] < -87.0f ? -87.0f : x[i];
    const float v = lo > 88.0f ? 88.0f : lo;
    const float shifted = v * kLog2e + kRound;
    const float k = shifted - kRound;
    const std::int32_t ki = std::bit_cast<std::int32_t>(shifted) - std::bit_cast<std::int32_t>(kRound);
    const float r = (v - k * kLn2Hi) - k * kLn2Lo;
    const float p =
        1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6.0f + r * (1.0f / 24.0f +
                                                            r * (1.0f / 120.0f + r * (1.0f / 720.0f))))));
    x[i] = p * std::bit_cast<float>((ki + 127) << 23);
  }
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
