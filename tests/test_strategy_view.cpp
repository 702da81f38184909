// What strategies see: a recommender's prepare() sees every seller's posted prices and per-item
// discounts of the window (margin- and promotion-aware ranking needs them), after every seller's
// pricing and promotions have run.
#include <catch2/catch.hpp>

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
