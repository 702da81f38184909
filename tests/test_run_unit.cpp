// The run unit: a replication with its arms run alone equals the same replication inside an
// experiment; results stored and read back rebuild every output file byte for byte (summary.json's
// measured "performance" block apart); replications K .. K+M-1 run alone equal those rows of a
// longer experiment; ArmRun builds a run from a scenario's JSON text.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "analysis/report.h"
#include "analysis/statistics.h"
#include "experiments/experiment.h"
#include "experiments/result_store.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

/// summer-sale at 3,000 consumers a segment, `reps` replications, with a monitoring rule that
/// never fires (monitor.csv rows) on the 10% arm.
Scenario small_summer_sale(int reps) {
  return load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json",
                       {"/market/segments/0/consumers=3000", "/market/segments/1/consumers=3000",
                        "/replications=" + std::to_string(reps),
                        R"(/arms/1/promotions/0/monitor=[{"after_day": 0, "if": "spend_to_date", "above": 1e12, "action": "stop"}])"});
}

/// retention at 2,000 consumers: engagement gauges, churn, coupons to lapsed buyers, cohorts.
Scenario small_retention(int reps) {
  return load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json",
                       {"/market/segments/0/consumers=2000", "/replications=" + std::to_string(reps),
                        "/horizon_days=120"});
}

std::map<std::string, std::string> outputs(const Scenario& sc, const ExperimentResult& r) {
  std::vector<std::string> names;
  for (const auto& a : sc.arms) names.push_back(a.name);
  const ExperimentSummary summary = summarize(r.runs, names, sc.baseline, static_cast<std::size_t>(sc.replications));
  PerformanceInfo perf{r.visits, r.setup_seconds, r.simulation_seconds, 0, 1, r.shards, r.run_seconds,
                       r.market_seconds, r.visit_seconds, r.commit_seconds, r.cpu_seconds, 0, r.columns,
                       r.candidate_visits};
  std::map<std::string, std::string> files;
  for (auto& [name, text] : output_texts(sc, r, summary, perf)) files[name] = text;
  return files;
}

/// summary.json without its measured block.
std::string without_performance(const std::string& summary) {
  Json doc = Json::parse(summary);
  REQUIRE(doc.contains("performance"));
  doc.erase("performance");
  return doc.dump(2);
}

void require_same_outputs(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, text] : a) {
    INFO(name);
    REQUIRE(b.count(name) == 1);
    if (name == "summary.json") {
      CHECK(without_performance(text) == without_performance(b.at(name)));
    } else {
      CHECK(text == b.at(name));
    }
  }
}

/// The lines of a CSV text whose second field (replication) is in [lo, hi), header excluded.
std::vector<std::string> rows_of(const std::string& csv, std::uint64_t lo, std::uint64_t hi) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    const std::uint64_t rep = std::stoull(line.substr(comma + 1));
    if (rep >= lo && rep < hi) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("units stored and read back rebuild every output byte for byte", "[run_unit][store]") {
  for (const bool retention : {false, true}) {
    const Scenario sc = retention ? small_retention(2) : small_summer_sale(3);
    INFO(sc.name);
    const ExperimentResult live = run_experiment(sc);
    // Each replication as a unit on its own, stored, read back, assembled in reverse order.
    std::vector<UnitResult> stored;
    for (std::uint64_t r = static_cast<std::uint64_t>(sc.replications); r-- > 0;) {
      const std::vector<std::uint8_t> bytes = encode_unit_result(run_unit(sc, RunUnit{r, {}}));
      stored.push_back(decode_unit_result(bytes));
      // The stored form is lossless: encoding what was read back gives the same bytes.
      CHECK(encode_unit_result(stored.back()) == bytes);
    }
    const ExperimentResult rebuilt = assemble_experiment(sc, std::move(stored));
    CHECK(testing::fingerprint(rebuilt) == testing::fingerprint(live));
    const auto a = outputs(sc, live);
    const auto b = outputs(sc, rebuilt);
    require_same_outputs(a, b);
    // The outputs hold what makes a round trip hard: empty (NaN) cells, monitoring checks, gauges.
    CHECK(a.at("runs.csv").find(",,") != std::string::npos);
    if (retention) {
      CHECK(a.at("gauges.csv").find("engagement.") != std::string::npos);
    } else {
      CHECK(std::count(a.at("monitor.csv").begin(), a.at("monitor.csv").end(), '\n') > 10);
    }
  }
}

TEST_CASE("NaN, infinities, negative zero and large integers survive the stored form", "[run_unit][store]") {
  UnitResult u;
  u.replication = 7;
  RunResult r;
  r.arm = 0;
  r.replication = 7;
  r.totals = {std::nan(""), INFINITY, -INFINITY, -0.0, 0.1, 1e-320, 123456789.25};
  r.visits_simulated = (std::uint64_t{1} << 63) + 5;
  r.monitor.push_back(MonitorRow{3, true, 1, 2, 0, "lift_per_spend", std::nan(""), "none"});
  r.timings.simulation_seconds = 1.5;
  u.runs.push_back(r);
  const UnitResult back = decode_unit_result(encode_unit_result(u));
  REQUIRE(back.runs.size() == 1);
  const std::vector<double>& t = back.runs[0].totals;
  REQUIRE(t.size() == r.totals.size());
  CHECK(std::isnan(t[0]));
  CHECK(t[1] == INFINITY);
  CHECK(t[2] == -INFINITY);
  CHECK((t[3] == 0.0 && std::signbit(t[3])));
  for (std::size_t k = 4; k < t.size(); ++k) CHECK(t[k] == r.totals[k]);
  CHECK(back.runs[0].visits_simulated == r.visits_simulated);
  CHECK(back.runs[0].monitor[0].metric == "lift_per_spend");
  CHECK(std::isnan(back.runs[0].monitor[0].value));
  CHECK(back.runs[0].timings.simulation_seconds == 1.5);
}

TEST_CASE("a stored unit that is not one is refused with one line", "[run_unit][store]") {
  const std::vector<std::uint8_t> garbage = {0xff, 0x00, 0x13};
  CHECK_THROWS_AS(decode_unit_result(garbage), Error);
  const std::vector<std::uint8_t> other = Json::to_cbor(Json{{"format", "something-else"}, {"version", 1}});
  CHECK_THROWS_WITH(decode_unit_result(other), Catch::Contains("not a \"marketsim-unit-result\" document"));
  const std::vector<std::uint8_t> newer = Json::to_cbor(Json{{"format", kUnitResultFormat}, {"version", 99}});
  CHECK_THROWS_WITH(decode_unit_result(newer), Catch::Contains("version 99"));
  const std::vector<std::uint8_t> broken =
      Json::to_cbor(Json{{"format", kUnitResultFormat}, {"version", kUnitResultVersion}, {"replication", 0},
                         {"runs", Json::array({Json{{"arm", 0}}})}, {"columns", Json::array()},
                         {"measured", Json{{"setup_seconds", 0}, {"run_seconds", 0}}}});
  CHECK_THROWS_WITH(decode_unit_result(broken), Catch::Contains("missing \"replication\""));
}

TEST_CASE("units that do not form an experiment are refused", "[run_unit]") {
  const Scenario sc = small_summer_sale(2);
  UnitResult a = run_unit(sc, RunUnit{0, {}});
  UnitResult gap = run_unit(sc, RunUnit{2, {}});
  CHECK_THROWS_WITH(assemble_experiment(sc, {a, gap}), Catch::Contains("not consecutive"));
  UnitResult partial = run_unit(sc, RunUnit{1, {0, 2}});
  REQUIRE(partial.runs.size() == 2);
  CHECK(partial.runs[1].arm == 2);
  CHECK_THROWS_WITH(assemble_experiment(sc, {a, partial}), Catch::Contains("has 2 runs, the scenario 3 arms"));
}

TEST_CASE("replications 3-5 run alone equal those rows of a 6-replication run", "[run_unit]") {
  const Scenario six = small_retention(6);
  const Scenario three = small_retention(3);
  const ExperimentResult all = run_experiment(six);
  const ExperimentResult tail = run_experiment(three, ExperimentOptions{3, {}});
  CHECK(tail.first_replication == 3);
  const auto a = outputs(six, all);
  const auto b = outputs(three, tail);
  for (const char* file : {"runs.csv", "daily.csv", "cohorts.csv", "gauges.csv", "sellers.csv", "breakdown.csv"}) {
    INFO(file);
    const std::vector<std::string> expected = rows_of(a.at(file), 3, 6);
    REQUIRE(!expected.empty());
    CHECK(rows_of(b.at(file), 3, 6) == expected);
    CHECK(rows_of(b.at(file), 0, 3).empty());
  }
  CHECK(Json::parse(b.at("summary.json"))["first_replication"] == 3);
  CHECK(!Json::parse(a.at("summary.json")).contains("first_replication"));
}

TEST_CASE("ArmRun builds a run from a scenario's JSON text as run_unit does", "[run_unit]") {
  const char* text = R"({
    // comments allowed, as in a file
    "name": "inline", "seed": 5, "replications": 1, "horizon_days": 6,
    "market": { "latent_dimensions": 4, "categories": [ { "name": "c", "products": 30 } ],
                "segments": [ { "name": "s", "consumers": 800 } ] },
    "arms": [ { "name": "base", "baseline": true },
              { "name": "sale", "promotions": [ { "name": "percent_off", "depth": 0.2 } ] } ] })";
  ArmRun run(text, 1, 4);
  CHECK(run.scenario().name == "inline");
  CHECK(run.build_context().replication == 4);
  const RunResult alone = run.run();
  CHECK(alone.arm == 1);
  CHECK(alone.replication == 4);
  CHECK(alone.visits_simulated > 0);
  const Scenario sc = check_scenario_text(text, "<inline scenario>");
  const UnitResult unit = run_unit(sc, RunUnit{4, {1}});
  REQUIRE(unit.runs.size() == 1);
  CHECK(unit.runs[0].totals.size() == alone.totals.size());
  for (std::size_t m = 0; m < alone.totals.size(); ++m) {
    const double x = alone.totals[m], y = unit.runs[0].totals[m];
    CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
  }
  CHECK_THROWS_WITH(ArmRun(text, 2), Catch::Contains("arm 2 of a scenario with 2 arms"));
  CHECK_THROWS_AS(ArmRun("{\"name\": 1}"), ScenarioError);
}
