// What strategies see: a recommender's prepare() sees every seller's posted prices and per-item
// discounts of the window (margin- and promotion-aware ranking needs them), after every seller's
// pricing and promotions have run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

#include "analysis/metric.h"
#include "experiments/run_unit.h"
#include "market/shown_set.h"
#include "strategies/recommender.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

/// What a recommender saw in each window: (day, offer) -> (price, discount).
struct Seen {
  std::vector<std::tuple<Day, OfferId, Money, Money>> rows;
};

/// A recommender of this file only: shows its seller's first offer and records the window's view.
class WatchingRecommender final : public Recommender {
 public:
  explicit WatchingRecommender(Seen* seen) : seen_(seen) {}
  std::size_t slots() const override { return 1; }
  void prepare(const MarketContext& ctx) override {
    first_ = ctx.first_offer();
    REQUIRE(ctx.prices.size() == ctx.offers.size());
    REQUIRE(ctx.discounts.size() == ctx.offers.size());
    for (OfferId o = 0; o < ctx.offers.size(); ++o) seen_->rows.emplace_back(ctx.day, o, ctx.prices[o], ctx.discounts[o]);
  }
  void recommend(ConsumerId, CounterRng&, ShownSet& shown) const override {
    if (!shown.contains(first_) && !shown.full()) shown.push(first_);
  }

 private:
  Seen* seen_;
  OfferId first_ = 0;
};

}  // namespace

TEST_CASE("a recommender sees every seller's posted prices and discounts of the window", "[strategies][view]") {
  register_builtin_strategies();
  static Seen seen;
  recommender_registry().add({"test_watching", "records the window's prices (a test's)", {},
                              [](const Json&, const BuildContext&) { return std::make_unique<WatchingRecommender>(&seen); }});
  // Two sellers of the same 10 products: "a" sells at 0.9 x list with 20% off from day 2 on; "b"
  // at list. Seller "a"'s recommender runs first, yet sees "b"'s prices of the same window.
  ArmRun run(R"({
    "name": "view", "seed": 2, "replications": 1, "horizon_days": 4,
    "market": { "latent_dimensions": 2, "categories": [ { "name": "c", "products": 10 } ],
                "segments": [ { "name": "s", "consumers": 200 } ],
                "sellers": [ { "name": "a" }, { "name": "b" } ] },
    "arms": [ { "name": "base", "baseline": true, "sellers": [
      { "name": "a", "pricing": { "name": "fixed", "price_factor": 0.9 },
        "promotions": [ { "name": "percent_off", "depth": 0.2, "start": 2 } ],
        "recommendation": { "name": "test_watching" } },
      { "name": "b", "recommendation": { "name": "test_watching" } } ] } ] })");
  run.run();
  const Market& m = run.market();
  REQUIRE(seen.rows.size() == 2 * 4 * 20);  // 2 recommenders x 4 windows x 20 offers
  for (const auto& [day, o, price, discount] : seen.rows) {
    INFO("day " << day << " offer " << o);
    const Money list = m.catalog.list_price[m.offers.product[o]];
    if (m.offers.seller[o] == 0) {
      CHECK(price == discount_of(list, 0.9));
      CHECK(discount == (day >= 2 ? discount_of(price, 0.2) : 0));
    } else {
      CHECK(price == list);
      CHECK(discount == 0);
    }
  }
  recommender_registry().remove("test_watching");
}

namespace {

/// A recommender of this file only with per-consumer state: how many visits each consumer made
/// (a column it declares), shown its seller's first offer.
class CountingRecommender final : public Recommender {
 public:
  std::size_t slots() const override { return 1; }
  void declare(ColumnLayout& layout) override { visits_ = layout.add<std::uint32_t>(name(), "visits_seen", 1, 0u); }
  void prepare(const MarketContext& ctx) override { first_ = ctx.first_offer(); }
  void recommend(ConsumerId consumer, CounterRng&, ShownSet& shown) const override {
    ++*rows().row(visits_, consumer);  // the visiting consumer's row: its shard's thread only
    if (!shown.contains(first_) && !shown.full()) shown.push(first_);
  }
  std::uint32_t seen(ConsumerId c) const { return *rows().row(visits_, c); }

 private:
  Column<std::uint32_t> visits_;
  OfferId first_ = 0;
};

}  // namespace

TEST_CASE("a strategy's per-consumer state is declared, stored by the engine and counted in memory", "[strategies][memory]") {
  register_builtin_strategies();
  recommender_registry().add({"test_counting", "counts each consumer's visits in a column (a test's)", {},
                              [](const Json&, const BuildContext&) { return std::make_unique<CountingRecommender>(); }});
  const std::string text = R"({
    "name": "memory", "seed": 4, "replications": 1, "horizon_days": 5,
    "engine": { "shard_size": 700 },
    "market": { "latent_dimensions": 2, "categories": [ { "name": "c", "products": 12 } ],
                "segments": [ { "name": "s", "consumers": 3000 } ] },
    "arms": [ { "name": "base", "baseline": true },
              { "name": "counting", "recommendation": { "name": "test_counting" } } ] })";
  const Scenario sc = check_scenario_text(text, "<inline scenario>");
  // The estimate before a run knows the column (the arm that holds the most).
  REQUIRE(sc.strategy_columns.size() == 1);
  CHECK(sc.strategy_columns[0].owner == "test_counting");
  CHECK(sc.strategy_columns[0].name == "visits_seen");
  CHECK(sc.strategy_columns[0].bytes_per_consumer() == 4);
  // The run stores it in every shard, counts it in bytes per consumer, and it holds each
  // consumer's visits: they add up to the run's visits.
  ArmRun run(sc, 1, 0);
  const RunResult r = run.run();
  std::size_t declared = 0;
  for (const ColumnSpec& c : run.simulation().columns().specs()) declared += c.owner == "test_counting" ? 1 : 0;
  CHECK(declared == 1);
  const auto& counting = dynamic_cast<const CountingRecommender&>(*run.arm().sellers[0].recommender);
  std::uint64_t total = 0;
  for (ConsumerId c = 0; c < 3000; ++c) total += counting.seen(c);
  CHECK(total == r.visits_simulated);
  CHECK(r.column_bytes_per_consumer == ArmRun(sc, 0, 0).simulation().column_bytes_per_consumer() + 4);
  recommender_registry().remove("test_counting");
}

TEST_CASE("coupons held in wallets count in the memory estimate", "[strategies][memory]") {
  const Scenario none = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json");
  CHECK(none.strategy_other_bytes_per_consumer == 0.0);
  // retention: a weekly coupon to lapsed buyers (any of them), valid 14 days: at most 2 held.
  const Scenario weekly = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json");
  CHECK(weekly.strategy_other_bytes_per_consumer == Approx(64.0 * 2));
  // coupon-targeting: 1,000 of 8,000 consumers a week (or its pilot's), valid 7 days: 1 held at most.
  const Scenario targeted = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/coupon-targeting.json");
  CHECK(targeted.strategy_other_bytes_per_consumer > 0.0);
  CHECK(targeted.strategy_other_bytes_per_consumer <= 64.0);
}

TEST_CASE("a collector that subscribes to exposures gets every offer's exposures and clicks of each day", "[metrics][view]") {
  register_builtin_metrics();
  const auto sum = [](std::span<const std::uint32_t> v) {
    double t = 0.0;
    for (std::uint32_t x : v) t += x;
    return t;
  };
  const auto collector = [](std::string name, std::function<double(const DayRecord&)> value) {
    MetricInfo m;
    m.name = name;
    m.description = "a test's";
    CollectorInfo c{name, "a test's", kSignalDays | kSignalExposures, {m}, std::move(value), {}};
    c.example = Json::object();
    return c;
  };
  metric_registry().push_back(collector("test_exposures", [&](const DayRecord& d) { return sum(d.exposures); }));
  metric_registry().push_back(collector("test_clicked", [&](const DayRecord& d) { return sum(d.considered); }));
  // click-funnel's clicks module counts impressions and clicks itself (gauges): the same figures.
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json",
                                    {"/market/segments/0/consumers=3000", "/horizon_days=8"});
  ArmRun run(sc, 1, 0);
  const RunResult r = run.run();
  const auto gauge = [&](const std::string& name) {
    const auto it = std::find(r.gauge_names.begin(), r.gauge_names.end(), name);
    REQUIRE(it != r.gauge_names.end());
    return static_cast<std::size_t>(it - r.gauge_names.begin());
  };
  const std::size_t impressions = gauge("clicks.impressions"), clicks = gauge("clicks.clicks");
  for (const DailyRow& d : r.daily) {
    INFO("day " << d.day);
    CHECK(d.values[metric_index("test_exposures")] == d.gauges[impressions]);
    CHECK(d.values[metric_index("test_clicked")] == d.gauges[clicks]);
    CHECK(d.values[metric_index("test_clicked")] < d.values[metric_index("test_exposures")]);
  }
  metric_registry().pop_back();
  metric_registry().pop_back();
}
