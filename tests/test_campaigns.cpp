// Campaigns: the budget, daily cap, pacing, holdout and monitoring rules every promotion shares,
// and the stacking rules of an arm (strategies/campaign.h, strategies/stacking.h,
// agents/budget.h, engine/campaigns.cpp).
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "agents/budget.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/promotion_effects.h"
#include "cli_harness.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "strategies/registry.h"

using namespace marketsim;
using namespace marketsim::testing;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// Test-only promotion with an order-level rule: `off` (currency) off every order of at least
/// `min` (currency).
class OrderOff final : public PromotionStrategy, public OrderRule {
 public:
  OrderOff(Money off, Money min) : off_(off), min_(min) {}
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  Money order_discount(const OrderView& order) override { return order.subtotal() >= min_ ? off_ : 0; }

 private:
  Money off_;
  Money min_;
};

void register_test_promotions() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_strategies();
    promotion_registry().add({
        "test_order_off",
        "Test-only: money off every order above a minimum.",
        {
            {.name = "off", .type = ParamType::kNumber, .default_value = nullptr, .min = 0, .max = 1000,
             .description = "money off an order"},
            {.name = "min", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 1000,
             .description = "subtotal needed"},
        },
        [](const Json& p, const BuildContext&) {
          return std::make_unique<OrderOff>(to_cents(p["off"].get<double>()), to_cents(p["min"].get<double>()));
        },
    });
  });
}

/// The reference market at 20,000 consumers and 200 products, with `promotions` as its arm's
/// promotions (a JSON list) and more overrides.
Scenario reference(const std::string& promotions, std::vector<std::string> extra = {}) {
  register_test_promotions();
  std::vector<std::string> o = {"/market/segments/0/consumers=20000", "/market/categories/0/products=200",
                                "/arms/0/promotions=" + promotions};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

/// One product at exactly 10.00 that nearly every visit buys (one unit), ample stock, 2,000
/// consumers, 6 days: orders whose discounts can be computed by hand.
Scenario one_product(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=2000",
                                "/market/segments/0/taste_sd=0",
                                "/market/segments/0/price_sensitivity_log_sd=0",
                                "/market/segments/0/visit_rate=0.5",
                                "/market/categories/0/products=1",
                                "/market/categories/0/price_min=10",
                                "/market/categories/0/price_max=10",
                                "/market/intercept=5",
                                "/horizon_days=6",
                                "/arms/0/recommendation={\"name\":\"random\",\"slots\":1}",
                                "/arms/0/replenishment={\"name\":\"s_S\",\"s\":100000,\"S\":10000000}"};
  o.insert(o.end(), extra.begin(), extra.end());
  return reference(promotions, o);
}

/// Records the signals of a run: its lines, each day's books (one seller) and monitor checks.
class Recorder final : public RunObserver {
 public:
  void on_window(const WindowRecords& w) override {
    for (const LineRecord& l : w.lines) {
      if (l.quantity > 0) lines.push_back(l);
    }
  }
  void on_day_end(const DayRecord& d) override {
    days.push_back(d.sellers[0]);
    monitor.insert(monitor.end(), d.monitor.begin(), d.monitor.end());
  }
  std::vector<LineRecord> lines;
  std::vector<SellerBooks> days;
  std::vector<MonitorRecord> monitor;
};

/// One run of arm `arm_index`, replication 0, kept for inspection (shards of 4,096 consumers).
struct Harness {
  explicit Harness(Scenario scenario, std::size_t arm_index = 0)
      : sc(with_shards(std::move(scenario))), run(std::make_unique<ArmRun>(sc, arm_index)), sim(&run->simulation()) {
    run->subscribe(rec);
    run->run();  // checks the invariants, the day-by-day ledger among them
  }
  /// Everything seller 0 spent on day d (discounts and costs), cents.
  Money spend(std::size_t d) const { return rec.days[d].discounts() + rec.days[d].promotion_costs(); }
  static Scenario with_shards(Scenario s) {
    s.shard_size = 4096;
    return s;
  }
  Scenario sc;
  Recorder rec;
  std::unique_ptr<ArmRun> run;
  Simulation* sim;
};

/// The percent_off of the reference market on every product, 20% off, over `span`.
std::string all_off(const std::string& extra, const std::string& span = "\"start\": 0, \"end\": 30") {
  return "[{\"name\": \"percent_off\", \"products\": \"all\", \"depth\": 0.2, " + span +
         (extra.empty() ? "" : ", " + extra) + "}]";
}

/// The largest per-item discount of one line in the reference market: one unit at most 50.00,
/// 20% off.
constexpr Money kMaxLineDiscount = 1000;

/// load_scenario(reference(...)) must fail with a one-line ScenarioError at `pointer`.
void expect_error(const std::string& promotions, const std::string& pointer, const std::string& words,
                  std::vector<std::string> extra = {}) {
  INFO("promotions: " << promotions << "; expected at " << pointer);
  try {
    (void)reference(promotions, std::move(extra));
    FAIL("accepted");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.pointer() == pointer);
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.rfind(kReference + ": " + pointer + ": ", 0) == 0);
    CHECK_THAT(what, Catch::Contains(words));
  }
}

}  // namespace

// --- the budget agent ---------------------------------------------------------------------------

TEST_CASE("ledger: a charge beyond the day's allowance pauses the account until the next day", "[campaigns][budget]") {
  BudgetLedger ledger;
  const auto a = ledger.open(BudgetLedger::Terms{Money{1000}, Money{300}});
  ledger.begin_day(0);
  CHECK(ledger.charge(a, 200));
  CHECK_FALSE(ledger.charge(a, 150));  // 200 + 150 > 300: refused, nothing charged
  CHECK(ledger.paused(a));
  CHECK(ledger.stopped(a));
  CHECK_FALSE(ledger.exhausted(a));
  CHECK(ledger.spent(a) == 200);
  ledger.begin_day(1);  // resumes
  CHECK_FALSE(ledger.stopped(a));
  CHECK(ledger.charge(a, 300));
  CHECK(ledger.paused(a));  // the day's allowance is used up exactly
  ledger.begin_day(2);
  CHECK(ledger.charge(a, 300));
  CHECK_FALSE(ledger.charge(a, 250));  // 200 left of the budget: exhausted for good
  CHECK(ledger.exhausted(a));
  ledger.begin_day(3);
  CHECK(ledger.stopped(a));
  CHECK(ledger.spent(a) == 800);
  REQUIRE(ledger.days(a).size() == 4);
  CHECK(ledger.days(a)[0].spent == 200);
  CHECK(ledger.days(a)[0].allowance == 300);
  CHECK(ledger.days(a)[1].spent == 300);
  CHECK(ledger.days(a)[2].spent == 300);
  CHECK(ledger.days(a)[3].allowance == 300);  // "asap": the cap alone (the budget is checked apart)
}

TEST_CASE("ledger: even and front-loaded allowances on hand-computed days", "[campaigns][budget]") {
  using P = BudgetLedger::Pacing;
  const BudgetLedger::Terms even{Money{1000}, std::nullopt, P::kEven, 0, 9};
  CHECK(BudgetLedger::allowance(even, 0, 0) == 100);   // 1000 / 10
  CHECK(BudgetLedger::allowance(even, 100, 1) == 100); // 900 / 9
  CHECK(BudgetLedger::allowance(even, 40, 1) == 106);  // an underspent day raises the next: 960 / 9
  CHECK(BudgetLedger::allowance(even, 0, 5) == 200);   // 1000 / 5
  CHECK(BudgetLedger::allowance(even, 500, 12) == 500);  // after the last day: all that is left
  const BudgetLedger::Terms late{Money{1000}, std::nullopt, P::kEven, 5, 9};
  CHECK(BudgetLedger::allowance(late, 0, 0) == 200);  // before the first day: as on the first
  // Front-loaded over 4 days, each spent in full: 400, 300, 200, 100 (shares 4 : 3 : 2 : 1).
  const BudgetLedger::Terms front{Money{1000}, std::nullopt, P::kFrontLoaded, 0, 3};
  CHECK(BudgetLedger::allowance(front, 0, 0) == 400);
  CHECK(BudgetLedger::allowance(front, 400, 1) == 300);
  CHECK(BudgetLedger::allowance(front, 700, 2) == 200);
  CHECK(BudgetLedger::allowance(front, 900, 3) == 100);
  // The daily cap bounds every pacing; asap without a cap has no allowance.
  const BudgetLedger::Terms capped{Money{1000}, Money{150}, P::kFrontLoaded, 0, 3};
  CHECK(BudgetLedger::allowance(capped, 0, 0) == 150);
  CHECK_FALSE(BudgetLedger::allowance(BudgetLedger::Terms{Money{1000}, std::nullopt}, 0, 0).has_value());
}

// --- budgets in runs ----------------------------------------------------------------------------

TEST_CASE("a daily cap is never exceeded, and a paused promotion resumes the next day", "[campaigns][budget]") {
  // 20% off everything: the day's discounts would be thousands; the cap allows 50.00 a day.
  const Harness h(reference(all_off("\"daily_cap\": 50")));
  const auto& ledger_days = h.sim->ledger(0).days(0);
  REQUIRE(h.rec.days.size() == 30);
  REQUIRE(ledger_days.size() == 30);
  for (std::size_t d = 0; d < 30; ++d) {
    INFO("day " << d);
    CHECK(h.spend(d) <= 5000);
    // The cap binds: the first charge that does not fit pauses it (a line is at most 10.00).
    CHECK(h.spend(d) > 5000 - kMaxLineDiscount);
    CHECK(h.rec.days[d].budget_cancelled > 0);
    CHECK(ledger_days[d].allowance == 5000);
    CHECK(ledger_days[d].spent == h.spend(d));
  }
  // Paused each day, it offers the discount again the next.
  CHECK_FALSE(h.sim->ledger(0).exhausted(0));
}

TEST_CASE("a budget is never exceeded, and once spent the promotion stops for good", "[campaigns][budget]") {
  const Harness h(reference(all_off("\"daily_cap\": 50, \"budget\": 400")));
  Money total = 0;
  for (std::size_t d = 0; d < 30; ++d) total += h.spend(d);
  CHECK(total <= 40000);
  CHECK(total > 40000 - kMaxLineDiscount);
  CHECK(h.sim->ledger(0).exhausted(0));
  // Eight days of at most 50.00 cannot spend 400.00; from the day it ran out, nothing.
  std::size_t last = 0;
  for (std::size_t d = 0; d < 30; ++d) {
    if (h.spend(d) > 0) last = d;
  }
  CHECK(last >= 8);
  CHECK(last < 12);
}

TEST_CASE("even pacing spends about budget / days each day of a demand-rich campaign", "[campaigns][budget]") {
  // 300.00 over days 10-19: B / N = 30.00 a day. A day spends at most its allowance and, the
  // demand being far above it, more than the allowance less one line (at most 10.00): the first
  // charge that does not fit pauses it. Allowances never fall (an underspent day raises the
  // next) and rise at most by one line / (days left - 1) a day, so every day's spend lies in
  // [B/N - 10.00, B/N + 10.00 x H(9)], H(9) = 1 + 1/2 + ... + 1/9.
  const Harness h(reference(all_off("\"budget\": 300, \"pacing\": \"even\"", "\"start\": 10, \"end\": 20")));
  double harmonic = 0.0;
  for (int k = 1; k <= 9; ++k) harmonic += 1.0 / k;
  const auto& ledger_days = h.sim->ledger(0).days(0);
  Money total = 0;
  for (std::size_t d = 0; d < 30; ++d) {
    INFO("day " << d);
    total += h.spend(d);
    if (d < 10 || d >= 20) {
      CHECK(h.spend(d) == 0);
      continue;
    }
    CHECK(h.spend(d) <= ledger_days[d].allowance);
    CHECK(ledger_days[d].allowance >= 3000);
    CHECK(static_cast<double>(h.spend(d)) >= 3000.0 - kMaxLineDiscount);
    CHECK(static_cast<double>(h.spend(d)) <= 3000.0 + kMaxLineDiscount * harmonic);
  }
  CHECK(total > 30000 - kMaxLineDiscount);  // the last day may use all that is left
  CHECK(total <= 30000);
}

TEST_CASE("front-loaded pacing spends more in the first half of the campaign than in the second",
          "[campaigns][budget]") {
  const Harness h(
      reference(all_off("\"budget\": 300, \"pacing\": \"front_loaded\"", "\"start\": 10, \"end\": 20")));
  Money first = 0, second = 0;
  for (std::size_t d = 10; d < 15; ++d) first += h.spend(d);
  for (std::size_t d = 15; d < 20; ++d) second += h.spend(d);
  // Shares 10 : 9 : ... : 1 spent in full give 40 : 15 for the halves; a line's slack per day
  // cannot close that gap.
  CHECK(first > second + 5 * 2 * kMaxLineDiscount);
  CHECK(h.spend(10) > h.spend(19));
  CHECK(first + second <= 30000);
}

TEST_CASE("campaign_start and campaign_end bound when a promotion acts", "[campaigns]") {
  const Harness h(reference(all_off("\"campaign_start\": 5, \"campaign_end\": 8")));
  for (std::size_t d = 0; d < 30; ++d) {
    INFO("day " << d);
    CHECK((h.rec.days[d].item_discounts > 0) == (d >= 5 && d < 8));
  }
}

TEST_CASE("the promotion window of the effects is the promotion's own within its campaign's span", "[campaigns]") {
  const auto window = [](const std::string& promotions) {
    const Scenario sc = reference(promotions);
    const auto w = promotion_window(sc.arms[0], sc.horizon_days);
    return w ? std::pair{w->start, w->end} : std::pair{-1, -1};
  };
  CHECK(window(all_off("", "\"start\": 3, \"end\": 12")) == std::pair{3, 12});
  CHECK(window(all_off("\"campaign_start\": 5, \"campaign_end\": 8", "\"start\": 3, \"end\": 12")) == std::pair{5, 8});
  CHECK(window(R"([{"name": "coupon", "value": 1, "campaign_start": 4, "campaign_end": 9}])") == std::pair{4, 9});
  CHECK(window(R"([{"name": "coupon", "value": 1}])") == std::pair{-1, -1});
}

// --- stacking on hand-computed orders ------------------------------------------------------------

namespace {

/// The per-item discounts and order discounts of a one-product run's lines, counted.
std::map<std::pair<Money, Money>, std::size_t> discounts_of(const Harness& h) {
  std::map<std::pair<Money, Money>, std::size_t> out;
  for (const LineRecord& l : h.rec.lines) {
    CHECK(l.quantity == 1);
    CHECK(l.unit_price == 1000);
    ++out[{l.unit_discount, l.order_discount}];
  }
  return out;
}

std::size_t units(const Harness& h) { return h.rec.lines.size(); }

}  // namespace

TEST_CASE("stacking: per-item discounts, the deepest by default or their sum capped at the price",
          "[campaigns][stacking]") {
  const std::string two = R"([{"name": "percent_off", "depth": 0.2}, {"name": "percent_off", "depth": 0.3}])";
  {
    const Harness h(one_product(two));
    REQUIRE(units(h) > 1000);
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{300, 0}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == 0);
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(300 * units(h)));
  }
  {
    const Harness h(one_product(two, {R"(/arms/0/stacking={"item": "sum"})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{500, 0}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == static_cast<Money>(200 * units(h)));
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(300 * units(h)));
    for (const LineRecord& l : h.rec.lines) CHECK(l.promotion == 1);  // the largest part
  }
  {
    // 70% + 50%: capped at the price, the later promotion's part cut to 3.00.
    const Harness h(one_product(R"([{"name": "percent_off", "depth": 0.7}, {"name": "percent_off", "depth": 0.5}])",
                                {R"(/arms/0/stacking={"item": "sum"})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{1000, 0}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == static_cast<Money>(700 * units(h)));
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(300 * units(h)));
  }
  {
    // An exclusive group keeps its deepest: (20% | 30%) + 10% = 4.00.
    const Harness h(one_product(
        R"([{"name": "percent_off", "depth": 0.2}, {"name": "percent_off", "depth": 0.3}, {"name": "percent_off", "depth": 0.1}])",
        {R"(/arms/0/stacking={"item": "sum", "exclusive_groups": {"clearance": [0, 1]}})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{400, 0}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == 0);
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(300 * units(h)));
    CHECK(h.sim->ledger(0).spent(2) == static_cast<Money>(100 * units(h)));
  }
}

TEST_CASE("stacking: order-level rules all in promotion order, or only the best", "[campaigns][stacking]") {
  const std::string rules = R"([{"name": "test_order_off", "off": 1}, {"name": "test_order_off", "off": 2}])";
  {
    const Harness h(one_product(rules));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 300}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == static_cast<Money>(100 * units(h)));
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(200 * units(h)));
  }
  {
    const Harness h(one_product(rules, {R"(/arms/0/stacking={"order_rules": "best"})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 200}, units(h)}});
    CHECK(h.sim->ledger(0).spent(0) == 0);
  }
  {
    // A per-item discount first: the rules see the order at 8.00.
    const Harness h(one_product(R"([{"name": "percent_off", "depth": 0.2}, {"name": "test_order_off", "off": 2, "min": 9}])"));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{200, 0}, units(h)}});
  }
}

TEST_CASE("stacking: coupons after the order rules, or exclusive with them", "[campaigns][stacking]") {
  // Every consumer gets one coupon on day 0; a consumer's first order redeems it.
  const std::string coupon4 = R"({"name": "coupon", "value": 4, "expiry_days": 30})";
  const std::string rule2 = R"({"name": "test_order_off", "off": 2})";
  const auto buyers = [](const Harness& h) {
    std::set<ConsumerId> out;
    for (const LineRecord& l : h.rec.lines) out.insert(l.consumer);
    return out.size();
  };
  {
    const Harness h(one_product("[" + rule2 + ", " + coupon4 + "]"));
    const std::size_t first_orders = buyers(h);
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 200}, units(h) - first_orders},
                                                                          {{0, 600}, first_orders}});
    CHECK(h.sim->ledger(0).spent(1) == static_cast<Money>(400 * first_orders));
  }
  {
    // Exclusive, the coupon (4.00) beats the rule (2.00) on a first order.
    const Harness h(one_product("[" + rule2 + ", " + coupon4 + "]", {R"(/arms/0/stacking={"coupons": "exclusive"})"}));
    const std::size_t first_orders = buyers(h);
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 200}, units(h) - first_orders},
                                                                          {{0, 400}, first_orders}});
    CHECK(h.sim->ledger(0).spent(0) == static_cast<Money>(200 * (units(h) - first_orders)));
  }
  {
    // Exclusive, a 1.00 coupon loses to the rule: never redeemed.
    const Harness h(one_product("[" + rule2 + R"(, {"name": "coupon", "value": 1, "expiry_days": 30}])",
                                {R"(/arms/0/stacking={"coupons": "exclusive"})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 200}, units(h)}});
    CHECK(h.sim->ledger(0).spent(1) == 0);
  }
}

TEST_CASE("stacking: members of an exclusive group never stack across kinds", "[campaigns][stacking]") {
  const std::string item_and_rule = R"([{"name": "percent_off", "depth": 0.2}, {"name": "test_order_off", "off": 2}])";
  {
    const Harness h(one_product(item_and_rule));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{200, 200}, units(h)}});
  }
  {
    // The rule does not apply to lines its group mate discounted per item.
    const Harness h(one_product(item_and_rule, {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 1]}})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{200, 0}, units(h)}});
    CHECK(h.sim->ledger(0).spent(1) == 0);
  }
  {
    // Two rules of a group: only the larger.
    const Harness h(one_product(R"([{"name": "test_order_off", "off": 1}, {"name": "test_order_off", "off": 2}, {"name": "test_order_off", "off": 0.5}])",
                                {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 1]}})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 250}, units(h)}});
  }
  {
    // A coupon of a group whose rule discounted the order is not redeemed.
    const Harness h(one_product(R"([{"name": "test_order_off", "off": 2}, {"name": "coupon", "value": 4, "expiry_days": 30}])",
                                {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 1]}})"}));
    CHECK(discounts_of(h) == std::map<std::pair<Money, Money>, std::size_t>{{{0, 200}, units(h)}});
    CHECK(h.sim->ledger(0).spent(1) == 0);
  }
}

TEST_CASE("stacking given as its defaults runs exactly as without it", "[campaigns][stacking]") {
  const std::string promos = R"([{"name": "percent_off", "products": {"every": 10}, "depth": 0.2, "start": 10, "end": 17}, {"name": "percent_off", "products": {"every": 5}, "depth": 0.1}])";
  const ExperimentResult plain = run_experiment(reference(promos));
  const ExperimentResult explicit_defaults = run_experiment(reference(
      promos, {R"(/arms/0/stacking={"item": "deepest", "order_rules": "all", "coupons": "after_order_rules"})"}));
  CHECK(fingerprint(plain) == fingerprint(explicit_defaults));
}

// --- monitoring rules ---------------------------------------------------------------------------

namespace {

std::string stop_rule(const std::string& metric, const std::string& bound, double x, int after_day) {
  std::ostringstream s;
  s.precision(17);
  s << R"("monitor": [{"after_day": )" << after_day << R"(, "if": ")" << metric << R"(", ")" << bound
    << R"(": )" << x << R"(, "action": "stop"}])";
  return s.str();
}

}  // namespace

TEST_CASE("monitoring: a rule that must fire stops the promotion on the right day, and says so",
          "[campaigns][monitor]") {
  const Harness plain(reference(all_off("")));
  // The threshold halfway between the spend to the end of day 4 and to the end of day 5.
  Money to_day4 = 0;
  for (std::size_t d = 0; d <= 4; ++d) to_day4 += plain.spend(d);
  const double x = to_currency(to_day4 + plain.spend(5) / 2);
  const Harness h(reference(all_off(stop_rule("spend_to_date", "above", x, 2))));
  // Days 2 to 5 checked; it fires at the end of day 5.
  REQUIRE(h.rec.monitor.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    const MonitorRecord& m = h.rec.monitor[k];
    CHECK(m.day == static_cast<Day>(k + 2));
    CHECK(m.promotion == 0);
    CHECK(m.rule == 0);
    CHECK(std::string(m.metric) == "spend_to_date");
    CHECK(std::string(m.action) == (k == 3 ? "stop" : "none"));
  }
  CHECK(h.rec.monitor[3].value == to_currency(to_day4 + plain.spend(5)));
  // The same run to the end of day 5, then no discount.
  for (std::size_t d = 0; d < 30; ++d) {
    INFO("day " << d);
    if (d <= 5) {
      CHECK(h.spend(d) == plain.spend(d));
    } else {
      CHECK(h.spend(d) == 0);
    }
  }
  CHECK(h.sim->ledger(0).halted(0));
}

TEST_CASE("monitoring: a rule that must not fire changes nothing", "[campaigns][monitor]") {
  const ExperimentResult plain = run_experiment(reference(all_off("")));
  const ExperimentResult watched = run_experiment(reference(all_off(stop_rule("spend_to_date", "above", 1e12, 0))));
  CHECK(fingerprint(plain) == fingerprint(watched));
  REQUIRE(watched.runs[0].monitor.size() == 30);
  for (const MonitorRow& m : watched.runs[0].monitor) CHECK(std::string(m.action) == "none");
}

TEST_CASE("monitoring: scale_depth lowers the depth from the next day on", "[campaigns][monitor]") {
  const Harness h(reference(all_off(
      R"("monitor": [{"after_day": 3, "if": "spend_to_date", "above": 0, "action": "scale_depth", "factor": 0.5}])")));
  REQUIRE(h.rec.monitor.size() == 1);
  CHECK(std::string(h.rec.monitor[0].action) == "scale_depth");
  CHECK(h.rec.monitor[0].day == 3);
  std::size_t before = 0, after = 0;
  for (const LineRecord& l : h.rec.lines) {
    if (day_of(l.time) <= 3) {
      CHECK(l.unit_discount == discount_of(l.unit_price, 0.2));
      ++before;
    } else {
      CHECK(l.unit_discount == discount_of(l.unit_price, 0.1));
      ++after;
    }
  }
  CHECK(before > 0);
  CHECK(after > 0);
}

TEST_CASE("monitoring: sales against the forecast from the days before the campaign", "[campaigns][monitor]") {
  // The reference sale: days 10-16. At the end of day 11: revenue of days 10-11 / (2 x the mean
  // daily revenue of days 0-9).
  const Harness h(reference(
      R"([{"name": "percent_off", "products": {"every": 10}, "depth": 0.2, "start": 10, "end": 17, )" +
      stop_rule("sales_vs_forecast", "below", 0.5, 11) + "}]"));
  REQUIRE(!h.rec.monitor.empty());
  const MonitorRecord& m = h.rec.monitor[0];
  CHECK(m.day == 11);
  Money pre = 0;
  for (std::size_t d = 0; d < 10; ++d) pre += h.rec.days[d].revenue;
  const Money during = h.rec.days[10].revenue + h.rec.days[11].revenue;
  const double expected = to_currency(during) / (to_currency(pre) / 10.0 * 2.0);
  CHECK(m.value == expected);
  CHECK(std::string(m.action) == "none");  // a sale sells more than forecast
  CHECK(h.rec.monitor.size() == 6);         // days 11-16
}

TEST_CASE("monitoring: lift per unit of spend against the randomised holdout", "[campaigns][monitor]") {
  // Coupons of 2.00 to all but a 30% holdout on day 1; the rule (never firing) reports the lift
  // per unit of spend from day 3 on, computed here again from the lines.
  const Harness h(reference(
      R"([{"name": "coupon", "value": 2, "day": 1, "expiry_days": 30, "holdout": 0.3, )" +
      stop_rule("lift_per_spend", "below", -1e12, 3) + "}]"));
  const std::uint64_t held = h.sim->held_out_consumers(0, 0);
  const double n = 20000.0, treated = n - static_cast<double>(held);
  Money treated_revenue = 0, held_revenue = 0, spend = 0;
  std::size_t k = 0;
  for (Day d = 0; d < 30; ++d) {
    for (const LineRecord& l : h.rec.lines) {
      if (day_of(l.time) != d) continue;
      (h.sim->held_out(0, 0, l.consumer) ? held_revenue : treated_revenue) += l.revenue();
    }
    spend += h.spend(static_cast<std::size_t>(d));
    if (d < 3) continue;
    REQUIRE(k < h.rec.monitor.size());
    const MonitorRecord& m = h.rec.monitor[k++];
    CHECK(m.day == d);
    const double lift = (to_currency(treated_revenue) / treated - to_currency(held_revenue) / static_cast<double>(held)) * treated;
    CHECK(m.value == Approx(lift / to_currency(spend)).epsilon(1e-12));
  }
  CHECK(k == h.rec.monitor.size());
}

// --- holdouts ------------------------------------------------------------------------------------

TEST_CASE("holdout: held-out consumers receive no coupon and redeem none", "[campaigns][holdout]") {
  // Coupons costing 0.01 each to every consumer but a 25% holdout, on days 0, 7, 14, 21, 28.
  const Harness h(reference(
      R"([{"name": "coupon", "value": 1, "cost": 0.01, "every": 7, "expiry_days": 3, "holdout": 0.25}])"));
  const std::uint64_t held = h.sim->held_out_consumers(0, 0);
  // Binomial(20000, 0.25): within a 99.9% bound.
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  CHECK(std::fabs(static_cast<double>(held) - 5000.0) < z * std::sqrt(20000 * 0.25 * 0.75));
  CHECK(h.sim->commands_held_out() == 5 * held);
  Money distribution = 0;
  for (const SellerBooks& d : h.rec.days) {
    distribution += d.costs[cost_kind("coupon_distribution")];
  }
  CHECK(distribution == static_cast<Money>(5 * (20000 - held)));
  std::size_t redeemed = 0;
  for (const LineRecord& l : h.rec.lines) {
    if (l.order_discount == 0) continue;
    ++redeemed;
    CHECK_FALSE(h.sim->held_out(0, 0, l.consumer));
  }
  CHECK(redeemed > 0);
}

TEST_CASE("holdout: held-out consumers see and pay list prices on per-item discounts", "[campaigns][holdout]") {
  const Harness h(reference(all_off("\"holdout\": 0.5")));
  std::size_t held = 0, treated = 0;
  for (const LineRecord& l : h.rec.lines) {
    if (h.sim->held_out(0, 0, l.consumer)) {
      CHECK(l.unit_discount == 0);
      CHECK(l.promotion == -1);
      ++held;
    } else {
      CHECK(l.unit_discount == discount_of(l.unit_price, 0.2));
      ++treated;
    }
  }
  CHECK(held > 1000);
  CHECK(treated > held);  // the discount sells more to the same number of consumers
}

// --- validation ---------------------------------------------------------------------------------

TEST_CASE("campaign parameters reject bad values with one line naming the pointer", "[campaigns][validation]") {
  const std::string at = "/arms/0/promotions/0";
  expect_error(all_off("\"budget\": -1"), at + "/budget", "out of range");
  expect_error(all_off("\"daily_cap\": 0"), at + "/daily_cap", "out of range");
  expect_error(all_off("\"daily_cap\": 0.001"), at + "/daily_cap", "at least one cent");
  expect_error(all_off("\"pacing\": \"fast\""), at + "/pacing", "\"front_loaded\"");
  expect_error(all_off("\"pacing\": \"even\""), at + "/pacing", "needs a \"budget\"");
  expect_error(R"([{"name": "notify", "budget": 10, "pacing": "front_loaded"}])", at + "/pacing",
               "set \"campaign_end\"");
  expect_error(all_off("\"campaign_start\": -1"), at + "/campaign_start", "out of range");
  expect_error(all_off("\"campaign_start\": 9, \"campaign_end\": 9"), at + "/campaign_end", "campaign_end > campaign_start");
  expect_error(all_off("\"holdout\": 1"), at + "/holdout", "out of range");
  expect_error(all_off("\"monitor\": {}"), at + "/monitor", "expected list of objects");
  expect_error(all_off("\"monitor\": [3]"), at + "/monitor/0", "expected an object");
  const std::string rule = R"("after_day": 1, "if": "spend_to_date", "above": 5, "action": "stop")";
  expect_error(all_off("\"monitor\": [{" + rule + ", \"bogus\": 1}]"), at + "/monitor/0/bogus", "unknown key");
  expect_error(all_off(R"("monitor": [{"if": "spend_to_date", "above": 5, "action": "stop"}])"),
               at + "/monitor/0/after_day", "required");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "roi", "above": 5, "action": "stop"}])"),
               at + "/monitor/0/if", "\"lift_per_spend\"");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "spend_to_date", "action": "stop"}])"),
               at + "/monitor/0", "exactly one of \"below\" and \"above\"");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "spend_to_date", "above": 1, "below": 2, "action": "stop"}])"),
               at + "/monitor/0", "exactly one of \"below\" and \"above\"");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "spend_to_date", "above": 5, "action": "pause"}])"),
               at + "/monitor/0/action", "\"scale_depth\"");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "spend_to_date", "above": 5, "action": "scale_depth"}])"),
               at + "/monitor/0/factor", "required with \"action\": \"scale_depth\"");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "spend_to_date", "above": 5, "action": "scale_depth", "factor": 0}])"),
               at + "/monitor/0/factor", "out of range");
  expect_error(all_off("\"monitor\": [{" + rule + ", \"factor\": 2}]"), at + "/monitor/0/factor",
               "only with \"action\": \"scale_depth\"");
  expect_error(R"([{"name": "notify", "monitor": [{"after_day": 1, "if": "spend_to_date", "above": 5, "action": "scale_depth", "factor": 0.5}]}])",
               at + "/monitor/0/action", "no depth to scale");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "lift_per_spend", "below": 1, "action": "stop"}])"),
               at + "/monitor/0/if", "needs a randomised holdout");
  expect_error(all_off(R"("monitor": [{"after_day": 1, "if": "sales_vs_forecast", "below": 1, "action": "stop"}])"),
               at + "/monitor/0/if", "needs days before the campaign");
  // The second rule of a list is named by its own index.
  expect_error(all_off("\"monitor\": [{" + rule + R"(}, {"after_day": -1, "if": "spend_to_date", "above": 5, "action": "stop"}])"),
               at + "/monitor/1/after_day", "out of range");
}

TEST_CASE("stacking rules reject bad values with one line naming the pointer", "[campaigns][validation]") {
  const std::string two = R"([{"name": "percent_off", "depth": 0.2}, {"name": "percent_off", "depth": 0.3}])";
  expect_error(two, "/arms/0/stacking/item", "\"sum\"", {R"(/arms/0/stacking={"item": "max"})"});
  expect_error(two, "/arms/0/stacking/order_rules", "\"best\"", {R"(/arms/0/stacking={"order_rules": 1})"});
  expect_error(two, "/arms/0/stacking/coupons", "\"exclusive\"", {R"(/arms/0/stacking={"coupons": "first"})"});
  expect_error(two, "/arms/0/stacking/bogus", "unknown key", {R"(/arms/0/stacking={"bogus": 1})"});
  expect_error(two, "/arms/0/stacking", "expected object", {R"(/arms/0/stacking=[])"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/g", "at least two", {R"(/arms/0/stacking={"exclusive_groups": {"g": [0]}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/g", "at least two", {R"(/arms/0/stacking={"exclusive_groups": {"g": 0}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/g/1", "0 to 1", {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 2]}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/g/1", "0 to 1", {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, "1"]}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/g/1", "listed twice", {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 0]}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/h/0", "already in group \"g\"",
               {R"(/arms/0/stacking={"exclusive_groups": {"g": [0, 1], "h": [1, 0]}})"});
  expect_error(two, "/arms/0/stacking/exclusive_groups/a~1b/0", "0 to 1",
               {R"(/arms/0/stacking={"exclusive_groups": {"a/b": [7, 0]}})"});
  // With several sellers: per seller, under "sellers", never on the arm.
  const std::string sellers = R"(/market/sellers=[{"name": "a"}, {"name": "b"}])";
  expect_error("[]", "/arms/0/sellers/1/stacking/item", "\"deepest\"",
               {sellers, R"(/arms/0={"name": "x", "baseline": true, "sellers": [{"name": "a"}, {"name": "b", "stacking": {"item": 1}}]})"});
  expect_error("[]", "/arms/0/stacking", "not both",
               {sellers, R"(/arms/0={"name": "x", "baseline": true, "stacking": {}, "sellers": [{"name": "a"}, {"name": "b"}]})"});
}

// --- determinism and listing ----------------------------------------------------------------------

TEST_CASE("campaign runs give the same results on 1 and 2 threads", "[campaigns][determinism]") {
  register_test_promotions();
  std::vector<std::string> o = {
      "/market/segments/0/consumers=20000", "/market/categories/0/products=200", "/replications=2",
      "/engine/window_days=0.5", "/engine/shard_size=3000",
      R"(/arms=[{"name": "reference", "baseline": true,
                 "promotions": [{"name": "percent_off", "products": {"every": 10}, "depth": 0.2, "start": 10, "end": 17}]},
         {"name": "campaign", "stacking": {"item": "sum", "coupons": "exclusive", "exclusive_groups": {"g": [0, 2]}},
          "promotions": [
            {"name": "percent_off", "products": {"every": 3}, "depth": 0.25, "budget": 800, "pacing": "even",
             "campaign_start": 5, "campaign_end": 25, "holdout": 0.2,
             "monitor": [{"after_day": 8, "if": "lift_per_spend", "below": 0.5, "action": "scale_depth", "factor": 0.5}]},
            {"name": "percent_off", "products": {"every": 2}, "depth": 0.1, "daily_cap": 20, "pacing": "front_loaded",
             "budget": 300, "campaign_start": 3, "campaign_end": 20,
             "monitor": [{"after_day": 12, "if": "sales_vs_forecast", "below": 5, "action": "stop"}]},
            {"name": "test_order_off", "off": 1, "min": 30, "daily_cap": 15},
            {"name": "coupon", "value": 3, "min_spend": 20, "every": 5, "to": "random", "share": 0.5,
             "holdout": 0.1, "budget": 500, "daily_cap": 60}]}])"};
  const Scenario sc = load_scenario(kReference, o);
  const auto run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const ExperimentResult r = run_experiment(sc);
    std::ostringstream out;
    out.precision(17);
    out << fingerprint(r);
    for (const RunResult& result : r.runs) {
      for (const MonitorRow& m : result.monitor) out << m.day << m.promotion << m.rule << m.value << m.action << ";";
    }
    return out.str();
  };
  const std::string one = run(1);
  CHECK(one == run(2));
  CHECK(one.find("stop") != std::string::npos);  // sales above a fifth of the forecast: the rule fired
}

TEST_CASE("marketsim list promotions shows the shared parameters once", "[campaigns][cli]") {
  const Result r = cli({"list", "promotions"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("percent_off"));
  CHECK_THAT(r.out, Catch::Contains("shared by every promotion"));
  for (const char* name : {"budget", "daily_cap", "pacing", "campaign_start", "campaign_end", "holdout", "monitor"}) {
    INFO(name);
    const std::string entry = std::string("- ") + name + " ";
    const auto first = r.out.find(entry);
    CHECK(first != std::string::npos);
    CHECK(r.out.find(entry, first + 1) == std::string::npos);
  }
  CHECK(r.out.find("pricing strategies") == std::string::npos);
}
