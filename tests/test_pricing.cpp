// Pricing strategies in runs of the reference market at 3,000 consumers and 100 products:
// cost_plus sells every line at cost x (1 + markup); a markdown schedule clears a finite stock by
// its date where list prices do not; inventory_driven prices rise where stock runs short; the same
// bytes on 1 and 2 threads; one-line errors. (The strategies' arithmetic is tested by hand in
// test_strategies.cpp.)
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
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

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

Scenario market_with(const std::string& pricing, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=3000", "/market/categories/0/products=100",
                                "/replications=1", "/arms/0/promotions=[]", "/arms/0/pricing=" + pricing};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  std::vector<std::int64_t> stock;  // the seller's stock at each day's end
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
  void on_day_end(const DayRecord& d) override { stock.push_back(d.market.stock_on_hand); }
};

LineRecorder run_of(const Scenario& sc) {
  ArmRun run(sc);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec;
}

}  // namespace

TEST_CASE("cost_plus sells every line at unit cost times (1 + markup)", "[pricing]") {
  const LineRecorder r = run_of(market_with("{\"name\": \"cost_plus\", \"markup\": 0.4}"));
  REQUIRE(r.lines.size() > 1000);
  for (const LineRecord& l : r.lines) CHECK(l.unit_price == std::llround(static_cast<double>(l.unit_cost) * 1.4));
}

TEST_CASE("a markdown schedule clears a finite stock by its date where list prices do not", "[pricing]") {
  // 6 units per product and nothing more within the run (orders take 365 days): 600 units. At
  // list price about half are sold by day 20; marking down from day 5 to 40% of list on day 20
  // sells more than 80% of them (the rest are products few shoppers are shown or like).
  const std::vector<std::string> finite = {"/arms/0/replenishment={\"name\": \"s_S\", \"s\": 0, \"S\": 6}",
                                           "/market/lead_time_days=365", "/market/segments/0/consumers=3000",
                                           "/market/segments/0/price_sensitivity_median=0.12"};
  const Scenario plain = market_with("{\"name\": \"fixed\"}", finite);
  const Scenario marked =
      market_with("{\"name\": \"markdown\", \"start\": 5, \"end\": 20, \"floor\": 0.4, \"steps\": 3}", finite);
  const LineRecorder fixed = run_of(plain), markdown = run_of(marked);
  INFO("stock at the end of day 20: list prices " << fixed.stock.at(20) << ", markdown " << markdown.stock.at(20));
  CHECK(fixed.stock.at(20) > 200);
  CHECK(markdown.stock.at(20) < 120);
  CHECK(markdown.stock.at(20) * 3 < fixed.stock.at(20));
  // Prices: list before day 5, then 80%, 60% and, from day 15 (the last step) and after day 20, 40%.
  const Market market = build_market(marked.market, marked.seed, 0);
  for (const LineRecord& l : markdown.lines) {
    const Day d = day_of(l.time);
    const double f = d < 5 ? 1.0 : d < 10 ? 0.8 : d < 15 ? 0.6 : 0.4;
    const Money list = market.catalog.list_price[l.product];
    CHECK(l.unit_price == (f == 1.0 ? list : std::llround(static_cast<double>(list) * f)));
  }
}

TEST_CASE("pricing strategies give the same bytes on 1 and 2 threads", "[pricing][determinism]") {
  for (const char* pricing : {"{\"name\": \"inventory_driven\"}", "{\"name\": \"markdown\", \"start\": 5, \"end\": 20}",
                              "{\"name\": \"cost_plus\"}", "{\"name\": \"rule\", \"demand\": 0.3, \"stock\": 0.2}"}) {
    const auto run = [&](int threads) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      return marketsim::testing::fingerprint(run_experiment(market_with(pricing, {"/replications=2"})));
    };
    INFO(pricing);
    CHECK(run(2) == run(1));
  }
}

TEST_CASE("bad pricing parameters are one-line errors naming the key", "[pricing][errors]") {
  const auto expect_error = [](const std::string& pricing, const std::string& pointer, const std::string& words) {
    INFO(pricing);
    try {
      (void)market_with(pricing);
      FAIL("accepted");
    } catch (const ScenarioError& e) {
      CHECK(e.pointer() == pointer);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      CHECK_THAT(e.what(), Catch::Contains(words));
    }
  };
  expect_error("{\"name\": \"cost_plus\", \"markup\": -1}", "/arms/0/pricing/markup", "markup");
  expect_error("{\"name\": \"markdown\", \"start\": 5}", "/arms/0/pricing/end", "end");
  expect_error("{\"name\": \"markdown\", \"start\": 5, \"end\": 5}", "/arms/0/pricing/end", "after start");
  expect_error("{\"name\": \"inventory_driven\", \"min_factor\": 0}", "/arms/0/pricing/min_factor", "min_factor");
  expect_error("{\"name\": \"inventory_driven\", \"max_step\": 0}", "/arms/0/pricing/max_step", "max_step");
  expect_error("{\"name\": \"competitor_reactive\", \"mode\": \"follow\"}", "/arms/0/pricing/mode", "match");
  expect_error("{\"name\": \"competitor_reactive\", \"undercut\": 0}", "/arms/0/pricing/undercut", "undercut");
  expect_error("{\"name\": \"rule\", \"demand\": 11}", "/arms/0/pricing/demand", "demand");
  expect_error("{\"name\": \"rule\", \"max_factor\": 0.5}", "/arms/0/pricing/max_factor", "max_factor");
}

namespace {

const std::string kPriceWar = MARKETSIM_SOURCE_DIR "/scenarios/price-war.json";

std::vector<LineRecord> price_war_lines(std::size_t arm) {
  const Scenario sc = load_scenario(kPriceWar, {"/market/segments/0/consumers=5000", "/replications=1"});
  ArmRun run(sc, arm);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec.lines;
}

}  // namespace

TEST_CASE("competitor_reactive undercuts a list-price rival and two undercutters meet at the floor", "[pricing]") {
  // alpha (seller 0) undercuts beta's yesterday price by 5% with a floor of cost + 5%; beta sells
  // at list. Costs are 60% of list, so the floor is about 63% of list: alpha sits at 95% of list
  // from day 1. When both undercut, each step takes 5% off the other's price: 0.95^k < 0.63 from
  // k = 10, so from day 12 on both sell at the floor.
  const Scenario sc = load_scenario(kPriceWar, {"/market/segments/0/consumers=5000", "/replications=1"});
  const Market market = build_market(sc.market, sc.seed, 0);
  const auto floor_of = [](const LineRecord& l) {
    return std::max<Money>(1, std::llround(static_cast<double>(l.unit_cost) * 1.05));
  };
  std::size_t alpha = 0;
  for (const LineRecord& l : price_war_lines(1)) {
    const Money list = market.catalog.list_price[l.product];
    if (l.seller == 1 || day_of(l.time) == 0) {
      CHECK(l.unit_price == list);
      continue;
    }
    CHECK(l.unit_price == std::max<Money>(floor_of(l), std::llround(static_cast<double>(list) * 0.95)));
    ++alpha;
  }
  CHECK(alpha > 1000);
  std::size_t late = 0;
  for (const LineRecord& l : price_war_lines(2)) {
    if (day_of(l.time) < 12) continue;
    CHECK(l.unit_price == floor_of(l));
    ++late;
  }
  CHECK(late > 1000);
}
