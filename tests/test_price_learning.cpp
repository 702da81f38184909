// Prices that learn and prices that are optimal, against closed forms:
//  - gallego_van_ryzin earns Gallego and van Ryzin's J*(n, t) in the low-share limit of the logit
//    (demand exponential in price) and more than the best fixed price;
//  - thompson's regret against the best fixed price in hindsight grows sublinearly;
//  - a price ladder of identical shoppers measures the logit's elasticity -β·p·(1 - s).
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "analysis/metric.h"
#include "analysis/price_response.h"
#include "analysis/statistics.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

/// One product at list price 10.00 (cost 5.00) shown at every visit to `consumers` identical
/// shoppers visiting once a day, price sensitivity `beta`, intercept `a` (no tastes, no quality).
std::string one_product_market(double a, double beta, int consumers) {
  std::ostringstream m;
  m.precision(17);
  m << R"("market": {"latent_dimensions": 2, "intercept": )" << a << R"(, "browse_slots": 0, "lead_time_days": 1,
      "categories": [{"name": "c", "products": 1, "price_min": 10, "price_max": 10, "cost_ratio": 0.5,
                      "attribute_sd": 0.25, "quality_mean": 0, "quality_sd": 0}],
      "segments": [{"name": "s", "consumers": )"
    << consumers << R"(, "taste_sd": 0, "price_sensitivity_median": )" << beta
    << R"(, "price_sensitivity_log_sd": 0, "deal_proneness": 0, "visit_rate": 1}]})";
  return m.str();
}

std::string arm(const std::string& name, const std::string& pricing, const std::string& replenishment,
                bool baseline = false) {
  std::string text = R"({"name": ")";
  text += name;
  text += R"(", "baseline": )";
  text += baseline ? "true" : "false";
  text += R"(, "pricing": )";
  text += pricing;
  text += R"(, "recommendation": {"name": "popular_plus_random", "popular": 1, "random": 0}, "replenishment": )";
  text += replenishment;
  text += "}";
  return text;
}

Scenario scenario(const std::string& head, const std::string& market, const std::vector<std::string>& arms) {
  std::string text = "{";
  text += head;
  text += ", ";
  text += market;
  text += R"(, "arms": [)";
  for (std::size_t k = 0; k < arms.size(); ++k) {
    if (k > 0) text += ", ";
    text += arms[k];
  }
  text += "]}";
  return check_scenario_text(text, "test.json");
}

/// J*(n, t) of Gallego and van Ryzin for λ(p) = λ* e^{1 - alpha p}: ln(Σ_{i<=n} x^i/i!) / alpha,
/// x = λ* t (summed directly in long double).
double gvr_revenue(double lambda_star, double alpha, int n, double t) {
  long double term = 1.0L, sum = 1.0L;
  const long double x = static_cast<long double>(lambda_star * t);
  for (int i = 1; i <= n; ++i) {
    term *= x / i;
    sum += term;
  }
  return static_cast<double>(std::log(sum)) / alpha;
}

/// A fixed price p's expected revenue with n units over t days: p · E[min(Poisson(λ(p) t), n)].
double fixed_revenue(double p, double rate_at_list, double alpha, double list, int n, double t) {
  const double m = rate_at_list * std::exp(-alpha * (p - list)) * t;
  double pk = std::exp(-m), below = 0.0, mass = 0.0;
  for (int k = 0; k < n; ++k) {
    below += k * pk;
    mass += pk;
    pk *= m / (k + 1);
  }
  return p * (below + n * (1.0 - mass));
}

std::vector<double> seller_values(const ExperimentResult& r, std::size_t arm, std::size_t reps, const char* metric) {
  std::vector<double> v;
  for (std::size_t k = 0; k < reps; ++k) v.push_back(r.runs[arm * reps + k].seller_totals[0][metric_index(metric)]);
  return v;
}

}  // namespace

TEST_CASE("gallego_van_ryzin earns the closed-form J*(n, t) and more than the best fixed price", "[pricing][gvr]") {
  // 2,000 shoppers visit once a day; a purchase probability e^(a - βp) / (1 + e^(a - βp)) of
  // at most 0.15% is within 0.15% of e^(a - βp): demand λ(p) = 2000 e^(a - βp) a day, exponential
  // in price with alpha = β = 0.1. a is set so that λ* = λ(1/alpha) = λ(10.00) = 3 units a day.
  // 20 units, no restocking, a season of 10 days priced in windows of 0.05 days: x = λ* t = 30.
  const double alpha = 0.1, lambda_star = 3.0, list = 10.0;
  const int n = 20;
  const double t = 10.0;
  const double a = 1.0 + std::log(lambda_star / 2000.0);
  const double j_star = gvr_revenue(lambda_star, alpha, n, t);  // 266.56
  // The best fixed price, by a search over cents.
  double best_fixed = 0.0, best_price = 0.0;
  for (int cents = 500; cents <= 4000; ++cents) {
    const double r = fixed_revenue(cents / 100.0, lambda_star, alpha, list, n, t);
    if (r > best_fixed) best_fixed = r, best_price = cents / 100.0;
  }
  REQUIRE(best_fixed < j_star - 5.0);  // 258.42 at 14.99: the dynamic policy's edge is 3%
  const std::string none = R"({"name": "none", "initial": 20})";
  std::ostringstream fixed;
  fixed.precision(17);
  fixed << R"({"name": "fixed", "price_factor": )" << best_price / list << "}";
  const std::size_t reps = 400;
  const Scenario sc = scenario(
      R"("name": "gvr", "seed": 3, "replications": 400, "horizon_days": 10, "warmup_days": 0,
         "engine": {"window_days": 0.05, "shard_size": 65536})",
      one_product_market(a, alpha, 2000),
      {arm("gvr", R"({"name": "gallego_van_ryzin", "alpha": 0.1, "rate_at_list": 3, "end": 10})", none, true),
       arm("best_fixed", fixed.str(), none)});
  const ExperimentResult r = run_experiment(sc);
  const std::vector<double> gvr = seller_values(r, 0, reps, "revenue");
  const std::vector<double> flat = seller_values(r, 1, reps, "revenue");
  const Interval earned = mean_interval(gvr, 0.99);
  INFO("J* = " << j_star << ", simulated " << earned.mean << " [" << earned.low << ", " << earned.high
               << "]; best fixed price " << best_price << " expects " << best_fixed);
  // 99% confidence interval over 400 replications (half-width about 5.3, 2%), plus 1% for the
  // logit's departure from the exponential and the policy's windows of 0.05 days.
  CHECK(earned.low - 0.01 * j_star <= j_star);
  CHECK(earned.high + 0.01 * j_star >= j_star);
  // The fixed arm earns its own closed form, and the dynamic policy beats it on the same
  // shoppers (paired, 99%).
  const Interval fixed_earned = mean_interval(flat, 0.99);
  CHECK(fixed_earned.low - 0.01 * best_fixed <= best_fixed);
  CHECK(fixed_earned.high + 0.01 * best_fixed >= best_fixed);
  std::vector<double> edge;
  for (std::size_t k = 0; k < reps; ++k) edge.push_back(gvr[k] - flat[k]);
  const Interval gain = mean_interval(edge, 0.99);
  INFO("dynamic - best fixed: " << gain.mean << " [" << gain.low << ", " << gain.high << "]");
  CHECK(gain.low > 0.0);
}

TEST_CASE("gallego_van_ryzin prices each day at p*(stock on hand, days left)", "[pricing][gvr]") {
  // Daily windows: day d's price is p*(n_d, 10 - d) = J*(n_d) - J*(n_d - 1) + 1/alpha, n_d the
  // units left at its start (10 minus what sold before), list price once sold out.
  const double alpha = 0.1, lambda_star = 3.0;
  const double a = 1.0 + std::log(lambda_star / 2000.0);
  const Scenario sc = scenario(
      R"("name": "gvr-path", "seed": 4, "replications": 2, "horizon_days": 10, "warmup_days": 0,
         "engine": {"window_days": 1, "shard_size": 65536})",
      one_product_market(a, alpha, 2000),
      {arm("gvr", R"({"name": "gallego_van_ryzin", "alpha": 0.1, "rate_at_list": 3, "end": 10})",
           R"({"name": "none", "initial": 10})", true)});
  const ExperimentResult r = run_experiment(sc);
  int checked_high = 0;
  for (const RunResult& run : r.runs) {
    int left = 10;
    for (const SellerDailyRow& day : run.seller_daily) {
      const double t = 10.0 - static_cast<double>(day.day);
      const double p = left > 0 ? gvr_revenue(lambda_star, alpha, left, t) - gvr_revenue(lambda_star, alpha, left - 1, t) +
                                      1.0 / alpha
                                : 10.0;
      INFO("day " << day.day << ", " << left << " left");
      CHECK(day.values[metric_index("price_index")] == Approx(std::round(p * 100.0) / 1000.0).margin(1e-9));
      if (p > 12.0) ++checked_high;
      left -= static_cast<int>(day.values[metric_index("units")]);
    }
    CHECK(left >= 0);
  }
  CHECK(checked_high > 0);  // scarce stock priced above 1/alpha
}

TEST_CASE("thompson's regret against the best fixed price in hindsight grows sublinearly", "[pricing][thompson]") {
  // A stationary market: one product (list 10.00, cost 5.00), 4,000 identical shoppers a day,
  // a ladder of five prices whose expected daily profits are 36, 93, 104, 95 and 78. Regret after
  // T days = the best rung's profit over days [0, T) in that replication (in hindsight) - the
  // learner's, over 12 replications. One run of 400 days gives every horizon: no strategy knows
  // the horizon, so days [0, T) of it are the run of horizon T. Linear regret would make ln R(T) grow with slope 1 in ln T;
  // Thompson sampling's is O(√(T log T)). The slope from T = 25 to T = 400 must be below 0.8 at
  // 99% confidence (delta method on the two means); it is about 0.5.
  const std::string ladder = "[0.6, 0.9, 1.2, 1.5, 1.8]";
  const std::string stock =
      R"({"name": "order_up_to", "forecast_days": 7, "cover": 3.0, "review_days": 1, "initial_demand_per_visit": 0.02})";
  std::vector<std::string> arms;
  for (const char* f : {"0.6", "0.9", "1.2", "1.5", "1.8"}) {
    std::string pricing = R"({"name": "fixed", "price_factor": )";
    pricing += f;
    pricing += "}";
    std::string name = "f";
    name += f;
    arms.push_back(arm(name, pricing, stock, arms.empty()));
  }
  std::string learner = R"({"name": "thompson", "objective": "profit", "ladder": )";
  learner += ladder;
  learner += "}";
  arms.push_back(arm("thompson", learner, stock));
  const std::size_t reps = 12;
  const Scenario sc = scenario(R"("name": "ts", "seed": 5, "replications": 12, "horizon_days": 400, "warmup_days": 0,
                                  "engine": {"window_days": 1, "shard_size": 65536})",
                               one_product_market(-3.798, 0.15, 4000), arms);
  const ExperimentResult r = run_experiment(sc);
  const std::size_t profit = metric_index("gross_profit");
  const auto regret_at = [&](int horizon) {
    std::vector<double> v;
    for (std::size_t rep = 0; rep < reps; ++rep) {
      const auto cumulative = [&](std::size_t a) {
        double s = 0.0;
        for (int d = 0; d < horizon; ++d) s += r.runs[a * reps + rep].daily[static_cast<std::size_t>(d)].values[profit];
        return s;
      };
      double best = -1e300;
      for (std::size_t a = 0; a < 5; ++a) best = std::max(best, cumulative(a));
      v.push_back(best - cumulative(5));
    }
    return mean_interval(v, 0.99);
  };
  std::vector<Interval> regrets;
  for (int horizon : {25, 50, 100, 200, 400}) regrets.push_back(regret_at(horizon));
  for (std::size_t k = 0; k < regrets.size(); ++k) INFO("R = " << regrets[k].mean << " ± " << regrets[k].high - regrets[k].mean);
  CHECK(regrets[0].low > 0.0);  // learning costs something
  for (std::size_t k = 1; k < regrets.size(); ++k) {
    CHECK(regrets[k].mean > regrets[k - 1].mean);          // regret accumulates ...
    CHECK(regrets[k].mean < 2.0 * regrets[k - 1].mean);    // ... slower than the horizon doubles
  }
  const auto se = [](const Interval& i) { return (i.high - i.mean) / 2.576; };  // ~99% t bounds, conservative
  const double r0 = regrets.front().mean, r4 = regrets.back().mean;
  const double slope = (std::log(r4) - std::log(r0)) / std::log(16.0);
  const double slope_se = std::hypot(se(regrets.front()) / r0, se(regrets.back()) / r4) / std::log(16.0);
  INFO("slope " << slope << " ± " << 2.576 * slope_se);
  CHECK(slope + 2.576 * slope_se < 0.8);
}

TEST_CASE("a price ladder of identical shoppers measures the logit's own elasticity -beta p (1 - s)", "[pricing][ladder]") {
  // One product shown at every visit: Q(f) ∝ s(f) = logistic(a - β·10·f), so d ln Q / d ln f =
  // -β·10·f·(1 - s(f)) exactly. The measured central differences (rungs 0.1 apart) and the
  // reported logit elasticity must both match it within their 99% intervals plus the central
  // difference's curvature error (below 1%).
  const double a = -0.5, beta = 0.15;
  const std::string stock =
      R"({"name": "order_up_to", "forecast_days": 7, "cover": 3.0, "review_days": 1, "initial_demand_per_visit": 0.5})";
  std::vector<std::string> arms;
  const std::vector<double> factors = {0.8, 0.9, 1.0, 1.1, 1.2};
  for (double f : factors) {
    std::ostringstream p;
    p << R"({"name": "fixed", "price_factor": )" << f << "}";
    std::string name = "f";
    name += std::to_string(static_cast<int>(std::lround(f * 10)));
    arms.push_back(arm(name, p.str(), stock, f == 1.0));
  }
  arms.push_back(arm("thompson", R"({"name": "thompson", "ladder": [0.8, 0.9, 1.0, 1.1, 1.2]})", stock));
  const Scenario sc = scenario(R"("name": "lab", "seed": 9, "replications": 8, "horizon_days": 14, "warmup_days": 0,
                                  "engine": {"window_days": 1, "shard_size": 65536})",
                               one_product_market(a, beta, 5000), arms);
  const ExperimentResult r = run_experiment(sc);
  const std::vector<PriceResponse> responses = price_response(sc, r);
  REQUIRE(responses.size() == 1);
  const PriceResponse& pr = responses[0];
  CHECK(pr.mean_price_sensitivity == Approx(beta));
  REQUIRE(pr.rungs.size() == 5);
  for (std::size_t k = 1; k + 1 < pr.rungs.size(); ++k) {
    const double f = pr.rungs[k].price_factor;
    CHECK(f == Approx(factors[k]));
    const double s = 1.0 / (1.0 + std::exp(-(a - beta * 10.0 * f)));
    const double exact = -beta * 10.0 * f * (1.0 - s);
    const Interval& measured = pr.rungs[k].measured_elasticity;
    const Interval& logit = pr.rungs[k].logit_elasticity;
    INFO("f = " << f << ": exact " << exact << ", measured " << measured.mean << " [" << measured.low << ", "
                << measured.high << "], logit " << logit.mean);
    CHECK(measured.low - 0.01 * std::fabs(exact) <= exact);
    CHECK(measured.high + 0.01 * std::fabs(exact) >= exact);
    CHECK(logit.mean == Approx(exact).epsilon(0.01));
  }
  // Units fall and the learner is compared with the best rung.
  for (std::size_t k = 1; k < pr.rungs.size(); ++k) CHECK(pr.rungs[k].units.mean < pr.rungs[k - 1].units.mean);
  REQUIRE(pr.regrets.size() == 1);
  CHECK(sc.arms[pr.regrets[0].arm].name == "thompson");
}

TEST_CASE("thompson and gallego_van_ryzin give the same bytes on 1 and 2 threads", "[pricing][determinism]") {
  const std::string stock = R"({"name": "none", "initial": 40})";
  const Scenario sc = scenario(
      R"("name": "det", "seed": 2, "replications": 3, "horizon_days": 12, "warmup_days": 0,
         "engine": {"window_days": 0.25, "shard_size": 700})",
      one_product_market(-4.0, 0.1, 3000),
      {arm("ts", R"({"name": "thompson", "period_days": 2, "objective": "revenue"})", stock, true),
       arm("gvr", R"({"name": "gallego_van_ryzin", "alpha": 0.1, "rate_at_list": 20, "end": 12})", stock)});
  const auto run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(run_experiment(sc));
  };
  CHECK(run(1) == run(2));
}

TEST_CASE("thompson, gallego_van_ryzin and none reject bad parameters in one line", "[pricing][errors]") {
  const auto error_of = [](const std::string& pricing, const std::string& replenishment) {
    try {
      scenario(R"("name": "bad", "seed": 1, "replications": 1, "horizon_days": 5)", one_product_market(-3, 0.1, 100),
               {arm("a", pricing, replenishment, true)});
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string ok = R"({"name": "none", "initial": 5})";
  const std::string one_rung = error_of(R"({"name": "thompson", "ladder": [1.0]})", ok);
  CHECK(one_rung.find("/arms/0/pricing/ladder") != std::string::npos);
  CHECK(one_rung.find("2 to 64") != std::string::npos);
  CHECK(error_of(R"({"name": "thompson", "ladder": [1.0, 0]})", ok).find("/arms/0/pricing/ladder") != std::string::npos);
  CHECK(error_of(R"({"name": "thompson", "objective": "units"})", ok).find("\"profit\"") != std::string::npos);
  CHECK(error_of(R"({"name": "gallego_van_ryzin", "alpha": 0.1, "end": 5})", ok).find("rate_at_list") !=
        std::string::npos);
  CHECK(error_of(R"({"name": "gallego_van_ryzin", "alpha": -1, "rate_at_list": 1, "end": 5})", ok)
            .find("/arms/0/pricing/alpha") != std::string::npos);
  CHECK(error_of(R"({"name": "fixed"})", R"({"name": "none"})").find("/arms/0/replenishment/initial") !=
        std::string::npos);
  for (const std::string& e : {one_rung, error_of(R"({"name": "fixed"})", R"({"name": "none", "initial": -1})")}) {
    CHECK(!e.empty());
    CHECK(e.find('\n') == std::string::npos);
  }
}

TEST_CASE("thompson and gallego_van_ryzin price their own seller's offers in a marketplace", "[pricing][sellers]") {
  // price-war's two sellers of the same 200 products: alpha learns by Thompson sampling, beta
  // sells a season's 30 units per offer by Gallego and van Ryzin. Each moves only its own prices.
  const std::string arm = R"([{"name": "learn", "baseline": true, "sellers": [
      {"name": "alpha", "pricing": {"name": "thompson", "ladder": [0.9, 1.0, 1.2]}},
      {"name": "beta", "pricing": {"name": "gallego_van_ryzin", "alpha": 0.1, "rate_at_list": 2, "end": 30},
       "replenishment": {"name": "none", "initial": 30}}]}])";
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/price-war.json",
                                    {"/market/segments/0/consumers=5000", "/replications=2", "/arms=" + arm});
  const ExperimentResult r = run_experiment(sc);
  const std::size_t price = metric_index("price_index"), units = metric_index("units");
  for (const RunResult& run : r.runs) {
    bool alpha_moved = false;
    double beta_sold = 0.0;
    for (const SellerDailyRow& d : run.seller_daily) {
      const double p = d.values[price];
      if (d.seller == 0) {
        CHECK(p >= 0.9 - 1e-3);
        CHECK(p <= 1.2 + 1e-3);
        if (d.day == 0) CHECK(p == Approx(1.0).margin(1e-3));  // the rung nearest list before any data
        if (d.day > 0 && std::fabs(p - 1.0) > 0.01) alpha_moved = true;
      } else {
        beta_sold += d.values[units];
        CHECK(p > 0.0);
      }
    }
    CHECK(alpha_moved);
    CHECK(beta_sold <= 200.0 * 30.0);
    CHECK(run.seller_totals[1][metric_index("stock_on_hand")] >= 0.0);
  }
}
