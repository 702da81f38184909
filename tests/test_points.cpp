// Promotion "points" (strategies/promotions/points.cpp): loyalty points (earned by the membership module at
// 4 points per currency unit, worth 0.01 each) redeemed as payment. An independent replay of the
// orders, window by window (redemptions at settlement, earnings after it), gives every order's
// redemption to the cent, the run's points_redeemed and points_discounts, and the final balance
// (the liability); ledgers reconcile (the end-of-run invariants); one-line errors.
#include <catch2/catch.hpp>
#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "engine/simulation.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/loyalty-tiers.json";

Scenario with(const std::string& promotions) {
  return load_scenario(kScenario, {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=40",
                                   "/market/behaviours/0={\"name\": \"membership\", \"thresholds\": [100], "
                                   "\"rates\": [4, 4], \"point_value\": 0.01}",
                                   "/arms/1/promotions=" + promotions});
}

struct Recorder : RunObserver {
  std::vector<std::vector<LineRecord>> windows;
  std::vector<double> balance;  // points_balance gauge at each day's end
  void on_window(const WindowRecords& w) override { windows.emplace_back(w.lines.begin(), w.lines.end()); }
  void on_day_end(const DayRecord& d) override { balance.push_back(d.gauge("membership.points_balance")); }
};

Recorder run_arm(const Scenario& sc) {
  ArmRun run(sc, 1);
  Recorder rec;
  run.subscribe(rec);
  run.run();
  return rec;
}

}  // namespace

TEST_CASE("points pay whole steps up to half an order, from a balance the replay reproduces", "[points]") {
  const Scenario sc = with("[{\"name\": \"points\", \"min_points\": 200, \"step\": 100, \"max_share\": 0.5}]");
  const Recorder r = run_arm(sc);
  std::map<ConsumerId, std::int64_t> balance;
  std::int64_t redeemed = 0, orders_with_points = 0;
  for (const auto& lines : r.windows) {
    // The window's orders in commit order: (consumer, visit) -> value before points, points discount, revenue.
    std::vector<std::pair<ConsumerId, std::uint32_t>> order;
    std::map<std::pair<ConsumerId, std::uint32_t>, std::array<Money, 3>> o;
    for (const LineRecord& l : lines) {
      if (l.quantity == 0) continue;
      const auto key = std::pair{l.consumer, l.visit};
      if (!o.count(key)) order.push_back(key);
      auto& v = o[key];
      v[0] += static_cast<Money>(l.quantity) * l.unit_paid();
      v[1] += l.order_discount;  // the only order discount here is points
      v[2] += l.revenue();
    }
    for (const auto& key : order) {
      const auto& v = o[key];
      std::int64_t& b = balance[key.first];
      const std::int64_t affordable = static_cast<std::int64_t>(std::floor(0.5 * static_cast<double>(v[0])));
      std::int64_t points = std::min(b, affordable) / 100 * 100;
      if (points < 200) points = 0;
      INFO("consumer " << key.first << ": balance " << b << ", order " << v[0]);
      CHECK(v[1] == points);  // a point is worth 1 cent
      b -= points;
      redeemed += points;
      orders_with_points += points > 0;
    }
    for (const auto& key : order) balance[key.first] += 4 * o[key][2] / 100;  // earned after settlement
  }
  CHECK(orders_with_points > 50);
  const ExperimentResult result = run_experiment(sc);
  CHECK(result.runs.at(1).totals[metric_index("points_redeemed")] == static_cast<double>(redeemed));
  CHECK(std::llround(result.runs.at(1).totals[metric_index("points_discounts")] * 100.0) == redeemed);
  std::int64_t left = 0;
  for (const auto& [c, b] : balance) left += b;
  CHECK(r.balance.back() == static_cast<double>(left));  // the liability is what the replay leaves
  CHECK(result.runs.at(0).totals[metric_index("points_redeemed")] == 0);
}

TEST_CASE("bad points parameters are one-line errors naming the key", "[points][errors]") {
  const auto expect_error = [](const std::string& promotion, const std::string& pointer, const std::string& words) {
    INFO("promotion: " << promotion);
    try {
      (void)with("[" + promotion + "]");
      FAIL("accepted");
    } catch (const ScenarioError& e) {
      CHECK(e.pointer() == pointer);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      CHECK_THAT(e.what(), Catch::Contains(words));
    }
  };
  expect_error("{\"name\": \"points\", \"step\": 0}", "/arms/1/promotions/0/step", "step");
  expect_error("{\"name\": \"points\", \"min_points\": 150, \"step\": 100}", "/arms/1/promotions/0/min_points",
               "multiple of step");
  expect_error("{\"name\": \"points\", \"max_share\": 0}", "/arms/1/promotions/0/max_share", "max_share");
}
