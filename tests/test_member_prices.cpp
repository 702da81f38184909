// Promotions "member_price" and "member_day" (strategies/promotions/member_price.cpp): every sold line is at
// the member price exactly when its consumer's tier, replayed independently from the consumer's
// earlier orders, reaches min_tier (and, for member days, on member days only); without the
// membership module nobody qualifies; the same bytes on 1 and 2 threads; one-line errors. The
// market is scenarios/loyalty-tiers.json at 4,000 shoppers over 40 days, with one spend period as
// long as the run, so a consumer's trailing spend is everything it paid before.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/loyalty-tiers.json";

Scenario with(const std::string& promotions, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {
      "/market/segments/0/consumers=4000", "/replications=1", "/horizon_days=40",
      "/market/behaviours/0={\"name\": \"membership\", \"thresholds\": [30, 120], \"rates\": [1, 1, 1], "
      "\"window_days\": 60, \"period_days\": 60, \"point_value\": 0.01}",
      "/arms/1/promotions=" + promotions};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kScenario, o);
}

struct LineRecorder : RunObserver {
  std::vector<LineRecord> lines;
  void on_window(const WindowRecords& w) override { lines.insert(lines.end(), w.lines.begin(), w.lines.end()); }
};

std::vector<LineRecord> lines_of(const Scenario& sc) {
  ArmRun run(sc, 1);
  LineRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec.lines;
}

/// Checks every sold line: member price (depth off selected products) iff the replayed tier
/// reaches `min_tier` and `on(day)`. Returns the member-priced lines.
template <class On>
std::size_t check_lines(const std::vector<LineRecord>& lines, double depth, int min_tier, On on, bool every_other) {
  std::map<ConsumerId, Money> spent_before;  // paid before the current day
  std::map<ConsumerId, Money> spent_today;
  Day today = -1;
  std::size_t member_lines = 0, non_member_lines = 0;
  for (const LineRecord& l : lines) {
    const Day d = day_of(l.time);
    if (d != today) {  // tiers are re-evaluated at each day's end
      for (const auto& [c, m] : spent_today) spent_before[c] += m;
      spent_today.clear();
      today = d;
    }
    if (l.quantity == 0) continue;
    const Money spend = spent_before.count(l.consumer) ? spent_before[l.consumer] : 0;
    const int tier = (spend >= 3000) + (spend >= 12000);
    const bool selected = !every_other || l.product % 2 == 0;
    const bool member = tier >= min_tier && on(d) && selected;
    INFO("consumer " << l.consumer << " on day " << d << ", spend before " << spend << ", tier " << tier);
    CHECK(l.unit_discount == (member ? discount_of(l.unit_price, depth) : 0));
    member_lines += member;
    non_member_lines += !member && selected && on(d);
    spent_today[l.consumer] += l.revenue();
  }
  CHECK(non_member_lines > 100);  // both sides are exercised
  return member_lines;
}

void expect_error(const std::string& promotion, const std::string& pointer, const std::string& words) {
  INFO("promotion: " << promotion << "; expected at " << pointer);
  try {
    (void)with("[" + promotion + "]");
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

TEST_CASE("member prices go exactly to consumers whose replayed tier reaches min_tier", "[member_price]") {
  SECTION("any member, every product") {
    const auto lines = lines_of(with("[{\"name\": \"member_price\", \"depth\": 0.2}]"));
    CHECK(check_lines(lines, 0.2, 1, [](Day) { return true; }, false) > 200);
  }
  SECTION("gold (tier 2) on even products, during days 10-30") {
    const auto lines = lines_of(with(
        "[{\"name\": \"member_price\", \"depth\": 0.3, \"min_tier\": 2, \"products\": {\"every\": 2, \"offset\": 0}, "
        "\"start\": 10, \"end\": 30}]"));
    CHECK(check_lines(lines, 0.3, 2, [](Day d) { return d >= 10 && d < 30; }, true) > 20);
  }
  SECTION("member days 5, 12 and 19") {
    const auto lines = lines_of(with("[{\"name\": \"member_day\", \"depth\": 0.25, \"days\": [19, 5, 12]}]"));
    CHECK(check_lines(lines, 0.25, 1, [](Day d) { return d == 5 || d == 12 || d == 19; }, false) > 20);
  }
  SECTION("a member day every 7 days from day 3") {
    const auto lines = lines_of(with("[{\"name\": \"member_day\", \"depth\": 0.25, \"every\": 7, \"first_day\": 3}]"));
    CHECK(check_lines(lines, 0.25, 1, [](Day d) { return d >= 3 && (d - 3) % 7 == 0; }, false) > 20);
  }
}

TEST_CASE("without the membership module nobody gets a member price", "[member_price]") {
  const auto lines = lines_of(with("[{\"name\": \"member_price\", \"depth\": 0.2}]", {"/market/behaviours=[]"}));
  REQUIRE(lines.size() > 1000);
  for (const LineRecord& l : lines) CHECK(l.unit_discount == 0);
}

TEST_CASE("a member price run gives the same bytes on 1 and 2 threads and any shard size", "[member_price][determinism]") {
  const auto run = [](int threads, const std::string& shard) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(run_experiment(
        with("[{\"name\": \"member_price\", \"depth\": 0.2}, {\"name\": \"percent_off\", \"depth\": 0.1, \"start\": 5, "
             "\"end\": 15}]",
             {"/replications=2", "/engine/shard_size=" + shard})));
  };
  const std::string one = run(1, "65536");
  CHECK(run(2, "65536") == one);
  CHECK(run(2, "900") == one);
}

TEST_CASE("bad member price parameters are one-line errors naming the key", "[member_price][errors]") {
  expect_error("{\"name\": \"member_price\"}", "/arms/1/promotions/0/depth", "depth");
  expect_error("{\"name\": \"member_price\", \"depth\": 0.2, \"min_tier\": 0}", "/arms/1/promotions/0/min_tier",
               "min_tier");
  expect_error("{\"name\": \"member_day\", \"depth\": 0.2}", "/arms/1/promotions/0/days", "either days or every");
  expect_error("{\"name\": \"member_day\", \"depth\": 0.2, \"days\": [3], \"every\": 7}", "/arms/1/promotions/0/days",
               "either days or every");
  expect_error("{\"name\": \"member_day\", \"depth\": 0.2, \"days\": [-1]}", "/arms/1/promotions/0/days/0", "days");
}
