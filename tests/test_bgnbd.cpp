// The BG/NBD model (calibration/bgnbd.h): the likelihood against FHL eq. 6 written out with
// std::lgamma, its gradient against finite differences, E[X(t)] and E[Y(t) | x, t_x, T] against
// FHL eqs. 9 and 10 through Gauss's series for 2F1, P(alive), recovery of known parameters
// from customers simulated exactly as FHL's assumptions say, and the validation rules.
#include <algorithm>
#include <array>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "calibration/bgnbd.h"

using namespace marketsim;

namespace {

/// ln B(u, v) with std::lgamma (one thread here, so signgam does not matter).
double log_beta(double u, double v) { return std::lgamma(u) + std::lgamma(v) - std::lgamma(u + v); }

/// FHL eq. 6 as printed: the two terms, each exponentiated, added.
double likelihood_eq6(const BgNbdParams& p, const CustomerHistory& c) {
  const double gamma_part = std::lgamma(p.r + c.x) - std::lgamma(p.r) + p.r * std::log(p.alpha);
  double l = std::exp(log_beta(p.a, p.b + c.x) - log_beta(p.a, p.b) + gamma_part -
                      (p.r + c.x) * std::log(p.alpha + c.T));
  if (c.x > 0) {
    l += std::exp(log_beta(p.a + 1.0, p.b + c.x - 1.0) - log_beta(p.a, p.b) + gamma_part -
                  (p.r + c.x) * std::log(p.alpha + c.t_x));
  }
  return l;
}

/// Gauss's series 2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z^n for 0 <= z < 1 (c > -1,
/// not 0), in long double. The term ratio is z f(n), f(n) = (a+n)(b+n)/((c+n)(n+1)) -> 1
/// monotonically for large n, so past n = 50 the rest is at most |term| rho/(1-rho) with
/// rho = z max(1, f(n)); summed until that is below 1e-19 of the sum. (Boost 1.74's
/// hypergeometric_pFq trips GCC 12's -Warray-bounds, and this keeps the check independent.)
double hypergeometric_2f1(double a, double b, double c, double z) {
  long double term = 1.0L, sum = 1.0L;
  for (int n = 0; n < 100'000'000; ++n) {
    const long double f = (a + n) * (b + n) / ((c + n) * (n + 1.0L));
    term *= f * z;
    sum += term;
    const long double rho = z * std::max(1.0L, f);
    if (n > 50 && rho < 1.0L && std::abs(term) * rho <= 1e-19L * std::abs(sum) * (1.0L - rho)) break;
  }
  return static_cast<double>(sum);
}

/// FHL eq. 9 as printed (a != 1).
double expected_eq9(const BgNbdParams& p, double t) {
  return (p.a + p.b - 1.0) / (p.a - 1.0) *
         (1.0 - std::pow(p.alpha / (p.alpha + t), p.r) *
                    hypergeometric_2f1(p.r, p.b, p.a + p.b - 1.0, t / (p.alpha + t)));
}

/// FHL eq. 10 as printed (a != 1).
double conditional_eq10(const BgNbdParams& p, const CustomerHistory& c, double t) {
  const double rx = p.r + c.x;
  const double numerator =
      (p.a + p.b + c.x - 1.0) / (p.a - 1.0) *
      (1.0 - std::pow((p.alpha + c.T) / (p.alpha + c.T + t), rx) *
                 hypergeometric_2f1(rx, p.b + c.x, p.a + p.b + c.x - 1.0, t / (p.alpha + c.T + t)));
  const double odds = c.x > 0 ? p.a / (p.b + c.x - 1.0) * std::pow((p.alpha + c.T) / (p.alpha + c.t_x), rx) : 0.0;
  return numerator / (1.0 + odds);
}

/// Customers drawn from the BG/NBD model (FHL section 3, assumptions i-v), T uniform in
/// [T_low, T_high]: lambda ~ Gamma(r, scale 1/alpha), p ~ Beta(a, b) (as G_a/(G_a + G_b) with
/// G ~ Gamma(., 1)); the first purchase at time 0 carries no drop-out; then purchases at the
/// times of a Poisson process with rate lambda, and after each repeat purchase the customer drops
/// out for good with probability p. x counts the repeat purchases in (0, T], t_x the last one.
std::vector<CustomerHistory> simulate(const BgNbdParams& p, std::size_t customers, double T_low,
                                      double T_high, unsigned seed) {
  boost::random::mt19937 engine(seed);
  boost::random::gamma_distribution<double> rate(p.r, 1.0 / p.alpha);
  boost::random::gamma_distribution<double> gamma_a(p.a, 1.0), gamma_b(p.b, 1.0);
  boost::random::uniform_real_distribution<double> horizon(T_low, T_high);
  boost::random::uniform_01<double> uniform;
  std::vector<CustomerHistory> out;
  out.reserve(customers);
  for (std::size_t i = 0; i < customers; ++i) {
    CustomerHistory c;
    c.T = horizon(engine);
    const double lambda = rate(engine);
    const double g_a = gamma_a(engine), g_b = gamma_b(engine);
    const double drop = g_a / (g_a + g_b);
    if (lambda > 0.0) {
      boost::random::exponential_distribution<double> gap(lambda);
      double time = 0.0;
      while (true) {
        time += gap(engine);
        if (time > c.T) break;
        c.x += 1.0;
        c.t_x = time;
        if (uniform(engine) < drop) break;  // dropped out right after this repeat purchase
      }
    }
    out.push_back(c);
  }
  return out;
}

const BgNbdParams kTruth{0.25, 4.0, 0.8, 2.5};

}  // namespace

TEST_CASE("bgnbd likelihood matches FHL eq. 6 written out, x = 0 gives (alpha/(alpha+T))^r",
          "[bgnbd]") {
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  const CustomerHistory idle{0.0, 0.0, 38.86};
  const std::array<CustomerHistory, 1> one{idle};
  CHECK(bgnbd_log_likelihood(p, one) == Approx(p.r * std::log(p.alpha / (p.alpha + idle.T))).epsilon(1e-13));

  const std::vector<CustomerHistory> customers{
      {0.0, 0.0, 38.86}, {2.0, 30.43, 38.86}, {1.0, 1.71, 38.86}, {7.0, 29.43, 38.86},
      {29.0, 37.71, 38.0}, {1.0, 38.43, 38.43}, {0.0, 0.0, 0.0}, {3.0, 0.5, 27.0}};
  double expected = 0.0;
  for (const CustomerHistory& c : customers) {
    const std::array<CustomerHistory, 1> single{c};
    const double direct = std::log(likelihood_eq6(p, c));
    CHECK(bgnbd_log_likelihood(p, single) == Approx(direct).epsilon(1e-12));
    expected += direct;
  }
  CHECK(bgnbd_log_likelihood(p, customers) == Approx(expected).epsilon(1e-12));
  CHECK(bgnbd_log_likelihood(p, std::span<const CustomerHistory>()) == 0.0);

  // Stable where the printed form is not: Gamma(r+x) overflows a double here and both powers
  // underflow. The first term is about e^-3900 times the second, so ln L is the second's log.
  const CustomerHistory heavy{400.0, 50.0, 1e6};
  const double second_term_log = std::lgamma(p.r + heavy.x) - std::lgamma(p.r) + p.r * std::log(p.alpha) +
                                 log_beta(p.a + 1.0, p.b + heavy.x - 1.0) - log_beta(p.a, p.b) -
                                 (p.r + heavy.x) * std::log(p.alpha + heavy.t_x);
  const std::array<CustomerHistory, 1> heavy_one{heavy};
  CHECK(bgnbd_log_likelihood(p, heavy_one) == Approx(second_term_log).epsilon(1e-12));
}

TEST_CASE("bgnbd likelihood gradient matches central differences", "[bgnbd]") {
  const std::vector<CustomerHistory> customers = simulate(kTruth, 300, 20.0, 40.0, 7);
  const BgNbdParams p{0.3, 3.5, 0.9, 2.2};
  const std::array<double, 4> g = bgnbd_log_likelihood_gradient(p, customers);
  for (std::size_t i = 0; i < 4; ++i) {
    std::array<double, 4> plus{p.r, p.alpha, p.a, p.b}, minus = plus;
    const double h = 1e-6 * plus[i];
    plus[i] += h;
    minus[i] -= h;
    const double numeric = (bgnbd_log_likelihood({plus[0], plus[1], plus[2], plus[3]}, customers) -
                            bgnbd_log_likelihood({minus[0], minus[1], minus[2], minus[3]}, customers)) /
                           (plus[i] - minus[i]);
    INFO("parameter " << i);
    CHECK(g[i] == Approx(numeric).epsilon(1e-6).margin(1e-5));
  }
}

TEST_CASE("bgnbd p_alive is 1 for x = 0 and matches FHL eq. 13", "[bgnbd]") {
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  CHECK(bgnbd_p_alive(p, {0.0, 0.0, 38.86}) == 1.0);
  CHECK(bgnbd_p_alive(p, {0.0, 0.0, 0.0}) == 1.0);
  const CustomerHistory c{2.0, 30.43, 38.86};
  const double odds = p.a / (p.b + c.x - 1.0) * std::pow((p.alpha + c.T) / (p.alpha + c.t_x), p.r + c.x);
  CHECK(bgnbd_p_alive(p, c) == Approx(1.0 / (1.0 + odds)).epsilon(1e-13));
  // A purchase at the end of the period: only the drop-out after it can have happened.
  CHECK(bgnbd_p_alive(p, {1.0, 38.86, 38.86}) == Approx(1.0 / (1.0 + p.a / p.b)).epsilon(1e-13));
  // The longer the silence since the last purchase, the less likely the customer is alive.
  double previous = 1.0;
  for (double t_x = 38.0; t_x > 0.5; t_x -= 2.5) {
    const double alive = bgnbd_p_alive(p, {5.0, t_x, 38.86});
    CHECK(alive < previous);
    previous = alive;
  }
  CHECK(bgnbd_p_alive(p, {200.0, 1.0, 1e6}) == 0.0);  // odds overflow to inf: exactly 0
}

TEST_CASE("bgnbd expected purchases: FHL eq. 9, increasing, slope r/alpha at 0", "[bgnbd]") {
  const std::array<BgNbdParams, 5> cases{{{0.243, 4.414, 0.793, 2.426},
                                          {0.25, 4.0, 0.8, 2.5},
                                          {2.0, 10.0, 3.0, 1.5},
                                          {0.7, 1.0, 0.2, 0.4},  /* a + b < 1 */
                                          {15.0, 0.5, 1.7, 9.0}}};
  for (const BgNbdParams& p : cases) {
    INFO("r " << p.r << " alpha " << p.alpha << " a " << p.a << " b " << p.b);
    CHECK(bgnbd_expected_purchases(p, 0.0) == 0.0);
    // The derivative at 0 is r/alpha: E(h)/h = r/alpha (1 + O(h/alpha)).
    const double h = 1e-7 * p.alpha;
    CHECK(bgnbd_expected_purchases(p, h) / h == Approx(p.r / p.alpha).epsilon(1e-5));
    double previous = 0.0;
    for (double t = 0.25; t <= 200.0; t *= 1.5) {
      const double e = bgnbd_expected_purchases(p, t);
      CHECK(e > previous);
      CHECK(e == Approx(expected_eq9(p, t)).epsilon(1e-9));
      previous = e;
    }
  }
  // FHL's CDNOW fit: 39 weeks after the first purchase (their Figure 2 runs to about 1.4).
  const double cdnow = bgnbd_expected_purchases({0.243, 4.414, 0.793, 2.426}, 39.0);
  CHECK(cdnow == Approx(expected_eq9({0.243, 4.414, 0.793, 2.426}, 39.0)).epsilon(1e-12));
  // a = 1, where eq. 9 is 0/0: continuous with its neighbours.
  const BgNbdParams at_one{0.5, 2.0, 1.0, 2.0};
  const double mid = bgnbd_expected_purchases(at_one, 30.0);
  const double below = bgnbd_expected_purchases({0.5, 2.0, 1.0 - 1e-7, 2.0}, 30.0);
  const double above = bgnbd_expected_purchases({0.5, 2.0, 1.0 + 1e-7, 2.0}, 30.0);
  CHECK(mid < below);
  CHECK(mid > above);
  CHECK(mid == Approx(0.5 * (below + above)).epsilon(1e-9));
  CHECK(bgnbd_expected_purchases({0.5, 2.0, 1.0 + 1e-3, 2.0}, 30.0) ==
        Approx(expected_eq9({0.5, 2.0, 1.0 + 1e-3, 2.0}, 30.0)).epsilon(1e-6));
  // Large r t/alpha (the series' scaled sum would overflow a double without rescaling).
  const BgNbdParams steady{300.0, 1.0, 2.0, 3.0};
  const double e = bgnbd_expected_purchases(steady, 200.0);
  CHECK(std::isfinite(e));
  CHECK(e < (steady.a + steady.b - 1.0) / (steady.a - 1.0));
  CHECK(e > 0.99 * (steady.a + steady.b - 1.0) / (steady.a - 1.0));
}

TEST_CASE("bgnbd conditional expectation matches FHL eq. 10", "[bgnbd]") {
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  for (const CustomerHistory& c : {CustomerHistory{0.0, 0.0, 38.86}, CustomerHistory{2.0, 30.43, 38.86},
                                   CustomerHistory{7.0, 29.43, 38.86}, CustomerHistory{1.0, 1.71, 38.86}}) {
    for (const double t : {1.0, 39.0, 78.0}) {
      INFO("x " << c.x << " t_x " << c.t_x << " T " << c.T << " t " << t);
      CHECK(bgnbd_conditional_expected(p, c, t) == Approx(conditional_eq10(p, c, t)).epsilon(1e-9));
    }
  }
  // FHL's worked example with their CDNOW estimates: 2 repeat purchases, the last at week 30.43
  // of 38.86, expect 1.226 purchases in the next 39 weeks (the estimates are rounded to 3 digits).
  CHECK(bgnbd_conditional_expected(p, {2.0, 30.43, 38.86}, 39.0) == Approx(1.226).margin(0.0005));
  // A customer just acquired (x = 0, T = 0) expects what a new one does.
  CHECK(bgnbd_conditional_expected(p, {0.0, 0.0, 0.0}, 52.0) ==
        Approx(bgnbd_expected_purchases(p, 52.0)).epsilon(1e-14));
  CHECK(bgnbd_conditional_expected(p, {3.0, 20.0, 38.0}, 0.0) == 0.0);
}

TEST_CASE("bgnbd fit recovers simulated parameters within 3.3 standard errors", "[bgnbd]") {
  const std::vector<CustomerHistory> customers = simulate(kTruth, 4000, 20.0, 40.0, 20050401);
  const BgNbdFit fit = fit_bgnbd(customers);
  REQUIRE(fit.converged);
  CHECK(fit.customers == 4000);
  const std::array<double, 4> truth{kTruth.r, kTruth.alpha, kTruth.a, kTruth.b};
  const std::array<double, 4> fitted{fit.params.r, fit.params.alpha, fit.params.a, fit.params.b};
  const std::array<const char*, 4> names{"r", "alpha", "a", "b"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(names[i] << ": fitted " << fitted[i] << " truth " << truth[i] << " standard error "
                  << fit.standard_error[i]);
    REQUIRE(std::isfinite(fit.standard_error[i]));
    CHECK(fit.standard_error[i] > 0.0);
    CHECK(fit.standard_error[i] == Approx(std::sqrt(fit.covariance(static_cast<Eigen::Index>(i),
                                                                   static_cast<Eigen::Index>(i)))));
    // The MLE is asymptotically normal around the truth with these standard errors: a
    // two-sided bound at 3.3 standard errors holds with probability ~99.9% per parameter
    // (P(|Z| > 3.3) = 0.00097), ~99.6% for all four.
    CHECK(std::abs(fitted[i] - truth[i]) <= 3.3 * fit.standard_error[i]);
  }
  // The fit is a maximum: at least as likely as the truth, and flat there.
  CHECK(fit.log_likelihood >= bgnbd_log_likelihood(kTruth, customers));
  CHECK(fit.log_likelihood == Approx(bgnbd_log_likelihood(fit.params, customers)).epsilon(1e-14));
  const std::array<double, 4> g = bgnbd_log_likelihood_gradient(fit.params, customers);
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::abs(fitted[i] * g[i]) / 4000.0 <= 1e-8);
  CHECK((fit.covariance - fit.covariance.transpose()).cwiseAbs().maxCoeff() == 0.0);
  CHECK(fit.covariance.llt().info() == Eigen::Success);

  // The time unit is arbitrary: in days instead of weeks alpha is 7 times larger, the rest stays
  // and ln L drops by ln 7 per repeat purchase (the density of each purchase time).
  std::vector<CustomerHistory> days = customers;
  double repeat_purchases = 0.0;
  for (CustomerHistory& c : days) {
    c.t_x *= 7.0;
    c.T *= 7.0;
    repeat_purchases += c.x;
  }
  const BgNbdFit in_days = fit_bgnbd(days);
  REQUIRE(in_days.converged);
  CHECK(in_days.params.r == Approx(fit.params.r).epsilon(1e-6));
  CHECK(in_days.params.alpha == Approx(7.0 * fit.params.alpha).epsilon(1e-6));
  CHECK(in_days.params.a == Approx(fit.params.a).epsilon(1e-6));
  CHECK(in_days.params.b == Approx(fit.params.b).epsilon(1e-6));
  CHECK(in_days.log_likelihood == Approx(fit.log_likelihood - repeat_purchases * std::log(7.0)).epsilon(1e-10));
  CHECK(in_days.standard_error[1] == Approx(7.0 * fit.standard_error[1]).epsilon(1e-4));
}

TEST_CASE("bgnbd rejects bad input with std::invalid_argument", "[bgnbd]") {
  const BgNbdParams p{0.25, 4.0, 0.8, 2.5};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(fit_bgnbd(std::span<const CustomerHistory>()), std::invalid_argument);
  const std::vector<CustomerHistory> bad{
      {-1.0, 0.0, 10.0},  // negative x
      {1.0, -1.0, 10.0},  // negative t_x
      {0.0, 0.0, -1.0},   // negative T
      {nan, 1.0, 10.0},   {1.0, nan, 10.0}, {1.0, 1.0, nan}, {1.0, 1.0, inf},
      {2.0, 12.0, 10.0},  // t_x > T
      {2.0, 0.0, 10.0},   // x > 0 with t_x = 0
      {0.0, 3.0, 10.0},   // x = 0 with t_x > 0
      {1.5, 3.0, 10.0},   // x not a whole number
  };
  for (const CustomerHistory& c : bad) {
    INFO("x " << c.x << " t_x " << c.t_x << " T " << c.T);
    const std::vector<CustomerHistory> customers{{1.0, 2.0, 10.0}, c};
    CHECK_THROWS_AS(fit_bgnbd(customers), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_log_likelihood(p, customers), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_p_alive(p, c), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_conditional_expected(p, c, 1.0), std::invalid_argument);
  }
  const std::vector<CustomerHistory> two{{1.0, 2.0, 10.0}, {2.0, 12.0, 10.0}};
  CHECK_THROWS_WITH(fit_bgnbd(two), "fit_bgnbd: customer 1 (x = 2, t_x = 12, T = 10): t_x > T");
  const std::vector<CustomerHistory> idle{{0.0, 0.0, 10.0}, {0.0, 0.0, 20.0}};
  CHECK_THROWS_AS(fit_bgnbd(idle), std::invalid_argument);  // no repeat purchase: no maximum
  for (const BgNbdParams& q : {BgNbdParams{0.0, 4.0, 0.8, 2.5}, BgNbdParams{0.25, -4.0, 0.8, 2.5},
                               BgNbdParams{0.25, 4.0, nan, 2.5}, BgNbdParams{0.25, 4.0, 0.8, inf}}) {
    const std::array<CustomerHistory, 1> one{CustomerHistory{1.0, 2.0, 10.0}};
    CHECK_THROWS_AS(bgnbd_log_likelihood(q, one), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_log_likelihood_gradient(q, one), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_expected_purchases(q, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(bgnbd_p_alive(q, one[0]), std::invalid_argument);
  }
  CHECK_THROWS_AS(bgnbd_expected_purchases(p, -1.0), std::invalid_argument);
  CHECK_THROWS_AS(bgnbd_expected_purchases(p, nan), std::invalid_argument);
  CHECK_THROWS_AS(bgnbd_conditional_expected(p, {1.0, 2.0, 10.0}, inf), std::invalid_argument);
  CHECK_THROWS_AS(bgnbd_expected_purchases({0.25, 1e-20, 0.8, 2.5}, 1e10), std::domain_error);
}
