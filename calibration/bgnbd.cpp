#include "calibration/bgnbd.h"

#include <algorithm>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace marketsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Shortest round-trip decimal form of v ("0.25", "1e-300", "inf").
std::string number(double v) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

[[noreturn]] void fail(const char* function, const std::string& what) {
  std::string message = function;
  message += ": ";
  message += what;
  throw std::invalid_argument(message);
}

void check_params(const char* function, const BgNbdParams& p) {
  const std::array<std::pair<const char*, double>, 4> named{
      {{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}}};
  for (const auto& [name, value] : named) {
    if (!std::isfinite(value) || value <= 0.0) {
      std::string what = "parameter ";
      what += name;
      what += " = ";
      what += number(value);
      what += " (must be finite and > 0)";
      fail(function, what);
    }
  }
}

/// Throws unless `c` is a valid history (CustomerHistory's rules); `index`, when >= 0, names it.
void check_history(const char* function, const CustomerHistory& c, long index) {
  std::string problem;
  if (!std::isfinite(c.x) || !std::isfinite(c.t_x) || !std::isfinite(c.T)) {
    problem = "a value is not finite";
  } else if (c.x < 0.0 || c.t_x < 0.0 || c.T < 0.0) {
    problem = "a value is negative";
  } else if (c.x != std::floor(c.x)) {
    problem = "x is not a whole number";
  } else if (c.t_x > c.T) {
    problem = "t_x > T";
  } else if (c.x == 0.0 && c.t_x != 0.0) {
    problem = "x = 0 with t_x != 0";
  } else if (c.x > 0.0 && c.t_x <= 0.0) {
    problem = "x > 0 with t_x = 0";
  } else {
    return;
  }
  std::string what = "customer ";
  if (index >= 0) {
    what += std::to_string(index);
    what += ' ';
  }
  what += "(x = ";
  what += number(c.x);
  what += ", t_x = ";
  what += number(c.t_x);
  what += ", T = ";
  what += number(c.T);
  what += "): ";
  what += problem;
  fail(function, what);
}

/// Validated customers with their x values grouped: A1 and A2 (and their derivatives) depend on x
/// alone, so their log-gammas are evaluated once per distinct x.
struct Prepared {
  std::span<const CustomerHistory> customers;
  std::vector<double> distinct_x;       // increasing
  std::vector<double> customers_with_x;  // per distinct x, how many customers have it
};

Prepared prepare(const char* function, std::span<const CustomerHistory> customers) {
  Prepared d;
  d.customers = customers;
  std::vector<double> xs;
  xs.reserve(customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i) {
    check_history(function, customers[i], static_cast<long>(i));
    xs.push_back(customers[i].x);
  }
  std::sort(xs.begin(), xs.end());
  for (const double x : xs) {
    if (d.distinct_x.empty() || d.distinct_x.back() != x) {
      d.distinct_x.push_back(x);
      d.customers_with_x.push_back(0.0);
    }
    d.customers_with_x.back() += 1.0;
  }
  return d;
}

using Vector4 = std::array<double, 4>;

/// Sum of ln L over the customers and, when `gradient` is not null, its gradient in (r, alpha,
/// a, b) (formulas: the header comment, differentiated term by term).
double evaluate(const Prepared& d, const BgNbdParams& p, Vector4* gradient) {
  namespace bm = boost::math;
  const double r = p.r, alpha = p.alpha, a = p.a, b = p.b;
  const double log_alpha = std::log(alpha);
  double total = 0.0;
  Vector4 g{0.0, 0.0, 0.0, 0.0};

  // A1 + A2, per distinct x.
  const double lgamma_r = bm::lgamma(r), lgamma_b = bm::lgamma(b), lgamma_ab = bm::lgamma(a + b);
  const double digamma_r = gradient ? bm::digamma(r) : 0.0;
  const double digamma_b = gradient ? bm::digamma(b) : 0.0;
  const double digamma_ab = gradient ? bm::digamma(a + b) : 0.0;
  for (std::size_t k = 0; k < d.distinct_x.size(); ++k) {
    const double x = d.distinct_x[k], count = d.customers_with_x[k];
    const double a1 = (x == 0.0 ? 0.0 : bm::lgamma(r + x) - lgamma_r) + r * log_alpha;
    const double a2 = x == 0.0 ? 0.0 : lgamma_ab + bm::lgamma(b + x) - lgamma_b - bm::lgamma(a + b + x);
    total += count * (a1 + a2);
    if (gradient) {
      const double digamma_abx = x == 0.0 ? digamma_ab : bm::digamma(a + b + x);
      g[0] += count * ((x == 0.0 ? 0.0 : bm::digamma(r + x) - digamma_r) + log_alpha);
      g[1] += count * r / alpha;
      g[2] += count * (digamma_ab - digamma_abx);
      g[3] += count * (digamma_ab - digamma_abx + (x == 0.0 ? 0.0 : bm::digamma(b + x) - digamma_b));
    }
  }

  // ln(e^A3 + [x>0] e^A4), per customer.
  const double log_a = std::log(a);
  for (const CustomerHistory& c : d.customers) {
    const double rx = r + c.x;
    const double log_alpha_T = std::log(alpha + c.T);
    const double a3 = -rx * log_alpha_T;
    if (c.x == 0.0) {
      total += a3;
      if (gradient) {
        g[0] -= log_alpha_T;
        g[1] -= rx / (alpha + c.T);
      }
      continue;
    }
    const double log_alpha_tx = std::log(alpha + c.t_x);
    const double a4 = log_a - std::log(b + c.x - 1.0) - rx * log_alpha_tx;
    const double high = std::max(a3, a4), low = std::min(a3, a4);
    const double ratio = std::exp(low - high);  // in (0, 1]
    total += high + std::log1p(ratio);
    if (gradient) {
      // Weight of A4 in the log-sum: e^A4 / (e^A3 + e^A4).
      const double w4 = a4 >= a3 ? 1.0 / (1.0 + ratio) : ratio / (1.0 + ratio);
      const double w3 = 1.0 - w4;
      g[0] -= w3 * log_alpha_T + w4 * log_alpha_tx;
      g[1] -= w3 * rx / (alpha + c.T) + w4 * rx / (alpha + c.t_x);
      g[2] += w4 / a;
      g[3] -= w4 / (b + c.x - 1.0);
    }
  }
  if (gradient) *gradient = g;
  return total;
}

BgNbdParams from_vector(const Vector4& v) { return {v[0], v[1], v[2], v[3]}; }
Vector4 to_vector(const BgNbdParams& p) { return {p.r, p.alpha, p.a, p.b}; }

/// Hessian of the log-likelihood in (r, alpha, a, b): central differences of the analytic
/// gradient, relative steps, symmetrised. NaN entries when a shifted point is not valid.
Eigen::Matrix4d hessian(const Prepared& d, const BgNbdParams& p) {
  constexpr double kRelativeStep = 1e-5;  // about cbrt(machine epsilon)
  const Vector4 theta = to_vector(p);
  Eigen::Matrix4d h;
  for (int j = 0; j < 4; ++j) {
    const auto uj = static_cast<std::size_t>(j);
    Vector4 plus = theta, minus = theta;
    const double step = kRelativeStep * theta[uj];
    plus[uj] += step;
    minus[uj] -= step;
    const double width = plus[uj] - minus[uj];  // the step as represented
    Vector4 g_plus{}, g_minus{};
    evaluate(d, from_vector(plus), &g_plus);
    evaluate(d, from_vector(minus), &g_minus);
    for (int i = 0; i < 4; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      h(i, j) = (g_plus[ui] - g_minus[ui]) / width;
    }
  }
  return 0.5 * (h + h.transpose());
}

/// max_i |theta_i dlnL/dtheta_i| / n: the gradient of the mean log-likelihood in ln(theta).
double log_gradient_norm(const Vector4& theta, const Vector4& gradient, double n) {
  double largest = 0.0;
  for (std::size_t i = 0; i < 4; ++i) largest = std::max(largest, std::abs(theta[i] * gradient[i]) / n);
  return largest;
}

}  // namespace

double bgnbd_log_likelihood(const BgNbdParams& params, std::span<const CustomerHistory> customers) {
  check_params("bgnbd_log_likelihood", params);
  return evaluate(prepare("bgnbd_log_likelihood", customers), params, nullptr);
}

std::array<double, 4> bgnbd_log_likelihood_gradient(const BgNbdParams& params,
                                                    std::span<const CustomerHistory> customers) {
  check_params("bgnbd_log_likelihood_gradient", params);
  Vector4 g{};
  evaluate(prepare("bgnbd_log_likelihood_gradient", customers), params, &g);
  return g;
}

BgNbdFit fit_bgnbd(std::span<const CustomerHistory> customers) {
  if (customers.empty()) fail("fit_bgnbd", "no customers");
  const Prepared d = prepare("fit_bgnbd", customers);
  double sum_x = 0.0, sum_T = 0.0;
  for (const CustomerHistory& c : customers) {
    sum_x += c.x;
    sum_T += c.T;
  }
  if (sum_x == 0.0) fail("fit_bgnbd", "no repeat purchases (every x = 0): the likelihood has no maximum");

  const double n = static_cast<double>(customers.size());
  constexpr double kGradientTolerance = 1e-8;  // on the mean log-likelihood, per ln(theta_i)
  constexpr int kMaxIterations = 500;

  // BFGS minimises f(phi) = -lnL(exp(phi)) / n over phi = ln(r, alpha, a, b).
  using Vec = Eigen::Vector4d;
  const auto theta_of = [](const Vec& phi) {
    return BgNbdParams{std::exp(phi[0]), std::exp(phi[1]), std::exp(phi[2]), std::exp(phi[3])};
  };
  // f and its gradient in phi; +inf when exp(phi) overflows or the likelihood is not finite.
  const auto objective = [&](const Vec& phi, Vec* grad) {
    const BgNbdParams p = theta_of(phi);
    const Vector4 theta = to_vector(p);
    for (const double v : theta) {
      if (!std::isfinite(v) || v <= 0.0) return std::numeric_limits<double>::infinity();
    }
    Vector4 g{};
    const double value = -evaluate(d, p, grad ? &g : nullptr) / n;
    if (!std::isfinite(value)) return std::numeric_limits<double>::infinity();
    if (grad) {
      for (int i = 0; i < 4; ++i) (*grad)[i] = -theta[static_cast<std::size_t>(i)] * g[static_cast<std::size_t>(i)] / n;
      if (!grad->allFinite()) return std::numeric_limits<double>::infinity();
    }
    return value;
  };

  Vec phi(0.0, std::log(sum_T / sum_x), 0.0, 0.0);  // r = 1, alpha = sum T / sum x, a = b = 1
  Vec grad;
  double f = objective(phi, &grad);
  Eigen::Matrix4d inverse_hessian = Eigen::Matrix4d::Identity();
  bool identity = true;  // inverse_hessian is the (unscaled) identity
  BgNbdFit fit;
  fit.customers = customers.size();
  // BFGS to a modest tolerance; Newton steps below take it the rest of the way (near the optimum
  // f's changes drown in rounding before the gradient is as small as wanted).
  constexpr double kBfgsTolerance = 1e-6;
  while (fit.iterations < kMaxIterations && grad.cwiseAbs().maxCoeff() > kBfgsTolerance) {
    ++fit.iterations;
    Vec direction = -inverse_hessian * grad;
    if (grad.dot(direction) >= 0.0) {
      inverse_hessian.setIdentity();
      identity = true;
      direction = -grad;
    }
    // At most a factor e per parameter per try: keeps exp(phi) in range and the first tries sane.
    double step = std::min(1.0, 1.0 / direction.cwiseAbs().maxCoeff());
    const double slope = grad.dot(direction);
    Vec next_phi = phi, next_grad = grad;
    double next_f = f;
    bool accepted = false;
    for (; step > 1e-14 && !accepted; step *= 0.5) {
      next_phi = phi + step * direction;
      next_f = objective(next_phi, &next_grad);
      accepted = next_f <= f + 1e-4 * step * slope;  // Armijo
    }
    if (!accepted) {
      if (identity) break;  // no descent even along the gradient: leave it to Newton
      inverse_hessian.setIdentity();
      identity = true;
      continue;
    }
    const Vec s = next_phi - phi, y = next_grad - grad;
    const double sy = s.dot(y);
    if (sy > 1e-12 * s.norm() * y.norm()) {
      if (identity) inverse_hessian *= sy / y.squaredNorm();  // Nocedal-Wright (6.20)
      const double rho = 1.0 / sy;
      const Eigen::Matrix4d left = Eigen::Matrix4d::Identity() - rho * s * y.transpose();
      inverse_hessian = left * inverse_hessian * left.transpose() + rho * s * s.transpose();
      identity = false;
    }
    phi = next_phi;
    grad = next_grad;
    f = next_f;
  }

  // Newton steps in the natural parameters, each kept only if it shrinks the gradient.
  BgNbdParams p = theta_of(phi);
  Vector4 g{};
  double log_likelihood = evaluate(d, p, &g);
  double gradient_norm = log_gradient_norm(to_vector(p), g, n);
  for (int newton = 0; newton < 8 && gradient_norm > 0.01 * kGradientTolerance; ++newton) {
    const Eigen::Matrix4d h = hessian(d, p);
    if (!h.allFinite()) break;
    const Eigen::Vector4d gv(g[0], g[1], g[2], g[3]);
    const Eigen::Vector4d delta = h.ldlt().solve(-gv);
    const Vector4 theta = to_vector(p);
    const Vector4 next{theta[0] + delta[0], theta[1] + delta[1], theta[2] + delta[2], theta[3] + delta[3]};
    if (!std::all_of(next.begin(), next.end(), [](double v) { return std::isfinite(v) && v > 0.0; })) break;
    Vector4 next_g{};
    const double next_ll = evaluate(d, from_vector(next), &next_g);
    const double next_norm = log_gradient_norm(next, next_g, n);
    if (!std::isfinite(next_ll) || !(next_norm < gradient_norm)) break;
    p = from_vector(next);
    g = next_g;
    log_likelihood = next_ll;
    gradient_norm = next_norm;
  }

  fit.params = p;
  fit.log_likelihood = log_likelihood;
  const Eigen::Matrix4d information = -hessian(d, p);
  const Eigen::LLT<Eigen::Matrix4d> cholesky(information);
  const bool positive_definite = information.allFinite() && cholesky.info() == Eigen::Success;
  if (positive_definite) {
    const Eigen::Matrix4d inverse = cholesky.solve(Eigen::Matrix4d::Identity());
    fit.covariance = 0.5 * (inverse + inverse.transpose());  // not in place: transpose() aliases
    for (int i = 0; i < 4; ++i) fit.standard_error[static_cast<std::size_t>(i)] = std::sqrt(fit.covariance(i, i));
  } else {
    fit.covariance.setConstant(kNaN);
    fit.standard_error.fill(kNaN);
  }
  fit.converged = positive_definite && gradient_norm <= kGradientTolerance;
  return fit;
}

namespace {

/// E[X(t)] = sum_{n>=1} P(N = n) E_n with E_n = sum_{k<n} P(D > k) (the header comment), for
/// valid parameters and t > 0.
double expected_min(const BgNbdParams& p, double t) {
  constexpr long kMaxTerms = 10'000'000;
  constexpr double kRescale = 1e280;
  const double z = t / (p.alpha + t);
  const double log_one_minus_z = -std::log1p(t / p.alpha);  // ln(alpha / (alpha + t))
  // u = (r)_n z^n / n! (P(N = n) without its factor (1-z)^r), scaled by e^-log_scale to stay in
  // range; e = E_n; h = P(D > n).
  double u = 1.0, e = 0.0, h = 1.0, sum = 0.0, log_scale = 0.0;
  for (long n = 1; n <= kMaxTerms; ++n) {
    const double nd = static_cast<double>(n);
    e += h;                                    // E_n = E_{n-1} + P(D > n-1)
    h *= (p.b + nd - 1.0) / (p.a + p.b + nd - 1.0);  // P(D > n)
    u *= z * (p.r + nd - 1.0) / nd;
    const double term = u * e;
    sum += term;
    // For every m >= n: term_{m+1}/term_m <= rho, since (r+m)/(m+1) moves monotonically to 1 and
    // E_{m+1}/E_m = 1 + P(D > m)/E_m decreases; so the rest is at most term rho/(1-rho).
    const double rho = z * std::max(1.0, (p.r + nd) / (nd + 1.0)) * (1.0 + h / e);
    if (rho < 1.0 && term * rho <= 1e-16 * sum * (1.0 - rho)) {
      return std::exp(p.r * log_one_minus_z + log_scale) * sum;
    }
    if (sum > kRescale) {
      sum /= kRescale;
      u /= kRescale;
      log_scale += std::log(kRescale);
    }
  }
  std::string message = "bgnbd_expected_purchases: t/alpha = ";
  message += number(t / p.alpha);
  message += " needs more than 10^7 terms";
  throw std::domain_error(message);
}

void check_time(const char* function, double t) {
  if (!std::isfinite(t) || t < 0.0) {
    std::string what = "t = ";
    what += number(t);
    what += " (must be finite and >= 0)";
    fail(function, what);
  }
}

double p_alive_unchecked(const BgNbdParams& p, const CustomerHistory& c) {
  if (c.x == 0.0) return 1.0;
  // ln of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x); exp() of a large one is inf, giving 0.
  const double log_odds_dead = std::log(p.a) - std::log(p.b + c.x - 1.0) +
                               (p.r + c.x) * std::log1p((c.T - c.t_x) / (p.alpha + c.t_x));
  return 1.0 / (1.0 + std::exp(log_odds_dead));
}

}  // namespace

double bgnbd_expected_purchases(const BgNbdParams& params, double t) {
  check_params("bgnbd_expected_purchases", params);
  check_time("bgnbd_expected_purchases", t);
  return t == 0.0 ? 0.0 : expected_min(params, t);
}

double bgnbd_p_alive(const BgNbdParams& params, const CustomerHistory& customer) {
  check_params("bgnbd_p_alive", params);
  check_history("bgnbd_p_alive", customer, -1);
  return p_alive_unchecked(params, customer);
}

double bgnbd_conditional_expected(const BgNbdParams& params, const CustomerHistory& customer,
                                  double t) {
  check_params("bgnbd_conditional_expected", params);
  check_history("bgnbd_conditional_expected", customer, -1);
  check_time("bgnbd_conditional_expected", t);
  if (t == 0.0) return 0.0;
  // An active customer's posterior: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x).
  const BgNbdParams posterior{params.r + customer.x, params.alpha + customer.T, params.a,
                              params.b + customer.x};
  return p_alive_unchecked(params, customer) * expected_min(posterior, t);
}

}  // namespace marketsim
