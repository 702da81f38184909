// Coupons (strategies/promotions/coupon.cpp) and their targeting rules (strategies/targeting.h): the
// learners (strategies/learning/: K-means, ridge and the two-model uplift estimator) on synthetic
// data with a known answer, the engine's coupon mechanics (each coupon redeemed at most once and
// never after expiry, percent coupons on the eligible subtotal, the issuance limit, the counts in
// the books), the new parameters' one-line errors, determinism across threads, and
// scenarios/coupon-targeting.json at a smaller size (uplift beats random on ROI at equal coupon
// counts). Statistical checks fix their seeds and state their bounds as confidence levels.
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/statistics.h"
#include "engine/simulation.h"
#include "mechanics/coupon_wallet.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/learning/kmeans.h"
#include "strategies/learning/ridge.h"
#include "strategies/registry.h"
#include "strategies/targeting.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";
const std::string kCouponTargeting = MARKETSIM_SOURCE_DIR "/scenarios/coupon-targeting.json";

/// The reference market at 3,000 consumers and 100 products over 30 days, one replication, with
/// `promotions` (a JSON list) as its arm's promotions.
Scenario market_with(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=3000", "/market/categories/0/products=100",
                                "/replications=1", "/arms/0/promotions=" + promotions};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

/// The same market with two categories of 50 products ("a" and "b").
Scenario two_categories(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {
      "/market/categories=[{\"name\": \"a\", \"products\": 50, \"price_min\": 5, \"price_max\": 50}, "
      "{\"name\": \"b\", \"products\": 50, \"price_min\": 5, \"price_max\": 50}]"};
  o.insert(o.end(), extra.begin(), extra.end());
  return market_with(promotions, o);
}

double total(const ExperimentResult& r, const std::string& metric, std::size_t run = 0) {
  return r.runs.at(run).totals[metric_index(metric)];
}

/// A metric summed over every day of a run, warm-up included.
double all_days(const ExperimentResult& r, const std::string& metric, std::size_t run = 0) {
  double t = 0;
  for (const DailyRow& d : r.runs.at(run).daily) t += d.values[metric_index(metric)];
  return t;
}

/// Every settled line of one run of the scenario's first arm.
struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
};
std::vector<LineRecord> lines_of(const Scenario& sc) {
  ArmRun run(sc);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec.lines;
}

/// Points around `centres` (rows), `per` each, with standard deviation `sd` per coordinate.
Eigen::MatrixXd blobs(const Eigen::MatrixXd& centres, int per, double sd, std::uint64_t seed) {
  Eigen::MatrixXd x(centres.rows() * per, centres.cols());
  CounterRng rng(stream_key(seed, 0, 0, Purpose::kTest));
  boost::random::normal_distribution<double> normal(0.0, sd);
  for (Eigen::Index b = 0; b < centres.rows(); ++b) {
    for (int i = 0; i < per; ++i) {
      for (Eigen::Index j = 0; j < centres.cols(); ++j) x(b * per + i, j) = centres(b, j) + normal(rng);
    }
  }
  return x;
}

}  // namespace

TEST_CASE("K-means recovers well-separated clusters, the same for the same seed", "[coupons][learning]") {
  // Four blobs of 150 points, sd 0.5, centres 10 apart: every point is nearer its own centre than
  // any other by far more than any draw reaches (10 / 2 = 10 sd), so the partition is the blobs
  // whatever the seeding. Each centroid is a mean of 150 points: within 4 standard errors
  // (4 x 0.5 / sqrt(150) = 0.16 per coordinate; 99.99% each) of its centre.
  Eigen::MatrixXd centres(4, 3);
  centres << 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10;
  const int per = 150;
  const Eigen::MatrixXd x = blobs(centres, per, 0.5, 7);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    CounterRng rng(stream_key(seed, 0, 1, Purpose::kTest));
    const KMeansResult r = kmeans(x, 4, rng);
    CHECK(r.converged);
    std::set<std::uint32_t> labels;
    for (int b = 0; b < 4; ++b) {
      const std::uint32_t label = r.labels[static_cast<std::size_t>(b * per)];
      labels.insert(label);
      for (int i = 0; i < per; ++i) CHECK(r.labels[static_cast<std::size_t>(b * per + i)] == label);
      CHECK(r.sizes[label] == static_cast<std::size_t>(per));
      CHECK((r.centroids.row(label) - centres.row(b)).cwiseAbs().maxCoeff() < 4 * 0.5 / std::sqrt(per));
    }
    CHECK(labels.size() == 4);
    // Deterministic: the same stream gives the same bits.
    CounterRng again(stream_key(seed, 0, 1, Purpose::kTest));
    const KMeansResult s = kmeans(x, 4, again);
    CHECK(s.labels == r.labels);
    CHECK(s.centroids == r.centroids);
    CHECK(s.inertia == r.inertia);
  }
  // More clusters than distinct points left: k = n works, k = 0 and k > n are errors.
  CounterRng rng(1);
  CHECK(kmeans(centres, 4, rng).inertia == 0.0);
  CHECK_THROWS_AS(kmeans(centres, 5, rng), std::invalid_argument);
  CHECK_THROWS_AS(kmeans(centres, 0, rng), std::invalid_argument);
}

TEST_CASE("ridge regression solves its normal equations, and the two-model estimator recovers a planted uplift",
          "[coupons][learning][statistical]") {
  // Without noise and with a tiny penalty, ridge returns the coefficients.
  Eigen::MatrixXd x = blobs(Eigen::MatrixXd::Zero(1, 3), 200, 1.0, 11);
  const Eigen::Vector3d b(0.5, -2.0, 1.5);
  const RidgeModel exact = fit_ridge(x, (x * b).array() + 3.0, 1e-12);
  CHECK((exact.slopes - b).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(exact.intercept == Approx(3.0).margin(1e-8));
  // A penalty shrinks the slopes toward zero.
  CHECK(fit_ridge(x, (x * b).array() + 3.0, 10.0).slopes.norm() < b.norm());

  // y = 1 + x.b + T (0.5 + 2 x_0) + e, e ~ N(0, 1), T a fair coin, n = 40,000: each model's
  // coefficients have standard errors of about 1 / sqrt(20,000) = 0.0071, their difference
  // 0.0100. The uplift's intercept and slopes must lie within 4 of those (99.99% each) of the
  // planted 0.5, (2, 0, 0).
  const int n = 40000;
  x = blobs(Eigen::MatrixXd::Zero(1, 3), n, 1.0, 12);
  CounterRng rng(stream_key(13, 0, 0, Purpose::kTest));
  boost::random::normal_distribution<double> noise(0.0, 1.0);
  std::vector<bool> treated(static_cast<std::size_t>(n));
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    treated[static_cast<std::size_t>(i)] = rng.uniform() < 0.5;
    const double t = treated[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
    y(i) = 1.0 + x.row(i).dot(b) + t * (0.5 + 2.0 * x(i, 0)) + noise(rng);
  }
  const TwoModelUplift u = fit_two_model_uplift(x, y, treated, 1e-6);
  const double bound = 4 * 0.0100;
  CHECK(std::fabs(u.treated.intercept - u.control.intercept - 0.5) < bound);
  const Eigen::VectorXd slope = u.treated.slopes - u.control.slopes;
  CHECK(std::fabs(slope(0) - 2.0) < bound);
  CHECK(std::fabs(slope(1)) < bound);
  CHECK(std::fabs(slope(2)) < bound);
  Eigen::MatrixXd probe(2, 3);
  probe << 0, 0, 0, 1, 0, 0;
  const Eigen::VectorXd predicted = u.predict(probe);
  CHECK(predicted(0) == Approx(0.5).margin(bound));
  CHECK(predicted(1) == Approx(2.5).margin(2 * bound));
  CHECK_THROWS_AS(fit_two_model_uplift(x, y, std::vector<bool>(static_cast<std::size_t>(n), true), 1e-6),
                  std::invalid_argument);
}

TEST_CASE("a percent coupon takes its share of the eligible subtotal, capped at max_value", "[coupons]") {
  const Coupon c{.percent_off = 0.25, .min_spend = 1000, .max_off = 500};
  CHECK(c.value_on(999) == 0);      // below the minimum spend
  CHECK(c.value_on(1000) == 250);
  CHECK(c.value_on(1999) == 500);   // 499.75 rounds to 500 cents
  CHECK(c.value_on(4000) == 500);   // capped
  const Coupon uncapped{.percent_off = 0.25};
  CHECK(uncapped.value_on(4000) == 1000);
  const Coupon money{.amount_off = 300, .max_off = 100};  // the cap applies to percent coupons only
  CHECK(money.value_on(4000) == 300);

  // In a run: 30% off category "a" for every consumer, every 5 days, valid 5 days. On every
  // order that redeemed it (a discount on some line), the discount is 30% of the order's
  // category-a subtotal, rounded to the cent and shared among the category-a lines only.
  const Scenario sc = two_categories(
      "[{\"name\": \"coupon\", \"percent\": 0.3, \"category\": \"a\", \"every\": 5, \"expiry_days\": 5}]");
  const std::vector<LineRecord> lines = lines_of(sc);
  std::map<std::pair<ConsumerId, std::uint32_t>, std::pair<Money, Money>> orders;  // eligible subtotal, discount
  std::size_t redeemed = 0;
  const Market market = build_market(sc.market, sc.seed, 0);
  for (const LineRecord& l : lines) {
    auto& [eligible, discount] = orders[{l.consumer, l.visit}];
    if (market.catalog.category[l.product] == 0) {
      eligible += static_cast<Money>(l.quantity) * l.unit_paid();
    } else {
      CHECK(l.order_discount == 0);
    }
    discount += l.order_discount;
  }
  for (const auto& [key, o] : orders) {
    if (o.second == 0) continue;
    ++redeemed;
    CHECK(o.second == discount_of(o.first, 0.3));
  }
  CHECK(redeemed > 100);
}

TEST_CASE("a coupon is redeemed at most once and never after it expires", "[coupons][invariants]") {
  // Coupons every 7 days to everyone, valid 4 days: consumer c holds coupon k only in
  // [7k, 7k + 4). Each consumer redeems at most one coupon per period, only inside its validity,
  // and no order carries two (value 3.00 off orders of at least 5.00: whole coupons).
  const Scenario sc = market_with(
      "[{\"name\": \"coupon\", \"value\": 3, \"min_spend\": 5, \"every\": 7, \"expiry_days\": 4}]",
      {"/horizon_days=35"});
  const std::vector<LineRecord> lines = lines_of(sc);
  std::map<std::pair<ConsumerId, std::uint32_t>, Money> order_discount;
  std::map<std::pair<ConsumerId, Day>, int> per_period;
  for (const LineRecord& l : lines) order_discount[{l.consumer, l.visit}] += l.order_discount;
  std::map<std::pair<ConsumerId, std::uint32_t>, Time> order_time;
  for (const LineRecord& l : lines) order_time[{l.consumer, l.visit}] = l.time;
  std::size_t redeemed = 0;
  for (const auto& [key, discount] : order_discount) {
    if (discount == 0) continue;
    ++redeemed;
    CHECK(discount == 300);
    const Time t = order_time[key];
    const Day period = day_of(t) / 7;
    CHECK(t < static_cast<Time>(7 * period + 4));  // never after expiry
    CHECK(++per_period[{key.first, period}] == 1);  // at most once
  }
  CHECK(redeemed > 100);
  // The books agree: every coupon issued was redeemed or expired (occasions on days 0 to 28, the
  // last valid until day 32 < 35), and the engine checked issued = redeemed + expired + held.
  const ExperimentResult r = run_experiment(sc);
  CHECK(all_days(r, "coupons_issued") == 5 * 3000);  // days 0, 7, 14, 21, 28
  CHECK(all_days(r, "coupons_redeemed") == static_cast<double>(redeemed));
  CHECK(all_days(r, "coupons_redeemed") + all_days(r, "coupons_expired") == 5 * 3000);
  CHECK(total(r, "coupon_discounts") == Approx(3.0 * static_cast<double>(redeemed)).margin(0.001));
  CHECK(total(r, "coupon_costs") == 0.0);
}

TEST_CASE("the issuance limit caps the coupons issued over the run", "[coupons]") {
  const auto issued = [](const std::string& coupon) {
    const ExperimentResult r = run_experiment(market_with("[{\"name\": \"coupon\", \"value\": 2, \"cost\": 0.01, " + coupon + "}]"));
    CHECK(total(r, "coupon_costs") == Approx(total(r, "coupons_issued") * 0.01).margin(0.001));
    return total(r, "coupons_issued");
  };
  CHECK(issued("\"every\": 1") == 30 * 3000);
  CHECK(issued("\"every\": 1, \"limit\": 7777") == 7777);          // cut mid-occasion, then nothing
  CHECK(issued("\"every\": 1, \"limit\": 3000") == 3000);          // exactly one occasion
  CHECK(issued("\"every\": 1, \"limit\": 1000000") == 30 * 3000);  // never reached
  CHECK(issued("\"to\": \"random\", \"share\": 0.2, \"every\": 2, \"limit\": 2500") == 2500);
  CHECK(issued("\"to\": \"random\", \"count\": 700, \"every\": 3") == 10 * 700);
  CHECK(issued("\"to\": \"random\", \"count\": 700, \"every\": 3, \"limit\": 1500") == 1500);
}

TEST_CASE("segment targeting addresses exactly the named segments' consumers", "[coupons]") {
  // Three segments of 1,000; coupons to "b" and "c" on day 3: 2,000 issued, every redemption by
  // a consumer of those segments (ids 1,000 .. 2,999).
  const Scenario sc = market_with(
      "[{\"name\": \"coupon\", \"value\": 2, \"to\": \"segment\", \"segments\": [\"c\", \"b\"], \"day\": 3}]",
      {"/market/segments=[{\"name\": \"a\", \"consumers\": 1000}, {\"name\": \"b\", \"consumers\": 1000}, "
       "{\"name\": \"c\", \"consumers\": 1000}]"});
  const ExperimentResult r = run_experiment(sc);
  CHECK(total(r, "coupons_issued") == 2000);
  std::size_t redemptions = 0;
  for (const LineRecord& l : lines_of(sc)) {
    if (l.order_discount == 0) continue;
    ++redemptions;
    CHECK(l.consumer >= 1000);
    CHECK(l.time >= 3.0);
  }
  CHECK(redemptions > 0);
}

TEST_CASE("random by count, K-means and uplift issue exactly count coupons per occasion and share the pilot",
          "[coupons]") {
  // Occasions on days 7, 14, 21, 28: the pilot (days 7 and 14) draws the same consumers as
  // "random" by count on those days, in every learned rule.
  const auto targets = [](const std::string& rule) {
    register_builtin_strategies();
    const Scenario sc = market_with("[{\"name\": \"coupon\", \"value\": 2, \"day\": 7, \"every\": 7, \"count\": 400, " +
                                    rule + "}]");
    const ArmRun run(sc);
    BuildContext ctx = run.build_context();
    ctx.promotion = 0;  // the arm's first promotion
    Targeting t(sc.arms[0].sellers[0].promotions[0].params, ctx);
    std::vector<std::vector<ConsumerId>> out;
    for (Day d : {7, 14, 21, 28}) {
      const Targeting::Selection s = t.select(d);
      t.addressed(d, s.consumers);
      out.push_back(s.consumers);
    }
    return out;
  };
  const auto random = targets("\"to\": \"random\"");
  const auto lift = targets("\"to\": \"kmeans\", \"pilot_days\": 14");
  const auto monetary = targets("\"to\": \"kmeans\", \"cluster_rank\": \"monetary\", \"pilot_days\": 14");
  const auto uplift = targets("\"to\": \"uplift\", \"pilot_days\": 14");
  for (const auto* rule : {&random, &lift, &monetary, &uplift}) {
    for (const auto& occasion : *rule) {
      CHECK(occasion.size() == 400);
      CHECK(std::set<ConsumerId>(occasion.begin(), occasion.end()).size() == 400);  // distinct
    }
  }
  for (std::size_t k = 0; k < 2; ++k) {
    CHECK(lift[k] == random[k]);
    CHECK(uplift[k] == random[k]);
  }
  CHECK(random[0] != random[1]);  // a fresh draw per occasion
}

TEST_CASE("every new coupon and targeting parameter rejects bad values with a one-line error", "[coupons]") {
  const auto error = [](const std::string& promotion, std::vector<std::string> extra = {}) {
    try {
      (void)market_with("[{\"name\": \"coupon\", " + promotion + "}]", extra);
    } catch (const ScenarioError& e) {
      return std::string(e.pointer()) + " | " + e.what();
    }
    return std::string("no error");
  };
  const auto check = [&](const std::string& promotion, const std::string& key, const std::string& words) {
    const std::string what = error(promotion);
    INFO(what);
    CHECK(what.rfind("/arms/0/promotions/0/" + key + " | ", 0) == 0);
    CHECK(what.find(words) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  };
  // Value or percent.
  check("\"percent\": 0.2, \"value\": 1", "percent", "not both");
  check("\"min_spend\": 1", "value", "is required (or give percent)");
  check("\"percent\": 0", "percent", "(0, 1]");
  check("\"percent\": 1.5", "percent", "(0, 1]");
  check("\"percent\": \"half\"", "percent", "number");
  check("\"value\": 1, \"max_value\": 5", "max_value", "only with percent");
  check("\"percent\": 0.2, \"max_value\": 0", "max_value", "(0, 1e+09]");
  check("\"percent\": 0.2, \"max_value\": 0.001", "max_value", "one cent");
  check("\"value\": 1, \"limit\": 0", "limit", "[1,");
  check("\"value\": 1, \"limit\": 2.5", "limit", "integer");
  check("\"value\": 1, \"expiry_days\": 0", "expiry_days", "[1,");
  check("\"value\": 1, \"cost\": -1", "cost", "[0,");
  // Counts and shares.
  check("\"value\": 1, \"count\": 5", "count", "only with");
  check("\"value\": 1, \"to\": \"random\", \"count\": 5, \"share\": 0.1", "count", "not both");
  check("\"value\": 1, \"to\": \"random\", \"count\": 0", "count", "[1,");
  check("\"value\": 1, \"to\": \"random\", \"count\": 3001", "count", "exceeds the market's 3000 consumers");
  check("\"value\": 1, \"to\": \"random\"", "share", "is required");
  check("\"value\": 1, \"to\": \"uplift\", \"pilot_days\": 7, \"every\": 7", "count", "is required");
  check("\"value\": 1, \"to\": \"kmeans\", \"share\": 0.0001, \"cluster_rank\": \"monetary\"", "share",
        "addresses no consumer");
  // Segments.
  check("\"value\": 1, \"to\": \"segment\"", "segments", "is required");
  check("\"value\": 1, \"to\": \"segment\", \"segments\": []", "segments", "is required");
  check("\"value\": 1, \"to\": \"segment\", \"segments\": [\"vip\"]", "segments", "\"vip\" is not a segment");
  check("\"value\": 1, \"to\": \"segment\", \"segments\": [1]", "segments/0", "expected a string");
  check("\"value\": 1, \"segments\": [\"all\"]", "segments", "only with");
  // Learned rules.
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"every\": 7", "pilot_days", "is required");
  check("\"value\": 1, \"to\": \"kmeans\", \"count\": 10, \"every\": 7", "pilot_days", "cluster_rank \"lift\"");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 0, \"every\": 7", "pilot_days", "[1,");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 7", "every", "at least 1");
  check("\"value\": 1, \"pilot_days\": 7", "pilot_days", "only with");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 7, \"every\": 7, \"pilot_share\": 1",
        "pilot_share", "leaves no consumer");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 7, \"every\": 7, \"pilot_share\": 0",
        "pilot_share", "(0, 1]");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 3000, \"pilot_days\": 7, \"every\": 7", "count",
        "leaves no consumer");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 7, \"every\": 7, \"response_days\": 8",
        "response_days", "at most every");
  check("\"value\": 1, \"to\": \"kmeans\", \"count\": 10, \"cluster_rank\": \"monetary\", \"response_days\": 3",
        "response_days", "only with pilot_days");
  check("\"value\": 1, \"to\": \"kmeans\", \"count\": 10, \"cluster_rank\": \"monetary\", \"clusters\": 0",
        "clusters", "[1,");
  check("\"value\": 1, \"to\": \"kmeans\", \"count\": 10, \"cluster_rank\": \"best\"", "cluster_rank", "monetary");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"clusters\": 3", "clusters", "only with");
  check("\"value\": 1, \"to\": \"kmeans\", \"count\": 10, \"cluster_rank\": \"monetary\", \"ridge\": 1", "ridge",
        "only with");
  check("\"value\": 1, \"to\": \"uplift\", \"count\": 10, \"pilot_days\": 7, \"every\": 7, \"ridge\": 0", "ridge",
        "(0,");
  check("\"value\": 1, \"to\": \"everyone\"", "to", "uplift");
}

TEST_CASE("coupon targeting by K-means and uplift gives the same bytes on 1 and 2 threads and any shard size",
          "[coupons][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(load_scenario(
        kCouponTargeting, {"/market/segments/0/consumers=600", "/market/segments/1/consumers=800",
                           "/market/segments/2/consumers=400", "/replications=2", "/horizon_days=56",
                           "/arms/1/promotions/0/count=200", "/arms/2/promotions/0/count=200",
                           "/arms/3/promotions/0/count=200", "/arms/4/promotions/0/count=200",
                           "/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("65536", 1);
  CHECK(run("65536", 2) == one);
  CHECK(run("333", 2) == one);
}

TEST_CASE("coupon-targeting: uplift beats random on ROI at equal coupon counts", "[coupons][statistical][scenarios]") {
  // scenarios/coupon-targeting.json at half the consumers and coupons, 12 replications (seed
  // 2029): per replication ROI = (contribution - the no-coupon arm's) / promotion spend, paired
  // across arms by common random numbers. The uplift arm's ROI minus the random arm's must have a
  // two-sided 99% Student-t interval above zero; so must its contribution minus random's.
  const Scenario sc = load_scenario(
      kCouponTargeting,
      {"/market/segments/0/consumers=1250", "/market/segments/1/consumers=1750", "/market/segments/2/consumers=1000",
       "/replications=12", "/arms/1/promotions/0/count=500", "/arms/2/promotions/0/count=500",
       "/arms/3/promotions/0/count=500", "/arms/4/promotions/0/count=500"});
  const ExperimentResult r = run_experiment(sc);
  const std::size_t reps = 12;
  std::map<std::string, std::size_t> arm;
  for (std::size_t a = 0; a < sc.arms.size(); ++a) arm[sc.arms[a].name] = a;
  const auto at = [&](const std::string& name, std::size_t rep, const std::string& metric) {
    return r.runs.at(arm.at(name) * reps + rep).totals[metric_index(metric)];
  };
  const auto roi = [&](const std::string& name, std::size_t rep) {
    return (at(name, rep, "contribution") - at("no-coupon", rep, "contribution")) / at(name, rep, "promotion_spend");
  };
  // Equal coupon counts: 9 occasions (days 28, 35, ..., 84) x 500 in every coupon arm, exactly
  // (counts are exact and no budget or limit binds).
  for (const char* name : {"random", "kmeans-lift", "kmeans-monetary", "uplift"}) {
    for (std::size_t rep = 0; rep < reps; ++rep) CHECK(at(name, rep, "coupons_issued") == 9 * 500);
  }
  std::vector<double> roi_gain, contribution_gain;
  for (std::size_t rep = 0; rep < reps; ++rep) {
    roi_gain.push_back(roi("uplift", rep) - roi("random", rep));
    contribution_gain.push_back(at("uplift", rep, "contribution") - at("random", rep, "contribution"));
  }
  const Interval g = mean_interval(roi_gain, 0.99);
  const Interval c = mean_interval(contribution_gain, 0.99);
  INFO("ROI uplift - random: " << g.mean << " [" << g.low << ", " << g.high << "]; contribution: " << c.mean << " ["
                               << c.low << ", " << c.high << "]");
  CHECK(g.low > 0.0);
  CHECK(c.low > 0.0);
}

TEST_CASE("wallets: find and find_from give every coupon of a consumer in issue order, and expiry drops exactly the expired",
          "[coupons]") {
  // Holders spread unevenly over the ids (a dense run, a sparse tail, several coupons each), so
  // find_from() gallops over gaps of every size; coupons come in two commits, the first in
  // consumer order (appended), the second interleaved with it (a merge) and not in consumer order
  // (a sort).
  CounterRng rng(stream_key(5, 0, 0, Purpose::kTest));
  Wallets wallets;
  std::vector<Wallets::Entry> all;
  const auto issue = [&](ConsumerId c, Time expires) {
    HeldCoupon h{};
    h.coupon.amount_off = 100;
    h.coupon.expires = expires;
    h.promotion = static_cast<std::int32_t>(all.size());
    wallets.add(c, h);
    all.push_back(Wallets::Entry{c, h});
  };
  for (ConsumerId c = 100; c < 400; ++c) {
    if (rng.uniform() < 0.7) issue(c, 10.0 + static_cast<Time>(rng.below(5)));
  }
  for (ConsumerId c = 400; c < 200000; c += static_cast<ConsumerId>(1 + rng.below(5000))) issue(c, 12.0);
  wallets.commit();
  for (int k = 0; k < 400; ++k) issue(static_cast<ConsumerId>(rng.below(250000)), 11.0 + static_cast<Time>(rng.below(3)));
  wallets.commit();
  // The expected wallets: every coupon by consumer, in the order issued.
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.consumer < b.consumer; });
  const auto check = [&] {
    std::size_t cursor = 0;
    for (ConsumerId c = 0; c < 250001; ++c) {
      std::vector<std::int32_t> expected;
      for (auto it = std::lower_bound(all.begin(), all.end(), c, [](const auto& e, ConsumerId x) { return e.consumer < x; });
           it != all.end() && it->consumer == c; ++it) {
        expected.push_back(it->held.promotion);
      }
      std::vector<std::int32_t> found, found_from;
      for (const auto& e : wallets.find(c)) found.push_back(e.held.promotion);
      for (const auto& e : wallets.find_from(c, cursor)) found_from.push_back(e.held.promotion);
      INFO("consumer " << c);
      REQUIRE(found == expected);
      REQUIRE(found_from == expected);
    }
  };
  check();
  REQUIRE(wallets.size() == all.size());
  // Nothing expires before day 10, the earliest expiry; then exactly the coupons due, in consumer order.
  std::size_t expired = 0;
  wallets.expire(9.5, [&](ConsumerId, const HeldCoupon&) { ++expired; }, [](ConsumerId) {});
  CHECK(expired == 0);
  CHECK(wallets.size() == all.size());
  for (const Time now : {11.0, 12.5, 20.0}) {
    std::vector<ConsumerId> order;
    wallets.expire(now, [&](ConsumerId c, const HeldCoupon& h) {
      CHECK(h.coupon.expires <= now);
      order.push_back(c);
    }, [](ConsumerId) {});
    const std::size_t before = all.size();
    std::erase_if(all, [&](const auto& e) { return e.held.coupon.expires <= now; });
    CHECK(order.size() == before - all.size());
    CHECK(std::is_sorted(order.begin(), order.end()));
    CHECK(wallets.size() == all.size());
    check();
  }
  CHECK(wallets.size() == 0);
}
