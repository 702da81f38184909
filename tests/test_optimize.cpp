// Optimisation (experiments/optimize.h) against closed forms. One product with logit demand and
// an outside option, homogeneous consumers (list price 20, cost 10, intercept a = 2, price
// sensitivity b = 0.2, no taste terms): the share of visits that buy at price p is
// s(p) = e^(a - b p) / (1 + e^(a - b p)), so gross profit per visit s(p) (p - c) peaks at the p*
// solving p - c = 1 / (b (1 - s(p))) (the monopoly price of a logit demand: Anderson, de Palma
// and Thisse 1992, ch. 7), p* = 16.39. Particle swarm over the price factor finds p* within 2%;
// profit against units gives a front inside [10, 1.02 p*] spanning 80% of [10, p*]. With
// lognormal price sensitivity the optimum is the mixture's (found by quadrature), 20.71. An
// optimisation is deterministic on 1 and 2 threads and resumes after SIGKILL with the same bytes.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/html/csv_table.h"
#include "cli_harness.h"
#include "experiments/optimize.h"
#include "scenarios/json_input.h"
#include "sim/error.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

constexpr double kA = 2.0, kB = 0.2, kCost = 10.0, kList = 20.0;

double share(double p) { return std::exp(kA - kB * p) / (1.0 + std::exp(kA - kB * p)); }

/// p* by bisection on p - c - 1 / (b (1 - s(p))), increasing in p.
double optimal_price() {
  double lo = kCost, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2.0;
    (mid - kCost - 1.0 / (kB * (1.0 - share(mid))) < 0.0 ? lo : hi) = mid;
  }
  return (lo + hi) / 2.0;
}

/// The expected share of visits that buy at price p when the price sensitivity is lognormal
/// (median b, log-sd sigma): E[s(p; b e^(sigma Z))], Z standard normal, by the trapezoid rule over
/// z in [-8, 8] (4,000 panels; the tails beyond hold less than 1e-15).
double mixture_share(double p, double sigma) {
  constexpr int kPanels = 4000;
  double total = 0.0;
  for (int i = 0; i <= kPanels; ++i) {
    const double z = -8.0 + 16.0 * i / kPanels;
    const double weight = std::exp(-z * z / 2.0) / std::sqrt(2.0 * std::numbers::pi) * (16.0 / kPanels) * (i == 0 || i == kPanels ? 0.5 : 1.0);
    const double u = kA - kB * std::exp(sigma * z) * p;
    total += weight / (1.0 + std::exp(-u));
  }
  return total;
}

/// The mixture's profit-maximising price by golden-section search over [10, 30] (the profit per
/// visit (p - c) E[s(p)] is unimodal there).
double mixture_optimal_price(double sigma) {
  double lo = 10.0, hi = 30.0;
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  const auto profit = [&](double p) { return (p - kCost) * mixture_share(p, sigma); };
  for (int i = 0; i < 100; ++i) {
    const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    (profit(x1) < profit(x2) ? lo : hi) = profit(x1) < profit(x2) ? x1 : x2;
  }
  return (lo + hi) / 2.0;
}

Json logit_market(std::int64_t consumers, int days) {
  return Json::parse(R"({
    "name": "one-product-logit", "seed": 11, "replications": 2, "horizon_days": )" + std::to_string(days) + R"(, "warmup_days": 0,
    "market": {
      "latent_dimensions": 2, "intercept": 2.0, "browse_slots": 0,
      "categories": [{"name": "only", "products": 1, "price_min": 20, "price_max": 20, "cost_ratio": 0.5,
                      "attribute_sd": 0, "quality_mean": 0, "quality_sd": 0}],
      "segments": [{"name": "all", "consumers": )" + std::to_string(consumers) + R"(, "taste_sd": 1,
                    "price_sensitivity_median": 0.2, "price_sensitivity_log_sd": 0, "deal_proneness": 0, "visit_rate": 1}]
    },
    "arms": [{"name": "shop", "baseline": true, "pricing": {"name": "fixed", "price_factor": 1.0},
              "recommendation": {"name": "random", "slots": 1},
              "replenishment": {"name": "none", "initial": 1000000000}}]
  })");
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("marketsim-optimize-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Optimises the logit market's price factor in [0.5, 1.5] (20,000 consumers, 50 days, 2
/// replications a candidate, 2 more for each of `points` re-evaluated points) into DIR/out.
OptimizeReport optimize_price(const fs::path& dir, const Json& objectives, int points, const Json& algorithm) {
  const Json opt{{"base", logit_market(20000, 50)},
                 {"variables", Json::array({Json{{"name", "price_factor"}, {"pointer", "/arms/0/pricing/price_factor"}, {"min", 0.5}, {"max", 1.5}}})},
                 {"objectives", objectives},
                 {"replications", 2},
                 {"reevaluation", Json{{"replications", 2}, {"points", points}}},
                 {"algorithm", algorithm}};
  return run_optimize(parse_optimize(opt.dump(), (dir / "opt.json").string()), (dir / "out").string(), OptimizeOptions{});
}

/// The optimisation's output files but optimize.json (its timings and command line vary).
std::string outputs_of(const fs::path& dir) {
  return slurp(dir / "evaluations.csv") + "\n--\n" + slurp(dir / "pareto.csv") + "\n--\n" + slurp(dir / "best.json");
}

}  // namespace

TEST_CASE("optimize: particle swarm finds the logit monopoly price within 2%", "[optimize]") {
  const double p_star = optimal_price();
  REQUIRE(p_star == Approx(16.39).margin(0.01));
  const fs::path dir = fresh_dir("price");
  const OptimizeReport report = optimize_price(dir, Json::array({Json{{"metric", "gross_profit"}, {"sense", "max"}}}), 3,
                                               Json{{"name", "pso"}, {"population", 8}, {"generations", 8}, {"seed", 3}});
  REQUIRE(report.found);
  CHECK(report.evaluations > 10);
  const Json best = read_json_file((dir / "out" / "best.json").string());
  const double price = kList * best["arms"][0]["pricing"]["price_factor"].get<double>();
  INFO("found " << price << ", p* " << p_star);
  CHECK(std::abs(price - p_star) / p_star < 0.02);
  // The re-evaluated gross profit is the closed form's within its own CI's reach: 1M visits.
  const CsvTable pareto(slurp(dir / "out" / "pareto.csv"), "pareto.csv");
  REQUIRE(pareto.rows() == 1);
  REQUIRE(pareto.header() == std::vector<std::string>{"evaluation", "price_factor", "gross_profit", "gross_profit_ci_low", "gross_profit_ci_high"});
  const double expected = 20000.0 * 50.0 * share(price) * (price - kCost);
  CHECK(pareto.number(0, 2) == Approx(expected).epsilon(0.01));
  // evaluations.csv: every candidate of the search, then the re-evaluated ones on replications 2-3.
  const CsvTable evaluations(slurp(dir / "out" / "evaluations.csv"), "evaluations.csv");
  CHECK(evaluations.rows() == report.evaluations + 3);
  CHECK(evaluations.text(evaluations.rows() - 1, 1) == "reevaluation");
  CHECK(evaluations.text(evaluations.rows() - 1, 2) == "2-3");
  fs::remove_all(dir);
}

TEST_CASE("optimize: with heterogeneous price sensitivity, the mixture's optimum (by quadrature) within 2%", "[optimize]") {
  // Lognormal price sensitivity (median 0.2, log-sd 0.5): the optimum solves the mixture's
  // first-order condition, p* = 20.71 by quadrature, far from the homogeneous market's 16.39.
  const double p_star = mixture_optimal_price(0.5);
  REQUIRE(p_star == Approx(20.71).margin(0.02));
  const fs::path dir = fresh_dir("mixture");
  Json base = logit_market(20000, 50);
  base["market"]["segments"][0]["price_sensitivity_log_sd"] = 0.5;
  const Json opt{{"base", base},
                 {"variables", Json::array({Json{{"name", "price_factor"}, {"pointer", "/arms/0/pricing/price_factor"}, {"min", 0.5}, {"max", 1.5}}})},
                 {"objectives", Json::array({Json{{"metric", "gross_profit"}, {"sense", "max"}}})},
                 {"replications", 2},
                 {"reevaluation", Json{{"replications", 2}, {"points", 3}}},
                 {"algorithm", Json{{"name", "pso"}, {"population", 8}, {"generations", 8}, {"seed", 3}}}};
  const OptimizeReport report = run_optimize(parse_optimize(opt.dump(), (dir / "opt.json").string()), (dir / "out").string(), OptimizeOptions{});
  REQUIRE(report.found);
  const Json best = read_json_file((dir / "out" / "best.json").string());
  const double price = kList * best["arms"][0]["pricing"]["price_factor"].get<double>();
  INFO("found " << price << ", mixture p* " << p_star);
  CHECK(std::abs(price - p_star) / p_star < 0.02);
  fs::remove_all(dir);
}

TEST_CASE("optimize: profit against units gives the front [10, p*] (NSGA-II)", "[optimize]") {
  const double p_star = optimal_price();
  const fs::path dir = fresh_dir("front");
  const OptimizeReport report =
      optimize_price(dir, Json::array({Json{{"metric", "gross_profit"}, {"sense", "max"}}, Json{{"metric", "units"}, {"sense", "max"}}}),
                     12, Json{{"name", "nsga2"}, {"population", 12}, {"generations", 10}, {"seed", 5}});
  REQUIRE(report.found);
  const CsvTable pareto(slurp(dir / "out" / "pareto.csv"), "pareto.csv");
  REQUIRE(pareto.rows() >= 4);
  CHECK(pareto.has("gross_profit"));
  CHECK(pareto.has("units"));
  double lo = 1e9, hi = 0.0;
  for (std::size_t r = 0; r < pareto.rows(); ++r) {
    const double p = kList * pareto.number(r, pareto.column("price_factor"));
    INFO("front point " << r << ": price " << p);
    CHECK(p >= 10.0 - 1e-9);
    CHECK(p <= 1.02 * p_star);
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  INFO("front spans " << lo << " to " << hi << " of [10, " << p_star << "]");
  CHECK(hi - lo >= 0.8 * (p_star - 10.0));
  fs::remove_all(dir);
}

TEST_CASE("optimize: the same bytes on 1 and 2 threads, and after a SIGKILL and a resume", "[optimize]") {
  const fs::path dir = fresh_dir("resume");
  Json base = logit_market(2000, 10);
  base["arms"].push_back(base["arms"][0]);
  base["arms"][1]["name"] = "sale";
  base["arms"][1].erase("baseline");
  base["arms"][1]["promotions"] = Json::array({Json{{"name", "percent_off"}, {"depth", 0.2}, {"start", 2}, {"end", 8}}});
  const Json opt{{"base", base},
                 {"variables", Json::array({Json{{"name", "depth"}, {"pointer", "/arms/1/promotions/0/depth"}, {"min", 0.05}, {"max", 0.6}},
                                            Json{{"name", "start"}, {"pointer", "/arms/1/promotions/0/start"}, {"type", "integer"}, {"min", 0}, {"max", 5}}})},
                 {"objectives", Json::array({Json{{"metric", "gross_profit"}, {"of", "difference"}, {"sense", "max"}},
                                             Json{{"metric", "units"}, {"sense", "max"}}})},
                 {"constraints", Json::array({Json{{"metric", "promotion_spend"}, {"max", 50000}}})},
                 {"replications", 2},
                 {"reevaluation", Json{{"replications", 2}, {"points", 4}}},
                 {"algorithm", Json{{"name", "nsga2"}, {"population", 8}, {"generations", 3}, {"seed", 2}}},
                 {"front_files", true}};
  std::ofstream(dir / "opt.json") << opt.dump(2);
  const std::string cmd = std::string(MARKETSIM_BINARY) + " optimize " + (dir / "opt.json").string() + " --quiet --out ";
  REQUIRE(std::system((cmd + (dir / "one").string() + " --threads 1 > /dev/null").c_str()) == 0);
  REQUIRE(std::system((cmd + (dir / "two").string() + " --threads 2 > /dev/null").c_str()) == 0);
  CHECK(outputs_of(dir / "one") == outputs_of(dir / "two"));
  const int status = std::system(("MARKETSIM_OPTIMIZE_KILL_AFTER=9 " + cmd + (dir / "killed").string() + " --threads 2 > /dev/null 2>&1").c_str());
  CHECK(((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL)));
  CHECK_FALSE(fs::exists(dir / "killed" / "pareto.csv"));
  const testing::Result resumed = testing::cli({"optimize", (dir / "opt.json").string(), "--quiet", "--out", (dir / "killed").string()});
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(resumed.out.find("from the store") != std::string::npos);
  CHECK(resumed.out.find(" 0 from the store") == std::string::npos);
  CHECK(outputs_of(dir / "killed") == outputs_of(dir / "one"));
  // front_files: one scenario per row of pareto.csv, the first being best.json.
  const CsvTable pareto(slurp(dir / "one" / "pareto.csv"), "pareto.csv");
  REQUIRE(pareto.rows() >= 1);
  CHECK(fs::exists(dir / "one" / "front" / ("point-" + std::to_string(pareto.rows()) + ".json")));
  CHECK_FALSE(fs::exists(dir / "one" / "front" / ("point-" + std::to_string(pareto.rows() + 1) + ".json")));
  CHECK(slurp(dir / "one" / "front" / "point-1.json") == slurp(dir / "one" / "best.json"));
  // The page of the directory draws the front.
  const testing::Result page = testing::cli({"report", (dir / "one").string()});
  INFO(page.err);
  CHECK(page.code == 0);
  const std::string html = slurp(dir / "one" / "report.html");
  CHECK(html.find("id=\"front\"") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("optimize: bad optimisation files get one line naming the pointer", "[optimize]") {
  const auto error_of = [](const Json& doc) -> std::string {
    try {
      parse_optimize(doc.dump(), "opt.json");
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  const Json base = logit_market(100, 3);
  const Json variable = Json{{"pointer", "/arms/0/pricing/price_factor"}, {"min", 0.5}, {"max", 1.5}};
  const Json objective = Json{{"metric", "gross_profit"}};
  CHECK(error_of(Json{{"variables", {variable}}, {"objectives", {objective}}}).find("/base") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {Json{{"pointer", "/nowhere/x"}, {"min", 0}, {"max", 1}}}}, {"objectives", {objective}}})
            .find("/variables/0/pointer") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {Json{{"pointer", "/horizon_days"}, {"min", 3}, {"max", 1}}}}, {"objectives", {objective}}})
            .find("/variables/0/max") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {Json{{"metric", "happiness"}}}}})
            .find("/objectives/0/metric") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {Json{{"metric", "units"}, {"arm", "nope"}}}}})
            .find("/objectives/0/arm") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {objective, objective}}, {"algorithm", Json{{"name", "pso"}}}})
            .find("/algorithm/name") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {objective, objective}}, {"algorithm", Json{{"population", 10}}}})
            .find("multiple of 4") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {objective}}, {"replications", 1},
                      {"constraints", {Json{{"metric", "units"}, {"min", 1}}}}})
            .find("/replications") != std::string::npos);
  CHECK(error_of(Json{{"base", base}, {"variables", {variable}}, {"objectives", {objective}}}).empty());
}
