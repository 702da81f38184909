// Order-level promotions "bogo", "bundle" and "gift" (strategies/promotions/bogo.cpp, bundle.cpp, gift.cpp):
// every order's discount (or gift cost) equals what a hand count of its settled lines gives, the
// gift costs reconcile with the books' promotion costs to the cent, the same bytes on 1 and 2
// threads, and one-line errors for bad parameters. The market is scenarios/threshold-sale.json
// (baskets of up to 6 items) at 6,000 shoppers, its second arm's promotion replaced.
#include <tbb/global_control.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/threshold-sale.json";

Scenario with(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=6000", "/replications=1",
                                "/arms/1/promotions=" + promotions};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kScenario, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
};

/// Every settled line of one run of arm 1, grouped by order (consumer, visit).
std::map<std::pair<ConsumerId, std::uint32_t>, std::vector<LineRecord>> orders_of(const Scenario& sc) {
  ArmRun run(sc, 1);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();  // the end-of-run invariants reconcile the ledgers with the books to the cent
  std::map<std::pair<ConsumerId, std::uint32_t>, std::vector<LineRecord>> orders;
  for (const LineRecord& l : rec.lines) {
    if (l.quantity > 0) orders[{l.consumer, l.visit}].push_back(l);
  }
  return orders;
}

Money order_discount(const std::vector<LineRecord>& lines) {
  Money d = 0;
  for (const LineRecord& l : lines) d += l.order_discount;
  return d;
}

bool live(const std::vector<LineRecord>& lines) { return lines[0].time >= 14 && lines[0].time < 28; }

void expect_error(const std::string& promotion, const std::string& pointer, const std::string& words) {
  INFO("promotion: " << promotion << "; expected at " << pointer);
  try {
    (void)with("[" + promotion + "]");
    FAIL("accepted");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.pointer() == pointer);
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.rfind(kScenario + ": " + pointer + ": ", 0) == 0);
    CHECK_THAT(what, Catch::Contains(words));
  }
}

}  // namespace

TEST_CASE("bogo: buy 2 get 1 free gives each order its cheapest free units", "[promotions][bogo]") {
  const Scenario sc = with("[{\"name\": \"bogo\", \"buy\": 2, \"get\": 1, \"start\": 14, \"end\": 28}]");
  std::size_t discounted = 0;
  for (const auto& [key, lines] : orders_of(sc)) {
    std::vector<Money> units;
    for (const LineRecord& l : lines) units.insert(units.end(), l.quantity, l.unit_paid());
    std::sort(units.begin(), units.end());
    Money expected = 0;
    for (std::size_t k = 0; k < units.size() / 3; ++k) expected += units[k];
    INFO("order of consumer " << key.first << " with " << units.size() << " units");
    CHECK(order_discount(lines) == (live(lines) ? expected : 0));
    discounted += order_discount(lines) > 0;
  }
  CHECK(discounted > 100);
}

TEST_CASE("bundle: a grocery item and a home item make a set, 3.00 off each set", "[promotions][bundle]") {
  const Scenario sc = with("[{\"name\": \"bundle\", \"items\": [{\"categories\": [\"grocery\"]}, "
                           "{\"categories\": [\"home\"]}], \"off\": 3, \"start\": 14, \"end\": 28}]");
  const Market market = build_market(sc.market, sc.seed, 0);
  std::size_t discounted = 0, two_sets = 0;
  for (const auto& [key, lines] : orders_of(sc)) {
    std::uint64_t grocery = 0, home = 0;
    for (const LineRecord& l : lines) (market.catalog.category[l.product] == 0 ? grocery : home) += l.quantity;
    const Money expected = static_cast<Money>(std::min(grocery, home)) * 300;
    INFO("order of consumer " << key.first << ": " << grocery << " grocery, " << home << " home");
    CHECK(order_discount(lines) == (live(lines) ? expected : 0));
    discounted += order_discount(lines) > 0;
    two_sets += order_discount(lines) == 600;
  }
  CHECK(discounted > 100);
  CHECK(two_sets > 5);
}

TEST_CASE("gift: orders of at least 30.00 get product 0 free, and its cost is the books' gift cost", "[promotions][gift]") {
  const Scenario sc = with("[{\"name\": \"gift\", \"gift\": 0, \"min_spend\": 30, \"start\": 14, \"end\": 28}]");
  const Market market = build_market(sc.market, sc.seed, 0);
  std::int64_t gifts = 0;
  for (const auto& [key, lines] : orders_of(sc)) {
    Money subtotal = 0;
    for (const LineRecord& l : lines) subtotal += static_cast<Money>(l.quantity) * l.unit_paid();
    gifts += live(lines) && subtotal >= 3000;
    CHECK(order_discount(lines) == 0);  // the consumer pays the same
  }
  REQUIRE(gifts > 100);
  // Days 14-27 are all measured (warm-up 7): the run's promotion costs are the gifts' unit costs.
  const ExperimentResult r = run_experiment(sc);
  const double costs = r.runs.at(1).totals[metric_index("promotion_costs")];
  CHECK(std::llround(costs * 100.0) == gifts * market.catalog.unit_cost[0]);
  CHECK(r.runs.at(0).totals[metric_index("promotion_costs")] == 0);
}

TEST_CASE("bogo, bundle and gift together give the same bytes on 1 and 2 threads", "[promotions][determinism]") {
  const auto run = [](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(run_experiment(with(
        "[{\"name\": \"bogo\"}, {\"name\": \"bundle\", \"items\": [{\"ids\": [1]}, {\"categories\": [\"home\"]}], "
        "\"off\": 2}, {\"name\": \"gift\", \"gift\": 3, \"min_spend\": 25, \"budget\": 500}]",
        {"/replications=2"})));
  };
  CHECK(run(2) == run(1));
}

TEST_CASE("bad bogo, bundle and gift parameters are one-line errors naming the key", "[promotions][errors]") {
  expect_error("{\"name\": \"bogo\", \"buy\": 0}", "/arms/1/promotions/0/buy", "buy");
  expect_error("{\"name\": \"bogo\", \"get\": 1.5}", "/arms/1/promotions/0/get", "get");
  expect_error("{\"name\": \"bundle\", \"off\": 2}", "/arms/1/promotions/0/items", "items");
  expect_error("{\"name\": \"bundle\", \"items\": [{\"ids\": [1]}], \"off\": 2}", "/arms/1/promotions/0/items",
               "2 to 16");
  expect_error("{\"name\": \"bundle\", \"items\": [{\"ids\": [1]}, {\"categories\": [\"toys\"]}], \"off\": 2}",
               "/arms/1/promotions/0/items/1/categories/0", "toys");
  expect_error("{\"name\": \"bundle\", \"items\": [{\"ids\": [1]}, {\"ids\": [2]}], \"off\": 0}",
               "/arms/1/promotions/0/off", "off");
  expect_error("{\"name\": \"gift\", \"min_spend\": 30}", "/arms/1/promotions/0/gift", "gift");
  expect_error("{\"name\": \"gift\", \"gift\": 5000, \"min_spend\": 30}", "/arms/1/promotions/0/gift", "below 200");
  expect_error("{\"name\": \"gift\", \"gift\": 1, \"min_spend\": -1}", "/arms/1/promotions/0/min_spend", "min_spend");
}
