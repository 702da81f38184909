#pragma once
// The BG/NBD model of repeat buying (Fader, Hardie and Lee 2005, "Counting Your Customers the Easy
// Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284; FHL below):
// its likelihood, its maximum-likelihood fit to customers' histories, and the quantities it
// predicts (expected purchases, the probability that a customer is still active, and a
// customer's expected purchases in a future period).
//
// Data. A customer's history is summarised by (x, t_x, T): time 0 is the customer's first
// purchase, T > 0 the time from it to the end of observation, x the number of repeat purchases
// (after the first) in (0, T], and t_x the time of the last of them (0 when x = 0). Any time unit
// (days, weeks) will do, the same for every customer; the fitted alpha is in that unit.
//
// Model (FHL section 3):
//   (i)   while active, a customer buys at the times of a Poisson process with rate lambda;
//   (ii)  lambda ~ Gamma(shape r, rate alpha) across customers: f(lambda) = alpha^r lambda^(r-1)
//         e^(-alpha lambda) / Gamma(r), mean r/alpha;
//   (iii) immediately after each repeat purchase the customer drops out (for good) with
//         probability p. There is no drop-out at the first purchase (time 0): a customer with
//         x = 0 is active at T for sure. The number D of repeat purchases made before dropping out
//         (if the customer lived forever) is geometric on {1, 2, ...}: P(D = j) = p (1-p)^(j-1);
//   (iv)  p ~ Beta(a, b) across customers;
//   (v)   lambda and p are independent, of each other and across customers.
//
// Likelihood of one history (FHL eq. 6), B the beta function and [x>0] 1 or 0:
//   L = B(a, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
//     + [x>0] B(a+1, b+x-1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x)),
// evaluated through logs (Fader and Hardie, "Implementing the BG/NBD Model for Customer Base
// Analysis in Excel", 2005) as ln L = A1 + A2 + ln(e^A3 + [x>0] e^A4), with the log-sum taken as
// max + log1p(exp(min - max)):
//   A1 = ln Gamma(r+x) - ln Gamma(r) + r ln alpha
//   A2 = ln Gamma(a+b) + ln Gamma(b+x) - ln Gamma(b) - ln Gamma(a+b+x)
//   A3 = -(r+x) ln(alpha+T)
//   A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)
//
// Expected repeat purchases of a customer in (0, t] from the first purchase (FHL eq. 9):
//   E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].
// It is computed as E[min(N, D)]: N ~ NegBin(r, z), z = t/(alpha+t), is what the customer would
// buy by t never dropping out, P(N = n) = (r)_n/n! (1-z)^r z^n, and P(D > k) = E[(1-p)^k] =
// prod_{j<k} (b+j)/(a+b+j), so that
//   E[X(t)] = sum_{n>=1} P(N = n) sum_{k=0}^{n-1} P(D > k),
// a series of positive terms equal to eq. 9 for every a != 1 (and to its limit at a = 1): no
// cancellation near a = 1, and valid for a < 1, where eq. 9's two terms each come from a divergent
// E[1/p]. The terms decay like z^n, so it takes about r t/alpha + 40 (alpha+t)/alpha terms; it is
// summed until a bound on the rest is below 1e-16 of the sum.
//
// P(alive at T | x, t_x, T) (FHL eq. 13):
//   P = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
// Expected repeat purchases in (T, T+t] given the history (FHL eq. 10):
//   E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
//       [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / (1 + [x>0]
//       a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
// that is P(alive) times E[X(t)] at the posterior of an active customer, (r+x, alpha+T, a, b+x),
// which is how it is computed.
//
// Every function here is deterministic (one thread, a fixed order of operations) and uses
// Boost.Math's lgamma and digamma (thread-safe, unlike std::lgamma's signgam).
#include <Eigen/Dense>
#include <array>
#include <cstddef>
#include <span>

namespace marketsim {

/// One customer's repeat-purchase history, in any time unit (the same for every customer).
/// Valid: x a whole number >= 0; 0 <= t_x <= T, all finite; x = 0 => t_x = 0; x > 0 => t_x > 0.
struct CustomerHistory {
  double x = 0.0;    // repeat purchases (after the first) in (0, T]
  double t_x = 0.0;  // time of the last repeat purchase since the first purchase (0 if x = 0)
  double T = 0.0;    // time from the first purchase to the end of observation
};

/// BG/NBD parameters, all > 0: lambda ~ Gamma(shape r, rate alpha) (alpha in the data's time
/// unit), p ~ Beta(a, b).
struct BgNbdParams {
  double r = 1.0, alpha = 1.0, a = 1.0, b = 1.0;
};

/// A maximum-likelihood fit. standard_error and covariance are of (r, alpha, a, b), in that order,
/// from the inverse of the observed information (minus the Hessian of the log-likelihood at the
/// optimum, in the natural parameters); they are NaN when that matrix is not positive definite.
struct BgNbdFit {
  BgNbdParams params;
  std::array<double, 4> standard_error{};
  Eigen::Matrix4d covariance = Eigen::Matrix4d::Zero();
  double log_likelihood = 0.0;  // sum over customers of ln L at params
  int iterations = 0;           // BFGS iterations run
  /// The gradient test passed (every |d(ln L / customers)/d(ln theta_i)| <= 1e-8) and the
  /// observed information is positive definite. False when the likelihood's maximum is at the
  /// edge of the parameter space (e.g. no heterogeneity in lambda: r and alpha grow without
  /// bound) or the iteration limit was hit; params are then the last iterate.
  bool converged = false;
  std::size_t customers = 0;
};

/// Sum over customers of ln L (FHL eq. 6; the header comment). Throws std::invalid_argument for
/// a parameter that is not finite and > 0, or an invalid history (see CustomerHistory).
/// No customers give 0.
double bgnbd_log_likelihood(const BgNbdParams& params, std::span<const CustomerHistory> customers);

/// Gradient of bgnbd_log_likelihood with respect to (r, alpha, a, b), analytic (digamma).
/// Throws as bgnbd_log_likelihood.
std::array<double, 4> bgnbd_log_likelihood_gradient(const BgNbdParams& params,
                                                    std::span<const CustomerHistory> customers);

/// Maximum-likelihood fit of (r, alpha, a, b). BFGS over ln(r, alpha, a, b) with the analytic
/// gradient and a backtracking (Armijo) line search, from r = 1, alpha = sum T / sum x (so that
/// r/alpha is the pooled repeat-purchase rate), a = 1, b = 1, at most 500 iterations, until the
/// gradient test is within 1e-6; then up to 8 Newton steps in (r, alpha, a, b), each kept only if
/// it shrinks the gradient (near the optimum the likelihood's changes drown in rounding before
/// its gradient does). The Hessian (for those steps and for the standard errors) is central
/// differences of the analytic gradient with relative steps (1e-5 of each parameter),
/// symmetrised. Throws std::invalid_argument for no customers, an invalid
/// history, or no repeat purchase at all (sum x = 0: the likelihood then grows without bound as
/// r/alpha -> 0, there is no maximum).
BgNbdFit fit_bgnbd(std::span<const CustomerHistory> customers);

/// E[X(t)]: expected repeat purchases in (0, t] of a customer whose first purchase is at 0 (FHL
/// eq. 9, summed as in the header comment). t >= 0 finite; 0 at t = 0; increasing, with slope
/// r/alpha at 0 and limit (a+b-1)/(a-1) for a > 1 (infinite for a <= 1). Throws
/// std::invalid_argument for bad parameters or t, std::domain_error when t/alpha is so large that
/// the series would need more than 10^7 terms.
double bgnbd_expected_purchases(const BgNbdParams& params, double t);

/// P(the customer is still active at T | x, t_x, T) (FHL eq. 13); 1 when x = 0. Throws
/// std::invalid_argument for bad parameters or an invalid history.
double bgnbd_p_alive(const BgNbdParams& params, const CustomerHistory& customer);

/// E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T+t] (FHL eq. 10). Throws as
/// bgnbd_p_alive and bgnbd_expected_purchases.
double bgnbd_conditional_expected(const BgNbdParams& params, const CustomerHistory& customer,
                                  double t);

}  // namespace marketsim
