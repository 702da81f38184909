// Warehouses through the engine (engine/replenishment.cpp): consumers' regions (by share from a
// consumer-keyed stream, or by segment), fallbacks and their cost, capacity caps, the daily
// transfer rule, lead times per warehouse and per product group, replenishment as a list of rules
// (first match, every offer matched), stock alerts per warehouse, and the one-line errors of the
// new keys. Units are conserved per warehouse and in transit: the engine checks it at the end of
// every run (Simulation::check_invariants) and throws otherwise, so every run here checks it.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <vector>

#include "agents/inventory.h"
#include "analysis/metric.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

double total(const RunResult& r, const char* metric) { return r.totals[metric_index(metric)]; }

/// The reference market, small: 5,000 consumers and 40 products, one replication.
Scenario small(std::vector<std::string> extra, int days = 40) {
  std::vector<std::string> o = {"/market/segments/0/consumers=5000", "/market/categories/0/products=40",
                                "/replications=1", "/horizon_days=" + std::to_string(days), "/warmup_days=0"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

RunResult run_one(const Scenario& sc) { return run_experiment(sc).runs.front(); }

// North serves 3/4 of the consumers (drawn by share), south 1/4; north is well stocked, south
// has nothing and never restocks.
const char* kTwoRegions = R"(/market/sellers=[{"name": "shop", "warehouses": [
    {"name": "north", "share": 3}, {"name": "south", "share": 1}]}])";
// Recommendations that do not follow sales (the reference market's popularity ranking would starve
// the offers that sell out of exposures, and so of demand).
const char* kRandomShelf = R"(/arms/0/recommendation={"name": "random", "slots": 10})";
const char* kNorthOnly = R"(/arms/0/replenishment=[
    {"warehouses": ["north"], "name": "base_stock", "S": 400},
    {"name": "none", "initial": 0}])";

}  // namespace

TEST_CASE("inventory agent: units are conserved per slot and in transit, with crossing orders and transfers",
          "[warehouses][inventory]") {
  Inventory inv(2);
  inv.on_hand = {10, 0};
  inv.initial = inv.on_hand;
  inv.place(0, 5, 4.0);     // arrives last
  inv.place(0, 7, 2.0);     // placed later, arrives first: the orders cross
  inv.transfer(0, 1, 6, 1.5);
  CHECK(inv.on_hand[0] == 4);
  CHECK(inv.on_order[1] == 6);
  CHECK(inv.position(1) == 6);
  CHECK(inv.unconserved() == -1);
  const Shipment first = inv.receive_next();
  CHECK(first.slot == 1);
  CHECK(first.transfer);
  const Shipment second = inv.receive_next();
  CHECK(second.units == 7);  // the later order, first
  CHECK(second.arrival == 2.0);
  inv.sell(1, 4);
  CHECK(inv.unconserved() == -1);
  const Shipment third = inv.receive_next();
  CHECK(third.units == 5);
  CHECK(inv.on_hand[0] == 16);
  CHECK(inv.on_hand[1] == 2);
  CHECK(inv.unconserved() == -1);
  inv.on_hand[1] += 1;  // a unit from nowhere is caught
  CHECK(inv.unconserved() == 1);
}

TEST_CASE("warehouses: regions drawn by share, and a region whose warehouse is empty loses its share of demand",
          "[warehouses][regions]") {
  const RunResult r = run_one(small({kTwoRegions, kNorthOnly}));
  const double lost = total(r, "lost_sales"), sold = total(r, "units");
  REQUIRE(sold > 0.0);
  // South's consumers are a Binomial(5000, 1/4) share of identical consumers (sd 0.006); their
  // demand's share also varies with tastes: 0.25 +- 0.05.
  CHECK(lost / (lost + sold) == Approx(0.25).margin(0.05));
  // Stock alerts name the warehouse: south's slots are short every day, north's (S = 400) never.
  bool south = false, north = false;
  for (const StockAlertRow& a : r.stock_alerts) {
    if (a.short_units > 0) (a.warehouse == 1 ? south : north) = true;
  }
  CHECK(south);
  CHECK_FALSE(north);

  // The draw is keyed by (seed, replication, consumer): the same regions run after run.
  const RunResult again = run_one(small({kTwoRegions, kNorthOnly}));
  CHECK(total(again, "lost_sales") == lost);
}

TEST_CASE("warehouses: a fallback serves the region's lines its warehouse cannot, at fallback_cost per unit",
          "[warehouses][fallback]") {
  const RunResult r = run_one(small({R"(/market/sellers=[{"name": "shop", "warehouses": [
      {"name": "north", "share": 3}, {"name": "south", "share": 1, "fallback": ["north"], "fallback_cost": 0.5}]}])",
                                     kNorthOnly}));
  CHECK(total(r, "lost_sales") == 0.0);
  // Every unit south's consumers bought came from north at 0.5 each: about a quarter of the units.
  const double fallback_units = total(r, "fulfilment_cost") / 0.5;
  CHECK(fallback_units == Approx(std::round(fallback_units)).margin(1e-6));
  CHECK(fallback_units / total(r, "units") == Approx(0.25).margin(0.05));
  CHECK(total(r, "operating_profit") ==
        Approx(total(r, "contribution") - total(r, "holding_cost") - total(r, "ordering_cost") -
               total(r, "backorder_cost") - total(r, "fulfilment_cost"))
            .margin(0.01));
}

TEST_CASE("warehouses: regions by segment send each segment's consumers to its warehouse", "[warehouses][regions]") {
  // Two segments of 2,500: "city" served by a stocked warehouse, "rural" by an empty one.
  const RunResult r = run_one(small({R"(/market/segments=[{"name": "city", "consumers": 2500},
                                                          {"name": "rural", "consumers": 2500}])",
                                     R"(/market/sellers=[{"name": "shop", "warehouses": [
          {"name": "urban", "segments": ["city"]}, {"name": "remote", "segments": ["rural"]}]}])",
                                     R"(/arms/0/replenishment=[{"warehouses": ["urban"], "name": "base_stock", "S": 400},
                                        {"name": "none", "initial": 0}])"}));
  const double lost = total(r, "lost_sales"), sold = total(r, "units");
  // The segments are alike: half the demand each, within 0.05.
  CHECK(lost / (lost + sold) == Approx(0.5).margin(0.05));
}

TEST_CASE("warehouses: capacity caps on hand + on order per product", "[warehouses][capacity]") {
  const RunResult r = run_one(small({R"(/market/sellers=[{"name": "shop", "warehouses": [{"name": "main", "capacity": 30}]}])",
                                     R"(/arms/0/replenishment={"name": "base_stock", "S": 100, "initial": 0})"}));
  double most = 0.0;
  for (const DailyRow& row : r.daily) most = std::max(most, row.values[metric_index("stock_on_hand")]);
  CHECK(most > 0.0);
  CHECK(most <= 30.0 * 40.0);
  // Uncapped, the same policy holds more.
  const RunResult open = run_one(small({R"(/arms/0/replenishment={"name": "base_stock", "S": 100, "initial": 0})"}));
  double open_most = 0.0;
  for (const DailyRow& row : open.daily) open_most = std::max(open_most, row.values[metric_index("stock_on_hand")]);
  CHECK(open_most > 30.0 * 40.0);
}

TEST_CASE("warehouses: the transfer rule moves stock to the region that runs short", "[warehouses][transfers]") {
  const char* policies = R"(/arms/0/replenishment=[{"warehouses": ["north"], "name": "none", "initial": 300},
                                                     {"name": "none", "initial": 0}])";
  const RunResult still = run_one(small({kTwoRegions, policies}));
  const RunResult moving = run_one(small({R"(/market/sellers=[{"name": "shop", "transfer_ratio": 2, "transfer_days": 1,
      "transfer_cost": 0.1, "warehouses": [{"name": "north", "share": 3}, {"name": "south", "share": 1}]}])",
                                          policies}));
  CHECK(total(still, "fulfilment_cost") == 0.0);
  const double moved = total(moving, "fulfilment_cost") / 0.1;
  CHECK(moved > 0.0);
  CHECK(moved == Approx(std::round(moved)).margin(1e-6));
  // The same 12,000 units sell to both regions instead of three quarters of the demand.
  CHECK(total(moving, "lost_sales") < total(still, "lost_sales"));
  CHECK(total(moving, "units") > total(still, "units"));
}

TEST_CASE("lead times per product group and per warehouse", "[warehouses][lead_time]") {
  // Even products take 12 days, odd ones 1: under the same base-stock level (about 3 days of
  // demand: enough to cover a 1-day lead time and its review day, a quarter of a 12-day one) the
  // even ones run short far more.
  const RunResult r = run_one(small({R"(/market/sellers=[{"name": "shop", "lead_time_days": 1,
      "lead_times": [{"products": {"every": 2, "offset": 0}, "lead_time_days": 12}]}])",
                                     R"(/arms/0/replenishment={"name": "base_stock", "S": 30})", kRandomShelf}));
  double even = 0.0, odd = 0.0;
  for (const StockAlertRow& a : r.stock_alerts) (a.product % 2 == 0 ? even : odd) += static_cast<double>(a.short_units);
  CHECK(even > 2.0 * odd);
  // A warehouse's own lead time overrides the seller's groups: both groups at 1 day.
  const RunResult w = run_one(small({R"(/market/sellers=[{"name": "shop", "lead_time_days": 1,
      "lead_times": [{"products": {"every": 2, "offset": 0}, "lead_time_days": 12}],
      "warehouses": [{"name": "main", "lead_time_days": 1}]}])",
                                     R"(/arms/0/replenishment={"name": "base_stock", "S": 30})", kRandomShelf}));
  CHECK(total(w, "lost_sales") < total(r, "lost_sales"));
}

TEST_CASE("replenishment rules: the first match plans an offer", "[warehouses][rules]") {
  // Even products never restock, odd ones do: the list gives each its own policy.
  const RunResult r = run_one(small({R"(/arms/0/replenishment=[
      {"products": {"every": 2, "offset": 0}, "name": "none", "initial": 2},
      {"products": "all", "name": "base_stock", "S": 60}])", kRandomShelf}));
  double even = 0.0, odd = 0.0;
  for (const StockAlertRow& a : r.stock_alerts) (a.product % 2 == 0 ? even : odd) += static_cast<double>(a.lost_units);
  CHECK(even > 0.0);
  CHECK(odd < even / 4.0);
}

TEST_CASE("warehouses, fallbacks and transfers give the same results on 1 and 2 threads", "[warehouses][determinism]") {
  const Scenario sc = small({R"(/market/sellers=[{"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0.1,
      "transfer_ratio": 1.5, "transfer_cost": 0.05,
      "lead_time": {"distribution": "uniform", "min": 1, "max": 6},
      "warehouses": [{"name": "a", "share": 2, "fallback": ["b"], "fallback_cost": 0.3, "capacity": 40},
                     {"name": "b", "share": 1, "fallback": ["a"], "fallback_cost": 0.3}]}])",
                             R"(/arms/0/replenishment={"name": "s_S", "s": 5, "S": 30, "initial": 10, "review": "continuous"})"},
                            30);
  RunResult one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = run_one(sc);
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two = run_one(sc);
  }
  CHECK(total(one, "units_backordered") > 0.0);
  CHECK(total(one, "fulfilment_cost") > 0.0);
  REQUIRE(one.totals.size() == two.totals.size());
  for (std::size_t k = 0; k < one.totals.size(); ++k) {
    INFO(metric_list()[k].name);
    CHECK((one.totals[k] == two.totals[k] || (std::isnan(one.totals[k]) && std::isnan(two.totals[k]))));
  }
  CHECK(one.stock_alerts == two.stock_alerts);
}

TEST_CASE("warehouses and replenishment rules: bad values are one-line errors naming the pointer", "[warehouses][errors]") {
  const auto error_of = [](std::vector<std::string> extra) {
    try {
      small(std::move(extra));
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto sellers = [](const std::string& warehouses) {
    return R"(/market/sellers=[{"name": "shop", "warehouses": )" + warehouses + "}]";
  };
  CHECK_THAT(error_of({sellers(R"([{"name": "a"}, {"name": "a"}])")}), Catch::Contains("/market/sellers/0/warehouses/1/name"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "fallback": ["x"]}, {"name": "b"}])")}),
             Catch::Contains("/market/sellers/0/warehouses/0/fallback/0"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "fallback": ["a"]}, {"name": "b"}])")}),
             Catch::Contains("/market/sellers/0/warehouses/0/fallback/0"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "segments": ["all"]}, {"name": "b"}])")}),
             Catch::Contains("/market/sellers/0/warehouses/1/segments"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "segments": ["nowhere"]}])")}),
             Catch::Contains("/market/sellers/0/warehouses/0/segments"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "share": 0}, {"name": "b", "share": 0}])")}),
             Catch::Contains("/market/sellers/0/warehouses"));
  CHECK_THAT(error_of({sellers(R"([{"name": "a", "capacity": -1}])")}), Catch::Contains("/market/sellers/0/warehouses/0/capacity"));
  CHECK_THAT(error_of({R"(/market/sellers=[{"name": "shop", "transfer_ratio": 0.5}])"}),
             Catch::Contains("/market/sellers/0/transfer_ratio"));
  CHECK_THAT(error_of({R"(/market/sellers=[{"name": "shop", "lead_times": [{"products": "all"}]}])"}),
             Catch::Contains("/market/sellers/0/lead_times/0"));
  // Rules: every offer planned, known warehouses, no rule that plans nothing, scope keys only in a list.
  CHECK_THAT(error_of({R"(/arms/0/replenishment=[{"products": {"ids": [1]}, "name": "none", "initial": 1}])"}),
             Catch::Contains("/arms/0/replenishment") && Catch::Contains("no rule plans product 0"));
  CHECK_THAT(error_of({R"(/arms/0/replenishment=[{"warehouses": ["east"], "name": "none", "initial": 1}])"}),
             Catch::Contains("/arms/0/replenishment/0/warehouses/0"));
  CHECK_THAT(error_of({R"(/arms/0/replenishment=[{"name": "none", "initial": 1}, {"name": "none", "initial": 2}])"}),
             Catch::Contains("/arms/0/replenishment/1") && Catch::Contains("plans no offer"));
  CHECK_THAT(error_of({R"(/arms/0/replenishment={"products": "all", "name": "none", "initial": 1})"}),
             Catch::Contains("/arms/0/replenishment/products"));
  CHECK_THAT(error_of({R"(/arms/0/replenishment=[{"name": "none", "initial": -1}])"}),
             Catch::Contains("/arms/0/replenishment/0/initial"));
  CHECK_THAT(error_of({R"(/arms/0/replenishment=[3])"}), Catch::Contains("/arms/0/replenishment/0"));
}
