// The "engagement" behaviour module (agents/engagement.cpp) and the "coupon" and "notify"
// promotions (strategies/promotions/coupon.cpp, notify.cpp, targeting.h): closed forms where the module's
// dynamics are switched off but one (churn hazard, notification boost, win-back, opt-out),
// directional tests for retention, ledger reconciliation, parameter errors and determinism.
// Statistical checks use two-sided 99.9% normal bounds (z = 3.29) on binomial or Poisson counts.
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "fingerprint.h"
#include "module_harness.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"
#include "strategies/targeting.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";
constexpr double kConsumers = 5000;
constexpr double kRate = 0.2;  // the reference market's visits per consumer and day

const double kZ = boost::math::quantile(boost::math::normal(), 0.9995);  // two-sided 99.9%

/// The module with every dynamic off (constant engagement, no churn, no boost, g constant),
/// then `extra` (", key: value" pairs, overriding those).
std::string engagement(const std::string& extra = "") {
  Json m = {{"name", "engagement"}, {"up_purchase", 0}, {"down_stockout", 0}, {"down_price", 0}, {"decay", 0},
            {"churn_base", 0}, {"churn_shape", 0}, {"boost", 0}, {"intensity_min", 1}, {"up_surprise", 0},
            {"down_surprise", 0}, {"down_reference", 0}};
  if (!extra.empty()) {
    std::ostringstream body;
    body << '{' << std::string_view(extra).substr(2) << '}';
    m.update(Json::parse(body.str()));
  }
  return m.dump();
}

/// The reference market at 5,000 consumers and 100 products, one replication, with `module` as
/// its behaviours (none when empty) and `promotions` as its arm's promotions (JSON list).
Scenario market_with(const std::string& module, const std::string& promotions = "[]",
                     std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=5000", "/market/categories/0/products=100",
                                "/replications=1", "/arms/0/promotions=" + promotions};
  if (!module.empty()) o.push_back("/market/behaviours=[" + module + "]");
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

double total(const ExperimentResult& r, const std::string& metric) {
  return r.runs.at(0).totals[metric_index(metric)];
}
double on_day(const ExperimentResult& r, const std::string& metric, Day day) {
  for (const DailyRow& d : r.runs.at(0).daily) {
    if (d.day == day) return d.values[metric_index(metric)];
  }
  FAIL("no day " << day);
  return 0.0;
}
bool within(double x, double mean, double variance) { return std::fabs(x - mean) <= kZ * std::sqrt(variance); }

/// Every total and daily value except the engagement module's metrics.
std::string fingerprint_without_engagement(const ExperimentResult& r) {
  const std::set<std::size_t> skip = {metric_index("churned"), metric_index("won_back"), metric_index("opted_out"),
                                      metric_index("engagement")};
  std::ostringstream out;
  out.precision(17);
  for (const RunResult& run : r.runs) {
    for (std::size_t m = 0; m < run.totals.size(); ++m) {
      if (!skip.contains(m)) out << run.totals[m] << ',';
    }
    for (const DailyRow& d : run.daily) {
      for (std::size_t m = 0; m < d.values.size(); ++m) {
        if (!skip.contains(m)) out << d.values[m] << ',';
      }
    }
    out << ';';
  }
  return out.str();
}

/// The share of the first four weekly cohorts who bought again `offset` weeks later.
double cohort_share(const ExperimentResult& r, int offset) {
  double size = 0, buyers = 0;
  for (const CohortRow& c : r.runs.at(0).cohorts) {
    if (c.period == "week" && c.cohort < 4 && c.offset == offset) {
      size += static_cast<double>(c.size);
      buyers += static_cast<double>(c.buyers);
    }
  }
  return buyers / size;
}

}  // namespace

TEST_CASE("engagement with every dynamic off leaves the market's outcome as it was", "[engagement]") {
  // Constant engagement, no churn, no boost: the thinning multiplier is 1 and nothing else acts,
  // so every metric but the module's own is the same; its gauges say so too.
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(engagement()));
  CHECK(fingerprint_without_engagement(with) == fingerprint_without_engagement(without));
  CHECK(std::isnan(total(without, "churned")));
  CHECK(total(with, "churned") == 0.0);
  CHECK(total(with, "engagement") == Approx(0.5));
  CHECK(total(with, "opted_out") == 0.0);
}

TEST_CASE("the churn hazard takes consumers off the calendar at h0 exp(-k e) a day", "[engagement][statistical]") {
  // e stays 0.5: h = 0.05 exp(-1); by the end of day d a consumer has churned with probability
  // 1 - exp(-h (d + 1)) (one draw a day, days 0..d): churned is binomial.
  const ExperimentResult r = run_experiment(market_with(engagement(", \"churn_base\": 0.05, \"churn_slope\": 2")));
  const double h = 0.05 * std::exp(-1.0);
  for (Day d : {0, 9, 29}) {
    INFO("day " << d);
    const double p = 1.0 - std::exp(-h * (d + 1));
    CHECK(within(on_day(r, "churned", d), kConsumers * p, kConsumers * p * (1 - p)));
  }
  // Churned consumers do not visit: over 30 days visits fall to N rate sum_d exp(-h d) (Poisson).
  double mean = 0.0;
  for (int d = 0; d < 30; ++d) mean += kConsumers * kRate * std::exp(-h * d);
  CHECK(within(total(r, "visits"), mean, mean));
  CHECK(total(r, "visits") < kConsumers * kRate * 30 - kZ * std::sqrt(kConsumers * kRate * 30));
}

TEST_CASE("with Gamma frailty the churned share follows 1 - (1 + h t / s)^-s", "[engagement][statistical]") {
  // e stays 0.5, h = 0.05 exp(-1) on average, each consumer's nu ~ Gamma(s, 1/s) with s = 0.61:
  // a consumer survives t days with probability E[exp(-nu h t)] = (1 + h t / s)^-s (the Gamma's
  // Laplace transform), so churned by the end of day d is binomial with 1 - (1 + h (d + 1) / s)^-s,
  // below the homogeneous 1 - exp(-h (d + 1)) after the first days: the frail leave first.
  const double s = 0.61;
  const ExperimentResult r =
      run_experiment(market_with(engagement(", \"churn_base\": 0.05, \"churn_slope\": 2, \"churn_shape\": 0.61"), "[]",
                                 {"/horizon_days=60"}));
  const double h = 0.05 * std::exp(-1.0);
  for (Day d : {0, 9, 29, 59}) {
    INFO("day " << d);
    const double p = 1.0 - std::pow(1.0 + h * static_cast<double>(d + 1) / s, -s);
    CHECK(within(on_day(r, "churned", d), kConsumers * p, kConsumers * p * (1 - p)));
  }
  const double homogeneous = 1.0 - std::exp(-h * 60.0);
  CHECK(on_day(r, "churned", 59) < kConsumers * homogeneous - kZ * std::sqrt(kConsumers * homogeneous * (1 - homogeneous)));
}

TEST_CASE("retention.json: the first cohort's monthly retention falls steeply, then flattens", "[engagement][retention]") {
  // Issue 26's test: the no-win-back arm, monthly cohorts, cohort 0, complete months only, pooled
  // over the scenario's 5 replications: the geometric-mean monthly decline over months 6-10,
  // 1 - (a10 / a6)^(1/4), is at most half that over months 1-3, 1 - (a3 / a1)^(1/2), which is at
  // least 0.05. A hazard the same for every consumer fails it: with churn_shape 0 the later
  // months fall faster than the first (0.131 against 0.109 at churn_base 0.01).
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json");
  const std::int64_t measured = sc.horizon_days - sc.warmup_days;
  std::vector<double> size(12, 0.0), buyers(12, 0.0);
  for (std::uint64_t rep = 0; rep < static_cast<std::uint64_t>(sc.replications); ++rep) {
    ArmRun run(sc, 0, rep);
    const RunResult result = run.run();
    for (const CohortRow& c : result.cohorts) {
      if (c.period != "month" || c.cohort != 0 || (c.offset + 1) * 30 > measured) continue;  // complete months
      size[static_cast<std::size_t>(c.offset)] += static_cast<double>(c.size);
      buyers[static_cast<std::size_t>(c.offset)] += static_cast<double>(c.buyers);
    }
  }
  const auto a = [&](std::size_t m) { return buyers[m] / size[m]; };
  REQUIRE(size[10] > 0.0);
  const double early = 1.0 - std::sqrt(a(3) / a(1));
  const double late = 1.0 - std::pow(a(10) / a(6), 0.25);
  INFO("early " << early << ", late " << late);
  CHECK(early >= 0.05);
  CHECK(late <= 0.5 * early);
}

TEST_CASE("churn candidates thinned to the hazard: each engagement level churns at 1 - exp(-h0 exp(-k e))",
          "[engagement][statistical]") {
  // Churn is drawn by thinning (candidates with probability q = 1 - exp(-h0), accepted with
  // probability (1 - exp(-h)) / q). Hooks driven directly: 40,000 consumers at five engagement
  // levels (no fading), one day: each level's churned count is binomial with the hazard's
  // probability; a second day draws anew (the candidates of day 1 are not those of day 0).
  const Scenario sc = market_with(engagement(", \"churn_base\": 0.4, \"churn_slope\": 3"), "[]",
                                  {"/market/segments/0/consumers=40000"});
  marketsim::testing::ModuleHarness h(sc, {0, 40000});
  for (ConsumerId c = 0; c < 40000; ++c) *h.row<float>("engagement", c) = static_cast<float>(c % 5) / 4.0f;
  const auto churned = [&](int level) {
    double n = 0;
    for (ConsumerId c = static_cast<ConsumerId>(level); c < 40000; c += 5) n += *h.row<std::uint8_t>("state", c) & 1;
    return n;
  };
  h.daily(0);
  std::vector<double> after_day0;
  for (int level = 0; level < 5; ++level) {
    const double p = -std::expm1(-0.4 * std::exp(-3.0 * level / 4.0));
    INFO("e = " << level / 4.0 << ", p = " << p);
    CHECK(within(churned(level), 8000 * p, 8000 * p * (1 - p)));
    after_day0.push_back(churned(level));
  }
  h.daily(1);
  for (int level = 0; level < 5; ++level) {
    const double p = -std::expm1(-0.4 * std::exp(-3.0 * level / 4.0));
    const double left = 8000 - after_day0[static_cast<std::size_t>(level)];
    CHECK(within(churned(level) - after_day0[static_cast<std::size_t>(level)], left * p, left * p * (1 - p)));
  }
}

TEST_CASE("engagement's tallies equal a scan of its columns, and its draws do not depend on the shards",
          "[engagement]") {
  // The gauges are per-shard tallies kept as consumers churn, come back and opt out. Hooks driven
  // directly for 40 days (purchases, stock-outs, notifications and coupons at random, fast churn)
  // on one shard and on four uneven ones that cut the 4,096-consumer churn blocks: the gauges
  // equal a scan of the state column, the calendar and the engagement column, and both cuts give
  // the same columns every day.
  const Scenario sc = market_with("{\"name\": \"engagement\", \"churn_base\": 0.08, \"winback\": 0.4, "
                                  "\"tolerance\": 2}", "[]", {"/market/segments/0/consumers=9000"});
  constexpr ConsumerId kN = 9000;
  marketsim::testing::ModuleHarness one(sc, {0, kN});
  marketsim::testing::ModuleHarness four(sc, {0, 2500, 4100, 4200, kN});
  const ProductId products = static_cast<ProductId>(one.market().catalog.size());
  CounterRng rng(stream_key(11, 0, 0, Purpose::kTest));
  double won_back_total = 0, opted_total = 0;
  for (Day d = 0; d < 40; ++d) {
    std::vector<Command> commands;
    for (int k = 0; k < 600; ++k) {
      Command cmd{};
      cmd.kind = rng.uniform() < 0.5 ? notify_kind() : command_kind("issue_coupon");
      cmd.consumer = static_cast<ConsumerId>(rng.below(kN));
      cmd.time = d;
      commands.push_back(cmd);
    }
    std::vector<LineRecord> lines;
    for (ConsumerId c = 0; c < kN; c += static_cast<ConsumerId>(1 + rng.below(20))) {
      LineRecord l{};
      l.time = d + 0.5;
      l.consumer = c;
      l.product = static_cast<ProductId>(rng.below(products));
      l.quantity = rng.uniform() < 0.8 ? 1 : 0;
      l.lost = l.quantity == 0 ? 1 : 0;
      l.unit_price = one.market().catalog.list_price[l.product] + (rng.uniform() < 0.2 ? 100 : 0);
      lines.push_back(l);
    }
    for (marketsim::testing::ModuleHarness* h : {&one, &four}) {
      for (std::size_t s = 0; s < h->shards(); ++s) h->calendar(s).entered.clear();
      h->commands(commands);
      h->settled(lines);
      h->daily(d);
    }
    double churned = 0, opted = 0, sum = 0, away = 0, entered = 0;
    for (ConsumerId c = 0; c < kN; ++c) {
      const std::uint8_t state = *four.row<std::uint8_t>("state", c);
      churned += state & 1;
      opted += (state >> 1) & 1;
      sum += *four.row<float>("engagement", c);
      INFO("day " << d << ", consumer " << c);
      REQUIRE(state == *one.row<std::uint8_t>("state", c));
      REQUIRE(*four.row<float>("engagement", c) == *one.row<float>("engagement", c));
      REQUIRE(*four.row<float>("fatigue", c) == *one.row<float>("fatigue", c));
    }
    for (std::size_t s = 0; s < four.shards(); ++s) {
      away += static_cast<double>(four.calendar(s).away.size());
      entered += static_cast<double>(four.calendar(s).entered.size());
    }
    INFO("day " << d);
    const std::vector<double> g = four.gauges(d);
    CHECK(g == one.gauges(d));
    CHECK(g[0] == churned);
    CHECK(g[0] == away);
    CHECK(g[1] == entered);
    CHECK(g[2] == opted);
    CHECK(g[3] == sum);
    CHECK(g[4] == kN);
    won_back_total += g[1];
    opted_total = g[2];
  }
  CHECK(won_back_total > 100);  // the test sees churn, win-back and opt-out
  CHECK(opted_total > 100);
}

TEST_CASE("a 65,536th win-back draw for one consumer is a one-line RangeError", "[engagement]") {
  // winback_draws is 16 bits: a churned consumer can be touched 65,535 times (never won back here).
  const Scenario sc = market_with(engagement(", \"winback\": 0"));
  marketsim::testing::ModuleHarness h(sc, {0, 10});
  *h.row<std::uint8_t>("state", 4) = 1;  // churned
  Command coupon{};
  coupon.kind = command_kind("issue_coupon");
  coupon.consumer = 4;
  h.commands(std::vector<Command>(65535, coupon));
  CHECK(*h.row<std::uint16_t>("winback_draws", 4) == 65535);
  try {
    h.commands({coupon});
    FAIL("no error");
  } catch (const RangeError& e) {
    CHECK(std::string(e.what()) ==
          "engagement: consumer 4 was touched 65,535 times while churned (the most win-back draws a consumer can take)");
  }
}

TEST_CASE("a notification boosts visits by boost exp(-t / boost_days)", "[engagement][statistical]") {
  // Everyone is notified at the start of day 10: visits are Poisson with mean
  // N rate (30 + boost * boost_days * (1 - exp(-20 / boost_days))).
  const std::string notify = "[{\"name\": \"notify\", \"day\": 10}]";
  const ExperimentResult quiet = run_experiment(market_with(engagement(", \"boost\": 1.5, \"boost_days\": 2")));
  const ExperimentResult told =
      run_experiment(market_with(engagement(", \"boost\": 1.5, \"boost_days\": 2"), notify));
  const double base = kConsumers * kRate * 30;
  const double boosted = base + kConsumers * kRate * 1.5 * 2 * (1 - std::exp(-10.0));
  CHECK(within(total(quiet, "visits"), base, base));
  CHECK(within(total(told, "visits"), boosted, boosted));
  CHECK(total(told, "visits") > total(quiet, "visits"));
  // Before the notification the two runs visit alike (common random numbers).
  for (Day d = 0; d < 10; ++d) CHECK(on_day(told, "visits", d) == on_day(quiet, "visits", d));
  // Day by day the boost decays as boost * boost_days * (exp(-(d - 10) / 2) - exp(-(d - 9) / 2)):
  // the notified consumers' pending candidates are drawn again at the boosted bound.
  for (Day d = 10; d < 16; ++d) {
    const double mean = kConsumers * kRate *
                        (1 + 1.5 * 2 * (std::exp(-(d - 10) / 2.0) - std::exp(-(d - 9) / 2.0)));
    INFO("day " << d << ": " << on_day(told, "visits", d) << " visits, expected " << mean);
    CHECK(within(on_day(told, "visits", d), mean, mean));
  }
}

TEST_CASE("a coupon or a notification wins a churned consumer back with probability winback",
          "[engagement][statistical]") {
  // Notification to all on day 15, coupon to all on day 20: the consumers won back on each day
  // are binomial(churned at the end of the day before, winback).
  const std::string touches =
      "[{\"name\": \"notify\", \"day\": 15}, {\"name\": \"coupon\", \"day\": 20, \"value\": 1}]";
  const ExperimentResult r = run_experiment(
      market_with(engagement(", \"churn_base\": 0.05, \"churn_slope\": 0, \"winback\": 0.3"), touches));
  for (Day d : {15, 20}) {
    INFO("day " << d);
    const double churned = on_day(r, "churned", d - 1);
    REQUIRE(churned > 500);
    CHECK(within(on_day(r, "won_back", d), 0.3 * churned, churned * 0.3 * 0.7));
  }
  CHECK(total(r, "won_back") == on_day(r, "won_back", 15) + on_day(r, "won_back", 20));
  // Without touches nobody comes back.
  const ExperimentResult alone =
      run_experiment(market_with(engagement(", \"churn_base\": 0.05, \"churn_slope\": 0, \"winback\": 0.3")));
  CHECK(total(alone, "won_back") == 0.0);
  CHECK(on_day(r, "churned", 29) < on_day(alone, "churned", 29));
}

TEST_CASE("notifications beyond the tolerance opt consumers out and lower engagement", "[engagement]") {
  // Fatigue after n daily notifications is sum_{i<n} exp(-i / 7): 1, 1.87, 2.62, 3.27: the fourth
  // (day 3) takes everyone above a tolerance of 3. Weekly ones stay below 1 / (1 - e^-1) = 1.58.
  const std::string module = engagement(", \"tolerance\": 3, \"fatigue_days\": 7, \"down_optout\": 0.2");
  const ExperimentResult daily = run_experiment(market_with(module, "[{\"name\": \"notify\", \"every\": 1}]"));
  const ExperimentResult weekly = run_experiment(market_with(module, "[{\"name\": \"notify\", \"every\": 7}]"));
  CHECK(on_day(daily, "opted_out", 2) == 0.0);
  CHECK(on_day(daily, "opted_out", 3) == kConsumers);
  CHECK(on_day(daily, "engagement", 3) == Approx(0.3).epsilon(1e-6));
  CHECK(total(weekly, "opted_out") == 0.0);
  CHECK(total(weekly, "engagement") == Approx(0.5).epsilon(1e-6));
  CHECK(total(daily, "engagement") < total(weekly, "engagement"));
  // With engagement in play (default dynamics), too many notifications still leave it lower.
  const std::string live = "{\"name\": \"engagement\", \"churn_base\": 0}";
  const double many = total(run_experiment(market_with(live, "[{\"name\": \"notify\", \"every\": 1}]")), "engagement");
  const double few = total(run_experiment(market_with(live, "[{\"name\": \"notify\", \"every\": 7}]")), "engagement");
  CHECK(many < few);
}

TEST_CASE("purchases raise engagement and stock-outs lower it", "[engagement]") {
  const double flat = total(run_experiment(market_with(engagement())), "engagement");
  const double buying = total(run_experiment(market_with(engagement(", \"up_purchase\": 0.05"))), "engagement");
  const double short_stock = total(
      run_experiment(market_with(engagement(", \"down_stockout\": 0.2"),
                                 "[]", {"/arms/0/replenishment/cover=0.3"})),
      "engagement");
  CHECK(buying > flat);
  CHECK(short_stock < flat);
}

TEST_CASE("with churn, weekly cohorts buy again less and less, and less than without churn",
          "[engagement]") {
  const std::vector<std::string> longer = {"/horizon_days=56"};
  const ExperimentResult off = run_experiment(market_with(engagement(), "[]", longer));
  const ExperimentResult on =
      run_experiment(market_with(engagement(", \"churn_base\": 0.03, \"churn_slope\": 0"), "[]", longer));
  INFO("with churn: " << cohort_share(on, 1) << " at 1 week, " << cohort_share(on, 4) << " at 4 weeks; without: "
                      << cohort_share(off, 1) << ", " << cohort_share(off, 4));
  CHECK(cohort_share(on, 4) < cohort_share(on, 1));
  CHECK(cohort_share(on, 4) < cohort_share(off, 4));
  CHECK(total(on, "repeat_rate") < total(off, "repeat_rate"));
}

TEST_CASE("coupons reach the targeted consumers", "[engagement][statistical]") {
  // A coupon costs 0.01 to send: coupons issued = promotion costs / 0.01.
  const auto issued = [](const std::string& coupon) {
    const ExperimentResult r = run_experiment(market_with("", "[{\"name\": \"coupon\", \"value\": 2, \"cost\": 0.01, " + coupon + "}]"));
    return std::round(total(r, "promotion_costs") * 100);
  };
  CHECK(issued("\"day\": 5") == kConsumers);
  CHECK(issued("\"every\": 7") == 5 * kConsumers);  // days 0, 7, 14, 21, 28
  const double half = issued("\"to\": \"random\", \"share\": 0.5, \"day\": 5");
  CHECK(within(half, 0.5 * kConsumers, 0.25 * kConsumers));
  CHECK(issued("\"to\": \"random\", \"share\": 0.5, \"day\": 5, \"seed\": 9") != half);
  CHECK(issued("\"to\": \"lapsed\", \"lapsed_days\": 100, \"every\": 1") == 0.0);
  CHECK(issued("\"to\": \"lapsed\", \"lapsed_days\": 7, \"every\": 1") > 0.0);
}

TEST_CASE("lapsed consumers are buyers whose last purchase is lapsed_days old", "[engagement]") {
  register_builtin_strategies();
  const ArmRun run(R"({"name": "four", "seed": 1, "replications": 1, "horizon_days": 30,
                       "market": {"lead_time_days": 1, "categories": [{"name": "c", "products": 10}],
                                  "segments": [{"name": "s", "consumers": 4, "visit_rate": 0.25}]},
                       "arms": [{"name": "base", "baseline": true}]})");
  Targeting t(Json{{"to", "lapsed"}, {"lapsed_days", 7}, {"seed", 1}, {"day", 0}, {"every", 1}}, run.build_context());
  std::vector<LineRecord> lines(3);
  lines[0].consumer = 0, lines[0].time = 2.5, lines[0].quantity = 1;  // bought on day 2
  lines[1].consumer = 1, lines[1].time = 5.5, lines[1].quantity = 1;  // bought on day 5
  lines[2].consumer = 2, lines[2].time = 2.5, lines[2].quantity = 0, lines[2].lost = 1;  // a stock-out only
  t.observe(WindowRecords{0, 0.0, 6.0, {}, lines});
  const auto targets = [&](Day day) {
    std::vector<ConsumerId> out;
    t.each(day, [&](ConsumerId c) { out.push_back(c); });
    return out;
  };
  CHECK(targets(8).empty());
  CHECK(targets(9) == std::vector<ConsumerId>{0});
  CHECK(targets(12) == std::vector<ConsumerId>{0, 1});
}

TEST_CASE("coupon and notify spending reconciles with the ledger", "[engagement][invariants]") {
  // Notifications at 0.02 every 10 days (3 x 5,000 = 300.00) and a 2.00 coupon for orders of at
  // least 10.00 to half the consumers on day 5 at 0.01 each: budget spent = coupons redeemed +
  // message and distribution costs (the engine checks the ledger against the records too).
  const ExperimentResult plain = run_experiment(market_with(""));
  const ExperimentResult r = run_experiment(market_with(
      "", "[{\"name\": \"notify\", \"every\": 10, \"cost\": 0.02}, {\"name\": \"coupon\", \"value\": 2, "
          "\"min_spend\": 10, \"cost\": 0.01, \"to\": \"random\", \"share\": 0.5, \"day\": 5}]"));
  const double costs = total(r, "promotion_costs");
  const double coupons = std::round((costs - 300.0) * 100);
  CHECK(within(coupons, 0.5 * kConsumers, 0.25 * kConsumers));
  CHECK(total(r, "discounts") > 2.0 * 100);  // over a hundred coupons redeemed
  CHECK(std::fmod(std::round(total(r, "discounts") * 100), 200.0) == 0.0);  // whole coupons of 2.00
  CHECK(total(plain, "discounts") == 0.0);
  CHECK(total(r, "promotion_spend") == Approx(total(r, "discounts") + costs).margin(0.005));
  CHECK(total(r, "contribution") == Approx(total(r, "gross_profit") - costs).margin(0.005));
  // A budget stops the messages: 100.00 pays for exactly 5,000 at 0.02.
  const ExperimentResult capped =
      run_experiment(market_with("", "[{\"name\": \"notify\", \"every\": 10, \"cost\": 0.02, \"budget\": 100}]"));
  CHECK(total(capped, "promotion_costs") == Approx(100.0).margin(0.005));
}

TEST_CASE("coupon, notify and engagement parameters are checked with one-line errors", "[engagement]") {
  const auto error = [](const std::string& module, const std::string& promotions) {
    try {
      (void)market_with(module, promotions);
    } catch (const ScenarioError& e) {
      return std::string(e.pointer()) + " | " + e.what();
    }
    return std::string("no error");
  };
  const auto check = [&](const std::string& module, const std::string& promotions, const std::string& pointer,
                         const std::string& words) {
    const std::string what = error(module, promotions);
    INFO(what);
    CHECK(what.rfind(pointer + " | ", 0) == 0);
    CHECK(what.find(words) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  };
  const std::string p = "/arms/0/promotions/0/";
  check("", "[{\"name\": \"coupon\", \"value\": 2, \"to\": \"random\"}]", p + "share", "is required");
  check("", "[{\"name\": \"coupon\", \"value\": 2, \"share\": 0.5}]", p + "share", "only with");
  check("", "[{\"name\": \"notify\", \"to\": \"lapsed\"}]", p + "lapsed_days", "is required");
  check("", "[{\"name\": \"notify\", \"lapsed_days\": 3}]", p + "lapsed_days", "only with");
  check("", "[{\"name\": \"notify\", \"to\": \"everyone\"}]", p + "to", "lapsed");
  check("", "[{\"name\": \"coupon\", \"value\": 0}]", p + "value", "(0, 1e+09]");
  check("", "[{\"name\": \"coupon\"}]", p + "value", "required");
  check("", "[{\"name\": \"coupon\", \"value\": 0.001}]", p + "value", "one cent");
  check("", "[{\"name\": \"coupon\", \"value\": 1, \"category\": \"shoes\"}]", p + "category", "shoes");
  check("", "[{\"name\": \"notify\", \"cost\": -1}]", p + "cost", "[0,");
  check("{\"name\": \"engagement\", \"initial\": 0, \"intensity_min\": 0}", "[]", "/market/behaviours/0/intensity_min",
        "must be above 0");
  check("{\"name\": \"engagement\", \"churn_base\": 2}", "[]", "/market/behaviours/0/churn_base", "[0, 1]");
  check("{\"name\": \"engagement\", \"boost_days\": 0}", "[]", "/market/behaviours/0/boost_days", "boost_days");
}

TEST_CASE("a run with engagement, coupons and notifications is identical for any thread count",
          "[engagement][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(market_with(
        "{\"name\": \"engagement\", \"churn_base\": 0.05, \"winback\": 0.5}",
        "[{\"name\": \"notify\", \"every\": 2, \"cost\": 0.01, \"to\": \"random\", \"share\": 0.3}, "
        "{\"name\": \"coupon\", \"value\": 2, \"to\": \"lapsed\", \"lapsed_days\": 3, \"every\": 1}]",
        {"/engine/shard_size=" + shard_size, "/replications=2"})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("1000", 2) == one);
  CHECK(run("777", 2) == one);
}

TEST_CASE("quality surprises and prices against the reference move engagement by their parameters",
          "[engagement]") {
  // The messages hook driven directly: a pleasant surprise s > 0 adds up_surprise * s, a
  // disappointment subtracts down_surprise * |s|, a price above the reference subtracts
  // down_reference * ln(paid / reference), a price below it changes nothing; e stays in [0, 1].
  const Scenario sc = market_with(engagement(", \"up_surprise\": 0.1, \"down_surprise\": 0.2, \"down_reference\": 0.5"));
  marketsim::testing::ModuleHarness h(sc, {0, 5000});
  const auto send = [&](ConsumerId c, std::uint16_t kind, float value) {
    Message m{};
    m.time = 1.5;
    m.sender = c;
    m.recipient = c;
    m.kind = kind;
    m.value = value;
    const ShardContext ctx = h.context(0);
    const std::vector<Message> batch = {m};
    h.module().messages(MessageBatch{ctx, batch});
    return static_cast<double>(*h.row<float>("engagement", c));
  };
  CHECK(send(7, kMessageQualitySurprise, 1.0f) == Approx(0.6));
  CHECK(send(7, kMessageQualitySurprise, -0.5f) == Approx(0.5));
  CHECK(send(7, kMessagePricePaid, 0.2f) == Approx(0.4));
  CHECK(send(7, kMessagePricePaid, -0.3f) == Approx(0.4));
  CHECK(send(7, kMessageQualitySurprise, -10.0f) == 0.0);
  CHECK(send(7, kMessageQualitySurprise, 20.0f) == 1.0);
  CHECK(send(8, kMessageHeardQuality, 5.0f) == Approx(0.5));  // not engagement's: ignored
  CHECK(h.calendar(0).redrawn.size() >= 1);  // a rise redraws the pending candidate
}

TEST_CASE("an irrelevant recommendation (every placed offer below the outside option) lowers engagement once",
          "[engagement]") {
  const Scenario sc = market_with(engagement(", \"down_irrelevant\": 0.05"));
  marketsim::testing::ModuleHarness h(sc, {0, 5000});
  REQUIRE((h.module().stages() & kStageBasket) != 0);
  // Visit 0 (consumer 1): two placed offers below 0 and a browsed one above: irrelevant. Visit 1
  // (consumer 2): a placed offer above 0: relevant. Visit 2 (consumer 3): browsed offers only.
  // Visit 3 (consumer 1 again): irrelevant again.
  const std::vector<ConsumerId> consumer = {1, 2, 3, 1};
  const std::vector<Time> time = {2.1, 2.2, 2.3, 2.4};
  const std::vector<std::uint32_t> visit = {0, 0, 0, 1};
  const std::vector<std::uint32_t> first = {0, 3, 5, 7, 8};
  const std::vector<OfferId> offer = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<float> price(8, 1.0f);
  std::vector<float> utility = {-0.5f, -1.0f, 2.0f, -3.0f, 0.25f, -1.0f, -1.0f, -0.1f};
  std::vector<std::uint8_t> max_lines(4, 1);
  const std::vector<std::uint8_t> placed = {2, 2, 0, 1};
  const ShardContext ctx = h.context(0);
  VisitBatch b{ctx, consumer, time, visit, first, offer, price, utility, max_lines, placed};
  h.module().basket(b);
  CHECK(*h.row<float>("engagement", 1) == Approx(0.4));
  CHECK(*h.row<float>("engagement", 2) == Approx(0.5));
  CHECK(*h.row<float>("engagement", 3) == Approx(0.5));
  const std::vector<std::string> names = h.module().gauges();
  const std::size_t g = static_cast<std::size_t>(std::find(names.begin(), names.end(), "irrelevant_visits") - names.begin());
  REQUIRE(g < names.size());
  CHECK(h.gauges(2)[g] == 2.0);
  CHECK(h.gauges(3)[g] == 0.0);
}

TEST_CASE("quality_learning and reference_price tell engagement each line's surprise and price", "[engagement]") {
  // Whole runs: with quality_learning in the run, disappointments only (down_surprise 1) lower
  // engagement below a run without effects, pleasant surprises only raise it; with reference_price
  // in the run the list-price rule is off (every line paid above list would cost 0.5).
  const std::string ql = R"({"name": "quality_learning"})";
  const auto run = [&](const std::string& modules) {
    return total(run_experiment(market_with(modules)), "engagement");
  };
  const double flat = run(engagement() + "," + ql);
  CHECK(run(engagement(", \"down_surprise\": 1") + "," + ql) < flat);
  CHECK(run(engagement(", \"up_surprise\": 1") + "," + ql) > flat);
  CHECK(run(engagement(", \"up_surprise\": 1")) == run(engagement()));  // no quality_learning: no surprises
  // Prices 10% above list (fixed pricing, price_factor 1.1): the list-price rule lowers
  // engagement; with reference_price in the run it does not apply, and down_reference does.
  const std::string rp = R"({"name": "reference_price"})";
  const auto marked_up = [&](const std::string& modules) {
    Scenario sc = market_with(modules);
    sc.arms[0].sellers[0].pricing = ComponentSpec{"fixed", Json{{"price_factor", 1.1}}};
    return total(run_experiment(sc), "engagement");
  };
  const double base = marked_up(engagement());
  CHECK(marked_up(engagement(", \"down_price\": 0.05")) < base);
  const double with_reference = marked_up(engagement() + "," + rp);
  CHECK(marked_up(engagement(", \"down_price\": 0.05") + "," + rp) == with_reference);
  CHECK(marked_up(engagement(", \"down_reference\": 0.5") + "," + rp) < with_reference);
}

TEST_CASE("the default win-back rate: a campaign of three touches wins back 30% of churned consumers",
          "[engagement][statistical][published]") {
  // Griffin and Lowenstein (2001) put the chance of selling to a lost customer at 20-40%; the
  // default per-touch probability is the middle, 30%, spread over a campaign of three touches:
  // 1 - 0.7^(1/3). Hooks driven directly: churn most of 20,000 consumers (hazard 1 a day, 5
  // days), send every consumer three coupons; the share of the churned won back is 0.3 within a
  // 99.9% binomial band.
  const Scenario sc = market_with(
      "{\"name\": \"engagement\", \"churn_base\": 1, \"churn_slope\": 0, \"churn_shape\": 0}", "[]",
      {"/market/segments/0/consumers=20000"});
  constexpr ConsumerId kN = 20000;
  marketsim::testing::ModuleHarness h(sc, {0, kN});
  for (Day d = 0; d < 5; ++d) h.daily(d);
  const double churned = h.gauges(4)[0];
  REQUIRE(churned > 19000);
  for (int touch = 0; touch < 3; ++touch) {
    std::vector<Command> commands;
    for (ConsumerId c = 0; c < kN; ++c) {
      Command cmd{};
      cmd.kind = command_kind("issue_coupon");
      cmd.consumer = c;
      cmd.time = 5.0 + touch;
      commands.push_back(cmd);
    }
    h.commands(commands);
  }
  const double won = churned - h.gauges(7)[0];
  const double p = 0.3;
  INFO(won << " of " << churned << " churned consumers won back by three touches");
  CHECK(within(won, churned * p, churned * p * (1 - p)));
}
