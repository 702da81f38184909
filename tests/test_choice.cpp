#include <algorithm>
#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "agents/choice.h"
#include "sim/rng.h"

using namespace marketsim;

TEST_CASE("multinomial-logit choice frequencies match the closed form (chi-square, 99.9%)",
          "[choice][statistical]") {
  const std::vector<double> utilities = {-2.0, -1.0, 0.5, -3.0, 0.0};
  std::vector<double> weights;
  double total = 1.0;
  for (double v : utilities) {
    weights.push_back(std::exp(v));
    total += std::exp(v);
  }
  constexpr int kDraws = 200000;
  std::vector<int> counts(utilities.size() + 1, 0);  // last = outside option
  CounterRng rng(stream_key(11, 0, 0, Purpose::kTest));
  for (int i = 0; i < kDraws; ++i) {
    const int k = logit_choice(weights.data(), weights.size(), rng.uniform());
    ++counts[k < 0 ? utilities.size() : static_cast<std::size_t>(k)];
  }
  double chi2 = 0.0;
  for (std::size_t k = 0; k <= utilities.size(); ++k) {
    const double p = k < utilities.size() ? weights[k] / total : 1.0 / total;
    const double expected = p * kDraws;
    chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
  }
  const double bound = boost::math::quantile(
      boost::math::complement(boost::math::chi_squared(static_cast<double>(utilities.size())), 0.001));
  CHECK(chi2 < bound);
}

TEST_CASE("logit choice splits the unit interval by cumulative probability", "[choice]") {
  const double w[] = {1.0, 2.0};  // P(outside) = 1/4, P(0) = 1/4, P(1) = 1/2
  CHECK(logit_choice(w, 2, 0.0) == -1);
  CHECK(logit_choice(w, 2, 0.2499) == -1);
  CHECK(logit_choice(w, 2, 0.2501) == 0);
  CHECK(logit_choice(w, 2, 0.4999) == 0);
  CHECK(logit_choice(w, 2, 0.5001) == 1);
  CHECK(logit_choice(w, 2, 0.9999999) == 1);
  CHECK(logit_choice(w, 0, 0.9) == -1);
}

TEST_CASE("the Bayesian quality update follows the normal-normal formula", "[choice][learning]") {
  const Belief prior{0.5, 2.0};
  const double x = 1.7, obs_var = 0.5;
  const Belief post = bayes_update(prior, x, obs_var);
  const double var = 1.0 / (1.0 / 2.0 + 1.0 / 0.5);  // 0.4
  CHECK(post.variance == Approx(var));
  CHECK(post.mean == Approx(var * (0.5 / 2.0 + 1.7 / 0.5)));  // 1.46
  CHECK(post.mean == Approx(1.46));
  // Repeated observations of the same value converge to it and shrink the variance.
  Belief b = prior;
  for (int i = 0; i < 1000; ++i) b = bayes_update(b, 3.0, obs_var);
  CHECK(b.mean == Approx(3.0).margin(1e-2));
  CHECK(b.variance < 1e-3);
}

TEST_CASE("reference-price term: gains in logs, losses weighted by loss aversion", "[choice]") {
  CHECK(reference_price_term(10.0, 8.0, 2.0) == Approx(std::log(10.0 / 8.0)));
  CHECK(reference_price_term(10.0, 12.0, 2.0) == Approx(2.0 * std::log(10.0 / 12.0)));
  CHECK(reference_price_term(10.0, 10.0, 2.0) == 0.0);
  CHECK(adapt_reference(10.0, 8.0, 0.25) == Approx(9.5));
}

TEST_CASE("the vectorised exp is within 3e-7 relative error of std::exp", "[choice]") {
  std::array<float, 64> x{};
  double worst = 0.0;
  for (int start = -8700; start < 8800; start += 64) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(start + static_cast<int>(i)) / 100.0f;
    const auto in = x;
    exp_in_place(x.data(), 61);  // a size that is not a multiple of the block
    for (std::size_t i = 0; i < 61; ++i) {
      const double v = std::clamp(static_cast<double>(in[i]), -87.0, 88.0);
      worst = std::max(worst, std::fabs(x[i] - std::exp(v)) / std::exp(v));
    }
  }
  CHECK(worst < 3e-7);
  float big[8] = {1000.0f, -1000.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  exp_in_place(big, 2);
  CHECK(std::isfinite(big[0]));  // clamped, not infinite
  CHECK(big[1] > 0.0f);
}

TEST_CASE("the vectorised double log is within one ulp of std::log, special values as std::log", "[choice]") {
  // Ratios as the reference-price module takes them (around 1) and the whole normal range.
  CounterRng rng(stream_key(12, 0, 0, Purpose::kTest));
  std::array<double, 64> x{};
  long worst = 0;
  std::size_t exact = 0, total = 0;
  for (int round = 0; round < 4000; ++round) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = round % 2 == 0 ? std::exp(8.0 * rng.uniform() - 4.0)
                            : std::ldexp(0.5 + 0.5 * rng.uniform(), static_cast<int>(rng.below(2040)) - 1020);
    }
    const auto in = x;
    log_in_place(x.data(), 61);  // a size that is not a multiple of the block: the padding is overwritten
    for (std::size_t i = 0; i < 61; ++i) {
      const double want = std::log(in[i]);
      std::int64_t a = 0, b = 0;
      std::memcpy(&a, &x[i], sizeof a);
      std::memcpy(&b, &want, sizeof b);
      worst = std::max(worst, static_cast<long>(std::abs(a - b)));
      exact += a == b;
      ++total;
    }
  }
  CHECK(worst <= 1);
  CHECK(exact > total * 9 / 10);  // mostly the same bits
  std::array<double, 8> special = {1.0, 0.0, -1.0, std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(), 1e-310, 2.0, 0.5};
  log_in_place(special.data(), special.size());
  CHECK(special[0] == 0.0);
  CHECK(special[1] == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(special[2]));
  CHECK(special[3] == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(special[4]));
  CHECK(special[5] == std::log(1e-310));  // subnormal: std::log's own value
  CHECK(special[6] == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(special[7] == Approx(std::log(0.5)).epsilon(1e-15));
}
