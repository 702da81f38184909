// Sellers and offers: a marketplace where two sellers offer overlapping products, each with its
// own strategies, stock and budget; one seller reproduces today's shop.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "experiments/experiment.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"
#include "fingerprint.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 20,000 consumers and 200 products, sold by "shop" (every product) and
/// "rival" (the even ids), the rival pricing at `rival_factor` of list price.
Scenario marketplace(double rival_factor, std::vector<std::string> extra = {}) {
  std::ostringstream arm;
  arm << R"({"name": "two", "baseline": true, "sellers": [
      {"name": "shop", "promotions": [{"name": "percent_off", "products": {"every": 10}, "depth": 0.2,
                                       "start": 10, "end": 17, "budget": 1000}]},
      {"name": "rival", "pricing": {"name": "fixed", "price_factor": )"
      << rival_factor << R"(}, "recommendation": {"name": "popular_plus_random", "popular": 2, "random": 3}}]})";
  std::vector<std::string> o = {
      "/market/segments/0/consumers=20000", "/market/categories/0/products=200", "/replications=2",
      R"(/market/sellers=[{"name": "shop"}, {"name": "rival", "products": {"every": 2}, "holding_cost": 0.01, "order_cost": 1}])",
      "/arms=[" + arm.str() + "]"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}


}  // namespace

TEST_CASE("two sellers: offers, per-seller books and the breakdown add up to the market",
          "[sellers][invariants]") {
  const Scenario sc = marketplace(0.8);
  const Market market = build_market(sc.market, sc.seed, 0);
  REQUIRE(market.offers.sellers() == 2);
  CHECK(market.offers.count(0) == 200);
  CHECK(market.offers.count(1) == 100);
  CHECK(market.offers.product[market.offers.begin(1) + 7] == 14);  // the rival's 8th offer: product 14
  const ExperimentResult r = run_experiment(sc);  // the engine checks conservation and ledgers
  for (const RunResult& run : r.runs) {
    REQUIRE(run.seller_totals.size() == 2);
    for (const char* name : {"units", "revenue", "cogs", "gross_profit", "lost_sales", "discounts",
                             "promotion_spend", "inventory_costs", "operating_profit"}) {
      INFO(name);
      const std::size_t m = metric_index(name);
      CHECK(run.seller_totals[0][m] + run.seller_totals[1][m] == Approx(run.totals[m]).margin(0.005));
      // Each seller's breakdown cells add up to its own totals.
      if (metric_list()[m].line == nullptr) continue;
      for (std::uint32_t s = 0; s < 2; ++s) {
        double sum = 0.0;
        for (const BreakdownRow& b : run.breakdown) sum += b.dims() == kBreakdownCell && b.seller == s ? b.values[m] : 0.0;
        CHECK(sum == Approx(run.seller_totals[s][m]).margin(0.005));
      }
    }
    // The rival alone pays inventory costs (0.01 a unit a day, 1.00 an order), and only the shop
    // runs a promotion.
    CHECK(run.seller_totals[0][metric_index("inventory_costs")] == 0.0);
    CHECK(run.seller_totals[1][metric_index("inventory_costs")] > 0.0);
    CHECK(run.seller_totals[1][metric_index("discounts")] == 0.0);
    CHECK(run.seller_totals[0][metric_index("discounts")] > 0.0);
    // An order can hold both sellers' lines, so the sellers' orders add up to at least the
    // marketplace's conversions.
    const std::size_t orders = metric_index("conversions");
    CHECK(run.seller_totals[0][orders] + run.seller_totals[1][orders] >= run.totals[orders]);
  }
}

TEST_CASE("each seller's days add up to the market's, with shares and price indices", "[sellers][invariants]") {
  const Scenario sc = marketplace(0.9);
  const ExperimentResult r = run_experiment(sc);
  const std::size_t units = metric_index("units"), revenue = metric_index("revenue"),
                    price = metric_index("price_index");
  for (const RunResult& run : r.runs) {
    REQUIRE(run.seller_daily.size() == 2 * run.daily.size());
    double shop_units = 0.0;
    for (std::size_t d = 0; d < run.daily.size(); ++d) {
      const SellerDailyRow& shop = run.seller_daily[2 * d];
      const SellerDailyRow& rival = run.seller_daily[2 * d + 1];
      CHECK(shop.day == run.daily[d].day);
      CHECK(rival.seller == 1);
      CHECK(shop.values[units] + rival.values[units] == run.daily[d].values[units]);
      CHECK(shop.values[revenue] + rival.values[revenue] == Approx(run.daily[d].values[revenue]).margin(0.005));
      CHECK(std::isnan(shop.values[metric_index("visits")]));  // a marketplace-only metric
      // Prices before promotions: the shop at list (its sale is a promotion), the rival at 90%
      // of list to the cent; the market's index lies between.
      CHECK(shop.values[price] == 1.0);
      CHECK(rival.values[price] == Approx(0.9).margin(1e-4));
      CHECK(run.daily[d].values[price] > 0.9);
      CHECK(run.daily[d].values[price] < 1.0);
      if (!shop.warmup) shop_units += shop.values[units];
    }
    CHECK(shop_units == run.seller_totals[0][units]);
  }
  // summary.json: each seller's shares of units and revenue, summing to one per replication.
  const ExperimentSummary summary =
      summarize(r.runs, {sc.arms[0].name}, 0, static_cast<std::size_t>(sc.replications));
  const Json doc = summary_json(sc, summary, PerformanceInfo{}, &r);
  const Json& sellers = doc["arms"][0]["sellers"];
  REQUIRE(sellers.size() == 2);
  CHECK(sellers[0]["name"] == "shop");
  const double shop_share = sellers[0]["unit_share"]["mean"].get<double>();
  CHECK(shop_share > 0.5);  // the shop sells every product, the rival half of them
  CHECK(shop_share + sellers[1]["unit_share"]["mean"].get<double>() == Approx(1.0));
  CHECK(sellers[0]["revenue_share"]["mean"].get<double>() + sellers[1]["revenue_share"]["mean"].get<double>() ==
        Approx(1.0));
  CHECK(sellers[1]["metrics"]["price_index"]["mean"].get<double>() == Approx(0.9).margin(1e-4));
  CHECK(!sellers[1]["metrics"].contains("visits"));
}

TEST_CASE("a cheaper rival takes sales from the shop on the products both offer", "[sellers]") {
  const ExperimentResult dear = run_experiment(marketplace(1.5));
  const ExperimentResult cheap = run_experiment(marketplace(0.6));
  const std::size_t units = metric_index("units");
  for (std::size_t rep = 0; rep < 2; ++rep) {
    CHECK(cheap.runs[rep].seller_totals[1][units] > 2.0 * dear.runs[rep].seller_totals[1][units]);
    CHECK(cheap.runs[rep].seller_totals[0][units] < dear.runs[rep].seller_totals[0][units]);
  }
}

TEST_CASE("a marketplace run is identical for any thread count and shard size", "[sellers][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(marketplace(0.9, {"/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("999", 2) == one);
  CHECK(run("5000", 8) == one);
}

TEST_CASE("one seller given under \"sellers\" is the shop given on the arm", "[sellers]") {
  const auto shrink = std::vector<std::string>{"/market/segments/0/consumers=20000",
                                               "/market/categories/0/products=200", "/replications=2"};
  const Scenario legacy = load_scenario(kReference, shrink);
  auto listed = shrink;
  listed.push_back(R"(/arms=[{"name": "reference", "baseline": true, "sellers": [{"name": "shop",
      "promotions": [{"name": "percent_off", "products": {"every": 10, "offset": 0}, "depth": 0.2,
                      "start": 10, "end": 17}],
      "recommendation": {"name": "popular_plus_random", "popular": 5, "random": 5, "window_days": 7},
      "replenishment": {"name": "order_up_to"}}]}])");
  const Scenario sellers = load_scenario(kReference, listed);
  CHECK(sellers.resolved["arms"] == legacy.resolved["arms"]);
  CHECK(fingerprint(run_experiment(sellers)) == fingerprint(run_experiment(legacy)));
}
