#pragma once
// The consumer's decision rules as plain functions (MODEL.md "Choice" and "Learning"), so that they
// can be tested against their closed forms and shared by every caller.
#include <algorithm>
#include <cstring>
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

/// exp(x) for every element of x[0, n), in place, in single precision (relative error < 3e-7 for
/// x in [-87, 88]; inputs outside are clamped). Works in blocks of kExpBlock elements, so x must
/// have room for n rounded up to a multiple of kExpBlock (the padding is overwritten). Written
/// without branches or library calls on a fixed block so that the compiler vectorises it; IEEE
/// arithmetic only (no fast-math), so the result is the same on every run. Range reduction
/// x = k ln2 + r, |r| <= ln2/2, a degree-6 Taylor polynomial for e^r, 2^k built in the exponent.
inline constexpr std::size_t kExpBlock = 8;

/// exp of one block of kExpBlock values already within [-87, 88]. Kept free of branches (the
/// compiler does not if-convert float compares without fast-math) so that it vectorises.
inline void exp_block(float* __restrict x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;  // ln 2 split so that k * kLn2Hi is exact
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  constexpr float kRound = 12582912.0f;          // 1.5 * 2^23: adding it rounds to an integer
  constexpr std::int32_t kRoundBits = 0x4b400000;  // the bit pattern of kRound
  float poly[kExpBlock];
  float shifted[kExpBlock];
  for (std::size_t i = 0; i < kExpBlock; ++i) {
    const float v = x[i];
    shifted[i] = v * kLog2e + kRound;
    const float k = shifted[i] - kRound;
    const float r = (v - k * kLn2Hi) - k * kLn2Lo;
    poly[i] = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6.0f + r * (1.0f / 24.0f +
                                                                  r * (1.0f / 120.0f + r * (1.0f / 720.0f))))));
  }
  std::int32_t bits[kExpBlock];
  std::memcpy(bits, shifted, sizeof bits);
  for (std::size_t i = 0; i < kExpBlock; ++i) bits[i] = (bits[i] - kRoundBits + 127) << 23;  // 2^k
  float scale[kExpBlock];
  std::memcpy(scale, bits, sizeof scale);
  for (std::size_t i = 0; i < kExpBlock; ++i) x[i] = poly[i] * scale[i];
}

inline void exp_in_place(float* x, std::size_t n) {
  const std::size_t padded = (n + kExpBlock - 1) / kExpBlock * kExpBlock;
  for (std::size_t i = 0; i < padded; ++i) x[i] = std::clamp(x[i], -87.0f, 88.0f);
  for (std::size_t b = 0; b < padded; b += kExpBlock) exp_block(x + b);
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
