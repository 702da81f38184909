// The "clicks" behaviour module and the order metrics (impressions, clicks, ctr, conversion
// rates, units per order, average order value, new customers, customer lifetime value).
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/experiment.h"
#include "analysis/metric.h"
#include "scenarios/scenario.h"
#include "fingerprint.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 5,000 consumers and 100 products (10 shown per visit: 5 popular and
/// 5 random), one replication, with the clicks module configured by `clicks` (absent when empty).
Scenario market_with(const std::string& clicks, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=5000", "/market/categories/0/products=100",
                                "/replications=1"};
  if (!clicks.empty()) o.push_back("/market/behaviours=[{\"name\": \"clicks\"" + clicks + "}]");
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

double total(const ExperimentResult& r, const std::string& metric) { return r.runs.at(0).totals[metric_index(metric)]; }

const std::vector<std::string> kClickMetrics = {"impressions", "clicks", "ctr", "conversion_per_impression",
                                                "conversion_per_click"};

bool is_click_metric(const std::string& name) {
  for (const auto& m : kClickMetrics) {
    if (m == name) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("without the clicks module its metrics are empty and the others are as before", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with(""));
  for (const auto& m : kClickMetrics) {
    INFO("metric " << m);
    CHECK(std::isnan(total(r, m)));
    for (const DailyRow& d : r.runs[0].daily) CHECK(std::isnan(d.values[metric_index(m)]));
  }
  CHECK(total(r, "visits") > 0);
  CHECK(total(r, "conversion_rate") == Approx(total(r, "conversions") / total(r, "visits")).epsilon(1e-12));
}

TEST_CASE("a module that clicks every offer leaves every other figure exactly as it was", "[clicks]") {
  // sigmoid(50) rounds to 1: every offer is clicked, no utility changes, the choice draws are the
  // engine's: the same run, byte for byte, except the metrics that need the module.
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(", \"intercept\": 50, \"slope\": 0"));
  const auto& list = metric_list();
  for (std::size_t m = 0; m < list.size(); ++m) {
    if (is_click_metric(list[m].name)) continue;
    INFO("metric " << list[m].name);
    const double a = without.runs[0].totals[m], b = with.runs[0].totals[m];
    CHECK(((std::isnan(a) && std::isnan(b)) || a == b));
    for (std::size_t d = 0; d < without.runs[0].daily.size(); ++d) {
      const double x = without.runs[0].daily[d].values[m], y = with.runs[0].daily[d].values[m];
      CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
    }
  }
  CHECK(total(with, "ctr") == 1.0);
  CHECK(total(with, "clicks") == total(with, "impressions"));
}

TEST_CASE("impressions are the shown slots, and a constant click probability is the CTR", "[clicks]") {
  // slope 0: every impression is clicked with probability p = sigmoid(intercept), independently,
  // so clicks ~ Binomial(impressions, p): within the two-sided 99.9% normal band.
  const double intercept = -1.0;
  const double p = 1.0 / (1.0 + std::exp(-intercept));
  const ExperimentResult r = run_experiment(market_with(", \"intercept\": -1, \"slope\": 0"));
  const double n = total(r, "impressions"), k = total(r, "clicks");
  CHECK(n == 10.0 * total(r, "visits"));  // 5 popular + 5 random, no browsing
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  CHECK(std::abs(k - n * p) <= z * std::sqrt(n * p * (1 - p)));
  CHECK(total(r, "ctr") == Approx(k / n).epsilon(1e-12));
  // Daily figures add up to the totals (warm-up 0).
  double daily_clicks = 0;
  for (const DailyRow& d : r.runs[0].daily) daily_clicks += d.values[metric_index("clicks")];
  CHECK(daily_clicks == k);
}

TEST_CASE("nothing clicked, nothing bought: an unclicked offer is never chosen", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with(", \"intercept\": -50, \"slope\": 0"));
  CHECK(total(r, "impressions") > 0);
  CHECK(total(r, "clicks") == 0);
  CHECK(total(r, "units") == 0);
  CHECK(total(r, "conversions") == 0);
  CHECK(total(r, "ctr") == 0);
}

TEST_CASE("clicks narrow the choice: fewer sales, and conversion per click above per impression",
          "[clicks]") {
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(", \"intercept\": 0, \"slope\": 1"));
  CHECK(total(with, "units") < total(without, "units"));
  CHECK(total(with, "clicks") < total(with, "impressions"));
  CHECK(total(with, "conversion_per_click") >= total(with, "conversion_per_impression"));
  CHECK(total(with, "conversion_per_impression") ==
        Approx(total(with, "conversions") / total(with, "impressions")).epsilon(1e-12));
  CHECK(total(with, "conversion_per_click") ==
        Approx(total(with, "conversions") / total(with, "clicks")).epsilon(1e-12));
  // Click probability rises with utility: the clicked offers sell better than a constant rate
  // with the same CTR would (conversions per click above the unclicked market's per impression).
  CHECK(total(with, "conversion_per_click") > total(without, "conversions") / (10.0 * total(without, "visits")));
}

TEST_CASE("order metrics: units per order and average order value from the totals", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with("", {"/market/segments/0/visit_rate=0.5"}));
  const double orders = total(r, "conversions");  // one seller: an order is a conversion
  REQUIRE(orders > 0);
  CHECK(total(r, "average_order_value") == Approx(total(r, "revenue") / orders).epsilon(1e-12));
  CHECK(total(r, "units_per_order") == Approx(total(r, "units") / orders).epsilon(1e-12));
  CHECK(total(r, "units_per_order") >= 1.0);
  CHECK(r.runs[0].seller_totals[0][metric_index("average_order_value")] ==
        Approx(total(r, "average_order_value")).epsilon(1e-12));
  for (const DailyRow& d : r.runs[0].daily) {
    const double upo = d.values[metric_index("units_per_order")];
    if (!std::isnan(upo)) CHECK(upo >= 1.0);
  }
}

TEST_CASE("new customers and their lifetime value", "[clicks]") {
  // Without warm-up every buyer of the run is a new customer, and every line counts towards the
  // lifetime value, discounted by a factor between 1.1^(-30/365) (30 days) and 1.
  const ExperimentResult r = run_experiment(market_with(""));
  const double fresh = total(r, "new_customers"), clv = total(r, "customer_lifetime_value");
  CHECK(fresh == total(r, "active_customers"));
  double daily = 0;
  for (const DailyRow& d : r.runs[0].daily) daily += d.values[metric_index("new_customers")];
  CHECK(daily == fresh);
  const double profit = total(r, "gross_profit");
  REQUIRE(profit > 0);
  CHECK(clv * fresh <= profit * (1 + 1e-12));
  CHECK(clv * fresh >= profit * std::pow(1.1, -30.0 / 365.0) * (1 - 1e-12));
  // With warm-up, buyers of the warm-up are not new, and the measured new customers are fewer.
  const ExperimentResult w = run_experiment(market_with("", {"/warmup_days=10"}));
  CHECK(total(w, "new_customers") < total(w, "active_customers"));
  CHECK(total(w, "customer_lifetime_value") > 0);
}

TEST_CASE("a run with the clicks module is identical for any thread count and shard size",
          "[clicks][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(
        run_experiment(market_with(", \"intercept\": 1, \"slope\": 0.5", {"/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("1000", 2) == one);
  CHECK(run("777", 2) == one);
}
