// funnel.csv (analysis/outputs/funnel.cpp) and the engine's slot signals (LineRecord::slot,
// DayRecord::slot_impressions and slot_clicks): on the shipped click funnel (8 recommendation
// slots, 2 browsing slots, 400 products), every measured visit shows an offer in each of the 8
// slots and 2 browsed ones, so the impressions by slot are the visits in closed form; impressions
// and clicks add up to the clicks module's own gauges; the lines sold by slot add up to the run's
// units and revenue; without a module that models clicks, clicks are absent, not impressions.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "analysis/html/csv_table.h"
#include "analysis/metric.h"
#include "analysis/report.h"
#include "experiments/experiment.h"
#include "market/records.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"

using namespace marketsim;

namespace {

struct Run {
  Scenario scenario;
  ExperimentResult result;
  std::string funnel;
};

Run click_funnel(bool with_clicks) {
  Json doc = read_json_file(MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json");
  doc["market"]["segments"][0]["consumers"] = 4000;
  doc["replications"] = 2;
  doc["horizon_days"] = 21;
  if (!with_clicks) doc["market"]["behaviours"] = Json::array();
  Run run{parse_scenario(doc, "click-funnel.json"), {}, {}};
  run.result = run_experiment(run.scenario);
  std::vector<std::string> names;
  for (const auto& a : run.scenario.arms) names.push_back(a.name);
  const ExperimentSummary summary = summarize(run.result.runs, names, run.scenario.baseline, 2);
  run.funnel = output_texts(run.scenario, run.result, summary, PerformanceInfo{}, {"funnel.csv"}).at(0).second;
  return run;
}

/// A gauge summed over the measured days.
double measured_gauge(const RunResult& r, const std::string& name) {
  std::size_t g = 0;
  while (g < r.gauge_names.size() && r.gauge_names[g] != name) ++g;
  REQUIRE(g < r.gauge_names.size());
  double sum = 0.0;
  for (const DailyRow& d : r.daily) {
    if (!d.warmup) sum += d.gauges[g];
  }
  return sum;
}

}  // namespace

TEST_CASE("funnel: impressions by slot in closed form, clicks and impressions match the clicks module, lines add up", "[funnel]") {
  const Run run = click_funnel(true);
  const std::size_t visits = metric_index("visits"), units = metric_index("units"), revenue = metric_index("revenue"),
                    conversions = metric_index("conversions");
  for (const RunResult& r : run.result.runs) {
    INFO("arm " << r.arm << " replication " << r.replication);
    REQUIRE(r.funnel_clicks);
    REQUIRE(r.funnel.size() == 9);  // placed positions 0..7, then browsing
    double impressions = 0, clicks = 0, lines = 0, unit_sum = 0, revenue_sum = 0;
    for (std::size_t k = 0; k < r.funnel.size(); ++k) {
      const FunnelRow& f = r.funnel[k];
      const bool browsed = k == 8;
      CHECK(f.slot == (browsed ? kBrowsedSlot : k));
      CHECK(static_cast<double>(f.impressions) == (browsed ? 2.0 : 1.0) * r.totals[visits]);
      CHECK(f.clicks <= f.impressions);
      CHECK(f.lines <= f.clicks);  // only clicked offers can be chosen
      impressions += static_cast<double>(f.impressions);
      clicks += static_cast<double>(f.clicks);
      lines += static_cast<double>(f.lines);
      unit_sum += static_cast<double>(f.units);
      revenue_sum += f.revenue;
    }
    CHECK(impressions == measured_gauge(r, "clicks.impressions"));
    CHECK(clicks == measured_gauge(r, "clicks.clicks"));
    CHECK(lines == r.totals[conversions]);  // one line per order: no basket module
    CHECK(unit_sum == r.totals[units]);
    CHECK(revenue_sum == Approx(r.totals[revenue]).epsilon(1e-12));
    CHECK(lines > 0);
  }
  // The best sellers' top slots convert better per impression than the random arm's.
  const CsvTable t(run.funnel, "funnel.csv");
  REQUIRE(t.header() == std::vector<std::string>{"arm", "replication", "slot", "impressions", "clicks", "orders", "units", "revenue",
                                                 "ctr", "conversion", "orders_per_impression"});
  REQUIRE(t.rows() == 2 * 2 * 9);
  std::map<std::string, double> ctr0;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    CHECK(t.number(i, 8) == Approx(t.number(i, 4) / t.number(i, 3)).epsilon(1e-12));
    if (t.text(i, 2) == "0") ctr0[t.text(i, 0)] += t.number(i, 8);
  }
  CHECK(t.text(8, 2) == "browsed");
  CHECK(ctr0["best-sellers"] > ctr0["random"]);
}

TEST_CASE("funnel: without a module that models clicks, clicks are absent and impressions still counted", "[funnel]") {
  const Run run = click_funnel(false);
  const std::size_t visits = metric_index("visits");
  for (const RunResult& r : run.result.runs) {
    CHECK_FALSE(r.funnel_clicks);
    REQUIRE(r.funnel.size() == 9);
    CHECK(static_cast<double>(r.funnel[0].impressions) == r.totals[visits]);
    for (const FunnelRow& f : r.funnel) CHECK(f.clicks == 0);
  }
  const CsvTable t(run.funnel, "funnel.csv");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    CHECK(t.text(i, 4).empty());
    CHECK(t.text(i, 8).empty());
    CHECK(t.text(i, 9).empty());
    CHECK_FALSE(t.text(i, 10).empty());
  }
}
