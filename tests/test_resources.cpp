// Resources and domain guards before and during a run: the memory estimate (its per-consumer run
// state equals what runs declare; a scenario larger than any machine stops before allocating),
// the work bound, checked totals (a wrapped money total is an error, not a result) and visit rates
// so small that gaps leave the horizon.
#include <catch2/catch.hpp>
#include <sstream>

#include "experiments/experiment.h"
#include "analysis/resources.h"
#include "cli/cli.h"
#include "cli_harness.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "sim/money.h"

using namespace marketsim;
using namespace marketsim::testing;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";
const std::string kSummer = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";

bool one_line(const std::string& s) { return s.find('\n') == s.size() - 1 && s.find('\r') == std::string::npos; }

}  // namespace

TEST_CASE("resources: the estimate's run state per consumer is what a run declares", "[resources]") {
  // Independent of the estimate's arithmetic: the columns a real run of each shipped scenario
  // declares (the engine's and its modules') against those the loader recorded.
  for (const std::string& file : {kReference, kSummer}) {
    INFO(file);
    const Scenario sc = load_scenario(file, {"/replications=1", "/horizon_days=10", "/warmup_days=0", "/market/segments/0/consumers=500"});
    const ResourceEstimate e = estimate_resources(sc, 2);
    const ExperimentResult r = run_experiment(sc);
    CHECK(e.run_state_bytes_per_consumer == r.column_bytes_per_consumer);
    CHECK(e.total_bytes > e.market_bytes);
    CHECK(e.runs_at_once <= 2);
  }
}

TEST_CASE("resources: the estimate grows linearly in consumers and with the runs alive at once", "[resources]") {
  const Scenario small = load_scenario(kReference, {"/market/segments/0/consumers=1000000"});
  const Scenario large = load_scenario(kReference, {"/market/segments/0/consumers=2000000"});
  const ResourceEstimate a = estimate_resources(small, 1), b = estimate_resources(large, 1);
  // Traits and run state are per consumer: doubling consumers doubles them (catalog fixed).
  CHECK(b.market_bytes - a.market_bytes == Approx(1e6 * 78).epsilon(1e-9));  // 16 floats + 3 floats + 2 bytes
  CHECK(b.expected_visits == Approx(2.0 * a.expected_visits));
  const Scenario reps = load_scenario(kReference, {"/replications=8"});
  CHECK(estimate_resources(reps, 4).markets_at_once == 4);
  CHECK(estimate_resources(reps, 16).markets_at_once == 8);
  // Expected visits: consumers x rate x exp(sd^2/2) x days x arms x replications.
  const Scenario spread = load_scenario(kReference, {"/market/segments/0/visit_rate_log_sd=1"});
  const ResourceEstimate base = estimate_resources(load_scenario(kReference), 1);
  CHECK(estimate_resources(spread, 1).expected_visits == Approx(base.expected_visits * std::exp(0.5)));
  CHECK(base.expected_visits == Approx(1e6 * 0.2 * 30));
}

TEST_CASE("resources: a run larger than the machine stops before it starts, with the estimate", "[resources]") {
  // 4e9 consumers need about 300 GiB of traits: more than any machine this runs on.
  const Result r = cli({"run", kReference, "--quiet", "--set", "/market/segments/0/consumers=4000000000"});
  CHECK(r.code == 2);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::StartsWith("error: " + kReference + ": /: the run needs about "));
  CHECK_THAT(r.err, Catch::Contains("GiB is available"));
  // A given limit: the same check against a known figure.
  const Scenario sc = load_scenario(kReference);
  const ResourceEstimate e = estimate_resources(sc, 2);
  CHECK_NOTHROW(check_resources(sc, e, e.total_bytes));
  CHECK_THROWS_AS(check_resources(sc, e, e.total_bytes * 0.99), ScenarioError);
  CHECK_NOTHROW(check_resources(sc, e, std::nullopt));
}

TEST_CASE("resources: validate prints the estimate and allocates no market", "[resources]") {
  const Result r = cli({"validate", kReference, "--set", "/market/segments/0/consumers=4000000000"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("a run needs about"));
  CHECK_THAT(r.out, Catch::Contains("`run` would refuse it"));
}

TEST_CASE("resources: a run beyond the work bound stops before it starts", "[resources]") {
  const Result r = cli({"run", kReference, "--quiet", "--set", "/market/segments/0/visit_rate=1000", "--set",
                        "/market/segments/0/visit_rate_log_sd=5"});
  CHECK(r.code == 2);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("visits"));
  CHECK_THAT(r.err, Catch::Contains("at most 1e13"));
}

TEST_CASE("resources: visit rates so small that gaps leave the horizon finish with few visits", "[resources]") {
  // A gap of 1e20 days (or an infinite one, when the rate underflows) is past the horizon: the
  // consumer is dropped from the calendar instead of wrapping to window 0.
  for (const char* rate : {"1e-20", "1e-12"}) {
    INFO(rate);
    const Result r = cli({"run", kReference, "--quiet", "--threads", "1", "--set",
                          "/market/segments/0/consumers=20000", "--set", std::string("/market/segments/0/visit_rate=") + rate,
                          "--set", "/market/segments/0/visit_rate_log_sd=5", "--replications", "1"});
    CHECK(r.code == 0);
    CHECK_THAT(r.err, Catch::StartsWith("simulated "));
  }
}

TEST_CASE("resources: totals that would leave 64 bits are an error naming the file", "[resources]") {
  // 1000 products x 1e12 units on hand x a holding cost of 1e8 cents per unit-day: 1e23 cents.
  const Result r = cli({"run", kReference, "--quiet", "--threads", "1", "--replications", "1", "--set",
                        "/market/segments/0/consumers=1000", "--set",
                        "/market/sellers=[{\"name\":\"shop\",\"holding_cost\":1000000}]", "--set",
                        "/arms/0/replenishment={\"name\":\"s_S\",\"s\":100000000000,\"S\":1000000000000}"});
  CHECK(r.code == 2);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::StartsWith("error: " + kReference + ": /: a money total left the range"));
  CHECK(r.out.empty());
}

TEST_CASE("resources: checked additions are exact up to the limit and throw past it", "[resources]") {
  std::int64_t t = INT64_MAX - 5;
  add_checked(t, 5);
  CHECK(t == INT64_MAX);
  CHECK_THROWS_AS(add_checked(t, 1), RangeError);
  std::int64_t n = INT64_MIN + 1;
  CHECK_THROWS_AS(add_checked(n, -2), RangeError);
  CHECK(mul_checked(3037000499LL, 3037000499LL) == 9223372030926249001LL);
  CHECK_THROWS_AS(mul_checked(3037000500LL, 3037000500LL), RangeError);
  std::uint64_t u = UINT64_MAX;
  CHECK_THROWS_AS(add_checked(u, std::uint64_t{1}), RangeError);
}

TEST_CASE("resources: offers are bounded however sellers split the catalogue", "[resources]") {
  // Two sellers offering all of 10^7 products are 2 x 10^7 offers, each with stock, prices and a
  // log: refused at the second seller's selector, before any offer is allocated.
  const Result r = cli({"validate", kReference, "--set", "/market/categories/0/products=10000000", "--set",
                        "/market/sellers=[{\"name\":\"a\"},{\"name\":\"b\"}]", "--set",
                        "/arms/0={\"name\":\"x\",\"baseline\":true,\"sellers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"});
  CHECK(r.code == 2);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("/market/sellers/1/products: the sellers offer 20000000"));
  // Splitting the same catalogue between them is fine.
  const Result split = cli({"validate", kReference, "--set", "/market/categories/0/products=10000000", "--set",
                            "/market/sellers=[{\"name\":\"a\",\"products\":{\"every\":2}},"
                            "{\"name\":\"b\",\"products\":{\"every\":2,\"offset\":1}}]",
                            "--set", "/arms/0={\"name\":\"x\",\"baseline\":true,\"sellers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"});
  CHECK(split.code == 0);
}

TEST_CASE("resources: a run of tiny shards over minute-long windows stops before it starts", "[resources]") {
  // One consumer per shard, 1440 windows a day for ten years: 5.3e12 shard-windows of fixed work
  // with almost no visits.
  const Result r = cli({"run", kReference, "--quiet", "--set", "/engine/shard_size=1", "--set", "/horizon_days=3650",
                        "--set", "/engine/window_days=0.000694444444444444"});
  CHECK(r.code == 2);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("/engine: the runs would step 5.26e+12 shard-windows"));
  const Scenario sc = load_scenario(kReference);
  CHECK(estimate_resources(sc, 1).shard_windows == Approx(16.0 * 30.0));  // 10^6 / 65536 -> 16 shards
}

TEST_CASE("resources: a module's state outside its columns (a social graph) is in the estimate", "[resources]") {
  const std::string wom = "/market/behaviours=[{\"name\": \"word_of_mouth\", \"new_products\": {\"ids\": [1]}, "
                          "\"graph\": \"small_world\", \"degree\": 10}]";
  const Scenario with = load_scenario(kReference, {wom});
  const Scenario without = load_scenario(kReference);
  CHECK(with.module_other_bytes_per_consumer == 48.0);  // 4 x degree + 8 (compressed sparse row)
  const ResourceEstimate a = estimate_resources(with, 1), b = estimate_resources(without, 1);
  std::size_t wom_columns = 0;
  for (const ColumnSpec& c : with.module_columns) wom_columns += c.bytes_per_consumer();
  CHECK(a.run_bytes - b.run_bytes == Approx(1e6 * (48.0 + static_cast<double>(wom_columns))));
}
