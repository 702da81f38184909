// The intercept and the conversion of a fitted market by simulation (calibration/simulated_moments.h).
#include "calibration/simulated_moments.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include "analysis/metric.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

namespace marketsim {
namespace {

/// A value of the scenario at its central value: a lognormal $dist's mean.
Json central(const Json& v) {
  if (v.is_object() && v.contains("$dist")) {
    const double mu = v["mu"].get<double>(), sigma = v["sigma"].get<double>();
    return std::exp(mu + sigma * sigma / 2.0);
  }
  return v;
}

/// Multiplies a positive value (a number or a lognormal $dist) by f.
void scale(Json& v, double f) {
  if (v.is_object() && v.contains("$dist")) {
    v["mu"] = v["mu"].get<double>() + std::log(f);
    v["min"] = v["min"].get<double>() * f;
    v["max"] = v["max"].get<double>() * f;
  } else {
    v = v.get<double>() * f;
  }
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error("calibrate: cannot write " + p.string());
}

struct Moments {
  double lines_per_order = 0.0, conversion = 0.0, orders = 0.0;
};

Moments simulate(const Json& scenario, const std::string& catalog, const std::filesystem::path& dir) {
  Json doc = scenario;
  doc.erase("uncertainty");
  doc["replications"] = 1;
  for (Json& s : doc["market"]["segments"]) {
    s["visit_rate"] = central(s["visit_rate"]);
    s["price_sensitivity_median"] = central(s["price_sensitivity_median"]);
  }
  write(dir / "scenario.json", doc.dump(1));
  write(dir / "catalog.csv", catalog);
  const Scenario sc = load_scenario((dir / "scenario.json").string());
  ExperimentOptions options;
  options.transactions = true;
  const ExperimentResult result = run_experiment(sc, options);
  const RunResult& run = result.runs.at(0);
  // An order: a consumer's lines of one day (as calibrate counts the log's).
  std::unordered_set<std::uint64_t> orders;
  for (const TransactionLine& t : run.transactions) {
    orders.insert((static_cast<std::uint64_t>(t.consumer) << 32) | static_cast<std::uint32_t>(std::floor(t.time)));
  }
  Moments m;
  m.orders = static_cast<double>(orders.size());
  m.lines_per_order = orders.empty() ? 0.0 : static_cast<double>(run.transactions.size()) / m.orders;
  const double visits = run.totals.at(metric_index("visits"));
  m.conversion = visits > 0.0 ? m.orders / visits : 0.0;
  return m;
}

}  // namespace

void match_simulated_moments(Calibration& fit, const std::string& work_dir, int rounds) {
  if (rounds < 1) return;
  namespace fs = std::filesystem;
  const fs::path dir = work_dir;
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  const double target = fit.fit["mean_lines_per_order"].get<double>();
  double conversion = fit.fit["choice"]["conversion"].get<double>();
  Json log = Json::array();
  bool matched = false;
  for (int round = 0; round < rounds; ++round) {
    const Moments m = simulate(fit.scenario, fit.catalog_csv, dir);
    const double intercept = fit.scenario["market"]["intercept"].get<double>();
    log.push_back(Json{{"intercept", intercept}, {"lines_per_order", m.lines_per_order}, {"conversion", m.conversion},
                       {"orders", m.orders}});
    if (!(m.orders > 0.0) || !(m.conversion > 0.0)) break;  // nothing to learn from
    // Visit rates for the measured conversion.
    const double f = conversion / m.conversion;
    for (Json& s : fit.scenario["market"]["segments"]) scale(s["visit_rate"], f);
    for (Json& s : fit.fit["segments"]) {
      s["visit_rate_median"]["value"] = s["visit_rate_median"]["value"].get<double>() * f;
      s["visit_rate_median"]["se"] = s["visit_rate_median"]["se"].get<double>() * f;
    }
    conversion = m.conversion;
    if (std::abs(m.lines_per_order / target - 1.0) < 0.02) {
      matched = true;
      break;
    }
    // ln(L - 1) against the intercept: slope 1 to start (the shown products' summed weight scales
    // with e^a), then the secant through the last two rounds.
    const double y = std::log(std::max(1e-3, m.lines_per_order - 1.0)), goal = std::log(std::max(1e-3, target - 1.0));
    double slope = 1.0;
    if (log.size() >= 2) {
      const Json& prev = log[log.size() - 2];
      const double dy = y - std::log(std::max(1e-3, prev["lines_per_order"].get<double>() - 1.0));
      const double da = intercept - prev["intercept"].get<double>();
      if (da != 0.0 && dy / da > 0.05) slope = dy / da;
    }
    const double step = std::clamp((goal - y) / slope, -3.0, 3.0);
    fit.scenario["market"]["intercept"] = std::clamp(intercept + step, -100.0, 100.0);
  }
  fit.fit["choice"]["intercept"] = fit.scenario["market"]["intercept"];
  fit.fit["choice"]["conversion"] = conversion;
  fit.fit["simulated_moments"] = Json{
      {"method", "the fitted market simulated over the training span (one replication, central values); the intercept moves "
                 "by ln((L - 1) / (L_sim - 1)) towards the log's mean lines per order L, the visit rates by the measured "
                 "conversion (orders per visit)"},
      {"target_lines_per_order", target},
      {"matched", matched},
      {"rounds", log}};
  for (Json& a : fit.fit["assumed"]) {
    if (a["parameter"] == "conversion") {
      a["value"] = conversion;
      a["why"] = "the log has no visits without an order: the share of visits that order is what the fitted choice model "
                 "gives (measured by simulation, fit.json /simulated_moments)";
    }
  }
}

}  // namespace marketsim
