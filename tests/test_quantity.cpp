// The behaviour module "quantity": units per line drawn from fitted tables by segment and unit
// price. Its validation rules (one test each, asserting the parameter's pointer), the table a line
// resolves to (hook by hook, with one-unit tables), and, through `marketsim run` and
// transactions.csv, the law of the quantities (chi-square goodness of fit per segment and price
// band), units conserved against runs.csv, and the same bytes on 1 and 2 threads.
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "cli_harness.h"
#include "module_harness.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

/// A scenario of two segments ("retail", "wholesale") and two categories of well separated prices
/// ("cheap": 2-8, "dear": 20-60), with `modules` as /market/behaviours. Stock never runs out (no
/// restocking from a billion units), so every drawn quantity is sold, and there is no promotion:
/// the unit price paid is the list price.
std::string scenario_text(const std::string& modules, int consumers_per_segment = 1500) {
  const std::string n = std::to_string(consumers_per_segment);
  std::string s = R"({
    "name": "quantity-test", "seed": 11, "replications": 2, "horizon_days": 20, "warmup_days": 0,
    "engine": {"shard_size": 400},
    "market": {
      "latent_dimensions": 4, "intercept": -1.0, "browse_slots": 2, "lead_time_days": 2,
      "categories": [
        {"name": "cheap", "products": 20, "price_min": 2, "price_max": 8},
        {"name": "dear", "products": 20, "price_min": 20, "price_max": 60}],
      "segments": [
        {"name": "retail", "consumers": )";
  s += n;
  s += R"(, "visit_rate": 0.5, "price_sensitivity_median": 0.03},
        {"name": "wholesale", "consumers": )";
  s += n;
  s += R"(, "visit_rate": 0.5, "price_sensitivity_median": 0.03}],
      "behaviours": )";
  s += modules;
  s += R"(},
    "arms": [{"name": "only", "baseline": true,
              "recommendation": {"name": "random", "slots": 6},
              "replenishment": {"name": "none", "initial": 1000000000}}]})";
  return s;
}

/// The quantity module with `tables` (a JSON array).
std::string quantity_module(const std::string& tables) {
  std::string s = R"([{"name": "quantity", "tables": )";
  s += tables;
  s += "}]";
  return s;
}

/// The loader's message for the quantity module with `tables` ("" when the scenario is valid).
std::string load_error(const std::string& tables) {
  try {
    (void)check_scenario_text(scenario_text(quantity_module(tables)), "q.json");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

// The fitted tables of the statistical tests: "*" (retail's) and wholesale's own, each with a
// band below 15 (the cheap category) and one from 15 (the dear one).
const std::string kTables = R"([
  {"units": [1, 2, 3, 6, 12], "weights": [50, 20, 10, 12, 8]},
  {"price_from": 15, "units": [1, 2], "weights": [3, 1]},
  {"segment": "wholesale", "units": [1, 6, 12, 24, 48], "weights": [10, 30, 30, 20, 10]},
  {"segment": "wholesale", "price_from": 15, "units": [1, 2, 3, 6, 12, 24], "weights": [20, 20, 20, 25, 15, 0]}
])";

}  // namespace

// --- validation --------------------------------------------------------------------------------

TEST_CASE("quantity: an unknown segment is an error naming tables/k/segment", "[quantity][validation]") {
  const std::string e = load_error(R"([{"units": [1], "weights": [1]}, {"segment": "toys", "units": [1], "weights": [1]}])");
  CHECK_THAT(e, Catch::Contains("q.json: /market/behaviours/0/tables/1/segment: unknown segment \"toys\"") &&
                    Catch::Contains("\"retail\", \"wholesale\""));
  CHECK(std::count(e.begin(), e.end(), '\n') == 0);
}

TEST_CASE("quantity: units and weights of different lengths are an error naming tables/k/weights",
          "[quantity][validation]") {
  CHECK_THAT(load_error(R"([{"units": [1, 2, 3], "weights": [1, 1]}])"),
             Catch::Contains("/market/behaviours/0/tables/0/weights: has 2 weights for 3 unit counts"));
}

TEST_CASE("quantity: all-zero weights are an error naming tables/k/weights", "[quantity][validation]") {
  CHECK_THAT(load_error(R"([{"units": [1, 2], "weights": [0, 0]}])"),
             Catch::Contains("/market/behaviours/0/tables/0/weights: are all 0"));
  CHECK(load_error(R"([{"units": [1, 2], "weights": [0, 1]}])").empty());
}

TEST_CASE("quantity: a segment without a table at price 0 is an error naming tables", "[quantity][validation]") {
  // Wholesale has its own table from 10 only, and "*" starts at 5: nothing covers wholesale's
  // lines below 5. Retail is covered by "*" from 5 on only, too: the first segment is reported.
  CHECK_THAT(load_error(R"([{"price_from": 5, "units": [1], "weights": [1]},
                            {"segment": "wholesale", "price_from": 10, "units": [2], "weights": [1]}])"),
             Catch::Contains("/market/behaviours/0/tables: segment \"retail\" has no table at price_from 0"));
  CHECK_THAT(load_error(R"([{"segment": "retail", "units": [1], "weights": [1]}])"),
             Catch::Contains("/market/behaviours/0/tables: segment \"wholesale\" has no table at price_from 0"));
  // "*" from 0 covers a segment whose own tables start higher.
  CHECK(load_error(R"([{"units": [1], "weights": [1]},
                       {"segment": "wholesale", "price_from": 10, "units": [2], "weights": [1]}])").empty());
}

TEST_CASE("quantity: the other rules, each naming its parameter", "[quantity][validation]") {
  CHECK_THAT(load_error(R"([{"units": [1], "weights": [1]}, {"price_from": 0.001, "units": [2], "weights": [1]}])"),
             Catch::Contains("/market/behaviours/0/tables/1/price_from: segment \"*\" already has a table"));
  CHECK_THAT(load_error(R"([{"units": [1, 2, 1], "weights": [1, 1, 1]}])"),
             Catch::Contains("/market/behaviours/0/tables/0/units: lists 1 twice"));
  CHECK_THAT(load_error(R"([{"units": [], "weights": []}])"),
             Catch::Contains("/market/behaviours/0/tables/0/units: expected at least one unit count"));
  CHECK_THAT(load_error("[]"), Catch::Contains("/market/behaviours/0/tables: expected at least one table"));
  CHECK_THAT(load_error(R"([{"units": [0], "weights": [1]}])"), Catch::Contains("/market/behaviours/0/tables/0/units/0"));
  CHECK_THAT(load_error(R"([{"units": [65536], "weights": [1]}])"), Catch::Contains("/market/behaviours/0/tables/0/units/0"));
  CHECK_THAT(load_error(R"([{"units": [1], "weights": [-1]}])"), Catch::Contains("/market/behaviours/0/tables/0/weights/0"));
  CHECK_THAT(load_error(R"([{"units": [1], "weights": [1], "price_from": -1}])"),
             Catch::Contains("/market/behaviours/0/tables/0/price_from"));
  CHECK_THAT(load_error(R"([{"units": [1], "weight": [1]}])"),
             Catch::Contains("/market/behaviours/0/tables/0/weight: unknown key"));
  CHECK_THAT(load_error(R"([{"weights": [1]}])"), Catch::Contains("/market/behaviours/0/tables/0/units"));
  CHECK(load_error(kTables).empty());
}

// --- the table a line resolves to --------------------------------------------------------------

TEST_CASE("quantity: a line uses its segment's table with the largest price_from at or below its price, else \"*\"'s",
          "[quantity]") {
  // One-unit tables make the draw the table's number: "*" from 0 -> 1, "*" from 10 -> 2, wholesale
  // from 20 -> 3, retail from 0 -> 4 (retail never uses "*").
  const Scenario sc = check_scenario_text(
      scenario_text(quantity_module(R"([{"units": [1], "weights": [1]}, {"price_from": 10, "units": [2], "weights": [1]},
                                        {"segment": "wholesale", "price_from": 20, "units": [3], "weights": [1]},
                                        {"segment": "retail", "units": [4, 5], "weights": [1, 0]}])"),
                    10),
      "q.json");
  testing::ModuleHarness h(sc, {0, 7, 20});  // retail 0-9, wholesale 10-19; shards cut across
  REQUIRE(h.module().stages() == kStageBasket);
  const std::vector<ConsumerId> consumer = {3, 3, 8, 10, 12, 12, 15, 19, 19};
  const std::vector<float> price = {0.5f, 25.0f, 12.0f, 0.0f, 9.99f, 10.0f, 19.99f, 20.0f, 600.0f};
  const std::vector<std::uint16_t> expected = {4, 4, 4, 1, 1, 2, 2, 3, 3};
  std::vector<std::uint16_t> quantity(consumer.size(), 1);
  const std::vector<Time> time(consumer.size(), 0.5);
  const std::vector<OfferId> offer(consumer.size(), 0);
  const std::vector<std::uint32_t> visit = {0, 0, 4, 1, 2, 2, 3, 5, 5};
  const std::vector<std::uint8_t> line = {0, 1, 0, 0, 0, 1, 0, 0, 1};
  for (std::size_t s = 0; s < h.shards(); ++s) {
    // Each shard's lines in a batch of their own.
    std::vector<std::size_t> mine;
    for (std::size_t l = 0; l < consumer.size(); ++l) {
      if (h.shard_of(consumer[l]) == s) mine.push_back(l);
    }
    std::vector<ConsumerId> c;
    std::vector<float> p;
    std::vector<std::uint16_t> q;
    std::vector<std::uint32_t> v;
    std::vector<std::uint8_t> n;
    for (std::size_t l : mine) {
      c.push_back(consumer[l]);
      p.push_back(price[l]);
      q.push_back(1);
      v.push_back(visit[l]);
      n.push_back(line[l]);
    }
    const ShardContext ctx = h.context(s);
    LineBatch b{ctx, c, std::span(time).first(c.size()), std::span(offer).first(c.size()), p, q, v, n};
    h.module().quantities(b);
    for (std::size_t k = 0; k < mine.size(); ++k) quantity[mine[k]] = q[k];
  }
  CHECK(quantity == expected);
}

TEST_CASE("quantity: a line uses the tables of the largest lines_from at or below its order's lines", "[quantity]") {
  // "*" for orders of 1-2 lines -> 1 unit, of 3 or more -> 7; retail's own table for orders of 5
  // or more -> 9 (below 5 lines retail has no table of its own at that size: "*"'s).
  const Scenario sc = check_scenario_text(
      scenario_text(quantity_module(R"([{"units": [1], "weights": [1]}, {"lines_from": 3, "units": [7], "weights": [1]},
                                        {"segment": "retail", "lines_from": 5, "units": [9], "weights": [1]}])"),
                    10),
      "q.json");
  testing::ModuleHarness h(sc, {0, 20});
  // Orders: consumer 3 (retail) 3 lines, consumer 12 (wholesale) 1 line, consumer 4 (retail) 5
  // lines, consumer 15 (wholesale) 2 lines.
  const std::vector<ConsumerId> consumer = {3, 3, 3, 12, 4, 4, 4, 4, 4, 15, 15};
  const std::vector<std::uint8_t> line = {0, 1, 2, 0, 0, 1, 2, 3, 4, 0, 1};
  const std::vector<std::uint32_t> visit = {0, 0, 0, 2, 1, 1, 1, 1, 1, 6, 6};
  const std::vector<std::uint16_t> expected = {7, 7, 7, 1, 9, 9, 9, 9, 9, 1, 1};
  std::vector<std::uint16_t> quantity(consumer.size(), 1);
  const std::vector<float> price(consumer.size(), 3.0f);
  const std::vector<Time> time(consumer.size(), 0.5);
  const std::vector<OfferId> offer(consumer.size(), 0);
  const ShardContext ctx = h.context(0);
  LineBatch b{ctx, consumer, time, offer, price, quantity, visit, line};
  h.module().quantities(b);
  CHECK(quantity == expected);
}

TEST_CASE("quantity: a line's draw depends on (consumer, visit, line) only, not on its batch", "[quantity]") {
  const Scenario sc = check_scenario_text(scenario_text(quantity_module(kTables), 10), "q.json");
  testing::ModuleHarness h(sc, {0, 20});
  const ShardContext ctx = h.context(0);
  std::vector<ConsumerId> c;
  std::vector<std::uint32_t> v;
  std::vector<std::uint8_t> n;
  for (ConsumerId i = 0; i < 20; ++i) {
    for (std::uint8_t k = 0; k < 3; ++k) {
      c.push_back(i);
      v.push_back(7 + i % 3);
      n.push_back(k);
    }
  }
  const std::vector<float> p(c.size(), 4.0f);
  const std::vector<Time> t(c.size(), 1.0);
  const std::vector<OfferId> o(c.size(), 0);
  std::vector<std::uint16_t> all(c.size(), 1);
  LineBatch whole{ctx, c, t, o, p, all, v, n};
  h.module().quantities(whole);
  // The same lines one by one, last first.
  std::set<std::uint16_t> seen;
  for (std::size_t l = c.size(); l-- > 0;) {
    std::uint16_t q = 1;
    LineBatch one{ctx, std::span(c).subspan(l, 1), std::span(t).subspan(l, 1), std::span(o).subspan(l, 1),
                  std::span(p).subspan(l, 1), std::span(&q, 1), std::span(v).subspan(l, 1), std::span(n).subspan(l, 1)};
    h.module().quantities(one);
    CHECK(q == all[l]);
    seen.insert(q);
  }
  CHECK(seen.size() > 2);  // the draws do differ from line to line
}

// --- through `marketsim run` -------------------------------------------------------------------

TEST_CASE("quantity: the quantities of each segment and price band follow their table (chi-square), units "
          "reconcile with runs.csv, and the bytes do not depend on threads",
          "[quantity]") {
  const testing::TempDir dir("quantity");
  const std::string scenario = dir.write("quantity.json", scenario_text(R"([{"name": "basket", "max_items": 3},
      {"name": "quantity", "tables": )" + kTables + "}]"));
  std::string texts[2];
  for (int threads = 1; threads <= 2; ++threads) {
    const fs::path out = dir.path / std::to_string(threads);
    const testing::Result r = testing::cli({"run", scenario, "--threads", std::to_string(threads), "--out", out.string(),
                                            "--outputs", "runs.csv,transactions.csv", "--quiet"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    texts[threads - 1] = testing::slurp(out / "transactions.csv");
  }
  // (d) The same bytes on 1 and 2 threads.
  CHECK(texts[0] == texts[1]);

  const auto rows = testing::csv_rows(texts[0]);
  REQUIRE(rows.size() > 1);
  const std::size_t quantity_col = column(rows[0], "Quantity"), price_col = column(rows[0], "UnitPrice"),
                    country_col = column(rows[0], "Country"), arm_col = column(rows[0], "arm"),
                    replication_col = column(rows[0], "replication");

  // The tables as the module should resolve them: (segment, band) -> units and weights.
  struct Table {
    std::vector<int> units;
    std::vector<double> weights;
  };
  const std::map<std::pair<std::string, int>, Table> tables = {
      {{"retail", 0}, {{1, 2, 3, 6, 12}, {50, 20, 10, 12, 8}}},
      {{"retail", 1}, {{1, 2}, {3, 1}}},
      {{"wholesale", 0}, {{1, 6, 12, 24, 48}, {10, 30, 30, 20, 10}}},
      {{"wholesale", 1}, {{1, 2, 3, 6, 12, 24}, {20, 20, 20, 25, 15, 0}}},
  };
  std::map<std::pair<std::string, int>, std::map<int, double>> counts;
  std::map<std::pair<std::string, std::string>, long long> units_by_run;
  std::size_t malformed = 0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const auto& f = rows[k];
    if (f.size() != rows[0].size() || f[3] == "D") {
      ++malformed;  // neither a wrong row nor an order discount is expected here
      continue;
    }
    const int q = std::stoi(f[quantity_col]);
    const double price = std::stod(f[price_col]);
    const int band = price >= 15.0 ? 1 : 0;
    counts[{f[country_col], band}][q] += 1.0;
    units_by_run[{f[arm_col], f[replication_col]}] += q;
  }
  CHECK(malformed == 0);

  // (b) Chi-square goodness of fit per (segment, band), k - 1 degrees of freedom: the statistic
  // stays below its 99.9% quantile (a 0.1% false-alarm rate per group at a fixed seed). A
  // quantity outside the table, or of weight 0, fails outright.
  for (const auto& [group, table] : tables) {
    INFO(group.first << ", band " << group.second);
    const std::map<int, double>& observed = counts[group];
    double n = 0.0, total_weight = 0.0;
    for (const auto& [q, c] : observed) {
      CHECK(std::find(table.units.begin(), table.units.end(), q) != table.units.end());
      n += c;
    }
    for (double w : table.weights) total_weight += w;
    REQUIRE(n >= 500.0);  // every expected count at least 40: the chi-square law holds
    double statistic = 0.0;
    std::size_t cells = 0;  // the unit counts of positive weight
    for (std::size_t i = 0; i < table.units.size(); ++i) {
      const double expected = n * table.weights[i] / total_weight;
      const auto it = observed.find(table.units[i]);
      const double o = it == observed.end() ? 0.0 : it->second;
      if (expected == 0.0) {
        CHECK(o == 0.0);  // a weight of 0 is never drawn
        continue;
      }
      ++cells;
      statistic += (o - expected) * (o - expected) / expected;
    }
    const boost::math::chi_squared law(static_cast<double>(cells - 1));
    const double bound = boost::math::quantile(law, 0.999);
    INFO("n = " << n << ", chi-square = " << statistic << ", 99.9% bound = " << bound);
    CHECK(statistic < bound);
  }

  // (c) Units conserve: per run, the Quantity column sums to runs.csv's units.
  const auto runs = testing::csv_rows(testing::slurp(dir.path / "1" / "runs.csv"));
  REQUIRE(runs.size() == 3);  // 1 arm x 2 replications
  const std::size_t units_col = column(runs[0], "units");
  for (std::size_t k = 1; k < runs.size(); ++k) {
    INFO(runs[k][0] << " replication " << runs[k][1]);
    CHECK(units_by_run.at({runs[k][0], runs[k][1]}) == std::stoll(runs[k][units_col]));
  }
}
