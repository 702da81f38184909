// End-to-end tests of the run: conservation, the budget ledger, common random numbers,
// determinism across threads and shards, and the closed-form logit share.
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <sstream>

#include "agents/budget.h"
#include "engine/simulation.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/run_collector.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"
#include "fingerprint.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// Records every signal so tests can reconcile them with the engine's own accounts.
class Recorder final : public RunObserver {
 public:
  void on_window(const WindowRecords& w) override {
    for (const LineRecord& l : w.lines) {
      CHECK(l.time >= last_time);
      last_time = l.time;
      if (l.quantity == 0) {
        lost += l.lost;
        continue;
      }
      units[l.product] += l.quantity;
      discounts += l.discount();
      if (l.promotion >= 0) spend_by_promotion[l.promotion] += l.discount();
      CHECK(l.revenue() == l.quantity * (l.unit_price - l.unit_discount) - l.order_discount);
    }
  }
  void on_day_end(const DayRecord& d) override {
    days.push_back(d.market);
    visits += d.visits;
    CHECK(d.sellers.size() == 1);
  }
  std::map<ProductId, std::int64_t> units;
  std::map<int, Money> spend_by_promotion;
  Money discounts = 0;
  std::int64_t lost = 0;
  std::uint64_t visits = 0;
  double last_time = 0.0;
  std::vector<SellerBooks> days;  // the market's books, day by day
};

Scenario small_reference(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"/market/segments/0/consumers=20000",
                                "/market/categories/0/products=200"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

}  // namespace

TEST_CASE("budget ledger charges until the budget is spent, then stops", "[budget]") {
  BudgetLedger ledger;
  const auto limited = ledger.open(Money{1000});
  const auto unlimited = ledger.open(std::nullopt);
  CHECK(ledger.charge(limited, 600));
  CHECK_FALSE(ledger.exhausted(limited));
  CHECK_FALSE(ledger.charge(limited, 500));  // would overspend: refused, nothing charged
  CHECK(ledger.exhausted(limited));
  CHECK(ledger.spent(limited) == 600);
  CHECK(ledger.charge(unlimited, 1000000));
  CHECK(ledger.total_spent() == 1000600);
}

TEST_CASE("a run conserves units and its ledger reconciles with the sales", "[engine][invariants]") {
  // A budget that binds mid-promotion, a short lead time and (s, S) make stock-outs likely.
  const Scenario sc = small_reference({"/arms/0/promotions/0/budget=1500",
                                       "/arms/0/replenishment={\"name\":\"s_S\",\"s\":20,\"S\":60}",
                                       "/market_sampling=\"shared\"", "/engine/shard_size=4096"});
  ArmRun run(sc);
  Simulation& sim = run.simulation();
  Recorder rec;
  run.subscribe(rec);
  REQUIRE_NOTHROW(run.run());  // the engine checks conservation and the ledger itself
  REQUIRE(rec.days.size() == static_cast<std::size_t>(sc.horizon_days));
  CHECK(rec.discounts <= 150000);
  CHECK(rec.discounts == rec.spend_by_promotion[0]);
  CHECK(rec.discounts > 150000 - 1000);  // the budget did bind (remaining < one discount, at most 10.00)
  CHECK(rec.lost > 0);
  std::uint64_t cancelled = 0;
  for (const auto& d : rec.days) cancelled += d.budget_cancelled;
  CHECK(cancelled > 0);
  CHECK(rec.visits == sim.visits());
  // Stock: initial (s_S: S per product) + received - sold = on hand at the end.
  std::int64_t sold = 0, received = 0;
  for (const auto& [j, u] : rec.units) sold += u;
  for (const auto& d : rec.days) received += d.units_received;
  CHECK(60 * 200 + received - sold == rec.days.back().stock_on_hand);
}

TEST_CASE("the engine's purchase share matches the closed-form logit share", "[engine][statistical]") {
  // One product at 10.00, no taste, beta = 0.1 exactly, ample stock: every visit buys with
  // probability p = e^V / (1 + e^V), V = a - beta * price = -1 - 1 = -2.
  const Scenario sc = small_reference(
      {"/market/categories/0/products=1", "/market/categories/0/price_min=10",
       "/market/categories/0/price_max=10", "/market/segments/0/taste_sd=0",
       "/market/segments/0/price_sensitivity_median=0.1",
       "/market/segments/0/price_sensitivity_log_sd=0", "/market/intercept=-1",
       "/arms/0/promotions=[]",
       "/arms/0/recommendation={\"name\":\"random\",\"slots\":1}",
       "/arms/0/replenishment={\"name\":\"s_S\",\"s\":100000,\"S\":10000000}"});
  const ExperimentResult r = run_experiment(sc);
  const double visits = r.runs[0].totals[metric_index("visits")];
  const double units = r.runs[0].totals[metric_index("units")];
  const double p = std::exp(-2.0) / (1.0 + std::exp(-2.0));
  // Binomial: |units - n p| < z_{0.9995} sqrt(n p (1 - p)), a 99.9% bound.
  const double z = boost::math::quantile(boost::math::normal(), 0.9995);
  CHECK(std::fabs(units - visits * p) < z * std::sqrt(visits * p * (1 - p)));
  CHECK(r.runs[0].totals[metric_index("lost_sales")] == 0);
  // Visits: Poisson with mean N * lambda * T = 20000 * 0.2 * 30.
  const double mean_visits = 20000 * 0.2 * 30;
  CHECK(std::fabs(visits - mean_visits) < z * std::sqrt(mean_visits));
}

TEST_CASE("an arm identical to the baseline gives exactly zero paired difference", "[engine]") {
  Json twin = Json::parse(R"({"name": "twin"})");
  Scenario sc = small_reference({"/replications=3"});
  ArmSpec copy = sc.arms[0];
  copy.name = "twin";
  copy.baseline = false;
  sc.arms.push_back(copy);
  const ExperimentResult r = run_experiment(sc);
  const ExperimentSummary s = summarize(r.runs, {"reference", "twin"}, 0, 3);
  REQUIRE(s.comparisons.size() == 1);
  for (const auto& name : paired_metrics()) {
    INFO(name);
    const double d = s.comparisons[0].difference(name).mean;
    CHECK((d == 0.0 || (std::isnan(d) && (name == "ctr" || name == "conversion_per_impression"))));  // (no clicks module)
  }
  CHECK(s.comparisons[0].difference("gross_profit").low == 0.0);
  for (std::size_t rep = 0; rep < 3; ++rep) {
    for (std::size_t m = 0; m < metric_list().size(); ++m) {
      const double a = r.runs[rep].totals[m], b = r.runs[3 + rep].totals[m];
      CHECK((a == b || (std::isnan(a) && std::isnan(b))));
    }
  }
}

TEST_CASE("the reference market gives the same totals with many shards as with one shard",
          "[engine][determinism]") {
  // The optimised engine (shards, parallel commit ordering, overlapped collectors) against the
  // same code with a single shard and a single thread, at a fixed seed: identical daily series.
  const auto totals = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
    const Scenario sc = small_reference({"/engine/shard_size=" + shard_size, "/replications=2"});
    // Compared as text: NaN (the daily repeat rate) never equals itself as a double.
    return testing::fingerprint(run_experiment(sc));
  };
  const auto one_shard = totals("1000000", 1);
  CHECK(totals("1000", 1) == one_shard);
  CHECK(totals("1000", 2) == one_shard);
  CHECK(totals("777", 2) == one_shard);
}

TEST_CASE("without consumer learning the window length changes nothing", "[engine][window]") {
  // Stock is committed in (time, consumer) order and popularity, prices and replenishment move at
  // day boundaries, so on the reference market every window length gives the same run exactly.
  const auto totals = [](const std::string& window) {
    return testing::fingerprint(run_experiment(small_reference({"/engine/window_days=" + window})));
  };
  const std::string daily = totals("1");
  CHECK(totals("0.1") == daily);
  CHECK(totals("0.25") == daily);
}

TEST_CASE("totals at the default window and at a window ten times shorter agree within noise",
          "[engine][window][statistical]") {
  // With learning on, a consumer's own learning between two of its visits in one window waits
  // for the window's end, so the window length is a (small) model parameter. The test: for every
  // arm and metric, the paired 99% CI of (window 1 day) - (window 0.1 day), same seed and
  // replications (common random numbers), lies within +-1 standard deviation of the metric across
  // replications: the window changes totals by less than the noise a user's own intervals carry.
  const std::string file = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";
  const std::vector<std::string> small = {"/market/segments/0/consumers=12000",
                                          "/market/segments/1/consumers=18000",
                                          "/replications=8"};
  auto with_window = small;
  with_window.push_back("/engine/window_days=0.1");
  const Scenario daily = load_scenario(file, small);
  const Scenario tenth = load_scenario(file, with_window);
  REQUIRE(tenth.windows_per_day == 10);
  const ExperimentResult a = run_experiment(daily);
  const ExperimentResult b = run_experiment(tenth);
  REQUIRE(a.runs.size() == b.runs.size());
  const std::size_t reps = 8;
  for (std::size_t arm = 0; arm < daily.arms.size(); ++arm) {
    for (const char* name : {"units", "revenue", "gross_profit", "promotion_spend", "lost_sales"}) {
      const std::size_t m = metric_index(name);
      std::vector<double> diff, level;
      for (std::size_t r = 0; r < reps; ++r) {
        diff.push_back(a.runs[arm * reps + r].totals[m] - b.runs[arm * reps + r].totals[m]);
        level.push_back(a.runs[arm * reps + r].totals[m]);
      }
      const Interval ci = mean_interval(diff, 0.99);
      double ss = 0.0;
      const double mean = mean_interval(level).mean;
      for (double v : level) ss += (v - mean) * (v - mean);
      const double noise = std::sqrt(ss / static_cast<double>(reps - 1));
      INFO("arm " << daily.arms[arm].name << ", metric " << name << ": paired "
                  << ci.mean << " [" << ci.low << ", " << ci.high << "], replication sd " << noise);
      CHECK(ci.low >= -noise);
      CHECK(ci.high <= noise);
    }
  }
}

TEST_CASE("heterogeneous visit rates give the lognormal mean number of visits",
          "[engine][statistical]") {
  // lambda_i = 0.2 exp(Normal(0, 0.5^2)): E[lambda] = 0.2 e^{0.125}. Total visits over T days is a
  // Poisson mixture with variance N (E[lambda] T + Var(lambda) T^2); 99.9% normal bound.
  const Scenario sc = small_reference({"/market/segments/0/visit_rate_log_sd=0.5"});
  const ExperimentResult r = run_experiment(sc);
  const double n = 20000, t = 30, sd = 0.5, median = 0.2;
  const double mean_rate = median * std::exp(sd * sd / 2);
  const double var_rate = median * median * std::exp(sd * sd) * (std::exp(sd * sd) - 1);
  const double expected = n * t * mean_rate;
  const double bound = 3.29 * std::sqrt(n * (mean_rate * t + var_rate * t * t));
  CHECK(std::fabs(r.runs[0].totals[metric_index("visits")] - expected) < bound);
  CHECK(sc.market.expected_visits_per_day() == Approx(n * mean_rate));
}
