#pragma once
// The consumer's decision rules as plain functions (MODEL.md "Choice" and "Learning"), so that they
// can be tested against their closed forms and shared by every caller.
#include <algorithm>
#include <cstring>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

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

/// log(x) for every element of x[0, n), in place, in double precision: fdlibm's algorithm
/// (e_log.c; error below 1 ulp, so it agrees with the C library's to the last bit or one ulp) on
/// blocks of kMathBlock elements written with GCC's vector extensions (portable to any target;
/// plain loops keep the compares as branches and do not vectorise), with IEEE arithmetic only (no
/// fast-math, no fused multiply-add), so that every machine gets the same bits. A module that
/// needs one log per shown offer takes them over a batch at a fraction of the cost of a library
/// call per offer. x must have room for n rounded up to a multiple of kMathBlock, initialised
/// (the padding is overwritten).
inline constexpr std::size_t kMathBlock = 4;

namespace simd {
// Two lanes (SSE2's width, which GCC lowers well: wider generic vectors get their compares one
// lane at a time); selects and shifts on unsigned lanes only (a vector `?:` and a signed 64-bit
// shift have no SSE2 instruction either).
using Double2 = double __attribute__((vector_size(2 * sizeof(double))));
using Bits2 = std::uint64_t __attribute__((vector_size(2 * sizeof(std::uint64_t))));
/// Lane-wise mask ? a : b, mask lanes all ones or all zeros (a comparison's result).
inline Double2 select(Bits2 mask, Double2 a, Double2 b) {
  return __builtin_bit_cast(Double2, (mask & __builtin_bit_cast(Bits2, a)) | (~mask & __builtin_bit_cast(Bits2, b)));
}
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 significant bits: k * kLn2Hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kRound = 6755399441055744.0;               // 1.5 * 2^52: adding it rounds to an integer
constexpr std::uint64_t kRoundBits = 0x4338000000000000;  // the bit pattern of kRound

/// log of two lanes of positive normal numbers (others give unspecified values).
inline Double2 log_lanes(Double2 x) {
  constexpr double kLg1 = 6.666666666666735130e-01, kLg2 = 3.999999999940941908e-01,
                   kLg3 = 2.857142874366239149e-01, kLg4 = 2.222219843214978396e-01,
                   kLg5 = 1.818357216161805012e-01, kLg6 = 1.531383769920937332e-01,
                   kLg7 = 1.479819860511658591e-01;
  const Bits2 bits = __builtin_bit_cast(Bits2, x);
  // x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2): the high word's exponent gives k, and a
  // mantissa at or above sqrt(2)'s moves to the binade below (k + 1).
  const Bits2 hx = bits >> 32;
  const Bits2 mantissa = hx & 0x000fffff;
  const Bits2 up = (mantissa + 0x95f64) & 0x100000;
  const Bits2 kbits = (hx >> 20) + (up >> 20) + (kRoundBits - 1023);  // k + 1.5 * 2^52, as bits
  const Bits2 mbits = ((mantissa | (up ^ 0x3ff00000)) << 32) | (bits & 0xffffffff);
  const Double2 k = __builtin_bit_cast(Double2, kbits) - kRound;
  const Double2 f = __builtin_bit_cast(Double2, mbits) - 1.0;
  const Double2 s = f / (2.0 + f);
  const Double2 z = s * s;
  const Double2 w = z * z;
  const Double2 t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  const Double2 t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  const Double2 r = t2 + t1;
  const Double2 hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}
}  // namespace simd

/// log of one block; zero, subnormal, negative, infinite and NaN inputs go to std::log.
inline void log_block(double* x) {
  constexpr simd::Double2 kOne = {1.0, 1.0};
  constexpr simd::Double2 kMin = {std::numeric_limits<double>::min(), std::numeric_limits<double>::min()};
  constexpr simd::Double2 kMax = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  for (std::size_t h = 0; h < kMathBlock; h += 2) {
    simd::Double2 in;
    std::memcpy(&in, x + h, sizeof in);
    const auto normal = __builtin_bit_cast(simd::Bits2, in >= kMin) & __builtin_bit_cast(simd::Bits2, in <= kMax);
    const simd::Double2 out = simd::log_lanes(simd::select(normal, in, kOne));
    std::memcpy(x + h, &out, sizeof out);
    if ((normal[0] & normal[1]) == 0) {
      for (std::size_t i = 0; i < 2; ++i) {
        if (normal[i] == 0) x[h + i] = std::log(in[i]);
      }
    }
  }
}

inline void log_in_place(double* x, std::size_t n) {
  for (std::size_t b = 0; b < n; b += kMathBlock) log_block(x + b);
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
