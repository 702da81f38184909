// Word of mouth and awareness of new products (behaviour word_of_mouth, agents/social_graph.h):
// the social graphs, the awareness gate on choice, the Bass closed form on a complete graph, a
// slower spread on a ring lattice, and determinism across threads.
#include <tbb/global_control.h>

#include <boost/math/distributions/students_t.hpp>
#include <catch2/catch.hpp>
#include <boost/math/distributions/normal.hpp>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <mutex>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "agents/behaviour.h"
#include "agents/social_graph.h"
#include "experiments/experiment.h"
#include "analysis/metric.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "engine/run_observer.h"
#include "engine/simulation.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/promotion.h"
#include "strategies/registry.h"
#include "fingerprint.h"
#include "module_harness.h"

using namespace marketsim;
using marketsim::testing::total;
using marketsim::testing::fingerprint;

namespace {

/// Test-only promotion: notifies consumers [0, count) at the start of day `day`.
class LaunchNotice final : public PromotionStrategy {
 public:
  explicit LaunchNotice(const Json& p) : day_(p["day"].get<Day>()), count_(p["count"].get<ConsumerId>()) {}
  LogNeeds needs() const override { return LogNeeds{}; }
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (ctx.day != day_ || done_) return;
    done_ = true;
    for (ConsumerId c = 0; c < count_; ++c) commands.notify(c);
  }

 private:
  Day day_;
  ConsumerId count_;
  bool done_ = false;
};

void register_launch_notice() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_strategies();
    promotion_registry().add({
        "test_launch_notice",
        "Test-only: notifies the first `count` consumers on day `day`.",
        {
            {.name = "day", .type = ParamType::kInteger, .default_value = 5, .min = 0, .max = 1000,
             .description = "day of the notification"},
            {.name = "count", .type = ParamType::kInteger, .default_value = 1000, .min = 0, .max = 1e9,
             .description = "consumers notified"},
        },
        [](const Json& p, const BuildContext&) { return std::make_unique<LaunchNotice>(p); },
    });
  });
}

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at `consumers` consumers and 20 products (visit rate `visit_rate`), with
/// word_of_mouth configured by `wom` (none when empty).
Scenario launch(const std::string& wom, std::vector<std::string> extra = {}, int consumers = 3000) {
  std::vector<std::string> o = {"/market/segments/0/consumers=" + std::to_string(consumers),
                                "/market/categories/0/products=20", "/replications=2"};
  if (!wom.empty()) o.push_back("/market/behaviours=[{\"name\": \"word_of_mouth\", " + wom + "}]");
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

/// The share of consumers aware (of the one new product) at the end of day d, per run.
std::vector<std::vector<double>> aware_shares(const ExperimentResult& r, double consumers) {
  const std::size_t k = metric_index("aware_consumers");
  std::vector<std::vector<double>> out;
  for (const RunResult& run : r.runs) {
    std::vector<double> s;
    for (const DailyRow& d : run.daily) s.push_back(d.values[k] / consumers);
    out.push_back(std::move(s));
  }
  return out;
}

/// Bass's closed form: F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
double bass(double p, double q, double t) {
  const double e = std::exp(-(p + q) * t);
  return (1.0 - e) / (1.0 + q / p * e);
}

/// The module's daily steps, in the mean-field limit: discovery with probability p per day,
/// each aware consumer tells each other consumer with probability tau = q / n per day, told
/// consumers become aware (and tellers) at the next day: F_0 = p,
/// F_{d+1} = 1 - (1 - F_d)(1 - p)(1 - tau)^{n F_d} (Euler's step of Bass's equation
/// dF/dt = (p + q F)(1 - F), with probabilities for rates).
std::vector<double> bass_days(double p, double q, double n, std::size_t days) {
  std::vector<double> f = {p};
  while (f.size() < days) {
    const double x = f.back();
    f.push_back(1.0 - (1.0 - x) * (1.0 - p) * std::pow(1.0 - q / n, n * x));
  }
  return f;
}

}  // namespace

TEST_CASE("social graphs: symmetric, no self-loops, the declared mean degree, drawn from the seed",
          "[diffusion]") {
  const std::uint32_t n = 2000;
  for (const char* name : {"small_world", "scale_free", "random"}) {
    INFO(name);
    const SocialGraph g(graph_kind(name), n, 10, 0.1, CounterRng(42));
    REQUIRE(g.stored());
    std::set<std::pair<ConsumerId, ConsumerId>> edges;
    std::size_t ends = 0;
    for (ConsumerId c = 0; c < n; ++c) {
      for (std::uint32_t k = 0; k < g.degree(c); ++k) {
        const ConsumerId v = g.neighbour(c, k);
        CHECK(v != c);
        CHECK(v < n);
        edges.emplace(c, v);
        ++ends;
      }
    }
    CHECK(edges.size() == ends);  // no multi-edges
    for (const auto& [u, v] : edges) CHECK(edges.count({v, u}) == 1);
    const double mean_degree = static_cast<double>(ends) / n;
    // Small world and scale free: exactly 10 per consumer less the links lost to duplicates;
    // random: Binomial(n(n-1)/2, 10/(n-1)) edges, 2 * edges / n has sd sqrt(2 * 10 / n) = 0.1.
    CHECK(mean_degree == Approx(10.0).margin(0.5));
    CHECK(g.bytes() == ends * 4 + (n + 1) * 8);
    CHECK(g.bytes(0, n) + 8 == g.bytes());
    const SocialGraph again(graph_kind(name), n, 10, 0.1, CounterRng(42));
    const SocialGraph other(graph_kind(name), n, 10, 0.1, CounterRng(43));
    bool same = true;
    bool differs = false;
    for (ConsumerId c = 0; c < n; ++c) {
      same = same && again.degree(c) == g.degree(c);
      for (std::uint32_t k = 0; same && k < g.degree(c); ++k) same = again.neighbour(c, k) == g.neighbour(c, k);
      differs = differs || other.degree(c) != g.degree(c) ||
                (g.degree(c) > 0 && other.neighbour(c, 0) != g.neighbour(c, 0));
    }
    CHECK(same);
    CHECK(differs);
  }
  // Scale-free: a heavy tail (Barabasi-Albert's maximum degree grows like sqrt(n)).
  const SocialGraph ba(GraphKind::kScaleFree, n, 10, 0.0, CounterRng(1));
  std::uint32_t max_degree = 0;
  for (ConsumerId c = 0; c < n; ++c) max_degree = std::max(max_degree, ba.degree(c));
  CHECK(max_degree > 60);
  // The implicit graphs: nothing stored.
  const SocialGraph ring(GraphKind::kRing, 7, 4, 0.0, CounterRng(1));
  CHECK(!ring.stored());
  CHECK(ring.bytes() == 0);
  std::set<ConsumerId> around3;
  for (std::uint32_t k = 0; k < ring.degree(3); ++k) around3.insert(ring.neighbour(3, k));
  CHECK(around3 == std::set<ConsumerId>{1, 2, 4, 5});
  std::set<ConsumerId> around0;
  for (std::uint32_t k = 0; k < ring.degree(0); ++k) around0.insert(ring.neighbour(0, k));
  CHECK(around0 == std::set<ConsumerId>{5, 6, 1, 2});
  const SocialGraph all(GraphKind::kComplete, 5, 0, 0.0, CounterRng(1));
  std::set<ConsumerId> around2;
  for (std::uint32_t k = 0; k < all.degree(2); ++k) around2.insert(all.neighbour(2, k));
  CHECK(around2 == std::set<ConsumerId>{0, 1, 3, 4});
}

TEST_CASE("an unaware consumer never buys a new product, and awareness at every impression changes nothing",
          "[diffusion]") {
  const std::vector<std::string> horizon = {"/horizon_days=15"};
  const ExperimentResult plain = run_experiment(launch("", horizon));
  // Every product new, nobody ever aware: nothing sold, nobody aware.
  const ExperimentResult blind = run_experiment(launch(
      "\"new_products\": \"all\", \"discovery_rate\": 0, \"impression_awareness\": 0, \"tell_probability\": 0",
      horizon));
  CHECK(total(plain, "units") > 1000);
  CHECK(total(blind, "units") == 0);
  CHECK(total(blind, "aware_consumers") == 0);
  CHECK(total(blind, "adopters") == 0);
  // Aware as soon as shown, no utility bonus: the same choices as without the module.
  const ExperimentResult seen = run_experiment(launch(
      "\"new_products\": \"all\", \"discovery_rate\": 0, \"impression_awareness\": 1, \"tell_probability\": 0.5",
      horizon));
  for (const char* m : {"visits", "units", "revenue", "gross_profit", "stock_on_hand"}) {
    CHECK(total(seen, m) == total(plain, m));
  }
  CHECK(total(seen, "adopters") > 0);
  CHECK(total(seen, "aware_consumers") >= total(seen, "adopters"));
  CHECK(std::isnan(total(plain, "adopters")));  // no module, no gauge: an empty column
}

TEST_CASE("a notification makes a consumer aware of each new product with probability notify_awareness",
          "[diffusion]") {
  register_launch_notice();
  const std::vector<std::string> notice = {
      "/horizon_days=8", "/arms/0/promotions=[{\"name\": \"test_launch_notice\", \"day\": 5, \"count\": 1000}]"};
  const std::string silent =
      "\"new_products\": {\"ids\": [2, 7]}, \"discovery_rate\": 0, \"impression_awareness\": 0, "
      "\"tell_probability\": 0, ";
  const std::size_t k = metric_index("aware_consumers");
  const ExperimentResult certain = run_experiment(launch(silent + "\"notify_awareness\": 1", notice));
  for (const RunResult& run : certain.runs) {
    CHECK(run.daily[4].values[k] == 0);
    CHECK(run.daily[5].values[k] == 2000);  // 1000 consumers, 2 new products
    CHECK(run.daily[7].values[k] == 2000);
  }
  // Each of the 2 x 1000 (consumer, product) pairs with probability 0.3, over 2 replications:
  // Binomial(4000, 0.3), 99% band by the normal approximation.
  const ExperimentResult partial = run_experiment(launch(silent + "\"notify_awareness\": 0.3", notice));
  const double aware = partial.runs[0].daily[7].values[k] + partial.runs[1].daily[7].values[k];
  const double z = boost::math::quantile(boost::math::normal(), 0.995);
  CHECK(std::abs(aware - 1200.0) <= z * std::sqrt(4000 * 0.3 * 0.7));
}

TEST_CASE("discovery: each unaware (consumer, new product) pair found with probability discovery_rate a day, "
          "whatever the shards",
          "[diffusion]") {
  // Only discovery makes aware (no impressions, telling or notifications): at the end of day d a
  // pair is aware with probability F_d = 1 - (1 - p)^(d + 1), independently of the others, so the
  // aware pairs of 2 replications x 3000 consumers x 3 products are Binomial(18000, F_d); each
  // day checked is held to its 99.9% band (normal approximation). Candidates are drawn along
  // chains of fixed blocks of consumers: the shard size changes nothing.
  const double p = 0.01;
  const std::vector<std::string> quiet = {"/horizon_days=20", "/arms/0/promotions=[]"};
  char wom[300];
  std::snprintf(wom, sizeof wom,
                "\"new_products\": {\"ids\": [2, 7, 11]}, \"discovery_rate\": %.17g, "
                "\"impression_awareness\": 0, \"tell_probability\": 0, \"notify_awareness\": 0",
                p);
  const ExperimentResult r = run_experiment(launch(wom, quiet));
  const std::size_t k = metric_index("aware_consumers");
  const double pairs = 2 * 3000 * 3;
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  for (std::size_t d : {0u, 4u, 9u, 19u}) {
    const double f = 1.0 - std::pow(1.0 - p, static_cast<double>(d + 1));
    const double aware = r.runs[0].daily[d].values[k] + r.runs[1].daily[d].values[k];
    INFO("day " << d << ": " << aware << " aware pairs, expected " << pairs * f);
    CHECK(std::abs(aware - pairs * f) <= z * std::sqrt(pairs * f * (1.0 - f)));
  }
  std::vector<std::string> small_shards = quiet;
  small_shards.push_back("/engine/shard_size=700");
  const ExperimentResult cut = run_experiment(launch(wom, small_shards));
  for (std::size_t run = 0; run < 2; ++run) {
    for (std::size_t d = 0; d < 20; ++d) CHECK(cut.runs[run].daily[d].values[k] == r.runs[run].daily[d].values[k]);
  }
  // Certain discovery: everyone aware of everything at the end of the first day.
  const ExperimentResult all = run_experiment(launch(
      "\"new_products\": {\"ids\": [2, 7, 11]}, \"discovery_rate\": 1, \"impression_awareness\": 0, "
      "\"tell_probability\": 0, \"notify_awareness\": 0",
      {"/horizon_days=2", "/arms/0/promotions=[]"}));
  CHECK(all.runs[0].daily[0].values[k] == 9000);
}

TEST_CASE("the default discovery_rate makes 3% of consumers aware in a year: Bass's mean p per year",
          "[diffusion]") {
  // Discovery alone at the default rate, a year: each (consumer, new product) pair is aware at
  // the end of day 364 with probability 1 - (1 - p_day)^365 = 0.03, Sultan, Farley and Lehmann's
  // (1990) mean coefficient of innovation per year; 2 replications x 3000 consumers x 10
  // products are Binomial(60000, 0.03), held to their 99.9% band.
  const ExperimentResult r = run_experiment(launch(
      "\"new_products\": {\"every\": 2}, \"impression_awareness\": 0, \"tell_probability\": 0, \"notify_awareness\": 0",
      {"/horizon_days=365", "/arms/0/promotions=[]"}));
  const std::size_t k = metric_index("aware_consumers");
  const double pairs = 2 * 3000 * 10, f = 0.03;
  const double aware = r.runs[0].daily[364].values[k] + r.runs[1].daily[364].values[k];
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  INFO(aware << " aware pairs, expected " << pairs * f);
  CHECK(std::abs(aware - pairs * f) <= z * std::sqrt(pairs * f * (1.0 - f)));
}

TEST_CASE("word of mouth after purchases spreads awareness and sales of a new product", "[diffusion]") {
  const std::string base =
      "\"new_products\": {\"ids\": [3]}, \"graph\": \"small_world\", \"discovery_rate\": 0.01, "
      "\"impression_awareness\": 0, \"aware_utility\": 2, \"degree\": 20, ";
  const std::vector<std::string> horizon = {"/horizon_days=30"};
  const ExperimentResult quiet = run_experiment(launch(base + "\"tell_probability\": 0", horizon));
  const ExperimentResult told = run_experiment(launch(base + "\"tell_probability\": 1", horizon));
  CHECK(total(quiet, "adopters") > 0);
  CHECK(total(told, "aware_consumers") > 1.2 * total(quiet, "aware_consumers"));
  CHECK(total(told, "adopters") > 1.2 * total(quiet, "adopters"));
  CHECK(total(told, "units") > total(quiet, "units"));
}

TEST_CASE("Bass: on a complete graph the aware share follows Bass's closed form", "[diffusion]") {
  // What is measured: awareness itself, as Bass's adoption (with telling "daily" awareness is the
  // only state that spreads: aware consumers tell every day, whether or not they buy; nothing
  // else makes consumers aware: no impressions, no notifications). On the complete graph of n
  // consumers an unaware consumer's daily hazard is p + tau * (aware consumers) = p + q F with
  // q = tau * n: Bass's equation dF/dt = (p + q F)(1 - F). The module steps it by days (the told
  // become tellers the next day): Euler's scheme, F_{d+1} = 1 - (1 - F_d)(1 - p)(1 - tau)^{nF_d}.
  // Checked: (1) the mean share over R replications lies within the 99% Student band of the
  // daily recursion at several days (plus 1/n for the finite population's mean-field bias),
  // (2) the recursion is within its Euler error of the closed form F(t) at t = d + 1 (the
  // aware share at the end of day d counts d + 1 days of discovery), which (3) halves when the
  // rates are halved (and the time doubled): the closed form is the recursion's limit.
  const double n = 3000;
  const double p = 0.005;
  const double q = 0.15;
  const std::size_t days = 50;
  const int reps = 24;
  char wom[400];
  std::snprintf(wom, sizeof wom,
                "\"new_products\": {\"ids\": [0]}, \"graph\": \"complete\", \"telling\": \"daily\", "
                "\"tell_probability\": %.17g, \"discovery_rate\": %.17g, \"impression_awareness\": 0",
                q / n, p);
  const ExperimentResult r = run_experiment(launch(
      wom, {"/horizon_days=" + std::to_string(days), "/replications=" + std::to_string(reps),
            "/market/segments/0/visit_rate=0.01", "/arms/0/promotions=[]"}));
  const auto shares = aware_shares(r, n);
  REQUIRE(shares.size() == static_cast<std::size_t>(reps));
  const std::vector<double> f = bass_days(p, q, n, days);
  const double t99 = boost::math::quantile(boost::math::students_t(reps - 1), 0.995);
  for (std::size_t d : {4u, 9u, 14u, 19u, 24u, 29u, 39u, 49u}) {
    double mean = 0.0;
    for (const auto& s : shares) mean += s[d];
    mean /= reps;
    double var = 0.0;
    for (const auto& s : shares) var += (s[d] - mean) * (s[d] - mean);
    const double se = std::sqrt(var / (reps - 1) / reps);
    INFO("day " << d << ": mean share " << mean << ", recursion " << f[d] << ", closed form "
                << bass(p, q, static_cast<double>(d + 1)) << ", se " << se);
    CHECK(std::abs(mean - f[d]) <= t99 * se + 1.0 / n);
    CHECK(std::abs(f[d] - bass(p, q, static_cast<double>(d + 1))) <= 0.06);
  }
  // The Euler error shrinks in proportion to the step (the rates per day).
  double err = 0.0;
  double err_half = 0.0;
  const std::vector<double> half = bass_days(p / 2, q / 2, n, 2 * days);
  for (std::size_t d = 0; d < days; ++d) err = std::max(err, std::abs(f[d] - bass(p, q, static_cast<double>(d + 1))));
  for (std::size_t d = 0; d < 2 * days; ++d) {
    err_half = std::max(err_half, std::abs(half[d] - bass(p / 2, q / 2, static_cast<double>(d + 1))));
  }
  CHECK(err_half < 0.6 * err);
  CHECK(err_half > 0.4 * err);
}

TEST_CASE("Bass on a ring lattice with the same p and q spreads slower than on the complete graph",
          "[diffusion]") {
  // Same p, and q = tau * contacts: tau = q / n on the complete graph, q / 10 on a ring of degree
  // 10. On the ring an aware consumer's contacts are mostly aware already (clusters grow only at
  // their two ends), so adoption lags the well-mixed curve.
  const double n = 3000;
  const double p = 0.005;
  const double q = 0.15;
  const std::vector<std::string> extra = {"/horizon_days=30", "/replications=4", "/market/segments/0/visit_rate=0.01",
                                          "/arms/0/promotions=[]"};
  const auto run = [&](const std::string& graph, double tau) {
    char wom[400];
    std::snprintf(wom, sizeof wom,
                  "\"new_products\": {\"ids\": [0]}, \"graph\": \"%s\", \"degree\": 10, \"telling\": \"daily\", "
                  "\"tell_probability\": %.17g, \"discovery_rate\": %.17g, \"impression_awareness\": 0",
                  graph.c_str(), tau, p);
    return aware_shares(run_experiment(launch(wom, extra)), n);
  };
  const auto complete = run("complete", q / n);
  const auto ring = run("ring", q / 10);
  for (std::size_t d : {9u, 14u, 19u, 24u, 29u}) {
    double c = 0.0;
    double l = 0.0;
    for (std::size_t k = 0; k < complete.size(); ++k) {
      c += complete[k][d];
      l += ring[k][d];
    }
    INFO("day " << d << ": complete " << c / 4 << ", ring " << l / 4);
    CHECK(l < c);
    if (d >= 19) CHECK(l < 0.85 * c);
  }
}

TEST_CASE("the graph is the same in every arm, and 1 and 2 threads give the same bytes", "[diffusion][determinism]") {
  const std::string wom =
      "\"new_products\": {\"every\": 5}, \"graph\": \"scale_free\", \"degree\": 6, \"tell_probability\": 0.3, "
      "\"discovery_rate\": 0.01, \"impression_awareness\": 0.2, \"aware_utility\": 1";
  const std::string arm =
      "{\"name\": \"%s\", \"baseline\": %s, \"recommendation\": {\"name\": \"popular_plus_random\", \"popular\": 5, \"random\": 5}, "
      "\"replenishment\": {\"name\": \"order_up_to\", \"initial_demand_per_visit\": 0.3}}";
  char a[400];
  char b[400];
  std::snprintf(a, sizeof a, arm.c_str(), "a", "true");
  std::snprintf(b, sizeof b, arm.c_str(), "b", "false");
  const std::vector<std::string> extra = {"/horizon_days=20", std::string("/arms=[") + a + ", " + b + "]",
                                          "/engine/shard_size=700"};
  const ExperimentResult same = run_experiment(launch(wom, extra));
  REQUIRE(same.runs.size() == 4);  // arm-major: a's replications, then b's
  const auto k = metric_index("adopters");
  for (std::size_t rep = 0; rep < 2; ++rep) {
    // The same totals, empty (NaN) columns included: NaN == NaN here.
    const auto& x = same.runs[rep].totals;
    const auto& y = same.runs[2 + rep].totals;
    REQUIRE(x.size() == y.size());
    for (std::size_t m = 0; m < x.size(); ++m) CHECK((x[m] == y[m] || (std::isnan(x[m]) && std::isnan(y[m]))));
    CHECK(same.runs[rep].totals[k] > 0);
  }
  CHECK(same.runs[0].totals[k] != same.runs[1].totals[k]);  // replications draw their own graphs
  std::string first;
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const std::string fp = fingerprint(run_experiment(launch(wom, extra)));
    if (threads == 1) first = fp;
    else CHECK(fp == first);
  }
}

namespace {

/// Records every day's gauges and, from the settled lines, the distinct buyers of each product.
struct AdoptionRecorder : RunObserver {
  std::vector<std::string> names;
  std::vector<std::vector<double>> gauges;               // per day
  std::map<ProductId, std::set<ConsumerId>> buyers;      // so far
  std::vector<std::map<ProductId, std::size_t>> buyers_by_day;
  void on_window(const WindowRecords& w) override {
    for (const LineRecord& l : w.lines) {
      if (l.quantity > 0) buyers[l.product].insert(l.consumer);
    }
  }
  void on_day_end(const DayRecord& d) override {
    names.assign(d.gauge_names.begin(), d.gauge_names.end());
    gauges.emplace_back(d.gauges.begin(), d.gauges.end());
    std::map<ProductId, std::size_t> counts;
    for (const auto& [j, who] : buyers) counts[j] = who.size();
    buyers_by_day.push_back(std::move(counts));
  }
  double gauge(std::size_t day, const std::string& name) const {
    for (std::size_t g = 0; g < names.size(); ++g) {
      if (names[g] == name) return gauges[day][g];
    }
    return std::nan("");
  }
};

}  // namespace

TEST_CASE("word_of_mouth's per-product gauges add up to its totals, adopters are the distinct buyers",
          "[diffusion]") {
  // Every source of awareness on (discovery, impressions, telling after purchases, notifications
  // from the reference market's promotions), small shards: each day, aware[ID] and adopters[ID]
  // sum to aware and adopters, adopters[ID] is the number of distinct consumers who bought
  // product ID so far (read from the settled lines), and never exceeds aware[ID].
  const Scenario sc = launch(
      "\"new_products\": {\"ids\": [1, 4, 9, 16]}, \"discovery_rate\": 0.01, \"impression_awareness\": 0.3, "
      "\"tell_probability\": 0.5, \"aware_utility\": 1",
      {"/horizon_days=20", "/engine/shard_size=700"});
  ArmRun run(sc);
  AdoptionRecorder rec;
  run.subscribe(rec);
  run.run();
  REQUIRE(rec.gauges.size() == 20);
  const std::vector<ProductId> ids = {1, 4, 9, 16};
  for (std::size_t d = 0; d < rec.gauges.size(); ++d) {
    INFO("day " << d);
    double aware = 0.0;
    double adopters = 0.0;
    for (ProductId j : ids) {
      const double a = rec.gauge(d, "word_of_mouth.aware[" + std::to_string(j) + "]");
      const double b = rec.gauge(d, "word_of_mouth.adopters[" + std::to_string(j) + "]");
      const auto bought = rec.buyers_by_day[d].find(j);
      CHECK(b == static_cast<double>(bought == rec.buyers_by_day[d].end() ? 0 : bought->second));
      CHECK(b <= a);
      aware += a;
      adopters += b;
    }
    CHECK(aware == rec.gauge(d, "word_of_mouth.aware"));
    CHECK(adopters == rec.gauge(d, "word_of_mouth.adopters"));
  }
  CHECK(rec.gauge(19, "word_of_mouth.adopters") > 0);
  CHECK(rec.gauge(19, "word_of_mouth.aware") > rec.gauge(19, "word_of_mouth.adopters"));
  CHECK(std::isnan(rec.gauge(0, "word_of_mouth.aware[2]")));  // not a new product
}

TEST_CASE("gauges.csv holds every gauge of every day of every run, summary.json their last day over replications",
          "[diffusion][output]") {
  const Scenario sc = launch(
      "\"new_products\": {\"ids\": [3, 5]}, \"discovery_rate\": 0.02, \"tell_probability\": 0.5",
      {"/horizon_days=6", "/replications=3"});
  const ExperimentResult r = run_experiment(sc);
  const ExperimentSummary summary = summarize(r.runs, {sc.arms[0].name}, 0, 3);
  std::string csv;
  for (const auto& [name, text] : output_texts(sc, r, summary, PerformanceInfo{})) {
    if (name == "gauges.csv") csv = text;
  }
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  CHECK(line == "arm,replication,day,warmup,gauge,value");
  const std::vector<std::string> names = {"word_of_mouth.aware",       "word_of_mouth.adopters",
                                          "word_of_mouth.graph_bytes", "word_of_mouth.aware[3]",
                                          "word_of_mouth.aware[5]",    "word_of_mouth.adopters[3]",
                                          "word_of_mouth.adopters[5]"};
  const std::size_t aware_metric = metric_index("aware_consumers");
  std::size_t rows = 0;
  for (const RunResult& run : r.runs) {
    CHECK(run.gauge_names == names);
    for (const DailyRow& d : run.daily) {
      REQUIRE(d.gauges.size() == names.size());
      CHECK(d.gauges[0] == d.values[aware_metric]);  // the metric reads the same day record
      for (std::size_t g = 0; g < names.size(); ++g) {
        REQUIRE(std::getline(in, line));
        std::ostringstream want;
        want << sc.arms[0].name << "," << run.replication << "," << d.day << ",0," << names[g] << ",";
        INFO(line);
        REQUIRE(line.rfind(want.str(), 0) == 0);
        CHECK(std::stod(line.substr(want.str().size())) == d.gauges[g]);
        ++rows;
      }
    }
  }
  CHECK(rows == 3 * 6 * names.size());
  CHECK_FALSE(std::getline(in, line));
  // summary.json: per arm, each gauge's last-day value over the replications.
  const Json doc = summary_json(sc, summary, PerformanceInfo{});
  const Json& last = doc["arms"][0]["last_day_gauges"];
  for (std::size_t g = 0; g < names.size(); ++g) {
    std::vector<double> v;
    for (const RunResult& run : r.runs) v.push_back(run.daily.back().gauges[g]);
    const Interval want = mean_interval(v);
    CHECK(last[names[g]]["mean"].get<double>() == Approx(want.mean));
    CHECK(last[names[g]]["n"].get<std::size_t>() == 3);
    if (std::isfinite(want.low)) CHECK(last[names[g]]["ci_low"].get<double>() == Approx(want.low));
  }
}

namespace {

/// A calendar that does nothing: the hooks called below never touch it.

/// One module built from the registry and its columns, for calling its hooks by hand on one shard
/// holding every consumer.
struct Bench {
  Market market;
  std::unique_ptr<Behaviour> module;
  ColumnLayout layout;
  std::unique_ptr<ColumnStore> store;
  std::vector<Message> outbox;
  testing::RecordingCalendar calendar;
  std::unique_ptr<ShardContext> shard;

  /// The scenario's one module, connected to a run whose modules are `modules`, its index `index`.
  Bench(const Scenario& sc, const std::vector<std::string>& modules, std::uint16_t index)
      : market(build_market(sc.market, sc.seed, 0)) {
    auto made = instantiate_behaviours(sc.market.behaviours, BehaviourContext{market.spec, market.catalog, market.offers});
    REQUIRE(made.size() == 1);
    module = std::move(made[0]);
    const std::string name = module->name();
    module->connect(ModuleDirectory(modules));
    module->declare(layout);
    const auto n = static_cast<std::uint32_t>(market.population.size());
    store = std::make_unique<ColumnStore>(layout, std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, n}});
    shard = std::make_unique<ShardContext>(0, 0, n, *store, outbox, calendar,
                                           StreamFamily(sc.seed, 0, Purpose::kBehaviour, name_hash(name)), index);
  }

  /// The utility terms the module adds to one visit of each consumer showing `offers`.
  std::vector<std::vector<float>> utilities(const std::vector<ConsumerId>& consumers, const std::vector<OfferId>& offers) {
    std::vector<Time> time(consumers.size(), 0.5);
    std::vector<std::uint32_t> visit(consumers.size(), 1);
    std::vector<std::uint32_t> first;
    std::vector<OfferId> shown;
    std::vector<float> price;
    for (std::size_t v = 0; v < consumers.size(); ++v) {
      first.push_back(static_cast<std::uint32_t>(shown.size()));
      for (OfferId o : offers) {
        shown.push_back(o);
        price.push_back(1.0f);
      }
    }
    first.push_back(static_cast<std::uint32_t>(shown.size()));
    std::vector<float> utility(shown.size(), 0.0f);
    std::vector<std::uint8_t> max_lines(consumers.size(), 1);
    VisitBatch b{*shard, consumers, time, visit, first, shown, price, utility, max_lines};
    module->utility(b);
    std::vector<std::vector<float>> out;
    for (std::size_t v = 0; v < consumers.size(); ++v) {
      out.emplace_back(utility.begin() + first[v], utility.begin() + first[v + 1]);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("quality_learning: a heard quality moves the belief toward it, weighed by heard_weight",
          "[diffusion][quality]") {
  // The normal-normal update of MODEL.md with observation variance observation_sd^2 / heard_weight:
  // prior (m0, 1), heard x with variance 0.25 / 0.5 = 0.5 gives variance 1 / (1 + 2) and mean
  // (m0 + 2 x) / 3; a second report updates that belief again. The belief's mean is read back as
  // the utility term quality_learning adds to a shown product.
  const auto learning = [](double weight) {
    return launch("", {"/market/behaviours=[{\"name\": \"quality_learning\", \"prior_sd\": 1, \"observation_sd\": 0.5, "
                       "\"memory\": 4, \"heard_weight\": " + std::to_string(weight) + "}]"},
                  100);
  };
  Bench ql(learning(0.5), {"word_of_mouth", "quality_learning"}, 1);
  const double m0 = ql.market.catalog.category_quality_mean[ql.market.catalog.category[5]];
  const auto heard = [](ConsumerId to, std::uint16_t kind, float x, std::uint32_t product) {
    return Message{0.5, 99, to, 0, 1, kind, x, product};
  };
  const std::vector<Message> inbox = {heard(3, kMessageHeardQuality, 2.0f, 5), heard(4, 0, 2.0f, 5),
                                      heard(6, kMessageHeardQuality, 2.0f, 5), heard(6, kMessageHeardQuality, -1.0f, 5),
                                      heard(7, kMessageHeardQuality, 2.0f, 9)};
  ql.module->messages(MessageBatch{*ql.shard, inbox});
  const auto u = ql.utilities({3, 4, 5, 6, 7}, {5, 7});
  const double once = (m0 + 2.0 * 2.0) / 3.0;        // variance 1/3
  const double twice = (once * 3.0 + 2.0 * -1.0) / 5.0;  // prior (once, 1/3), variance 1/5
  CHECK(u[0][0] == Approx(once).epsilon(1e-6));     // told: moved toward 2 from the prior
  CHECK(u[0][1] == Approx(m0).margin(1e-6));        // another product: the prior
  CHECK(u[1][0] == Approx(m0).margin(1e-6));        // a message of another kind: ignored
  CHECK(u[2][0] == Approx(m0).margin(1e-6));        // not told
  CHECK(u[3][0] == Approx(twice).epsilon(1e-6));    // told twice, in delivery order
  CHECK(u[4][0] == Approx(m0).margin(1e-6));        // told about product 9, not 5
  // heard_weight 1: a report counts as an own experience (variance 0.25: mean (m0 + 4 x) / 5).
  Bench full(learning(1.0), {"quality_learning"}, 0);
  full.module->messages(MessageBatch{*full.shard, std::vector<Message>{heard(3, kMessageHeardQuality, 2.0f, 5)}});
  CHECK(full.utilities({3}, {5})[0][0] == Approx((m0 + 4.0 * 2.0) / 5.0).epsilon(1e-6));
}

TEST_CASE("word_of_mouth tells quality_learning the teller's experience along with each tell, when it is there",
          "[diffusion][quality]") {
  // 400 buyers of new product 3 each tell every neighbour (tell_probability 1, degree ~10): one
  // awareness message to word_of_mouth per neighbour, and, with quality_learning in the run, one
  // kMessageHeardQuality message to it for the same neighbour carrying the teller's experience of
  // product 3: one draw per teller, q_3 + Normal(0, 0.5^2). The 400 tellers' experiences have
  // mean q_3 within 99.9% of its normal band and sd 0.5 within 10% (chi-square with 399 degrees
  // of freedom: 99.9% band about +/-8.4%). Without quality_learning: the same awareness
  // messages, nothing else.
  const Scenario sc = launch(
      "\"new_products\": {\"ids\": [3]}, \"tell_probability\": 1, \"degree\": 10, \"experience_sd\": 0.5",
      {"/market/categories/0/quality_sd=0.5"}, 2000);
  std::vector<LineRecord> lines;
  for (ConsumerId c = 0; c < 400; ++c) {
    LineRecord l{};
    l.time = 0.25;
    l.consumer = c * 5;
    l.visit = 1;
    l.offer = 3;
    l.product = 3;
    l.quantity = 1;
    lines.push_back(l);
  }
  Bench with(sc, {"word_of_mouth", "quality_learning"}, 0);
  with.module->settled(SettledBatch{*with.shard, lines});
  Bench without(sc, {"word_of_mouth", "engagement"}, 0);
  without.module->settled(SettledBatch{*without.shard, lines});

  std::vector<Message> aware;
  std::map<ConsumerId, float> experience;  // per teller
  for (std::size_t i = 0; i < with.outbox.size(); ++i) {
    const Message& m = with.outbox[i];
    if (m.module == 0) {
      CHECK(m.kind == 0);
      CHECK(m.data == 0);  // the new product's bit
      aware.push_back(m);
      continue;
    }
    REQUIRE(m.module == 1);
    CHECK(m.kind == kMessageHeardQuality);
    CHECK(m.data == 3);
    REQUIRE(i > 0);
    CHECK(with.outbox[i - 1].recipient == m.recipient);  // right after the awareness message
    CHECK(with.outbox[i - 1].sender == m.sender);
    const auto [it, first] = experience.emplace(m.sender, m.value);
    if (!first) CHECK(it->second == m.value);  // the teller's one experience, told to everyone
  }
  CHECK(aware.size() > 400 * 9);  // degree 10 but for links lost to repeats
  CHECK(with.outbox.size() == 2 * aware.size());
  REQUIRE(experience.size() == 400);
  REQUIRE(without.outbox.size() == aware.size());
  for (std::size_t i = 0; i < aware.size(); ++i) {
    CHECK(without.outbox[i].recipient == aware[i].recipient);
    CHECK(without.outbox[i].module == 0);
  }
  std::vector<double> x;
  for (const auto& [teller, v] : experience) x.push_back(v);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / 400.0;
  double ss = 0.0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / 399.0);
  const double q = with.market.catalog.quality[3];
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  CHECK(std::abs(mean - q) <= z * 0.5 / std::sqrt(400.0));
  CHECK(std::abs(sd - 0.5) <= 0.05);
}

TEST_CASE("word of mouth about good new products raises their sales, about bad ones lowers them",
          "[diffusion][quality]") {
  // One market of 5000 consumers (shared by the replications), true qualities Normal(0, 1) around
  // the category prior 0; the new products are its 3 best (or 3 worst) by true quality. Word of mouth tells every neighbour (small world, degree 10) after each purchase; a
  // told consumer's belief moves toward the teller's experience with heard_weight 1, or almost
  // not at all with heard_weight 1e-9 (the control: the same awareness draws). Good products:
  // told consumers expect more than the category prior and buy more: more adopters at the
  // horizon; bad products: fewer. Checked: the paired difference over 8 replications (common
  // random numbers) has its 99% Student interval on the predicted side of zero.
  const std::vector<std::string> base = {"/horizon_days=40", "/replications=8", "/market_sampling=\"shared\"",
                                         "/arms/0/promotions=[]", "/market/categories/0/quality_sd=1"};
  const Scenario probe = launch("", base, 5000);
  const Market market = build_market(probe.market, probe.seed);
  std::vector<ProductId> by_quality(market.catalog.size());
  std::iota(by_quality.begin(), by_quality.end(), ProductId{0});
  std::sort(by_quality.begin(), by_quality.end(),
            [&](ProductId a, ProductId b) { return market.catalog.quality[a] > market.catalog.quality[b]; });
  const auto adopters = [&](const std::vector<ProductId>& ids, double weight) {
    Json modules = Json::array();
    modules.push_back(Json{{"name", "word_of_mouth"},
                           {"new_products", Json{{"ids", Json(ids)}}},
                           {"tell_probability", 1.0},
                           {"discovery_rate", 0.01},
                           {"impression_awareness", 0.0},
                           {"experience_sd", 0.5}});
    modules.push_back(Json{{"name", "quality_learning"},
                           {"prior_sd", 1.0},
                           {"observation_sd", 0.5},
                           {"heard_weight", weight}});
    std::vector<std::string> o = base;
    o.push_back("/market/behaviours=" + modules.dump());
    const ExperimentResult r = run_experiment(launch("", o, 5000));
    std::vector<double> out;
    const std::size_t k = metric_index("adopters");
    for (const RunResult& run : r.runs) out.push_back(run.daily.back().values[k]);
    return out;
  };
  const double t99 = boost::math::quantile(boost::math::students_t(7), 0.995);
  for (bool good : {true, false}) {
    const std::vector<ProductId> ids =
        good ? std::vector<ProductId>(by_quality.begin(), by_quality.begin() + 3)
             : std::vector<ProductId>(by_quality.end() - 3, by_quality.end());
    const auto heard = adopters(ids, 1.0);
    const auto control = adopters(ids, 1e-9);
    std::vector<double> d;
    for (std::size_t r = 0; r < heard.size(); ++r) d.push_back(heard[r] - control[r]);
    const double mean = std::accumulate(d.begin(), d.end(), 0.0) / 8.0;
    double ss = 0.0;
    for (double v : d) ss += (v - mean) * (v - mean);
    const double half = t99 * std::sqrt(ss / 7.0 / 8.0);
    INFO((good ? "good" : "bad") << " products (quality " << market.catalog.quality[ids[0]] << " ... "
                                 << market.catalog.quality[ids[2]] << "): adopters heard - control = " << mean
                                 << " +/- " << half);
    if (good) CHECK(mean - half > 0);
    else CHECK(mean + half < 0);
  }
}

TEST_CASE("word of mouth with quality_learning: 1 and 2 threads, shards of 700 or 65536, the same bytes",
          "[diffusion][quality][determinism]") {
  const std::string modules =
      "/market/behaviours=[{\"name\": \"word_of_mouth\", \"new_products\": {\"every\": 4}, \"telling\": \"daily\", "
      "\"tell_probability\": 0.2, \"discovery_rate\": 0.02}, {\"name\": \"quality_learning\", \"heard_weight\": 1}]";
  std::string first;
  for (const char* shards : {"/engine/shard_size=700", "/engine/shard_size=65536"}) {
    for (int threads : {1, 2}) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      const std::string fp = fingerprint(run_experiment(
          launch("", {"/horizon_days=15", "/market/categories/0/quality_sd=1", modules, shards})));
      if (first.empty()) first = fp;
      else CHECK(fp == first);
    }
  }
}

TEST_CASE("word_of_mouth's cross-parameter rules", "[diffusion]") {
  const auto error_of = [](const std::string& wom, std::vector<std::string> extra = {}) -> std::string {
    try {
      (void)launch(wom, std::move(extra), 500);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  using Catch::Matchers::Contains;
  // At most 64 new products (one bit each per consumer).
  const std::vector<std::string> hundred = {"/market/categories/0/products=100"};
  CHECK_THAT(error_of("\"new_products\": {\"every\": 1}", hundred),
             Contains("/market/behaviours/0/new_products") && Contains("at most 64"));
  CHECK(error_of("\"new_products\": {\"every\": 2}", hundred).empty());
  // An even degree where links come in pairs (either side of the ring, per newcomer).
  for (const char* g : {"ring", "small_world", "scale_free"}) {
    CHECK_THAT(error_of(std::string("\"new_products\": {\"ids\": [1]}, \"graph\": \"") + g + "\", \"degree\": 3"),
               Contains("/market/behaviours/0/degree") && Contains("even"));
  }
  CHECK(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"random\", \"degree\": 3").empty());
  // Fewer contacts than other consumers, except on the complete graph (degree ignored).
  CHECK_THAT(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"random\", \"degree\": 500"),
             Contains("below the number of consumers"));
  CHECK(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"random\", \"degree\": 499").empty());
  CHECK(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"complete\", \"degree\": 600").empty());
  // The complete graph: at most 1e7 messages a day, consumers * tell_probability * (consumers - 1)
  // (30000 * 0.05 * 29999 = 4.5e7; 500 * 1 * 499 = 2.5e5).
  CHECK_THAT(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"complete\", \"tell_probability\": 0.05",
                      {"/market/segments/0/consumers=30000"}),
             Contains("/market/behaviours/0/tell_probability") && Contains("at most 10000000"));
  CHECK(error_of("\"new_products\": {\"ids\": [1]}, \"graph\": \"complete\", \"tell_probability\": 1").empty());
}

namespace {

/// Adopters (of the new products) at the end of days `days` of each run.
std::vector<std::vector<double>> adopters_on(const ExperimentResult& r, const std::vector<std::size_t>& days) {
  const std::size_t k = metric_index("adopters");
  std::vector<std::vector<double>> out;
  for (const RunResult& run : r.runs) {
    std::vector<double> v;
    for (std::size_t d : days) v.push_back(run.daily[d].values[k]);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

TEST_CASE("word of mouth does not depend on the window length: a tell takes effect at its send time plus "
          "tell_delay_days",
          "[diffusion][window]") {
  // A market where word of mouth dominates: buyers tell each neighbour with probability 0.3, no
  // awareness from impressions; discovery seeds it. Same seeds at window_days 1 and 0.05: the
  // paired difference of adopters on days 20 and 39 has a 99% confidence interval inside +-1% of
  // the 0.05-day mean. At tell_delay_days 0 (a tell holds from the end of the window it was sent
  // in) one-day windows lag: fewer adopters on day 20 (about 1.7% here), a band that reaches past
  // -1%: the check above would fail.
  const int reps = 8;
  const auto run = [&](double window, double delay) {
    char wom[400];
    std::snprintf(wom, sizeof wom,
                  "\"new_products\": {\"every\": 4}, \"graph\": \"small_world\", \"degree\": 10, "
                  "\"tell_probability\": 0.3, \"discovery_rate\": 0.002, \"impression_awareness\": 0, "
                  "\"aware_utility\": 2, \"tell_delay_days\": %.17g",
                  delay);
    char w[64];
    std::snprintf(w, sizeof w, "/engine/window_days=%.17g", window);
    return adopters_on(run_experiment(launch(wom, {"/horizon_days=40", "/replications=" + std::to_string(reps), w,
                                                   "/arms/0/promotions=[]"},
                                             60000)),
                       {20, 39});
  };
  const double t99 = boost::math::quantile(boost::math::students_t(reps - 1), 0.995);
  const auto compare = [&](double delay, bool expect_equal) {
    const auto day = run(1.0, delay);
    const auto fine = run(0.05, delay);
    for (std::size_t i = 0; i < 2; ++i) {
      double mean_fine = 0.0;
      double mean_diff = 0.0;
      for (int r = 0; r < reps; ++r) {
        mean_fine += fine[r][i] / reps;
        mean_diff += (day[r][i] - fine[r][i]) / reps;
      }
      double var = 0.0;
      for (int r = 0; r < reps; ++r) {
        const double d = day[r][i] - fine[r][i] - mean_diff;
        var += d * d / (reps - 1);
      }
      const double half = t99 * std::sqrt(var / reps);
      INFO("delay " << delay << ", day " << (i == 0 ? 20 : 39) << ": adopters " << mean_fine
                    << " at 0.05-day windows, paired difference " << mean_diff << " +- " << half);
      if (expect_equal) {
        CHECK(mean_fine > 500.0);
        CHECK(mean_diff - half >= -0.01 * mean_fine);
        CHECK(mean_diff + half <= 0.01 * mean_fine);
      } else if (i == 0) {  // the window's lag: fewer adopters, outside the +-1% band
        CHECK(mean_diff + half < 0.0);
        CHECK(mean_diff - half < -0.01 * mean_fine);
      }
    }
  };
  compare(1.0, true);
  compare(0.0, false);
}
