// The "festival" promotion (strategies/promotions/festival.cpp) on scenarios/double-11.json at 6,000
// shoppers: each phase's tools act only in their phase; the peak's surge multiplies visits by its
// factor and changes nothing before the peak; deposits are placed by the given share, redeemed at
// most once, only on the peak and only for orders of at least their worth, each W - D off; the
// same bytes on 1 and 2 threads; one-line errors.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/double-11.json";

Scenario small(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=6000", "/replications=1"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kScenario, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  std::map<Day, std::uint64_t> visits;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
  void on_day_end(const DayRecord& d) override { visits[d.day] = d.visits; }
};

LineRecorder run_arm(const Scenario& sc, std::size_t a) {
  ArmRun run(sc, a);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();  // the end-of-run invariants reconcile ledgers, books and coupon counts to the cent
  return rec;
}

void expect_error(const std::string& set, const std::string& pointer, const std::string& words) {
  INFO("override: " << set << "; expected at " << pointer);
  try {
    (void)small({set});
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

TEST_CASE("a festival's tools act only in their phase", "[festival]") {
  const LineRecorder r = run_arm(small(), 1);  // festival_deep
  std::size_t peak = 0, tail = 0, flash = 0;
  for (const LineRecord& l : r.lines) {
    if (l.quantity == 0) continue;
    const Day d = day_of(l.time);
    INFO("line of product " << l.product << " on day " << d);
    if (d == 15) {
      const bool flash_line = l.product % 25 == 0 && l.unit_discount == discount_of(l.unit_price, 0.6);
      CHECK((l.unit_discount == discount_of(l.unit_price, 0.3) || flash_line));
      peak += 1;
      flash += flash_line;
    } else if (d >= 16 && d < 19) {
      CHECK(l.unit_discount == discount_of(l.unit_price, 0.15));
      tail += 1;
    } else {
      CHECK(l.unit_discount == 0);
    }
    CHECK(l.order_discount == 0);  // no order rule in this design
  }
  CHECK(peak > 500);
  CHECK(tail > 500);
  CHECK(flash > 20);
}

TEST_CASE("the peak's surge multiplies visits by its factor and changes nothing before", "[festival]") {
  // Behaviours off (no notifications, no engagement): the surge alone. Visits on day 15 are
  // Poisson with mean 3 x the baseline's; the ratio's standard deviation is about
  // sqrt(3 / v + 9 / v) for v baseline visits (independent draws on the day); 4 of them bound it
  // (99.99%).
  const Scenario sc = small({"/market/behaviours=[]", "/arms/1/promotions/0/phases={\"peak\": {\"start\": 15, \"end\": 16}}"});
  const LineRecorder base = run_arm(sc, 0), fest = run_arm(sc, 1);
  for (Day d = 0; d < 15; ++d) CHECK(fest.visits.at(d) == base.visits.at(d));
  const double v = static_cast<double>(base.visits.at(15));
  const double ratio = static_cast<double>(fest.visits.at(15)) / v;
  INFO("day 15 visits: baseline " << v << ", festival " << fest.visits.at(15));
  CHECK(std::fabs(ratio - 3.0) < 4.0 * std::sqrt(12.0 / v));
  for (Day d = 16; d < 30; ++d) {
    const double a = static_cast<double>(base.visits.at(d)), b = static_cast<double>(fest.visits.at(d));
    CHECK(std::fabs(b - a) < 4.0 * std::sqrt(a + b));
  }
}

TEST_CASE("deposits: placed by the share, redeemed once, only on the peak, for orders of at least their worth",
          "[festival]") {
  // festival_deposit without its peak tools: the only order discounts are deposits (15.00 - 5.00).
  const Scenario sc = small({"/arms/2/promotions/0/phases/peak/tools=[]"});
  const ExperimentResult result = run_experiment(sc);
  const double issued = result.runs.at(2).totals[metric_index("coupons_issued")];
  // Binomial(6000, 0.15): mean 900, sd 27.7; 4 sd (99.99%).
  CHECK(std::fabs(issued - 900.0) < 4.0 * 27.7);
  const LineRecorder r = run_arm(sc, 2);
  std::map<std::pair<ConsumerId, std::uint32_t>, std::pair<Money, Money>> orders;  // (subtotal, discount)
  for (const LineRecord& l : r.lines) {
    if (l.quantity == 0) continue;
    auto& o = orders[{l.consumer, l.visit}];
    o.first += static_cast<Money>(l.quantity) * l.unit_paid();
    o.second += l.order_discount;
    if (l.order_discount > 0) CHECK(day_of(l.time) == 15);
  }
  std::map<ConsumerId, int> per_consumer;
  std::size_t redeemed = 0;
  for (const auto& [key, o] : orders) {
    if (o.second == 0) continue;
    CHECK(o.second == 1000);
    CHECK(o.first >= 1500);
    ++redeemed;
    CHECK(++per_consumer[key.first] == 1);
  }
  CHECK(redeemed > 20);
  CHECK(static_cast<double>(redeemed) == result.runs.at(2).totals[metric_index("coupons_redeemed")]);
}

TEST_CASE("wish lists change nothing before the peak and sell more on it", "[festival]") {
  // festival_deposit without deposits, peak tools or surge, with and without wish lists: wishes
  // come from a stream of their own, so every line before the peak is the same; on the peak each
  // visit also shows up to 3 of the shopper's wish-listed products (liked best when shown in the
  // pre-heat), so it sells more. A Poisson z of the peak's units above 3.09 (99.9%, one-sided).
  const std::vector<std::string> base = {"/arms/2/promotions/0/phases/peak/tools=[]", "/arms/2/promotions/0/surge=1",
                                         "/arms/2/promotions/0/deposit={\"amount\": 1, \"worth\": 2, \"share\": 1e-9}"};
  std::vector<std::string> none = base, wish = base;
  none.push_back("/arms/2/promotions/0/wish_list={\"probability\": 1e-12, \"slots\": 1}");
  wish.push_back("/arms/2/promotions/0/wish_list={\"probability\": 1, \"slots\": 3}");
  const LineRecorder a = run_arm(small(none), 2), b = run_arm(small(wish), 2);
  const auto before = [](const LineRecorder& r) {
    std::vector<std::tuple<Time, ConsumerId, OfferId, std::uint32_t>> out;
    for (const LineRecord& l : r.lines) {
      if (l.time < 15) out.emplace_back(l.time, l.consumer, l.offer, l.quantity);
    }
    return out;
  };
  CHECK(before(a) == before(b));
  const auto peak_units = [](const LineRecorder& r) {
    double u = 0;
    for (const LineRecord& l : r.lines) u += day_of(l.time) == 15 ? l.quantity + l.lost : 0;
    return u;
  };
  const double x = peak_units(a), y = peak_units(b);
  INFO("peak demand without wish lists " << x << ", with " << y);
  REQUIRE(x > 300);
  CHECK((y - x) / std::sqrt(x + y) > 3.09);
}

TEST_CASE("double-11 gives the same bytes on 1 and 2 threads and any shard size", "[festival][determinism]") {
  const auto run = [](int threads, const std::string& shard) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(
        run_experiment(small({"/market/segments/0/consumers=3000", "/replications=2", "/engine/shard_size=" + shard})));
  };
  const std::string one = run(1, "65536");
  CHECK(run(2, "65536") == one);
  CHECK(run(2, "700") == one);
}

TEST_CASE("bad festival parameters are one-line errors naming the key", "[festival][errors]") {
  const std::string f = "/arms/1/promotions/0";
  expect_error(f + "/phases={\"peek\": {\"start\": 1, \"end\": 2}}", f + "/phases/peek", "unknown phase");
  expect_error(f + "/phases={\"tail\": {\"start\": 1, \"end\": 2}}", f + "/phases", "peak");
  expect_error(f + "/phases={\"peak\": {\"start\": 3, \"end\": 3}}", f + "/phases/peak/end", "greater than start");
  expect_error(f + "/phases={\"pre_heat\": {\"start\": 1, \"end\": 5}, \"peak\": {\"start\": 4, \"end\": 6}}",
               f + "/phases/peak/start", "pre_heat");
  expect_error(f + "/phases/peak/tools=[{\"name\": \"percent_off\", \"depth\": 0.2, \"budget\": 10}]",
               f + "/phases/peak/tools/0/budget", "belong to the festival");
  expect_error(f + "/phases/peak/tools=[{\"name\": \"percent_of\", \"depth\": 0.2}]", f + "/phases/peak/tools/0/name",
               "registered promotion");
  expect_error(f + "/phases/peak/tools=[{\"name\": \"percent_off\", \"depth\": 2}]", f + "/phases/peak/tools/0/depth",
               "depth");
  expect_error(f + "/phases/peak/tools=[{\"name\": \"percent_off\", \"depth\": 0.2, \"start\": 20, \"end\": 25}]",
               f + "/phases/peak/tools/0", "outside the phase");
  expect_error(f + "/surge=0.5", f + "/surge", "surge");
  expect_error("/arms/2/promotions/0/deposit={\"amount\": 5, \"worth\": 5, \"share\": 0.1}",
               "/arms/2/promotions/0/deposit/worth", "greater than amount");
  expect_error("/arms/2/promotions/0/deposit={\"amount\": 5, \"worth\": 15}", "/arms/2/promotions/0/deposit/share",
               "share");
  expect_error("/arms/2/promotions/0/wish_list={\"probability\": 0, \"slots\": 2}",
               "/arms/2/promotions/0/wish_list/probability", "probability");
  expect_error("/arms/2/promotions/0/wish_list={\"probability\": 0.5, \"slots\": 17}",
               "/arms/2/promotions/0/wish_list/slots", "slots");
}

TEST_CASE("the pre-heat's lull: shoppers who know the peak's discounts hold back until it", "[festival]") {
  // Behaviours off, a pre-heat with no tools (days 8-14), 30% off everything on the peak (day 15),
  // no surge. With defer_weight w every shown offer loses beta * w * 0.3 * price of its utility
  // from day 8 until the peak: the pre-heat sells less than the baseline on the same visits
  // (common random numbers: the visits are the baseline's); before day 8 nothing differs, and at
  // w = 0 nothing differs before the peak.
  const auto units_by_day = [](const LineRecorder& r) {
    std::map<Day, double> u;
    for (const LineRecord& l : r.lines) u[day_of(l.time)] += l.quantity;
    return u;
  };
  const std::string phases =
      "/arms/1/promotions/0/phases={\"pre_heat\": {\"start\": 8, \"end\": 15}, \"peak\": {\"start\": 15, \"end\": 16, "
      "\"tools\": [{\"name\": \"percent_off\", \"depth\": 0.3}]}}";
  const auto run = [&](double weight) {
    const Scenario sc = small({"/market/segments/0/consumers=20000", "/market/behaviours=[]", phases,
                               "/arms/1/promotions/0/surge=1",
                               "/arms/1/promotions/0/defer_weight=" + std::to_string(weight)});
    return std::pair{units_by_day(run_arm(sc, 0)), units_by_day(run_arm(sc, 1))};
  };
  const auto [base, lull] = run(0.5);
  double before = 0, base_pre = 0, fest_pre = 0;
  for (Day d = 0; d < 8; ++d) before += std::fabs(lull.at(d) - base.at(d));
  for (Day d = 8; d < 15; ++d) {
    base_pre += base.at(d);
    fest_pre += lull.at(d);
  }
  INFO("pre-heat units: baseline " << base_pre << ", festival " << fest_pre);
  CHECK(before == 0);
  CHECK(fest_pre < 0.95 * base_pre);
  CHECK(fest_pre > 0.5 * base_pre);
  CHECK(lull.at(15) > 1.2 * base.at(15));  // the peak
  const auto [base0, none] = run(0.0);
  for (Day d = 0; d < 15; ++d) CHECK(none.at(d) == base0.at(d));
}
