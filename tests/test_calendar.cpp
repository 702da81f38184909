// The calendar module (agents/calendar.cpp): visit intensity lambda * s(t), s = day of week x hour
// of day x dated surges, by thinning. Visits of many consumers form a non-homogeneous Poisson
// process, so the visits in any stretch of time are Poisson with mean N * lambda * (the integral
// of s over it): the tests check counts per hour of the day, per weekday and per day against
// those closed forms.
//
// Visit times are read by a test-only module, test_visit_clock, whose utility hook (it runs on
// every visit kept by the thinning) counts visits per hour slot of the horizon.
#include <tbb/global_control.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "experiments/experiment.h"
#include "analysis/metric.h"
#include "market/market.h"
#include "fingerprint.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

constexpr int kHorizon = 28;  // four whole weeks
constexpr double kConsumers = 20000;
constexpr double kRate = 0.2;  // visit_rate of the reference market, visits per consumer-day

/// Visits per hour slot (day * 24 + hour) of the last run with test_visit_clock.
std::array<std::atomic<std::uint64_t>, kHorizon * 24> g_slots;

class VisitClock final : public Behaviour {
 public:
  unsigned stages() const override { return kStageUtility; }
  void utility(VisitBatch& b) const override {
    for (Time t : b.time) {
      const auto slot = static_cast<std::size_t>(std::floor(t * 24.0));
      if (slot < g_slots.size()) g_slots[slot].fetch_add(1, std::memory_order_relaxed);
    }
  }
};

void register_visit_clock() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_behaviours();
    behaviour_registry().add({"test_visit_clock", "Test-only: counts visits per hour slot.", {},
                              [](const Json&, const BehaviourContext&) { return std::make_unique<VisitClock>(); }});
  });
}

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 20,000 consumers, 20 products, 28 days, one replication, with the
/// calendar configured by `calendar` (JSON members after the name; no module when "-") and the
/// visit clock after it.
Scenario market_with(const std::string& calendar, std::vector<std::string> extra = {}) {
  register_visit_clock();
  std::vector<std::string> o = {"/market/segments/0/consumers=20000", "/market/categories/0/products=20",
                                "/replications=1", "/horizon_days=" + std::to_string(kHorizon)};
  std::string modules = "[";
  if (calendar != "-") modules += "{\"name\": \"calendar\"" + (calendar.empty() ? "" : ", " + calendar) + "}, ";
  modules += "{\"name\": \"test_visit_clock\"}]";
  o.push_back("/market/behaviours=" + modules);
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

/// Runs the scenario with the slot counters reset.
ExperimentResult run(const Scenario& sc) {
  for (auto& s : g_slots) s.store(0);
  return run_experiment(sc);
}

/// z of a two-sided band at confidence 99.9% for the family of `cells` counts (Bonferroni).
double z_family(std::size_t cells) {
  return boost::math::quantile(boost::math::normal(), 1.0 - 0.001 / (2.0 * static_cast<double>(cells)));
}

std::vector<double> normalised(std::vector<double> v) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  for (double& x : v) x /= mean;
  return v;
}

const std::vector<double> kWeek = {1, 1, 1, 1.1, 1.3, 1.8, 1.5};
const std::vector<double> kHours = {0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3,
                                    1.4, 1.3, 1.2, 1.2, 1.3, 1.4, 1.6, 1.9, 2.2, 2.0, 1.2, 0.5};

std::string list(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

}  // namespace

TEST_CASE("visits per hour of the day and per weekday follow lambda times the integral of s",
          "[calendar][statistical]") {
  // With both profiles normalised to mean 1 over four whole weeks, hour h of the day gets
  // N lambda 28 hour[h] / 24 visits in all and weekday k gets N lambda 4 week[k], each Poisson;
  // all 31 counts lie within a 99.9% family band (Bonferroni z). Windows of a day, and of 0.2 day
  // (windows that cut hours: the bound of each is the maximum over the hours it touches).
  const std::vector<double> week = normalised(kWeek), hours = normalised(kHours);
  const double z = z_family(7 + 24);
  for (const std::string window : {"1", "0.2"}) {
    INFO("window_days " << window);
    const ExperimentResult r =
        run(market_with("\"day_of_week\": " + list(kWeek) + ", \"hour_of_day\": " + list(kHours),
                        {"/engine/window_days=" + window}));
    std::array<double, 7> by_weekday{};
    std::array<double, 24> by_hour{};
    double total = 0.0;
    for (std::size_t s = 0; s < g_slots.size(); ++s) {
      const auto n = static_cast<double>(g_slots[s].load());
      by_weekday[(s / 24) % 7] += n;
      by_hour[s % 24] += n;
      total += n;
    }
    CHECK(total == r.runs[0].totals[metric_index("visits")]);  // the clock saw every visit
    for (std::size_t k = 0; k < 7; ++k) {
      const double mean = kConsumers * kRate * (kHorizon / 7) * week[k];
      INFO("weekday " << k << ": " << by_weekday[k] << " visits, expected " << mean);
      CHECK(std::fabs(by_weekday[k] - mean) < z * std::sqrt(mean));
    }
    for (std::size_t h = 0; h < 24; ++h) {
      const double mean = kConsumers * kRate * kHorizon * hours[h] / 24.0;
      INFO("hour " << h << ": " << by_hour[h] << " visits, expected " << mean);
      CHECK(std::fabs(by_hour[h] - mean) < z * std::sqrt(mean));
    }
  }
}

TEST_CASE("first_weekday rotates the weekly profile and normalise false keeps the multipliers as given",
          "[calendar][statistical]") {
  // Unnormalised: day d gets N lambda week[(d + 3) mod 7] visits (a weekly mean of 0.5: half
  // the visits of the flat calendar), each of the 28 daily counts Poisson, in a 99.9% family band.
  const std::vector<double> week = {0.2, 0.2, 0.4, 0.4, 0.6, 0.8, 0.9};
  const ExperimentResult r =
      run(market_with("\"day_of_week\": " + list(week) + ", \"normalise\": false, \"first_weekday\": 3"));
  const double z = z_family(kHorizon);
  for (int d = 0; d < kHorizon; ++d) {
    const double mean = kConsumers * kRate * week[static_cast<std::size_t>((d + 3) % 7)];
    const double visits = r.runs[0].daily[static_cast<std::size_t>(d)].values[metric_index("visits")];
    INFO("day " << d << ": " << visits << " visits, expected " << mean);
    CHECK(std::fabs(visits - mean) < z * std::sqrt(mean));
  }
}

TEST_CASE("a surge day at k x has k times the visits of a normal day", "[calendar][statistical]") {
  // Flat profiles, a 3x surge on day 10 and a 2x surge on days 20-21, a 1.5x on days 21-22
  // (overlaps multiply: day 21 at 3x): each day's visits are Poisson with mean N lambda s(day),
  // all 28 within a 99.9% family band. The ratio of day 10 to the mean normal day is 3 within
  // 0.1 (its sd by the delta method is 3 sqrt(1/12000 + 1/(22 * 4000)) = 0.029; 0.1 > 3.29 sd).
  const ExperimentResult r = run(market_with(
      "\"surges\": [{\"day\": 10, \"factor\": 3}, {\"day\": 20, \"days\": 2, \"factor\": 2}, "
      "{\"day\": 21, \"days\": 2, \"factor\": 1.5}]"));
  const auto factor = [](int d) { return d == 10 ? 3.0 : d == 20 ? 2.0 : d == 21 ? 3.0 : d == 22 ? 1.5 : 1.0; };
  const double z = z_family(kHorizon);
  double normal_days = 0.0, normal = 0.0;
  for (int d = 0; d < kHorizon; ++d) {
    const double visits = r.runs[0].daily[static_cast<std::size_t>(d)].values[metric_index("visits")];
    const double mean = kConsumers * kRate * factor(d);
    INFO("day " << d << ": " << visits << " visits, expected " << mean);
    CHECK(std::fabs(visits - mean) < z * std::sqrt(mean));
    if (factor(d) == 1.0) {
      normal += visits;
      ++normal_days;
    }
  }
  const double day10 = r.runs[0].daily[10].values[metric_index("visits")];
  CHECK(day10 / (normal / normal_days) == Approx(3.0).margin(0.1));
}

TEST_CASE("demand shocks: each block's visits carry one lognormal factor of mean 1", "[calendar][statistical]") {
  // noise_sd 0.3 over blocks of 1 day: day d's visits are Poisson with mean N lambda f_d, f_d =
  // exp(0.3 z_d - 0.045). With 4,000 expected visits a day the Poisson part of ln(visits / 4000) has
  // sd 0.016, so the 28 logs have sd sqrt(0.3^2 + 0.016^2) = 0.300; the sample sd of 28 normals is
  // within 3.3 x 0.300 / sqrt(54) = 0.135 of it (99.9%), their mean within 3.3 x 0.300 / sqrt(28)
  // = 0.187 of -0.045. Replication 1 draws other shocks; arms of a replication share them.
  const Scenario sc = market_with("\"noise_sd\": 0.3, \"noise_days\": 1", {"/replications=2"});
  const ExperimentResult r = run(sc);
  std::vector<double> logs[2];
  for (std::size_t rep = 0; rep < 2; ++rep) {
    for (int d = 0; d < kHorizon; ++d) {
      const double visits = r.runs[rep].daily[static_cast<std::size_t>(d)].values[metric_index("visits")];
      logs[rep].push_back(std::log(visits / (kConsumers * kRate)));
    }
  }
  const double mean = std::accumulate(logs[0].begin(), logs[0].end(), 0.0) / kHorizon;
  double ss = 0.0;
  for (double v : logs[0]) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / (kHorizon - 1));
  CHECK(std::fabs(sd - 0.3) < 0.135);
  CHECK(std::fabs(mean + 0.045) < 0.187);
  CHECK(logs[0] != logs[1]);
  // noise_days 7: the seven days of a block share their factor (ratios within Poisson noise).
  const ExperimentResult weekly = run(market_with("\"noise_sd\": 0.5, \"noise_days\": 7"));
  for (int week = 0; week < kHorizon / 7; ++week) {
    double lo = 1e300, hi = 0.0;
    for (int d = 7 * week; d < 7 * week + 7; ++d) {
      const double v = weekly.runs[0].daily[static_cast<std::size_t>(d)].values[metric_index("visits")];
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    CHECK(std::log(hi / lo) < 0.12);  // 7 Poisson(~4000) days: the range of their logs is < 0.12 (> 7 sd of a log)
  }
}

TEST_CASE("a flat calendar without surges leaves the run exactly as it was", "[calendar]") {
  // Bound 1 and multiplier 1 everywhere: every candidate is accepted (u < 1), candidate times are
  // the engine's own; the same bytes as without the module, with either window length.
  for (const std::string window : {"1", "0.2"}) {
    INFO("window_days " << window);
    const std::string without = fingerprint(run(market_with("-", {"/engine/window_days=" + window})));
    CHECK(fingerprint(run(market_with("", {"/engine/window_days=" + window}))) == without);
    CHECK(fingerprint(run(market_with("\"day_of_week\": [2, 2, 2, 2, 2, 2, 2], \"hour_of_day\": " +
                                          list(std::vector<double>(24, 0.5)),
                                      {"/engine/window_days=" + window}))) == without);
  }
}

TEST_CASE("the calendar's intensity bound is the maximum of s over the window", "[calendar]") {
  // Closed form: with normalised profiles, the bound of day d is week[d] * max(hours) (times the
  // surge), of the window [0.2, 0.4) (hours 4.8 to 9.6: slots 4 to 9) week[0] * max(hours[4..9]).
  register_builtin_behaviours();
  const Scenario sc = market_with("-");
  const Market market = build_market(sc.market, sc.seed, 0);
  const BehaviourContext ctx{sc.market, market.catalog, market.offers};
  Json p = {{"day_of_week", kWeek}, {"hour_of_day", kHours}, {"normalise", true}, {"first_weekday", 0},
            {"surges", Json::array({{{"day", 5}, {"factor", 4}}})}};
  const auto calendar = behaviour_registry().find("calendar")->make(p, ctx);
  const std::vector<double> week = normalised(kWeek), hours = normalised(kHours);
  const double peak = *std::max_element(hours.begin(), hours.end());
  CHECK(calendar->intensity_bound(0.0, 1.0) == Approx(week[0] * peak));
  CHECK(calendar->intensity_bound(4.0, 5.0) == Approx(week[4] * peak));
  CHECK(calendar->intensity_bound(5.0, 6.0) == Approx(4 * week[5] * peak));
  CHECK(calendar->intensity_bound(0.2, 0.4) == Approx(week[0] * *std::max_element(hours.begin() + 4, hours.begin() + 10)));
  CHECK(calendar->intensity_bound(4.5, 5.5) == Approx(4 * week[5] * *std::max_element(hours.begin(), hours.begin() + 12)));
  CHECK(calendar->intensity_bound(6.0, 8.0) == Approx(std::max(week[6], week[0]) * peak));
}

TEST_CASE("bad calendar parameters are one-line errors naming the key", "[calendar]") {
  const auto rejected = [](const std::string& calendar, const std::string& pointer, const std::string& what) {
    INFO(calendar);
    try {
      (void)market_with(calendar);
      FAIL("accepted");
    } catch (const ScenarioError& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(e.pointer() == "/market/behaviours/0/" + pointer);
      CHECK(message.find(what) != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
  };
  // Declared ranges and types.
  rejected("\"hour_of_day\": [1, -1]", "hour_of_day/1", "out of range; allowed: list of numbers in [0, 1000]");
  rejected("\"day_of_week\": [1, \"a\"]", "day_of_week/1", "expected a number, got a string");
  rejected("\"first_weekday\": 7", "first_weekday", "integer in [0, 6]");
  rejected("\"surges\": [3]", "surges/0", "expected an object");
  // Cross-parameter rules (ParamError): profile lengths, all zero, each surge's keys, the horizon.
  rejected("\"day_of_week\": [1, 1, 1, 1, 1, 1]", "day_of_week", "expected 7 multipliers, got 6");
  rejected("\"hour_of_day\": [1, 1]", "hour_of_day", "expected 24 multipliers, got 2");
  rejected("\"day_of_week\": [0, 0, 0, 0, 0, 0, 0]", "day_of_week", "all zero");
  rejected("\"hour_of_day\": " + list(std::vector<double>(24, 0.0)) + ", \"normalise\": false", "hour_of_day",
           "all zero");
  rejected("\"surges\": [{\"day\": 1, \"factor\": 2}, {\"day\": -1, \"factor\": 2}]", "surges",
           "surge 1, day: value -1 is out of range; allowed: integer in [0, 3649]");
  rejected("\"surges\": [{\"day\": 1}]", "surges", "surge 0, factor: required key is missing");
  rejected("\"surges\": [{\"day\": 1, \"factor\": -2}]", "surges", "surge 0, factor: value -2 is out of range");
  rejected("\"surges\": [{\"day\": 1, \"days\": 0, \"factor\": 2}]", "surges", "surge 0, days: value 0 is out of range");
  rejected("\"surges\": [{\"day\": 1, \"factor\": 2, \"dya\": 3}]", "surges", "surge 0, dya: unknown key \"dya\"");
  rejected("\"surges\": [{\"day\": 3640, \"days\": 20, \"factor\": 2}]", "surges", "day + days <= 3650");
}

TEST_CASE("the calendar gives the same results on 1 and 2 threads and any shard size",
          "[calendar][determinism]") {
  const auto go = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run(market_with("\"day_of_week\": " + list(kWeek) + ", \"hour_of_day\": " + list(kHours) +
                                           ", \"surges\": [{\"day\": 10, \"days\": 3, \"factor\": 2.5}]",
                                       {"/engine/shard_size=" + shard_size, "/engine/window_days=0.2"})));
  };
  const std::string one = go("1000000", 1);
  CHECK(go("1000", 2) == one);
  CHECK(go("777", 2) == one);
}

TEST_CASE("the engine asks for the calendar's bound per hour: no candidate visit is rejected",
          "[calendar]") {
  // The calendar declares 24 bound parts a day, so with 1-day windows the bound of each part is
  // s(t) itself and the thinning uniform u < 1 always passes: candidate visits equal visits
  // exactly. With 0.2-day windows there are 120 parts a day (12 minutes), and where the first
  // time of an hour's first part, t * 120 >= 5 h, rounds to t * 24 < h the calendar's bound for
  // that part also covers hour h - 1 (still a valid bound): a few candidates, under 1%, are
  // thinned. Without the parts, a day's bound would be week[d] * max(hours) and about half the
  // candidates would be thinned away.
  for (const std::string window : {"1", "0.2"}) {
    INFO("window_days " << window);
    const ExperimentResult r = run(market_with("\"day_of_week\": " + list(kWeek) + ", \"hour_of_day\": " + list(kHours) +
                                                   ", \"surges\": [{\"day\": 3, \"factor\": 2.5}]",
                                               {"/engine/window_days=" + window}));
    CHECK(r.visits > 0);
    if (window == "1") {
      CHECK(r.candidate_visits == r.visits);
    } else {
      CHECK(r.candidate_visits >= r.visits);
      CHECK(static_cast<double>(r.candidate_visits) < 1.01 * static_cast<double>(r.visits));
    }
  }
  // The engagement module bounds each consumer by its own g(e) / g(e0), taken when its candidate
  // is drawn: e only fades between draws (a sale that raises it redraws), so few candidates are
  // thinned (about 1.4% here: a day's fading between a draw and the candidate). A bound of
  // g(1) / g(e0) = 1 / 0.75 for everyone drew about 4/3 candidates per visit.
  const ExperimentResult e = run(market_with("-", {"/market/behaviours/0={\"name\": \"engagement\"}"}));
  CHECK(e.candidate_visits >= e.visits);
  CHECK(static_cast<double>(e.candidate_visits) < 1.05 * static_cast<double>(e.visits));
}
