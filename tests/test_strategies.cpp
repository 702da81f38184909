// Strategy tests: one shared test every implementation of a family must pass, plus each
// implementation's own behaviour against hand-computed expectations.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "experiments/run_unit.h"
#include "market/market.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

/// A one-seller market: 40 products in categories "a" and "b" (20 each), 100 consumers who visit
/// `visits_per_day` times a day in all, a lead time of `lead_time` days.
std::string shop_scenario(std::int64_t lead_time, double visits_per_day) {
  return R"({"name": "shop", "seed": 1, "replications": 1, "horizon_days": 30,
             "market": {"latent_dimensions": 4, "lead_time_days": )" +
         std::to_string(lead_time) + R"(,
                        "categories": [{"name": "a", "products": 20}, {"name": "b", "products": 20}],
                        "segments": [{"name": "s", "consumers": 100, "visit_rate": )" +
         std::to_string(visits_per_day / 100.0) + R"(}]},
             "arms": [{"name": "base", "baseline": true}]})";
}

/// The shop's market and what a strategy of its seller is built with (replication 0 of the
/// scenario, as a run builds it), and a platform log holding a week.
struct Shop {
  explicit Shop(std::int64_t lead_time = 3, double visits_per_day = 10.0)
      : run(shop_scenario(lead_time, visits_per_day)),
        catalog(run.market().catalog),
        offers(run.market().offers),
        log(offers.size(), LogNeeds{.lookback_days = 7}) {}
  BuildContext build() const { return run.build_context(); }
  MarketContext at(Day day) const {
    return MarketContext{catalog, offers, log, 0, day, static_cast<Time>(day), static_cast<Time>(day + 1)};
  }
  ArmRun run;
  const Catalog& catalog;
  const Offers& offers;
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
  Shop shop(3, 20.0);
  shop.log.begin_day(0);
  const BuildContext ctx = shop.build();
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
  Shop shop(3, 20.0);
  const BuildContext ctx = shop.build();
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
  Shop shop(3, 400.0);  // 400 visits a day over 40 products
  const BuildContext ctx = shop.build();
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
  Shop shop(2, 10.0);
  const BuildContext ctx = shop.build();
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
  const BuildContext ctx = shop.build();
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
  const BuildContext ctx = shop.build();
  for (const auto& info : pricing_registry().entries()) {
    INFO("pricing " << info.name);
    // Required parameters where a strategy has them (a markdown's dates).
    Json params = Json::object();
    if (info.name == "markdown") params = Json{{"start", 0}, {"end", 2}};
    if (info.name == "gallego_van_ryzin") params = Json{{"alpha", 0.1}, {"rate_at_list", 2}, {"end", 5}};
    auto pricing = make(info, params, ctx);
    std::vector<Money> prices(catalog.size(), 0);
    pricing->set_prices(shop.at(0), prices);
    for (ProductId j = 0; j < catalog.size(); ++j) CHECK(prices[j] > 0);
  }
  auto fixed = build(pricing_registry(), "fixed", Json::object(), ctx);
  std::vector<Money> prices(catalog.size(), 0);
  fixed->set_prices(shop.at(0), prices);
  CHECK(prices == catalog.list_price);
}

TEST_CASE("cost_plus prices every product at unit cost times (1 + markup)", "[strategies][pricing]") {
  Shop shop;
  auto pricing = build(pricing_registry(), "cost_plus", Json{{"markup", 0.25}}, shop.build());
  shop.log.begin_day(0);
  std::vector<Money> prices(shop.offers.size());
  pricing->set_prices(shop.at(0), prices);
  for (std::size_t k = 0; k < prices.size(); ++k) {
    CHECK(prices[k] == std::llround(static_cast<double>(shop.catalog.unit_cost[k]) * 1.25));
  }
}

TEST_CASE("inventory_driven pricing raises prices as days of supply fall, within its bounds and steps",
          "[strategies][pricing]") {
  // Offer 0 sells 10 units a day. Days of supply = stock / 10 against a target of 7 days: with
  // sensitivity 0.5 the factor is 1 + 0.5 (7 - d) / 7, clamped to [0.7, 1.5]; steps of at most 20%.
  Shop shop;
  auto pricing = build(pricing_registry(), "inventory_driven",
                       Json{{"target_days", 7}, {"sensitivity", 0.5}, {"max_step", 0.2}, {"window_days", 7}},
                       shop.build());
  std::vector<Units> stock(shop.offers.size(), 70);
  std::vector<Money> prices(shop.offers.size());
  const Money list = shop.catalog.list_price[0];
  const auto price_at = [&](Day day, Units on_hand) {
    stock[0] = on_hand;
    MarketContext ctx = shop.at(day);
    ctx.on_hand = stock;
    pricing->set_prices(ctx, prices);
    return prices[0];
  };
  for (Day d = 0; d < 7; ++d) {
    shop.log.begin_day(d);
    for (int i = 0; i < 10; ++i) shop.log.add_sale(0, 1);
    if (d < 6) (void)price_at(d, 70);  // 7 days of supply: the list price
  }
  CHECK(price_at(6, 70) == list);
  const auto next_day = [&](Day d) {  // 10 units sold on every day
    shop.log.begin_day(d);
    for (int i = 0; i < 10; ++i) shop.log.add_sale(0, 1);
  };
  next_day(7);
  // 35 units = 3.5 days: factor 1.25, reached in steps of at most 20% from the list price.
  const Money a = price_at(7, 35);
  CHECK(a == std::llround(static_cast<double>(list) * 1.2));  // one step: +20%
  next_day(8);
  const Money b = price_at(8, 35);
  CHECK(b == std::llround(static_cast<double>(list) * 1.25));
  // Fewer days of supply, a higher price (up to 1.5 x list at 0 days).
  next_day(9);
  const Money c = price_at(9, 0);
  CHECK(c > b);
  CHECK(c <= std::llround(static_cast<double>(list) * 1.5));
  // Long supply: down to 0.7 x list at most, step by step.
  Money last = c;
  for (Day d = 10; d < 30; ++d) {
    next_day(d);
    const Money p = price_at(d, 10000);
    CHECK(p <= last);
    CHECK(static_cast<double>(p) >= std::floor(static_cast<double>(last) * 0.8));
    last = p;
  }
  CHECK(last == std::llround(static_cast<double>(list) * 0.7));
}

TEST_CASE("rule pricing moves yesterday's price by its signals' weights, within bounds and steps",
          "[strategies][pricing]") {
  Shop shop;
  std::vector<Money> prices(shop.offers.size());
  const Money list = shop.catalog.list_price[0];
  const auto run = [&](const Json& params, const std::vector<int>& sales, Day last_day, Units on_hand) {
    Shop s;
    auto pricing = build(pricing_registry(), "rule", params, s.build());
    std::vector<Units> st(s.offers.size(), on_hand);
    Money p = 0;
    for (Day d = 0; d <= last_day; ++d) {
      s.log.begin_day(d);
      MarketContext ctx = s.at(d);
      ctx.on_hand = st;
      pricing->set_prices(ctx, prices);
      p = prices[0];
      for (int i = 0; i < sales[static_cast<std::size_t>(d)]; ++i) s.log.add_sale(0, 1);
    }
    return p;
  };
  std::vector<int> sales(10, 10);
  // Without weights the price stays at list.
  CHECK(run(Json::object(), sales, 9, 70) == list);
  // Momentum: 40 units on day 7 against 10 before; on day 8, D_1 = 40 and D_w = 100 / 7.
  sales[7] = 40;
  const double momentum = std::pow(40.0 / (100.0 / 7.0), 0.5);
  CHECK(run(Json{{"demand", 0.5}, {"max_step", 5.0}}, sales, 8, 70) ==
        std::llround(static_cast<double>(list) * momentum));
  // ... and at most 10% a day by default.
  CHECK(run(Json{{"demand", 0.5}}, sales, 8, 70) == std::llround(static_cast<double>(list) * 1.1));
  // Stock: 35 units at 10 a day = 3.5 days against 7: the price doubles (max_factor 2 holds it there).
  sales.assign(10, 10);
  CHECK(run(Json{{"stock", 1.0}, {"max_step", 5.0}}, sales, 1, 35) == 2 * list);
  CHECK(run(Json{{"stock", 1.0}, {"max_step", 5.0}}, sales, 5, 35) == 2 * list);
  // Long supply lowers it to min_factor at most.
  CHECK(run(Json{{"stock", 1.0}, {"max_step", 5.0}}, sales, 5, 100000) == std::llround(static_cast<double>(list) * 0.5));
}
