// Named signals (market/signals.h): events and gauges that the engine, strategies and behaviour
// modules declare by name and that reach collectors (RunResult::events, events.csv, gauges.csv)
// without an edit where they are consumed. Checked against the books and gauges they must agree
// with, and on a strategy that exists only in this file.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <cmath>
#include <map>

#include "analysis/metric.h"
#include "analysis/output_registry.h"
#include "analysis/report.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"
#include "strategies/pricing.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

/// Per (day, event name): count and value sum of a run's events.
std::map<std::pair<Day, std::string>, std::pair<std::uint64_t, double>> events_of(const RunResult& r) {
  std::map<std::pair<Day, std::string>, std::pair<std::uint64_t, double>> out;
  for (const EventDayRow& e : r.events) out[{e.day, r.event_names.at(e.event)}] = {e.count, e.value_sum};
  return out;
}

std::uint64_t count_of(const RunResult& r, Day day, const std::string& name) {
  const auto all = events_of(r);
  const auto it = all.find({day, name});
  return it == all.end() ? 0 : it->second.first;
}

double daily(const RunResult& r, Day day, const std::string& metric) {
  return r.daily.at(static_cast<std::size_t>(day)).values.at(metric_index(metric));
}

/// A pricing strategy of this file only: list price on even days, 2% above on odd days; it
/// emits "pulse" (value: the day) each window and reports the gauge "calls".
class PulsePricing final : public PricingStrategy {
 public:
  void set_prices(const MarketContext& ctx, std::span<Money> prices) override {
    ++calls_;
    for (std::size_t k = 0; k < prices.size(); ++k) {
      const Money list = ctx.catalog.list_price[ctx.product(k)];
      prices[k] = ctx.day % 2 == 0 ? list : list + list / 50;
    }
    events().emit(0, ctx.window_start, static_cast<double>(ctx.day));
  }
  std::vector<std::string> event_names() const override { return {"pulse"}; }
  std::vector<std::string> gauge_names() const override { return {"calls"}; }
  void gauge(Day, std::span<double> values) const override { values[0] = static_cast<double>(calls_); }

 private:
  std::uint64_t calls_ = 0;
};

void register_pulse() {
  register_builtin_strategies();
  pricing_registry().add({"test_pulse", "a test's pricing strategy with its own event and gauge", {},
                          [](const Json&, const BuildContext&) { return std::make_unique<PulsePricing>(); }});
}

}  // namespace

TEST_CASE("coupon and churn events agree with the books and the gauges", "[signals]") {
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json",
                                    {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=150"});
  const ExperimentResult e = run_experiment(sc);
  bool churned = false, redeemed = false;
  for (const RunResult& r : e.runs) {
    double previous_churned = 0.0;
    const std::size_t churned_gauge = static_cast<std::size_t>(
        std::find(r.gauge_names.begin(), r.gauge_names.end(), "engagement.churned") - r.gauge_names.begin());
    REQUIRE(churned_gauge < r.gauge_names.size());
    for (const DailyRow& d : r.daily) {
      INFO("arm " << r.arm << " day " << d.day);
      // Coupons: each issue, redemption and expiry is one event, its value the coupon's worth.
      CHECK(static_cast<double>(count_of(r, d.day, "coupon.issued")) == daily(r, d.day, "coupons_issued"));
      CHECK(static_cast<double>(count_of(r, d.day, "coupon.redeemed")) == daily(r, d.day, "coupons_redeemed"));
      CHECK(static_cast<double>(count_of(r, d.day, "coupon.expired")) == daily(r, d.day, "coupons_expired"));
      const auto all = events_of(r);
      const auto red = all.find({d.day, "coupon.redeemed"});
      if (red != all.end()) {
        CHECK(red->second.second == Approx(daily(r, d.day, "coupon_discounts")).margin(1e-6));
        redeemed = true;
      }
      // Churn: the churned gauge moves by the day's churn events less its win-backs.
      const double moved = d.gauges[churned_gauge] - previous_churned;
      CHECK(moved == static_cast<double>(count_of(r, d.day, "engagement.churned")) -
                         static_cast<double>(count_of(r, d.day, "engagement.won_back")));
      churned = churned || count_of(r, d.day, "engagement.churned") > 0;
      previous_churned = d.gauges[churned_gauge];
    }
  }
  CHECK(churned);
  CHECK(redeemed);
}

TEST_CASE("a budget that runs out is one budget.exhausted event carrying what was spent", "[signals]") {
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json",
                                    {"/market/segments/0/consumers=4000", "/market/segments/1/consumers=6000",
                                     "/replications=1", "/arms/2/promotions/0/budget=2000"});
  const ExperimentResult e = run_experiment(sc);
  const RunResult& deep = e.runs.at(2);  // the 25% arm, with a budget it spends in days
  std::uint64_t exhausted = 0;
  double spent = 0.0;
  for (const auto& [key, value] : events_of(deep)) {
    if (key.second != "budget.exhausted") continue;
    exhausted += value.first;
    spent += value.second;
  }
  CHECK(exhausted == 1);
  CHECK(spent <= 2000.0);
  CHECK(spent > 1900.0);  // it stops at the first charge it cannot cover: less than one line short
  CHECK(events_of(e.runs.at(0)).empty());  // the baseline: no promotion, fixed prices
}

TEST_CASE("a strategy's own events and gauges reach every output by name, on any thread count", "[signals]") {
  register_pulse();
  const std::string text = R"({
    "name": "pulse", "seed": 3, "replications": 2, "horizon_days": 6,
    "market": { "latent_dimensions": 4, "categories": [ { "name": "c", "products": 20 } ],
                "segments": [ { "name": "s", "consumers": 1500 } ] },
    "arms": [ { "name": "base", "baseline": true }, { "name": "pulse", "pricing": { "name": "test_pulse" } } ] })";
  const Scenario sc = check_scenario_text(text, "<inline scenario>");
  std::map<std::string, std::string> first;
  for (const std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    const ExperimentResult e = run_experiment(sc);
    const RunResult& pulse = e.runs.at(2);  // arm 1, replication 0
    REQUIRE(pulse.arm == 1);
    for (Day d = 0; d < 6; ++d) {
      INFO("day " << d);
      CHECK(count_of(pulse, d, "test_pulse.pulse") == 1);
      // Every offer's posted price moves each day after the first.
      CHECK(count_of(pulse, d, "price.changed") == (d == 0 ? 0u : 20u));
      const auto g = std::find(pulse.gauge_names.begin(), pulse.gauge_names.end(), "shop.test_pulse.calls");
      REQUIRE(g != pulse.gauge_names.end());
      CHECK(pulse.daily.at(static_cast<std::size_t>(d)).gauges.at(static_cast<std::size_t>(g - pulse.gauge_names.begin())) ==
            static_cast<double>(d + 1));
    }
    CHECK(count_of(e.runs.at(0), 3, "price.changed") == 0);  // fixed prices never move
    std::vector<std::string> names;
    for (const auto& a : sc.arms) names.push_back(a.name);
    const ExperimentSummary summary = summarize(e.runs, names, sc.baseline, 2);
    for (auto& [name, file] : output_texts(sc, e, summary, PerformanceInfo{}, {"events.csv", "gauges.csv"})) {
      if (threads == 1) {
        first[name] = file;
      } else {
        CHECK(file == first[name]);
      }
    }
  }
  CHECK(first["events.csv"].find("pulse,1,0,0,test_pulse.pulse,1,0\n") != std::string::npos);
  CHECK(first["events.csv"].find("pulse,0,5,0,test_pulse.pulse,1,5\n") != std::string::npos);
  CHECK(first["gauges.csv"].find("pulse,0,5,0,shop.test_pulse.calls,6\n") != std::string::npos);
}

TEST_CASE("a monitoring rule reads a gauge by name and stops its promotion when it crosses", "[signals][campaigns]") {
  // retention's win-back coupon, stopped once more than 150 consumers are churned (engagement's
  // gauge): the rule reads the gauge of each day's end, fires once, and no coupon is issued after.
  const Scenario sc = load_scenario(
      MARKETSIM_SOURCE_DIR "/scenarios/retention.json",
      {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=120",
       R"(/arms/1/promotions/0/monitor=[{"after_day": 0, "if": "gauge", "gauge": "engagement.churned", "above": 150, "action": "stop"}])"});
  const ExperimentResult e = run_experiment(sc);
  const RunResult& r = e.runs.at(1);
  const auto g = std::find(r.gauge_names.begin(), r.gauge_names.end(), "engagement.churned");
  REQUIRE(g != r.gauge_names.end());
  const auto churned = static_cast<std::size_t>(g - r.gauge_names.begin());
  REQUIRE(!r.monitor.empty());
  Day fired = -1;
  for (const MonitorRow& m : r.monitor) {
    INFO("day " << m.day);
    CHECK(m.metric == "gauge:engagement.churned");
    CHECK(m.value == r.daily.at(static_cast<std::size_t>(m.day)).gauges.at(churned));
    CHECK((m.action == "stop") == (m.value > 150));
    if (m.action == "stop") fired = m.day;
  }
  REQUIRE(fired > 0);
  CHECK(r.monitor.back().day == fired);  // no check after the rule fired
  for (const DailyRow& d : r.daily) {
    if (d.day > fired) CHECK(d.values[metric_index("coupons_issued")] == 0.0);
  }
  // A rule with "if": "gauge" names its gauge; "gauge" belongs to such rules only.
  const auto bad = [](const std::string& rule) {
    return load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json", {"/arms/1/promotions/0/monitor=[" + rule + "]"});
  };
  CHECK_THROWS_WITH(bad(R"({"after_day": 0, "if": "gauge", "above": 1, "action": "stop"})"),
                    Catch::Contains("/arms/1/promotions/0/monitor/0/gauge: is required with \"if\": \"gauge\""));
  CHECK_THROWS_WITH(bad(R"({"after_day": 0, "if": "spend_to_date", "gauge": "x", "above": 1, "action": "stop"})"),
                    Catch::Contains("/arms/1/promotions/0/monitor/0/gauge: applies only with \"if\": \"gauge\""));
}

TEST_CASE("a monitoring rule counts a named event's occurrences on the day and stops its promotion", "[signals][campaigns]") {
  // retention's win-back coupon, stopped the first day more than 3 coupons are redeemed
  // (coupon.redeemed, the coupon mechanic's event): the rule's value each day is events.csv's
  // count of that day (0 on a day without one), it fires once, and no coupon is issued after.
  const Scenario sc = load_scenario(
      MARKETSIM_SOURCE_DIR "/scenarios/retention.json",
      {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=120",
       R"(/arms/1/promotions/0/monitor=[{"after_day": 0, "if": "event", "event": "coupon.redeemed", "above": 3, "action": "stop"}])"});
  const ExperimentResult e = run_experiment(sc);
  const RunResult& r = e.runs.at(1);
  const auto name = std::find(r.event_names.begin(), r.event_names.end(), "coupon.redeemed");
  REQUIRE(name != r.event_names.end());
  const auto redeemed = static_cast<std::uint32_t>(name - r.event_names.begin());
  std::map<Day, double> count;
  for (const EventDayRow& row : r.events) {
    if (row.event == redeemed) count[row.day] += static_cast<double>(row.count);
  }
  REQUIRE(!r.monitor.empty());
  Day fired = -1;
  for (const MonitorRow& m : r.monitor) {
    INFO("day " << m.day);
    CHECK(m.metric == "event:coupon.redeemed");
    CHECK(m.value == count[m.day]);
    CHECK((m.action == "stop") == (m.value > 3));
    if (m.action == "stop") fired = m.day;
  }
  REQUIRE(fired > 0);
  CHECK(r.monitor.back().day == fired);
  for (const DailyRow& d : r.daily) {
    if (d.day > fired) CHECK(d.values[metric_index("coupons_issued")] == 0.0);
  }
  const auto bad = [](const std::string& rule) {
    return load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json", {"/arms/1/promotions/0/monitor=[" + rule + "]"});
  };
  CHECK_THROWS_WITH(bad(R"({"after_day": 0, "if": "event", "above": 1, "action": "stop"})"),
                    Catch::Contains("/arms/1/promotions/0/monitor/0/event: is required with \"if\": \"event\""));
  CHECK_THROWS_WITH(bad(R"({"after_day": 0, "if": "gauge", "gauge": "x", "event": "y", "above": 1, "action": "stop"})"),
                    Catch::Contains("/arms/1/promotions/0/monitor/0/event: applies only with \"if\": \"event\""));
}
