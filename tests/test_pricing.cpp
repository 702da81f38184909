// Pricing strategies in runs of the reference market at 3,000 consumers and 100 products:
// cost_plus sells every line at cost x (1 + markup); a markdown schedule clears a finite stock by
// its date where list prices do not; inventory_driven prices rise where stock runs short; the same
// bytes on 1 and 2 threads; one-line errors. (The strategies' arithmetic is tested by hand in
// test_strategies.cpp.)
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "engine/simulation.h"
#include "cli_harness.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/concat.h"
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

namespace {

/// Arm 0 of price-war (5,000 consumers, one replication) with the sellers' pricing given: its
/// lines, and the list price of every product.
struct Duel {
  std::vector<LineRecord> lines;
  std::vector<Money> list;
};

Duel duel(const std::string& alpha, const std::string& beta) {
  const Scenario sc = load_scenario(kPriceWar, {"/market/segments/0/consumers=5000", "/replications=1",
                                                cat("/arms/0/sellers/0/pricing=", alpha), cat("/arms/0/sellers/1/pricing=", beta)});
  const Market market = build_market(sc.market, sc.seed, 0);
  ArmRun run(sc, 0);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return {rec.lines, market.catalog.list_price};
}

}  // namespace

TEST_CASE("competitor_reactive in match mode sells at the rival's price of yesterday", "[pricing]") {
  // beta sells every product at 80% of list; alpha matches it from day 1 (the floor, cost + 5% =
  // 63% of list, is below), at list on day 0.
  const Duel d = duel(R"({"name": "competitor_reactive", "mode": "match", "min_margin": 0.05})",
                      R"({"name": "fixed", "price_factor": 0.8})");
  std::map<ProductId, Money> beta_price;
  for (const LineRecord& l : d.lines) {
    if (l.seller == 1) beta_price[l.product] = l.unit_price;
  }
  std::size_t matched = 0;
  for (const LineRecord& l : d.lines) {
    if (l.seller != 0) continue;
    if (day_of(l.time) == 0) {
      CHECK(l.unit_price == d.list[l.product]);
      continue;
    }
    const auto it = beta_price.find(l.product);
    if (it == beta_price.end()) continue;
    CHECK(l.unit_price == it->second);
    ++matched;
  }
  CHECK(matched > 1000);
}

TEST_CASE("rule pricing's competitor term moves the price toward the rival's by its weight", "[pricing]") {
  // alpha: ln P(t) = ln P(t-1) + 0.5 ln(C / P(t-1)) against beta's 0.8 x list, with no step limit:
  // P(t) = list x 0.8^(1 - 0.5^t), each day's price rounded to the cent (so within t + 1 cents).
  const Duel d = duel(R"({"name": "rule", "competitor": 0.5, "max_step": 1, "min_factor": 0.5})",
                      R"({"name": "fixed", "price_factor": 0.8})");
  std::size_t checked = 0;
  for (const LineRecord& l : d.lines) {
    if (l.seller != 0) continue;
    const Day t = day_of(l.time);
    const double expected =
        static_cast<double>(d.list[l.product]) * std::pow(0.8, 1.0 - std::pow(0.5, static_cast<double>(t)));
    INFO("day " << t << " product " << l.product);
    CHECK(std::abs(static_cast<double>(l.unit_price) - expected) <= static_cast<double>(t) + 1.0);
    ++checked;
  }
  CHECK(checked > 1000);
}

TEST_CASE("rule and inventory_driven set prices once a day: sellers_daily.csv is the same at any window length",
          "[pricing][window]") {
  // price-war with 10,000 consumers, its first arm's alpha on rule (stock weight 1) and beta on
  // inventory_driven, so each seller's price follows its stock; the daily books must not depend
  // on the window length.
  testing::TempDir dir("daily-pricing");
  std::string first;
  for (const char* window : {"1", "0.25", "0.041666666666666664"}) {
    const std::string out = (dir.path / cat("w", window)).string();
    const testing::Result r = testing::cli(
        {"run", kPriceWar, "--quiet", "--replications", "1", "--out", out, "--outputs", "sellers_daily.csv", "--set",
         "/market/segments/0/consumers=10000", "--set", cat("/engine/window_days=", window), "--set",
         R"(/arms/0/sellers/0/pricing={"name": "rule", "stock": 1})", "--set",
         R"(/arms/0/sellers/1/pricing={"name": "inventory_driven"})"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const std::string bytes = testing::slurp(std::filesystem::path(out) / "sellers_daily.csv");
    REQUIRE(!bytes.empty());
    if (first.empty()) {
      first = bytes;
    } else {
      CHECK(bytes == first);
    }
  }
}
