// Parameter uncertainty (scenarios/uncertainty.h) and its variance decomposition
// (analysis/statistics.h variance_components, analysis/uncertainty_summary.h): the one-way
// random-effects ANOVA against a hand-computed case and against simulated data of known between-
// and within-group variance; the truncated distributions' medians and means against closed forms;
// draws keyed by (seed, draw) and shared by a draw's replications and arms; runs.csv's drawn
// values; bounds outside a parameter's declared range and other bad input as one-line errors.
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "analysis/report.h"
#include "analysis/statistics.h"
#include "analysis/uncertainty_summary.h"
#include "experiments/experiment.h"
#include "experiments/sweep.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"
#include "scenarios/uncertainty.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

/// The summer sale at a toy size (20 days, its sale on days 5-12, 1,500 consumers), two arms,
/// with the bargain hunters' price sensitivity uncertain and `uncertainty` as given.
Json small_uncertain(const std::string& uncertainty = R"({"draws": 3, "replications_per_draw": 2})") {
  Json b = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  b.erase("replications");
  b["horizon_days"] = 20;
  b["warmup_days"] = 0;
  b["market"]["segments"][0]["consumers"] = 600;
  b["market"]["segments"][1]["consumers"] = 900;
  b["arms"] = Json::array({b["arms"][0], b["arms"][2]});
  b["arms"][1]["promotions"][0]["start"] = 5;
  b["arms"][1]["promotions"][0]["end"] = 12;
  b["market"]["segments"][0]["price_sensitivity_median"] =
      Json::parse(R"({"$dist": "uniform", "min": 0.02, "max": 0.12, "name": "sensitivity"})");
  b["uncertainty"] = Json::parse(uncertainty);
  return b;
}

std::string error_of(const Json& doc) {
  try {
    (void)parse_scenario(doc, "u.json");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("variance components: a hand-computed one-way ANOVA", "[uncertainty][statistics]") {
  // Groups {1, 2, 3} and {4, 5, 6}: means 2 and 5, grand mean 3.5; SSB = 3 (1.5^2) 2 = 13.5 on 1
  // degree of freedom, SSW = 2 + 2 = 4 on 4: MSB = 13.5, MSW = 1, n0 = 3, between = 12.5 / 3.
  const std::vector<double> y = {1, 2, 3, 4, 5, 6};
  const std::vector<std::uint64_t> g = {7, 7, 7, 9, 9, 9};
  const VarianceComponents v = variance_components(y, g);
  CHECK(v.mean == Approx(3.5));
  CHECK(v.within == Approx(1.0));
  CHECK(v.between == Approx(12.5 / 3.0));
  CHECK(v.between_share == Approx((12.5 / 3.0) / (12.5 / 3.0 + 1.0)));
  CHECK(v.f == Approx(13.5));
  // F(1, 4) = t(4)^2: P(F >= 13.5) = P(|t_4| >= sqrt(13.5)) = 0.021312 (t table, 4 df).
  CHECK(v.p_value == Approx(0.021312).margin(2e-5));
  CHECK(v.groups == 2);
  CHECK(v.n == 6);
  CHECK(v.group_means.mean == Approx(3.5));
  // Equal group means: no between variance, and the estimate is clamped at 0.
  const std::vector<double> flat = {1, 3, 2, 2, 1, 3};
  const VarianceComponents z = variance_components(flat, g);
  CHECK(z.between == 0.0);
  CHECK(z.within == Approx(1.0));
  CHECK(z.p_value == Approx(1.0));
  // One group: nothing between to estimate.
  const std::vector<std::uint64_t> one(6, 0);
  CHECK(std::isnan(variance_components(y, one).between));
}

TEST_CASE("variance components recover known between- and within-group variances", "[uncertainty][statistics]") {
  // y = 10 + a_g + e_gi, a ~ N(0, 4), e ~ N(0, 1). With k groups of n, Var(MSW) = 2 / (k (n - 1))
  // and Var(between) ~ 2 (4 + 1/n)^2 / (k - 1) / ... (Searle et al. 1992, 3.6); the tolerances
  // below are 5 of those standard deviations (two-sided, p < 1e-6 each).
  std::mt19937_64 rng(20261207);
  std::normal_distribution<double> a(0.0, 2.0), e(0.0, 1.0);
  for (const bool balanced : {true, false}) {
    const std::size_t k = 2000;
    std::vector<double> y;
    std::vector<std::uint64_t> g;
    std::size_t n_total = 0;
    for (std::size_t group = 0; group < k; ++group) {
      const double effect = a(rng);
      const std::size_t n = balanced ? 4 : 2 + group % 5;  // 2 .. 6
      for (std::size_t i = 0; i < n; ++i) {
        y.push_back(10.0 + effect + e(rng));
        g.push_back(group);
      }
      n_total += n;
    }
    INFO("balanced " << balanced);
    const VarianceComponents v = variance_components(y, g);
    const double sd_within = std::sqrt(2.0 / static_cast<double>(n_total - k));
    const double sd_between = std::sqrt(2.0 * std::pow(4.0 + 1.0 / 2.0, 2) / static_cast<double>(k - 1));
    CHECK(std::abs(v.within - 1.0) < 5 * sd_within);
    CHECK(std::abs(v.between - 4.0) < 5 * sd_between);
    CHECK(v.between_share == Approx(0.8).margin(0.05));
    CHECK(v.p_value < 1e-12);
    CHECK(v.group_means.low < 10.0);
    CHECK(v.group_means.high > 10.0);
  }
}

TEST_CASE("uncertain values: truncated distributions, their medians and means", "[uncertainty]") {
  const Json doc = Json::parse(R"({
    "uncertainty": {"draws": 2, "replications_per_draw": 2},
    "a": {"$dist": "uniform", "min": 2, "max": 6},
    "b": {"$dist": "normal", "mean": 0, "sd": 1, "min": -1, "max": 2},
    "c": {"$dist": "beta", "alpha": 2, "beta": 2, "min": 10, "max": 20},
    "d": {"$dist": "lognormal", "mu": 0.5, "sigma": 0.2, "min": 0.01, "max": 100},
    "e": [{"$dist": "uniform", "min": 0.5, "max": 3.5, "integer": true, "name": "count"}]})");
  const Uncertainty u = read_uncertainty(doc, "u.json");
  REQUIRE(u.values.size() == 5);
  CHECK(u.values[4].pointer == "/e/0");
  CHECK(u.values[4].name == "count");
  CHECK(u.values[0].name == "/a");
  CHECK(u.values[0].quantile(0.5) == Approx(4.0));
  CHECK(u.values[2].quantile(0.5) == Approx(15.0));           // beta(2, 2) is symmetric
  CHECK(u.values[3].quantile(0.5) == Approx(std::exp(0.5)));  // bounds far in the tails
  CHECK(u.values[1].quantile(0.0) == Approx(-1.0));
  CHECK(u.values[1].quantile(1.0) == Approx(2.0));
  CHECK(u.values[4].quantile(0.0) == 1.0);  // rounded into [ceil(min), floor(max)]
  CHECK(u.values[4].quantile(1.0) == 3.0);
  // 20,000 draws: each one's values within bounds; the truncated normal's mean is
  // (phi(-1) - phi(2)) / (Phi(2) - Phi(-1)) = 0.229637 (its sd 0.7445: 5 standard errors 0.0263);
  // uniform's 4 (sd 1.155: 0.041); the integer values 1, 2, 3 (U(0.5, 3.5) rounded) each 1/3.
  const boost::math::normal z;
  const double expected_b = (boost::math::pdf(z, -1.0) - boost::math::pdf(z, 2.0)) /
                            (boost::math::cdf(z, 2.0) - boost::math::cdf(z, -1.0));
  CHECK(expected_b == Approx(0.229637).margin(1e-5));
  double sum_a = 0, sum_b = 0, threes = 0;
  const int draws = 20000;
  for (int d = 0; d < draws; ++d) {
    const std::vector<double> v = u.values_of_draw(42, static_cast<std::uint64_t>(d));
    REQUIRE(v[0] >= 2.0);
    REQUIRE(v[0] <= 6.0);
    REQUIRE(v[1] >= -1.0);
    REQUIRE(v[1] <= 2.0);
    REQUIRE(v[2] >= 10.0);
    REQUIRE(v[2] <= 20.0);
    REQUIRE(v[4] == std::round(v[4]));
    sum_a += v[0];
    sum_b += v[1];
    threes += v[4] == 3.0 ? 1 : 0;
  }
  CHECK(std::abs(sum_a / draws - 4.0) < 5 * 1.1547 / std::sqrt(draws));
  CHECK(std::abs(sum_b / draws - expected_b) < 5 * 0.7445 / std::sqrt(draws));
  CHECK(std::abs(threes / draws - 1.0 / 3.0) < 5 * std::sqrt(2.0 / 9.0) / std::sqrt(draws));
  // Keyed by (seed, draw): the same draw gives the same values; another seed or draw others.
  CHECK(u.values_of_draw(42, 7) == u.values_of_draw(42, 7));
  CHECK(u.values_of_draw(42, 7) != u.values_of_draw(43, 7));
  CHECK(u.values_of_draw(42, 7) != u.values_of_draw(42, 8));
  // The document of a draw has numbers in place of the distributions (integers as integers).
  const Json drawn = u.document_with(u.values_of_draw(42, 7));
  CHECK(drawn["a"].is_number_float());
  CHECK(drawn["e"][0].is_number_integer());
  CHECK(!drawn.contains("uncertainty"));
}

TEST_CASE("a scenario with uncertainty: each draw shared by its replications and arms", "[uncertainty][run]") {
  const Scenario sc = parse_scenario(small_uncertain(), "u.json");
  REQUIRE(sc.uncertainty);
  CHECK(sc.replications == 6);
  CHECK(sc.market.segments[0].price_sensitivity_median == Approx(0.07));  // the median of U(0.02, 0.12)
  CHECK(sc.resolved["uncertainty"]["draws"] == 3);
  CHECK(sc.resolved["market"]["segments"][0]["price_sensitivity_median"]["$dist"] == "uniform");
  // The resolved scenario reads back to itself.
  CHECK(parse_scenario(sc.resolved, "u.json").resolved == sc.resolved);
  // Replications 0-1 are draw 0, 2-3 draw 1, 4-5 draw 2.
  const double v0 = draw_scenario(sc, 0).market.segments[0].price_sensitivity_median;
  CHECK(draw_scenario(sc, 1).market.segments[0].price_sensitivity_median == v0);
  const double v1 = draw_scenario(sc, 2).market.segments[0].price_sensitivity_median;
  CHECK(v1 != v0);
  CHECK(draw_scenario(sc, 3).market.segments[0].price_sensitivity_median == v1);
  CHECK(v0 >= 0.02);
  CHECK(v0 <= 0.12);

  const ExperimentResult result = run_experiment(sc);
  REQUIRE(result.runs.size() == 12);
  // runs.csv: the draw and the drawn value after the replication, the same for both arms.
  const std::string runs = output_texts(sc, result, summarize(result.runs, {"baseline", "outdoor-25-off"}, 0, 6),
                                        PerformanceInfo{}, {"runs.csv"})
                               .at(0)
                               .second;
  std::istringstream lines(runs);
  std::string header, row;
  std::getline(lines, header);
  CHECK(header.rfind("arm,replication,draw,sensitivity,", 0) == 0);
  std::vector<std::string> rows;
  while (std::getline(lines, row)) rows.push_back(row);
  REQUIRE(rows.size() == 12);
  const auto fields = [](const std::string& r) {
    std::vector<std::string> out;
    std::stringstream s(r);
    for (std::string f; std::getline(s, f, ',');) out.push_back(f);
    return out;
  };
  for (std::size_t i = 0; i < 6; ++i) {
    const auto base = fields(rows[i]), arm = fields(rows[6 + i]);
    CHECK(base[2] == std::to_string(i / 2));
    CHECK(base[2] == arm[2]);
    CHECK(base[3] == arm[3]);
    CHECK(std::stod(base[3]) == Approx(draw_scenario(sc, i).market.segments[0].price_sensitivity_median));
  }
  // The summary's decomposition: per arm and per paired difference, shares in [0, 1].
  const Json u = uncertainty_json(sc, result);
  CHECK(u["draws"] == 3);
  CHECK(u["values"][0]["name"] == "sensitivity");
  CHECK(u["values"][0]["drawn"].size() == 3);
  CHECK(u["arms"].size() == 2);
  CHECK(u["paired_differences"][0]["arm"] == "outdoor-25-off");
  const Json& gp = u["arms"][0]["metrics"]["gross_profit"];
  CHECK(gp["draws"] == 3);
  CHECK(gp["n"] == 6);
  CHECK(gp["between_share"].get<double>() >= 0.0);
  CHECK(gp["between_share"].get<double>() <= 1.0);
  // The same draws run one replication at a time (a run unit each) give the same results.
  ExperimentOptions later;
  later.first_replication = 2;
  Scenario part = sc;
  part.replications = 2;
  const ExperimentResult tail = run_experiment(part, later);
  const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {  // NaN: undefined alike
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
    }
    return true;
  };
  CHECK(same(tail.runs[0].totals, result.runs[2].totals));
  CHECK(same(tail.runs[3].totals, result.runs[6 + 3].totals));
  CHECK(!same(tail.runs[0].totals, result.runs[0].totals));
}

TEST_CASE("parameter uncertainty shows where it matters and not where it does not", "[uncertainty][run]") {
  // The number of regulars drawn from [200, 3000]: gross profit's between-draw share is large.
  Json sized = small_uncertain(R"({"draws": 4, "replications_per_draw": 2})");
  sized["market"]["segments"][0]["price_sensitivity_median"] = 0.05;
  sized["market"]["segments"][1]["consumers"] =
      Json::parse(R"({"$dist": "uniform", "min": 200, "max": 3000, "integer": true})");
  sized["arms"] = Json::array({sized["arms"][0]});
  const Scenario a = parse_scenario(sized, "u.json");
  const Json ua = uncertainty_json(a, run_experiment(a));
  CHECK(ua["arms"][0]["metrics"]["gross_profit"]["between_share"].get<double>() > 0.9);
  // A budget far above any spend, drawn: it changes nothing, so nothing is between draws.
  Json budget = small_uncertain(R"({"draws": 4, "replications_per_draw": 2})");
  budget["market"]["segments"][0]["price_sensitivity_median"] = 0.05;
  budget["arms"][1]["promotions"][0]["budget"] =
      Json::parse(R"({"$dist": "uniform", "min": 1e9, "max": 2e9})");
  const Scenario b = parse_scenario(budget, "u.json");
  const Json ub = uncertainty_json(b, run_experiment(b));
  const Json& d = ub["paired_differences"][0]["metrics"]["gross_profit"];
  CHECK(d["between_draw_variance"].get<double>() >= 0.0);
  // Draws of an irrelevant value are replications like any other: F is an F(3, 4) variate
  // (P(F > 16.7) = 0.01).
  CHECK(d["f"].get<double>() < 16.7);
}

TEST_CASE("bad uncertainty is a one-line error naming the file and pointer", "[uncertainty][input]") {
  Json doc = small_uncertain();
  doc.erase("uncertainty");
  CHECK(error_of(doc).find("u.json: /uncertainty: required when a value is a distribution") == 0);
  doc = small_uncertain(R"({"draws": 1, "replications_per_draw": 2})");
  CHECK(error_of(doc).find("u.json: /uncertainty/draws: required: an integer in [2, 100000]") == 0);
  doc = small_uncertain(R"({"draws": 3, "replications_per_draw": 2, "seed": 4})");
  CHECK(error_of(doc).find("u.json: /uncertainty/seed: unknown key") == 0);
  doc = small_uncertain();
  doc["replications"] = 4;
  CHECK(error_of(doc).find("u.json: /replications: with \"uncertainty\"") == 0);
  const std::string at = "/market/segments/0/price_sensitivity_median";
  doc = small_uncertain();
  doc[Json::json_pointer(at)] = Json::parse(R"({"$dist": "gamma", "min": 0.02, "max": 0.1})");
  CHECK(error_of(doc).find("u.json: " + at + "/$dist: must be one of") == 0);
  doc[Json::json_pointer(at)] = Json::parse(R"({"$dist": "normal", "mean": 0.05, "min": 0.02, "max": 0.1})");
  CHECK(error_of(doc).find("u.json: " + at + "/sd: required: a number") == 0);
  doc[Json::json_pointer(at)] = Json::parse(R"({"$dist": "uniform", "min": 0.1, "max": 0.1})");
  CHECK(error_of(doc).find("u.json: " + at + "/max: must be greater than min") == 0);
  doc[Json::json_pointer(at)] = Json::parse(R"({"$dist": "uniform", "min": 0.02, "max": 0.1, "sd": 1})");
  CHECK(error_of(doc).find("u.json: " + at + "/sd: unknown key for a uniform distribution") == 0);
  doc[Json::json_pointer(at)] = Json::parse(R"({"$dist": "normal", "mean": 5, "sd": 0.01, "min": 0.02, "max": 0.1})");
  CHECK(error_of(doc).find("none of its mass") != std::string::npos);
  // Bounds outside the parameter's declared range: the loader's own message at the value's
  // pointer, saying which end.
  const std::string visit = "/market/segments/0/visit_rate";
  doc = small_uncertain();
  doc[Json::json_pointer(visit)] = Json::parse(R"({"$dist": "uniform", "min": 0.1, "max": 2000})");
  const std::string e = error_of(doc);
  CHECK(e.find("u.json: " + visit + ": ") == 0);
  CHECK(e.find("(with every \"$dist\" value at its max)") != std::string::npos);
  CHECK(e.find('\n') == std::string::npos);
  // A distribution where a string belongs.
  doc = small_uncertain();
  doc["name"] = Json::parse(R"({"$dist": "uniform", "min": 1, "max": 2})");
  CHECK(error_of(doc).find("u.json: /name: ") == 0);
  // A distribution with no "uncertainty" block, given by --set.
  Json plain = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  apply_override(plain, "/seed={\"$dist\": \"uniform\", \"min\": 1, \"max\": 9}", "s.json");
  CHECK_THROWS_AS(parse_scenario(plain, "s.json"), ScenarioError);
}

TEST_CASE("a sweep over a base with uncertainty: every point runs its draws", "[uncertainty][sweep]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("marketsim-uncertain-sweep-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string factors =
      R"("factors": [{"name": "depth", "pointer": "/arms/1/promotions/0/depth", "levels": [0.1, 0.3]}])";
  const std::string base = small_uncertain(R"({"draws": 2, "replications_per_draw": 2})").dump();
  std::ofstream(dir / "sweep.json") << R"({"scenario": )" + base + ", " + factors + "}";
  const SweepSpec spec = load_sweep((dir / "sweep.json").string());
  const SweepReport r = run_sweep(spec, (dir / "out").string(), SweepOptions{});
  CHECK(r.units == 2 * 4);
  CHECK(r.failed_points == 0);
  std::ifstream runs(dir / "out" / "runs.csv");
  std::string header, row;
  std::getline(runs, header);
  CHECK(header.rfind("point,depth,arm,replication,draw,sensitivity,", 0) == 0);
  int rows = 0;
  while (std::getline(runs, row)) ++rows;
  CHECK(rows == 2 * 2 * 4);
  // A sweep's own replications beside the base's uncertainty: refused.
  std::ofstream(dir / "bad.json") << R"({"scenario": )" + base + ", " + factors + R"(, "replications": 3})";
  try {
    (void)load_sweep((dir / "bad.json").string());
    FAIL("expected a ScenarioError");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("bad.json: /replications: the base scenario's \"uncertainty\"") != std::string::npos);
  }
  fs::remove_all(dir);
}
