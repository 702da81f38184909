// prices.csv (analysis/outputs/prices.cpp) and the engine's day-end prices (DayRecord::price and
// discount): on the summer sale, shelf prices are list prices, so every group's price index is 1;
// the paid index is 1 but for the outdoor group of a percent-off arm inside its promotion window,
// where it is 1 - depth (within the cent rounding of each offer's discount).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "analysis/html/csv_table.h"
#include "analysis/report.h"
#include "experiments/experiment.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"

using namespace marketsim;

TEST_CASE("prices: paths by product group in closed form on the summer sale", "[prices]") {
  Json doc = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  doc["market"]["segments"][0]["consumers"] = 2000;
  doc["replications"] = 2;
  for (Json& arm : doc["arms"]) {
    if (arm.contains("promotions")) arm["promotions"][0]["budget"] = 1e12;  // never stops
  }
  const Scenario scenario = parse_scenario(doc, "summer-sale.json");
  const ExperimentResult result = run_experiment(scenario);
  const std::size_t groups = scenario.market.categories.size();
  for (const RunResult& r : result.runs) {
    INFO("arm " << r.arm << " replication " << r.replication);
    REQUIRE(r.group_prices.size() == static_cast<std::size_t>(scenario.horizon_days) * groups);
    const Json& arm = doc["arms"][r.arm];
    const double depth = arm.contains("promotions") ? arm["promotions"][0]["depth"].get<double>() : 0.0;
    for (const GroupPriceRow& g : r.group_prices) {
      INFO("day " << g.day << " category " << g.category);
      CHECK(g.warmup == (g.day < scenario.warmup_days));
      CHECK(g.price_index == Approx(1.0).epsilon(1e-12));
      const bool on_sale = depth > 0 && scenario.market.categories[g.category].name == "outdoor" && g.day >= 28 && g.day < 42;
      // Each offer's discount is rounded to the cent: at most half a cent per offer off 1 - depth.
      CHECK(g.paid_index == Approx(on_sale ? 1.0 - depth : 1.0).margin(1e-3));
      if (!on_sale) CHECK(g.paid_index == g.price_index);
    }
  }
  std::vector<std::string> names;
  for (const auto& a : scenario.arms) names.push_back(a.name);
  const ExperimentSummary summary = summarize(result.runs, names, scenario.baseline, 2);
  const std::string text = output_texts(scenario, result, summary, PerformanceInfo{}, {"prices.csv"}).at(0).second;
  const CsvTable t(text, "prices.csv");
  REQUIRE(t.header() == std::vector<std::string>{"arm", "day", "warmup", "seller", "category", "price_index", "price_index_ci_low",
                                                 "price_index_ci_high", "paid_index", "paid_index_ci_low", "paid_index_ci_high"});
  REQUIRE(t.rows() == scenario.arms.size() * static_cast<std::size_t>(scenario.horizon_days) * groups);
  for (std::size_t i = 0; i < t.rows(); ++i) {
    CHECK(t.number(i, 9) <= t.number(i, 8) + 1e-12);
    CHECK(t.number(i, 10) >= t.number(i, 8) - 1e-12);
  }
}
