// Strategy tests: one shared test every implementation of a family must pass, plus each
// implementation's own behaviour against hand-computed expectations.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "market/market.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

MarketSpec small_market(std::int64_t products = 40) {
  MarketSpec m;
  m.latent_dimensions = 4;
  m.categories = {CategorySpec{"a", products / 2}, CategorySpec{"b", products - products / 2}};
  m.segments = {SegmentSpec{"s", 100}};
  return m;
}

/// A one-seller market's catalog and offers, and a platform log holding a week.
struct Shop {
  explicit Shop(std::int64_t products = 40)
      : spec(small_market(products)), catalog(build_catalog(spec, 1)), offers(build_offers(spec, catalog)),
        log(offers.size(), LogNeeds{.lookback_days = 7}) {}
  BuildContext build(std::int64_t lead_time, double visits_per_day) const {
    return BuildContext{catalog, offers, 0, lead_time, visits_per_day};
  }
  MarketContext at(Day day) const {
    return MarketContext{catalog, offers, log, 0, day, static_cast<Time>(day), static_cast<Time>(day + 1)};
  }
  MarketSpec spec;
  Catalog catalog;
  Offers offers;
  PlatformLog log;
};

/// Builds a registered strategy from `params` (validated, defaults filled in).
template <typename Interface>
std::unique_ptr<Interface> make(const StrategyInfo<Interface>& info, const Json& params,
                                const BuildContext& ctx) {
  return info.make(validate_object(info.params, params, "test", ""), ctx);
}

template <typename Interface>
std::unique_ptr<Interface> build(StrategyRegistry<Interface>& r, const std::string& name, Json params,
                                 const BuildContext& ctx) {
  register_builtin_strategies();
  const auto* info = r.find(name);
  REQUIRE(info != nullptr);
  return make(*info, params, ctx);
}

}  // namespace

TEST_CASE("every recommender fills its slots with distinct valid products", "[strategies]") {
  register_builtin_strategies();
  Shop shop;
  shop.log.begin_day(0);
  const BuildContext ctx = shop.build(3, 20.0);
  for (const auto& info : recommender_registry().entries()) {
    INFO("recommender " << info.name);
    auto rec = make(info, Json::object(), ctx);
    rec->prepare(shop.at(0));
    for (std::uint32_t v = 0; v < 200; ++v) {
      CounterRng rng = visit_stream(stream_key(1, 0, v, Purpose::kTest), v, VisitStage::kRecommend);
      ShownSet shown;
      rec->recommend(v, rng, shown);
      REQUIRE(shown.size() == rec->slots());
      std::set<OfferId> distinct(shown.begin(), shown.end());
      CHECK(distinct.size() == shown.size());
      for (OfferId o : shown) CHECK(o < shop.offers.size());
    }
  }
}

TEST_CASE("popular_plus_random shows the trailing best sellers, ties to the lower id",
          "[strategies]") {
  Shop shop;
  const BuildContext ctx = shop.build(3, 20.0);
  auto rec = build(recommender_registry(), "popular_plus_random",
                   {{"popular", 3}, {"random", 2}, {"window_days", 2}}, ctx);
  shop.log.begin_day(0);
  rec->prepare(shop.at(0));
  CounterRng rng(1);
  ShownSet shown;
  rec->recommend(0, rng, shown);
  CHECK(shown[0] == 0);  // day 0: no sales yet, so products 0, 1, 2
  CHECK(shown[1] == 1);
  CHECK(shown[2] == 2);
  // Day 0: product 7 sells 5, product 3 sells 2; day 1: product 9 sells 4, product 5 sells 2.
  for (int i = 0; i < 5; ++i) shop.log.add_sale(7, 1);
  for (int i = 0; i < 2; ++i) shop.log.add_sale(3, 1);
  shop.log.begin_day(1);
  for (int i = 0; i < 4; ++i) shop.log.add_sale(9, 1);
  for (int i = 0; i < 2; ++i) shop.log.add_sale(5, 1);
  shop.log.begin_day(2);
  rec->prepare(shop.at(2));
  shown.clear();
  rec->recommend(0, rng, shown);
  CHECK(shown[0] == 7);
  CHECK(shown[1] == 9);
  CHECK(shown[2] == 3);  // 3 and 5 tie at 2 units: lower id first
  for (std::size_t k = 3; k < shown.size(); ++k) {
    CHECK(shown[k] != 7);
    CHECK(shown[k] != 9);
    CHECK(shown[k] != 3);
  }
  // Day 3 with a 2-day window: only days 1 and 2 count, so product 7 drops out.
  shop.log.begin_day(3);
  rec->prepare(shop.at(3));
  shown.clear();
  rec->recommend(0, rng, shown);
  CHECK(shown[0] == 9);
  CHECK(shown[1] == 5);
  CHECK(shown[2] == 0);
}

TEST_CASE("order_up_to orders up to ceil(cover * forecast * (L + R))", "[strategies][inventory]") {
  Shop shop;
  const BuildContext ctx = shop.build(3, 400.0);  // 400 visits a day over 40 products
  auto policy = build(replenishment_registry(), "order_up_to",
                      {{"forecast_days", 7}, {"cover", 1.5}, {"review_days", 1},
                       {"initial_demand_per_visit", 0.3}},
                      ctx);
  // f0 = 0.3 * 400 / 40 = 3; initial = ceil(1.5 * 3 * 4) = 18.
  CHECK(policy->initial_stock(0) == 18);
  PlatformLog& log = shop.log;
  log.begin_day(0);
  for (int i = 0; i < 4; ++i) log.add_sale(2, 1);
  log.add_lost(2, 1);  // demand day 0 = 5
  log.begin_day(1);
  log.add_sale(2, 1);  // demand day 1 = 1
  log.begin_day(2);
  // Day 2: forecast = (5 + 1) / 2 = 3, level = ceil(1.5 * 3 * 4) = 18; position 10 + 2 = 12.
  CHECK(policy->order_quantity(InventoryView{2, 2, 2, 10, 2, 3, log}) == 6);
  CHECK(policy->order_quantity(InventoryView{2, 2, 2, 18, 0, 3, log}) == 0);
  CHECK(policy->order_quantity(InventoryView{2, 2, 2, 20, 5, 3, log}) == 0);
  CHECK(policy->order_quantity(InventoryView{2, 2, 0, 0, 0, 3, log}) == 0);  // no history yet
}

TEST_CASE("s_S orders up to S only at or below s", "[strategies][inventory]") {
  Shop shop;
  const BuildContext ctx = shop.build(2, 10.0);
  auto policy = build(replenishment_registry(), "s_S", {{"s", 5}, {"S", 20}}, ctx);
  const PlatformLog& log = shop.log;
  CHECK(policy->initial_stock(0) == 20);
  CHECK(policy->order_quantity(InventoryView{0, 0, 1, 6, 0, 2, log}) == 0);
  CHECK(policy->order_quantity(InventoryView{0, 0, 1, 5, 0, 2, log}) == 15);
  CHECK(policy->order_quantity(InventoryView{0, 0, 1, 2, 2, 2, log}) == 16);
  CHECK(policy->order_quantity(InventoryView{0, 0, 1, 0, 10, 2, log}) == 0);
  auto with_initial = build(replenishment_registry(), "s_S", {{"s", 1}, {"S", 3}, {"initial", 7}}, ctx);
  CHECK(with_initial->initial_stock(0) == 7);
}

TEST_CASE("percent_off discounts the selected products inside its window only", "[strategies]") {
  Shop shop;
  const Catalog& catalog = shop.catalog;
  const BuildContext ctx = shop.build(3, 10.0);
  auto promo = build(promotion_registry(), "percent_off",
                     {{"products", {{"categories", {"b"}}}}, {"depth", 0.25}, {"start", 2},
                      {"end", 4}, {"budget", 100}},
                     ctx);
  CHECK(promo->budget() == Money{10000});
  std::vector<Money> prices(catalog.size(), 1000), discounts(catalog.size(), -1);
  CHECK_FALSE(promo->offers(shop.at(1), prices, discounts));
  CHECK(promo->offers(shop.at(2), prices, discounts));
  for (ProductId j = 0; j < catalog.size(); ++j) {
    CHECK(discounts[j] == (catalog.category[j] == 1 ? 250 : 0));
  }
  CHECK_FALSE(promo->offers(shop.at(4), prices, discounts));
}

TEST_CASE("every pricing strategy prices every product positively", "[strategies]") {
  register_builtin_strategies();
  Shop shop;
  const Catalog& catalog = shop.catalog;
  shop.log.begin_day(0);
  const BuildContext ctx = shop.build(3, 10.0);
  for (const auto& info : pricing_registry().entries()) {
    INFO("pricing " << info.name);
    auto pricing = make(info, Json::object(), ctx);
    std::vector<Money> prices(catalog.size(), 0);
    pricing->set_prices(shop.at(0), prices);
    for (ProductId j = 0; j < catalog.size(); ++j) CHECK(prices[j] > 0);
  }
  auto fixed = build(pricing_registry(), "fixed", Json::object(), ctx);
  std::vector<Money> prices(catalog.size(), 0);
  fixed->set_prices(shop.at(0), prices);
  CHECK(prices == catalog.list_price);
}
