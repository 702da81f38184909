// The "clicks" behaviour module and the order metrics (impressions, clicks, ctr, conversion
// rates, units per order, average order value, new customers, customer lifetime value).
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "engine/run_observer.h"
#include "engine/simulation.h"
#include "market/platform_log.h"
#include "scenarios/scenario.h"
#include "strategies/registry.h"
#include "fingerprint.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 5,000 consumers and 100 products (10 shown per visit: 5 popular and
/// 5 random), one replication, with the clicks module configured by `clicks` (absent when empty).
Scenario market_with(const std::string& clicks, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=5000", "/market/categories/0/products=100",
                                "/replications=1"};
  if (!clicks.empty()) o.push_back("/market/behaviours=[{\"name\": \"clicks\"" + clicks + "}]");
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

double total(const ExperimentResult& r, const std::string& metric) { return r.runs.at(0).totals[metric_index(metric)]; }

const std::vector<std::string> kClickMetrics = {"impressions", "clicks", "ctr", "ctr_recommended", "ctr_browsed", "conversion_per_impression",
                                                "conversion_per_click"};

/// What the test promotion "test_click_log" saw, per day: the platform log's exposures and
/// clicked offers summed over offers, and the clicks module's gauges.
struct ClickLogDay {
  double exposures = -1, clicked = -1, impressions_gauge = -1, clicks_gauge = -1;
  double click_events = -1, exposure_events = -1;  // the log's per-consumer kClick and kExposure events
};
std::mutex click_log_mutex;
std::map<Day, ClickLogDay> click_log;

/// Test-only promotion: declares exposures, offers nothing, and records the log's counts of each
/// complete day (read when preparing the next day) and the day records' gauges.
class ClickLogReader final : public PromotionStrategy {
 public:
  LogNeeds needs() const override {
    return LogNeeds{.lookback_days = 1, .exposures = true, .consumer_exposures = true, .consumer_clicks = true};
  }
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void act(const MarketContext& ctx, CommandSink&) override {
    if (ctx.day == read_day_ || ctx.day < 1 || ctx.log.days() < ctx.day) return;
    read_day_ = ctx.day;
    const Day d = ctx.day - 1;
    double exposures = 0, considered = 0;
    for (OfferId o = 0; o < ctx.log.offers(); ++o) {
      exposures += ctx.log.exposures(d, o);
      considered += ctx.log.considered(d, o);
      CHECK(ctx.log.considered(d, o) <= ctx.log.exposures(d, o));
      CHECK(ctx.log.chosen(d, o) <= ctx.log.considered(d, o));  // chosen offers were considered
    }
    double clicks = 0, shown = 0;
    for (const ConsumerEvent& e : ctx.log.events()) {
      if (day_of(e.time) != d) continue;
      clicks += e.kind == EventKind::kClick;
      shown += e.kind == EventKind::kExposure;
    }
    std::lock_guard lock(click_log_mutex);
    click_log[d].exposures = exposures;
    click_log[d].clicked = considered;
    click_log[d].click_events = clicks;
    click_log[d].exposure_events = shown;
  }
  void observe_day(const DayRecord& d) override {
    std::lock_guard lock(click_log_mutex);
    click_log[d.day].impressions_gauge = d.gauge("clicks.impressions");
    click_log[d.day].clicks_gauge = d.gauge("clicks.clicks");
  }

 private:
  Day read_day_ = -1;
};

void register_click_log_reader() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_strategies();
    promotion_registry().add({"test_click_log", "Test-only: reads exposures and clicked offers from the log.", {},
                              [](const Json&, const BuildContext&) { return std::make_unique<ClickLogReader>(); }});
  });
}

bool is_click_metric(const std::string& name) {
  for (const auto& m : kClickMetrics) {
    if (m == name) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("without the clicks module its metrics are empty and the others are as before", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with(""));
  for (const auto& m : kClickMetrics) {
    INFO("metric " << m);
    CHECK(std::isnan(total(r, m)));
    for (const DailyRow& d : r.runs[0].daily) CHECK(std::isnan(d.values[metric_index(m)]));
  }
  CHECK(total(r, "visits") > 0);
  CHECK(total(r, "conversion_rate") == Approx(total(r, "conversions") / total(r, "visits")).epsilon(1e-12));
}

TEST_CASE("a module that clicks every offer leaves every other figure exactly as it was", "[clicks]") {
  // sigmoid(50) rounds to 1: every offer is clicked, no utility changes, the choice draws are the
  // engine's: the same run, byte for byte, except the metrics that need the module.
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(", \"intercept\": 50, \"slope\": 0"));
  const auto& list = metric_list();
  for (std::size_t m = 0; m < list.size(); ++m) {
    if (is_click_metric(list[m].name)) continue;
    INFO("metric " << list[m].name);
    const double a = without.runs[0].totals[m], b = with.runs[0].totals[m];
    CHECK(((std::isnan(a) && std::isnan(b)) || a == b));
    for (std::size_t d = 0; d < without.runs[0].daily.size(); ++d) {
      const double x = without.runs[0].daily[d].values[m], y = with.runs[0].daily[d].values[m];
      CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
    }
  }
  CHECK(total(with, "ctr") == 1.0);
  CHECK(total(with, "clicks") == total(with, "impressions"));
}

TEST_CASE("impressions are the shown slots, and a constant click probability is the CTR", "[clicks]") {
  // slope 0: every impression is clicked with probability p = sigmoid(intercept), independently,
  // so clicks ~ Binomial(impressions, p): within the two-sided 99.9% normal band.
  const double intercept = -1.0;
  const double p = 1.0 / (1.0 + std::exp(-intercept));
  const ExperimentResult r = run_experiment(market_with(", \"intercept\": -1, \"slope\": 0"));
  const double n = total(r, "impressions"), k = total(r, "clicks");
  CHECK(n == 10.0 * total(r, "visits"));  // 5 popular + 5 random, no browsing
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  CHECK(std::abs(k - n * p) <= z * std::sqrt(n * p * (1 - p)));
  CHECK(total(r, "ctr") == Approx(k / n).epsilon(1e-12));
  // No browsing in this market: every impression is a recommendation's.
  CHECK(total(r, "ctr_recommended") == total(r, "ctr"));
  CHECK(std::isnan(total(r, "ctr_browsed")));
  // Daily figures add up to the totals (warm-up 0).
  double daily_clicks = 0;
  for (const DailyRow& d : r.runs[0].daily) daily_clicks += d.values[metric_index("clicks")];
  CHECK(daily_clicks == k);
}

TEST_CASE("nothing clicked, nothing bought: an unclicked offer is never chosen", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with(", \"intercept\": -50, \"slope\": 0"));
  CHECK(total(r, "impressions") > 0);
  CHECK(total(r, "clicks") == 0);
  CHECK(total(r, "units") == 0);
  CHECK(total(r, "conversions") == 0);
  CHECK(total(r, "ctr") == 0);
}

TEST_CASE("clicks narrow the choice: fewer sales, and conversion per click above per impression",
          "[clicks]") {
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(", \"intercept\": 0, \"slope\": 1"));
  CHECK(total(with, "units") < total(without, "units"));
  CHECK(total(with, "clicks") < total(with, "impressions"));
  CHECK(total(with, "conversion_per_click") >= total(with, "conversion_per_impression"));
  CHECK(total(with, "conversion_per_impression") ==
        Approx(total(with, "conversions") / total(with, "impressions")).epsilon(1e-12));
  CHECK(total(with, "conversion_per_click") ==
        Approx(total(with, "conversions") / total(with, "clicks")).epsilon(1e-12));
  // Click probability rises with utility: the clicked offers sell better than a constant rate
  // with the same CTR would (conversions per click above the unclicked market's per impression).
  CHECK(total(with, "conversion_per_click") > total(without, "conversions") / (10.0 * total(without, "visits")));
}

TEST_CASE("order metrics: units per order and average order value from the totals", "[clicks]") {
  const ExperimentResult r = run_experiment(market_with("", {"/market/segments/0/visit_rate=0.5"}));
  const double orders = total(r, "conversions");  // one seller: an order is a conversion
  REQUIRE(orders > 0);
  CHECK(total(r, "average_order_value") == Approx(total(r, "revenue") / orders).epsilon(1e-12));
  CHECK(total(r, "units_per_order") == Approx(total(r, "units") / orders).epsilon(1e-12));
  CHECK(total(r, "units_per_order") >= 1.0);
  CHECK(r.runs[0].seller_totals[0][metric_index("average_order_value")] ==
        Approx(total(r, "average_order_value")).epsilon(1e-12));
  for (const DailyRow& d : r.runs[0].daily) {
    const double upo = d.values[metric_index("units_per_order")];
    if (!std::isnan(upo)) CHECK(upo >= 1.0);
  }
}

TEST_CASE("new customers and their lifetime value", "[clicks]") {
  // Without warm-up every buyer of the run is a new customer, and every line counts towards the
  // lifetime value, discounted by a factor between 1.1^(-30/365) (30 days) and 1.
  const ExperimentResult r = run_experiment(market_with(""));
  const double fresh = total(r, "new_customers"), clv = total(r, "customer_lifetime_value");
  CHECK(fresh == total(r, "active_customers"));
  double daily = 0;
  for (const DailyRow& d : r.runs[0].daily) daily += d.values[metric_index("new_customers")];
  CHECK(daily == fresh);
  const double profit = total(r, "gross_profit");
  REQUIRE(profit > 0);
  CHECK(clv * fresh <= profit * (1 + 1e-12));
  CHECK(clv * fresh >= profit * std::pow(1.1, -30.0 / 365.0) * (1 - 1e-12));
  // With warm-up, buyers of the warm-up are not new, and the measured new customers are fewer.
  const ExperimentResult w = run_experiment(market_with("", {"/warmup_days=10"}));
  CHECK(total(w, "new_customers") < total(w, "active_customers"));
  CHECK(total(w, "customer_lifetime_value") > 0);
}

TEST_CASE("a run with the clicks module is identical for any thread count and shard size",
          "[clicks][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return marketsim::testing::fingerprint(
        run_experiment(market_with(", \"intercept\": 1, \"slope\": 0.5", {"/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("1000", 2) == one);
  CHECK(run("777", 2) == one);
}

TEST_CASE("the platform log counts each offer's exposures and clicks as the module does", "[clicks]") {
  // A strategy that declares exposures reads per offer and day the offers shown and the shown
  // offers left in the choice (clicked): summed over offers, the module's gauges of the day; and
  // per consumer an exposure event per shown offer and a click event per clicked one (none without
  // the module). Declaring them changes nothing else.
  register_click_log_reader();
  const std::string reader = "/arms/0/promotions=[{\"name\": \"test_click_log\"}]";
  const std::string none = "/arms/0/promotions=[]";
  for (const std::string& clicks : {std::string(), std::string(", \"intercept\": -0.5, \"slope\": 0.5")}) {
    INFO("clicks module: " << (clicks.empty() ? "absent" : clicks));
    {
      std::lock_guard lock(click_log_mutex);
      click_log.clear();
    }
    const ExperimentResult with = run_experiment(market_with(clicks, {reader}));
    const ExperimentResult without = run_experiment(market_with(clicks, {none}));
    CHECK(marketsim::testing::fingerprint(with) == marketsim::testing::fingerprint(without));
    std::lock_guard lock(click_log_mutex);
    REQUIRE(click_log.size() == 30);
    std::size_t read = 0;
    for (const auto& [day, c] : click_log) {
      if (c.exposures < 0) continue;  // the last day is not read
      ++read;
      INFO("day " << day);
      CHECK(c.exposures > 0);
      CHECK(c.exposure_events == c.exposures);  // one per-consumer event per exposure
      if (clicks.empty()) {
        CHECK(std::isnan(c.impressions_gauge));
        CHECK(c.clicked == c.exposures);  // without the module every shown offer is considered
        CHECK(c.click_events == 0);       // and nothing is a click
      } else {
        CHECK(c.exposures == c.impressions_gauge);
        CHECK(c.clicked == c.clicks_gauge);
        CHECK(c.clicked < c.exposures);
        CHECK(c.click_events == c.clicks_gauge);  // a click event per clicked exposure
      }
    }
    CHECK(read == 29);
  }
}

TEST_CASE("the log's considered counts (exposures not hidden by a module) follow exposures: kept per day when declared, refused otherwise",
          "[clicks]") {
  PlatformLog without(2, LogNeeds{.lookback_days = 1});
  without.begin_day(0);
  without.add_considered(1, 3);  // ignored
  CHECK_THROWS_AS(without.considered(0, 1), std::logic_error);
  PlatformLog with(2, LogNeeds{.lookback_days = 1, .exposures = true});
  with.begin_day(0);
  with.add_considered(1, 3);
  with.add_considered(1, 2);
  CHECK(with.considered(0, 0) == 0);
  CHECK(with.considered(0, 1) == 5);
  with.begin_day(1);
  CHECK(with.considered(1, 1) == 0);
  CHECK(with.considered(0, 1) == 5);
  with.begin_day(2);
  CHECK_THROWS_AS(with.considered(0, 1), std::out_of_range);
}

TEST_CASE("the click-funnel scenario runs: 8 recommended and 2 browsed offers per visit", "[clicks]") {
  const ExperimentResult r = run_experiment(load_scenario(
      MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json",
      {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=14"}));
  REQUIRE(r.runs.size() == 2);
  for (const RunResult& run : r.runs) {
    const auto at = [&](const char* m) { return run.totals[metric_index(m)]; };
    CHECK(at("impressions") == 10.0 * at("visits"));
    CHECK(at("clicks") > 0);
    CHECK(at("clicks") < at("impressions"));
    CHECK(at("conversion_per_click") >= at("conversion_per_impression"));
    CHECK(at("customer_lifetime_value") > 0);
  }
}

TEST_CASE("CTR of recommendation and browsing slots: each a binomial share at a constant click rate",
          "[clicks]") {
  // click-funnel shows 8 recommended and 2 browsed offers per visit (400 products): with slope 0
  // each slot is clicked with p = sigmoid(-1), so each CTR is a binomial share of 8 and 2 times
  // the visits, within its two-sided 99.9% normal band.
  const ExperimentResult r = run_experiment(load_scenario(
      MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json",
      {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=14", "/warmup_days=0",
       "/market/behaviours/0/slope=0"}));
  const double p = 1.0 / (1.0 + std::exp(1.0));
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  for (const RunResult& run : r.runs) {
    const auto at = [&](const char* m) { return run.totals[metric_index(m)]; };
    const double visits = at("visits");
    for (const auto& [metric, per_visit] : {std::pair{"ctr_recommended", 8.0}, std::pair{"ctr_browsed", 2.0}}) {
      INFO(metric);
      const double n = per_visit * visits;
      CHECK(std::abs(at(metric) - p) <= z * std::sqrt(p * (1 - p) / n));
    }
    // The two shares make up the whole.
    CHECK((8 * at("ctr_recommended") + 2 * at("ctr_browsed")) / 10 == Approx(at("ctr")).epsilon(1e-12));
  }
}

namespace {

/// Every gauge of the clicks module, per day, of arm `arm`, replication 0 of `sc`.
struct GaugeRecorder : RunObserver {
  std::vector<std::string> names;
  std::vector<std::vector<double>> days;
  double visits = 0;
  void on_day_end(const DayRecord& d) override {
    names.clear();
    std::vector<double> values;
    for (std::size_t g = 0; g < d.gauge_names.size(); ++g) {
      if (d.gauge_names[g].rfind("clicks.", 0) != 0) continue;
      names.push_back(d.gauge_names[g].substr(7));
      values.push_back(d.gauges[g]);
    }
    days.push_back(values);
    visits += static_cast<double>(d.visits);
  }
  /// A gauge's value on day d, or its sum over the run with d = -1.
  double at(const std::string& name, int d = -1) const {
    for (std::size_t g = 0; g < names.size(); ++g) {
      if (names[g] != name) continue;
      if (d >= 0) return days[static_cast<std::size_t>(d)][g];
      double t = 0;
      for (const auto& day : days) t += day[g];
      return t;
    }
    FAIL("no gauge clicks." << name);
    return 0;
  }
};

/// The gauges of arm `arm_index`, replication 0, with shards of `shard_size` consumers (0: the
/// scenario's).
GaugeRecorder record_gauges(Scenario sc, std::size_t arm_index, std::size_t shard_size = 0) {
  register_builtin_behaviours();
  if (shard_size != 0) sc.shard_size = shard_size;
  ArmRun run(sc, arm_index);
  GaugeRecorder rec;
  run.subscribe(rec);
  run.run();
  return rec;
}

std::string slot(const char* what, std::size_t k) { return std::string(what) + "_slot[" + std::to_string(k) + "]"; }

}  // namespace

TEST_CASE("per slot position: impressions and clicks add up to the totals, and CTR is the click probability",
          "[clicks]") {
  // click-funnel shows 8 recommendation slots (both arms) and 2 browsed offers per visit: 10
  // positions, each shown once per visit. With slope 0 every impression is clicked with
  // p = sigmoid(-1), so each position's clicks are Binomial(its impressions, p): within the
  // two-sided 99.9% band, Bonferroni-corrected over the 10 positions.
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json",
                                    {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=14",
                                     "/market/behaviours/0/slope=0"});
  CHECK(sc.market.max_shown == 10);
  const double p = 1.0 / (1.0 + std::exp(1.0));
  const double z = boost::math::quantile(boost::math::normal(), 1.0 - 0.001 / 2 / 10);
  for (std::size_t arm = 0; arm < sc.arms.size(); ++arm) {
    INFO("arm " << arm);
    const GaugeRecorder rec = record_gauges(sc, arm);
    REQUIRE(rec.days.size() == 14);
    // Positions 0..9 and no other.
    std::vector<std::string> want = {"impressions", "clicks", "impressions_recommended", "clicks_recommended"};
    for (std::size_t k = 0; k < 10; ++k) want.push_back(slot("impressions", k));
    for (std::size_t k = 0; k < 10; ++k) want.push_back(slot("clicks", k));
    CHECK(rec.names == want);
    for (int d = 0; d < 14; ++d) {
      INFO("day " << d);
      double shown = 0, clicked = 0, shown_recommended = 0, clicked_recommended = 0;
      for (std::size_t k = 0; k < 10; ++k) {
        shown += rec.at(slot("impressions", k), d);
        clicked += rec.at(slot("clicks", k), d);
        if (k < 8) {
          shown_recommended += rec.at(slot("impressions", k), d);
          clicked_recommended += rec.at(slot("clicks", k), d);
        }
      }
      CHECK(rec.at("impressions", d) > 0);
      CHECK(shown == rec.at("impressions", d));
      CHECK(clicked == rec.at("clicks", d));
      CHECK(shown_recommended == rec.at("impressions_recommended", d));
      CHECK(clicked_recommended == rec.at("clicks_recommended", d));
    }
    for (std::size_t k = 0; k < 10; ++k) {
      INFO("position " << k);
      const double n = rec.at(slot("impressions", k)), c = rec.at(slot("clicks", k));
      CHECK(n == rec.visits);  // every visit shows 10 offers
      CHECK(std::abs(c - n * p) <= z * std::sqrt(n * p * (1 - p)));
    }
  }
}

TEST_CASE("per-position gauges are identical for any thread count and shard size", "[clicks][determinism]") {
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/click-funnel.json",
                                    {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=10",
                                     "/warmup_days=0"});
  const auto run = [&](std::size_t shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return record_gauges(sc, 1, shard_size).days;
  };
  const auto one = run(1000000, 1);
  CHECK(run(1000, 2) == one);
  CHECK(run(777, 2) == one);
}

TEST_CASE("the positions declared are the most offers any arm shows per visit", "[clicks]") {
  // Arms with 5 and 12 recommendation slots and 3 browsed offers: up to 15 positions.
  const Scenario sc = market_with(
      ", \"intercept\": 0, \"slope\": 0",
      {"/market/browse_slots=3",
       R"(/arms=[{"name": "few", "baseline": true, "recommendation": {"name": "random", "slots": 5}},
                 {"name": "more", "recommendation": {"name": "random", "slots": 12}}])"});
  REQUIRE(sc.arms.size() == 2);
  CHECK(sc.market.max_shown == 15);
  const GaugeRecorder small = record_gauges(sc, 0);
  const GaugeRecorder large = record_gauges(sc, 1);
  CHECK(small.names == large.names);
  CHECK(small.names.size() == 4 + 2 * 15);
  CHECK(small.names.back() == "clicks_slot[14]");
  // The arm showing 8 offers never fills positions 8 to 14; the other fills all 15.
  CHECK(small.at(slot("impressions", 7)) == small.visits);
  CHECK(small.at(slot("impressions", 8)) == 0);
  CHECK(large.at(slot("impressions", 14)) == large.visits);
  // Positions 5..7 of the first arm and 12..14 of the second are browsing.
  CHECK(small.at("impressions_recommended") == 5 * small.visits);
  CHECK(large.at("impressions_recommended") == 12 * large.visits);
}
