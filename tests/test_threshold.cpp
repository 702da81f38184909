// The "threshold" promotion (strategies/promotions/threshold.cpp): every order's discount equals its tier
// computed by hand from its settled lines (once per order, only covered lines count and share it),
// shoppers' baskets bunch just above the threshold (the utility unlock of MODEL.md "Choice"),
// the same bytes on 1 and 2 threads, and one-line errors for bad tiers.
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/threshold-sale.json";

/// scenarios/threshold-sale.json at 6,000 consumers, one replication, with `extra` overrides.
Scenario small(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=6000", "/replications=1"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kScenario, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
};

/// Every settled line of one run of arm `a`.
std::vector<LineRecord> lines_of(const Scenario& sc, std::size_t a) {
  ArmRun run(sc, a);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();  // the end-of-run invariants check the ledgers against the books to the cent
  return rec.lines;
}

/// One order as settled: its covered spend after per-item discounts, and its lines' order discounts.
struct Order {
  Time time = 0;
  Money spend = 0;          // covered lines: quantity x (unit price - unit discount)
  Money all = 0;            // every line
  Money discount = 0;       // sum of the lines' order discounts
  Money uncovered_discount = 0;
};

std::map<std::pair<ConsumerId, std::uint32_t>, Order> orders_of(const std::vector<LineRecord>& lines,
                                                                const std::vector<char>& covered) {
  std::map<std::pair<ConsumerId, std::uint32_t>, Order> orders;
  for (const LineRecord& l : lines) {
    if (l.quantity == 0) continue;
    Order& o = orders[{l.consumer, l.visit}];
    o.time = l.time;
    const Money paid = static_cast<Money>(l.quantity) * l.unit_paid();
    o.all += paid;
    o.discount += l.order_discount;
    if (covered.empty() || covered[l.product]) {
      o.spend += paid;
    } else {
      o.uncovered_discount += l.order_discount;
    }
  }
  return orders;
}

/// Spend 40 get 6, spend 70 get 12 (cents).
Money tier(Money spend) { return spend >= 7000 ? 1200 : spend >= 4000 ? 600 : 0; }

void expect_error(const std::string& promotion, const std::string& pointer, const std::string& words) {
  INFO("promotion: " << promotion << "; expected at " << pointer);
  try {
    (void)small({"/arms/1/promotions/0=" + promotion});
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

TEST_CASE("a threshold gives each order its highest tier reached, once, shared over its covered lines",
          "[threshold]") {
  SECTION("store-wide, two tiers") {
    const Scenario sc = small({"/arms/1/promotions/0/tiers=[{\"spend\": 40, \"off\": 6}, {\"spend\": 70, \"off\": 12}]"});
    const auto orders = orders_of(lines_of(sc, 1), {});
    std::size_t tier1 = 0, tier2 = 0;
    for (const auto& [key, o] : orders) {
      const bool live = o.time >= 14 && o.time < 28;
      INFO("order of consumer " << key.first << " at " << o.time << ", spend " << o.spend);
      CHECK(o.discount == (live ? tier(o.spend) : 0));
      tier1 += live && o.spend >= 4000 && o.spend < 7000;
      tier2 += live && o.spend >= 7000;
    }
    CHECK(tier1 > 100);  // both tiers are exercised
    CHECK(tier2 > 10);
  }
  SECTION("scoped to the home category") {
    const Scenario sc = small({"/arms/1/promotions/0/products={\"categories\": [\"home\"]}",
                               "/arms/1/promotions/0/tiers=[{\"spend\": 40, \"off\": 6}, {\"spend\": 70, \"off\": 12}]"});
    const Market market = build_market(sc.market, sc.seed, 0);
    std::vector<char> home(market.catalog.size(), 0);
    for (ProductId j = 0; j < market.catalog.size(); ++j) home[j] = market.catalog.category[j] == 1;
    const auto orders = orders_of(lines_of(sc, 1), home);
    std::size_t discounted = 0, mixed = 0;
    for (const auto& [key, o] : orders) {
      const bool live = o.time >= 14 && o.time < 28;
      INFO("order of consumer " << key.first << " at " << o.time << ", covered spend " << o.spend);
      CHECK(o.discount == (live ? tier(o.spend) : 0));
      CHECK(o.uncovered_discount == 0);  // only covered lines share the discount
      discounted += o.discount > 0;
      mixed += o.discount > 0 && o.all > o.spend;
    }
    CHECK(discounted > 50);
    CHECK(mixed > 10);  // orders whose other lines did not count and got nothing
  }
}

TEST_CASE("shoppers add items to reach the threshold: order values bunch just above it", "[threshold]") {
  // Orders during the promotion (days 14-27) with a value (after per-item discounts, before the
  // order discount) in [32, 40) and [40, 48): without the threshold, the share above 40 among
  // them is what the value distribution gives; with it, items that cross 40 gain utility
  // beta x 6, so the share above rises. A two-proportion z test at the 99.9% level (one-sided,
  // z > 3.09), both arms on the same market (common random numbers make the test conservative
  // only in the variance; the shift expected is tens of percentage points).
  const Scenario sc = small({"/market/segments/0/consumers=8000"});
  const auto share_above = [&](std::size_t arm) {
    double above = 0, below = 0;
    for (const auto& [key, o] : orders_of(lines_of(sc, arm), {})) {
      if (o.time < 14) continue;
      above += o.all >= 4000 && o.all < 4800;
      below += o.all >= 3200 && o.all < 4000;
    }
    return std::pair{above, above + below};
  };
  const auto [a0, n0] = share_above(0);  // baseline
  const auto [a1, n1] = share_above(1);  // spend 40 get 6
  REQUIRE(n0 > 200);
  REQUIRE(n1 > 200);
  const double p0 = a0 / n0, p1 = a1 / n1, pooled = (a0 + a1) / (n0 + n1);
  const double z = (p1 - p0) / std::sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1));
  INFO("share of [32, 48) orders at 40 or above: baseline " << p0 << " (" << n0 << "), threshold " << p1 << " (" << n1
                                                            << "), z = " << z);
  CHECK(z > 3.09);
  CHECK(p1 > p0 + 0.05);
}

TEST_CASE("a threshold run gives the same bytes on 1 and 2 threads and any shard size", "[threshold][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(
        run_experiment(small({"/replications=2", "/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("65536", 1);
  CHECK(run("65536", 2) == one);
  CHECK(run("1000", 2) == one);
}

TEST_CASE("bad threshold parameters are one-line errors naming the key", "[threshold][errors]") {
  expect_error("{\"name\": \"threshold\"}", "/arms/1/promotions/0/tiers", "tiers");
  expect_error("{\"name\": \"threshold\", \"tiers\": []}", "/arms/1/promotions/0/tiers", "non-empty");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40}]}", "/arms/1/promotions/0/tiers/0/off", "off");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40, \"off\": 50}]}",
               "/arms/1/promotions/0/tiers/0/off", "at most the tier's spend");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40, \"off\": 5}, {\"spend\": 30, \"off\": 6}]}",
               "/arms/1/promotions/0/tiers/1/spend", "above the previous");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40, \"off\": 5}, {\"spend\": 60, \"off\": 4}]}",
               "/arms/1/promotions/0/tiers/1/off", "at least the previous");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": -1, \"off\": 5}]}", "/arms/1/promotions/0/tiers/0/spend",
               "spend");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40, \"off\": 5, \"of\": 1}]}",
               "/arms/1/promotions/0/tiers/0/of", "of");
  expect_error("{\"name\": \"threshold\", \"tiers\": [{\"spend\": 40, \"off\": 5}], \"start\": 5, \"end\": 5}",
               "/arms/1/promotions/0/end", "greater than start");
}
