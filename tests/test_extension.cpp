// The engine grows by adding files: a behaviour module and a promotion written here, in the test
// suite, with no edit anywhere else but their registry calls, and tests showing that each hook
// changes the outcome.
//
//   test_buzz (behaviour module): declares a column `buzz`; adds weight * buzz to the utility of
//     every shown offer; after a purchase a buyer tells the next consumer (a message), who gains
//     buzz on delivery; a notification (command) gives `bonus` buzz; consumers with buzz visit at
//     `buzzed_intensity` times their base rate (intensity, by thinning); with `churn`, a buyer
//     leaves the visit calendar and a notification brings it back.
//   test_vip (promotion): reads the platform log and notifies yesterday's buyers (a command with a
//     cost), optionally gives them a coupon, and takes `off` from every order of at least
//     `threshold` after stock-outs (an order-level rule).
#include <tbb/global_control.h>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <mutex>
#include <set>
#include <sstream>

#include "agents/behaviour.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "strategies/promotions/coupons.h"
#include "engine/run_observer.h"
#include "engine/simulation.h"
#include "scenarios/scenario.h"
#include "strategies/registry.h"
#include "fingerprint.h"

using namespace marketsim;
using marketsim::testing::total;
using marketsim::testing::fingerprint;

namespace {

// --- the behaviour module ----------------------------------------------------------------------

class Buzz final : public Behaviour {
 public:
  Buzz(const Json& p, std::int64_t consumers)
      : weight_(p["weight"].get<float>()),
        bonus_(p["bonus"].get<float>()),
        tell_(p["tell"].get<bool>()),
        churn_(p["churn"].get<bool>()),
        base_intensity_(p["intensity"].get<double>()),
        buzzed_intensity_(p["buzzed_intensity"].get<double>()),
        basket_(p["basket"].get<std::uint8_t>()),
        quantity_(p["quantity"].get<std::uint16_t>()),
        consumers_(static_cast<ConsumerId>(consumers)) {}

  unsigned stages() const override {
    return kStageIntensity | kStageUtility | kStageSettled | kStageMessages | kStageCommands |
           (basket_ > 1 || quantity_ > 1 ? kStageBasket : 0u);
  }
  std::uint64_t commands_handled() const override { return command_bit(notify_kind()); }
  void declare(ColumnLayout& layout) override { buzz_ = layout.add<float>("test_buzz", "buzz", 1, 0.0f); }

  double intensity_bound(Time, Time) const override { return std::max(base_intensity_, buzzed_intensity_); }
  void intensity(IntensityBatch& b) const override {
    for (std::size_t i = 0; i < b.consumer.size(); ++i) {
      b.multiplier[i] *= *b.shard.row(buzz_, b.consumer[i]) > 0.0f ? buzzed_intensity_ : base_intensity_;
    }
  }
  void utility(VisitBatch& b) const override {
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const float term = weight_ * *b.shard.row(buzz_, b.consumer[v]);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) b.utility[s] += term;
    }
  }
  void basket(VisitBatch& b) const override {
    for (std::uint8_t& cap : b.max_lines) cap = basket_;
  }
  void quantities(LineBatch& b) const override {
    for (std::uint16_t& q : b.quantity) q = quantity_;
  }
  void settled(const SettledBatch& b) const override {
    for (const LineRecord& l : b.lines) {
      if (l.quantity == 0) continue;
      if (tell_) b.shard.send(l.time, l.consumer, (l.consumer + 1) % consumers_, 0, 1.0f);
      if (churn_) b.shard.calendar().leave(l.consumer);
    }
  }
  void messages(const MessageBatch& b) const override {
    for (const Message& m : b.messages) *b.shard.row(buzz_, m.recipient) += m.value;
  }
  void commands(const CommandBatch& b) const override {
    for (const Command& c : b.commands) {
      *b.shard.row(buzz_, c.consumer) += bonus_;
      if (churn_) b.shard.calendar().enter(c.consumer, c.time);
    }
  }
  std::vector<std::string> gauges() const override { return {"buzzed", "buzz_sum"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const float* buzz = b.shard.column(buzz_);
    for (ConsumerId c = b.shard.begin(); c < b.shard.end(); ++c) {
      sums[0] += buzz[c - b.shard.begin()] > 0.0f ? 1.0 : 0.0;
      sums[1] += buzz[c - b.shard.begin()];
    }
  }

 private:
  float weight_;
  float bonus_;
  bool tell_;
  bool churn_;
  double base_intensity_;
  double buzzed_intensity_;
  std::uint8_t basket_;
  std::uint16_t quantity_;
  ConsumerId consumers_;
  Column<float> buzz_;
};

/// Records each day's gauges and each window's sold lines.
struct GaugeRecorder : RunObserver {
  std::vector<double> buzz_sum, buzzed;
  std::vector<std::string> names;
  std::uint64_t sold_lines = 0;
  std::vector<std::uint64_t> sold_lines_by_day;
  void on_window(const WindowRecords& w) override {
    for (const LineRecord& l : w.lines) sold_lines += l.quantity > 0 ? 1 : 0;
  }
  void on_day_end(const DayRecord& d) override {
    names.assign(d.gauge_names.begin(), d.gauge_names.end());
    buzz_sum.push_back(d.gauge("test_buzz.buzz_sum"));
    buzzed.push_back(d.gauge("test_buzz.buzzed"));
    sold_lines_by_day.push_back(sold_lines);
  }
};

// --- the promotion -----------------------------------------------------------------------------

class Vip final : public PromotionStrategy, public OrderRule {
 public:
  explicit Vip(const Json& p)
      : cost_(to_cents(p["notify_cost"].get<double>())),
        coupon_(to_cents(p["coupon"].get<double>())),
        threshold_(to_cents(p["threshold"].get<double>())),
        off_(to_cents(p["off"].get<double>())) {}

  LogNeeds needs() const override { return LogNeeds{.lookback_days = 1, .consumer_events = true}; }
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  std::vector<std::string> mechanics() const override { return {kCouponMechanic}; }

  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (cost_ < 0 || ctx.day == acted_day_) return;
    acted_day_ = ctx.day;
    std::set<ConsumerId> buyers;  // yesterday's, from what the platform logged
    for (const ConsumerEvent& e : ctx.log.events()) {
      if (e.kind == EventKind::kPurchase && day_of(e.time) == ctx.day - 1) buyers.insert(e.consumer);
    }
    for (ConsumerId c : buyers) {
      commands.notify(c, cost_);
      if (coupon_ > 0) issue_coupon(commands, c, Coupon{.amount_off = coupon_, .min_spend = coupon_ * 2,
                                                       .expires = static_cast<Time>(ctx.day + 7)});
    }
  }
  bool uses(const std::type_info& t) const override { return t != typeid(OrderRule) || off_ > 0; }
  Money order_discount(const OrderView& order) override { return order.subtotal() >= threshold_ ? off_ : 0; }

 private:
  Money cost_;
  Money coupon_;
  Money threshold_;
  Money off_;
  Day acted_day_ = -1;
};

void register_test_extensions() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_behaviours();
    register_builtin_strategies();
    behaviour_registry().add({
        "test_buzz",
        "Test-only: buzz from word of mouth and notifications raises utility and visit intensity.",
        {
            {.name = "weight", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 10,
             .description = "utility per unit of buzz"},
            {.name = "bonus", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 10,
             .description = "buzz per notification"},
            {.name = "tell", .type = ParamType::kBoolean, .default_value = false,
             .description = "buyers tell the next consumer"},
            {.name = "churn", .type = ParamType::kBoolean, .default_value = false,
             .description = "buyers leave the calendar until notified"},
            {.name = "intensity", .type = ParamType::kNumber, .default_value = 1.0, .min = 0, .max = 10,
             .description = "visit intensity multiplier without buzz"},
            {.name = "basket", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 8,
             .description = "items a basket may take"},
            {.name = "quantity", .type = ParamType::kInteger, .default_value = 1, .min = 1, .max = 5,
             .description = "units of each line"},
            {.name = "buzzed_intensity", .type = ParamType::kNumber, .default_value = 1.0, .min = 0,
             .max = 10, .description = "visit intensity multiplier with buzz"},
        },
        [](const Json& p, const BehaviourContext& ctx) { return std::make_unique<Buzz>(p, ctx.spec.consumers()); },
    });
    promotion_registry().add({
        "test_vip",
        "Test-only: notifies yesterday's buyers (optionally with a coupon); money off big orders.",
        {
            {.name = "notify_cost", .type = ParamType::kNumber, .default_value = -1.0, .min = -1, .max = 100,
             .description = "cost per notification of yesterday's buyers; -1: notify nobody"},
            {.name = "coupon", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 100,
             .description = "coupon value given with each notification (0: none)"},
            {.name = "threshold", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 1000,
             .description = "order subtotal that earns `off`"},
            {.name = "off", .type = ParamType::kNumber, .default_value = 0.0, .min = 0, .max = 100,
             .description = "money off orders of at least `threshold` (0: no rule)"},
        },
        [](const Json& p, const BuildContext&) { return std::make_unique<Vip>(p); },
    });
  });
}

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// The reference market at 20,000 consumers and 200 products, with `buzz` as its one module
/// (none when empty) and `vip` as its arm's second promotion (none when empty).
Scenario market_with(const std::string& buzz, const std::string& vip, std::vector<std::string> extra = {}) {
  register_test_extensions();
  std::vector<std::string> o = {"/market/segments/0/consumers=20000", "/market/categories/0/products=200",
                                "/replications=2"};
  if (!buzz.empty()) o.push_back("/market/behaviours=[{\"name\": \"test_buzz\", " + buzz + "}]");
  if (!vip.empty()) {
    o.push_back("/arms/0/promotions=[{\"name\": \"percent_off\", \"products\": {\"every\": 10}, \"depth\": 0.2, "
                "\"start\": 10, \"end\": 17}, {\"name\": \"test_vip\", " + vip + "}]");
  }
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}


}  // namespace

TEST_CASE("a module that adds nothing leaves the run exactly as it was", "[extension]") {
  // test_buzz with weight 0 and no messages, commands or intensity: a declared column, a utility
  // term of +0.0f and hooks that run, yet the same bytes as the market without the module.
  const ExperimentResult without = run_experiment(market_with("", ""));
  const ExperimentResult with = run_experiment(market_with("\"weight\": 0", ""));
  CHECK(fingerprint(with) == fingerprint(without));
  CHECK(with.column_bytes_per_consumer == without.column_bytes_per_consumer + sizeof(float));
  bool declared = false;
  for (const ColumnSpec& c : with.columns) declared = declared || (c.owner == "test_buzz" && c.name == "buzz");
  CHECK(declared);
}

TEST_CASE("the module's message hook changes the outcome: word of mouth sells more", "[extension]") {
  // Each buyer tells the next consumer, whose utility rises by weight per message received.
  const double quiet = total(run_experiment(market_with("\"weight\": 0.5", "")), "units");
  const double told = total(run_experiment(market_with("\"weight\": 0.5, \"tell\": true", "")), "units");
  CHECK(told > quiet * 1.05);
}

TEST_CASE("the module's command hook changes the outcome: notified consumers buy more",
          "[extension]") {
  // The promotion notifies yesterday's buyers; the module turns each notification into buzz.
  const double ignored = total(run_experiment(market_with("\"weight\": 0.5", "\"notify_cost\": 0")), "units");
  const double heard =
      total(run_experiment(market_with("\"weight\": 0.5, \"bonus\": 1", "\"notify_cost\": 0")), "units");
  CHECK(heard > ignored * 1.05);
}

TEST_CASE("the module's intensity hook thins candidate visits to the declared rate",
          "[extension][statistical]") {
  // Every consumer visits at intensity x 0.2 a day (the bound is max(intensity, 1)): over 30 days
  // and 20,000 consumers, visits are Poisson with mean 20000 * 0.2 * 30 * intensity per run.
  const boost::math::normal normal;
  const double z = boost::math::quantile(normal, 0.9995);  // a 99.9% two-sided bound
  for (double intensity : {0.5, 1.0, 2.5}) {
    INFO("intensity " << intensity);
    std::ostringstream p;
    p << "\"intensity\": " << intensity << ", \"buzzed_intensity\": " << intensity;
    const ExperimentResult r = run_experiment(market_with(p.str(), ""));
    for (const RunResult& run : r.runs) {
      const double visits = run.totals[metric_index("visits")];
      const double mean = 20000 * 0.2 * 30 * intensity;
      CHECK(std::fabs(visits - mean) < z * std::sqrt(mean));
    }
  }
}

TEST_CASE("thinning keeps common random numbers: arms that differ accept the same visits",
          "[extension]") {
  // Buzzed consumers would visit at 3x, but nobody gains buzz (no messages, no commands): the
  // candidates come at 3x the base rate and two in three are thinned away, with uniforms common
  // to all arms. An arm with a deeper promotion sells differently but visits exactly as often,
  // and the visits are still Poisson at the base rate.
  Scenario sc = market_with("\"buzzed_intensity\": 3", "");
  ArmSpec deeper = sc.arms[0];
  deeper.name = "deeper";
  deeper.baseline = false;
  deeper.sellers[0].promotions[0].params["depth"] = 0.5;
  sc.arms.push_back(deeper);
  const ExperimentResult r = run_experiment(sc);
  for (std::size_t rep = 0; rep < 2; ++rep) {
    CHECK(r.runs[rep].totals[metric_index("visits")] == r.runs[2 + rep].totals[metric_index("visits")]);
    CHECK(r.runs[rep].totals[metric_index("units")] != r.runs[2 + rep].totals[metric_index("units")]);
    const double mean = 20000 * 0.2 * 30;
    CHECK(std::fabs(r.runs[rep].totals[metric_index("visits")] - mean) < 3.29 * std::sqrt(mean));
  }
}

TEST_CASE("the module's basket hooks change the outcome: several items and units per order",
          "[extension]") {
  // Baskets of up to 3 items, 2 units each: orders hold 1 to 3 lines (a line is drawn again
  // without the items taken until the outside option wins), every line 2 units, so units are
  // between 2 and 6 times the orders and more than without baskets.
  const ExperimentResult single = run_experiment(market_with("\"weight\": 0", ""));
  const ExperimentResult baskets = run_experiment(market_with("\"basket\": 3, \"quantity\": 2", ""));
  for (std::size_t rep = 0; rep < 2; ++rep) {
    const auto& t = baskets.runs[rep].totals;
    const double orders = t[metric_index("conversions")], units = t[metric_index("units")];
    CHECK(units > 2.0 * orders);  // some orders have several lines
    CHECK(units <= 6.0 * orders);
    CHECK(units > single.runs[rep].totals[metric_index("units")]);
    CHECK(orders == Approx(single.runs[rep].totals[metric_index("conversions")]).epsilon(0.05));
  }
}

TEST_CASE("churned consumers leave the visit calendar and a notification brings them back",
          "[extension]") {
  // With churn, a buyer leaves the calendar at the end of the window (a day) of its purchase;
  // without notifications visits fall well below the Poisson count (about four visits before a
  // first purchase at a one-in-four purchase rate, against six in 30 days), with them consumers
  // come back and buy again.
  const double base = total(run_experiment(market_with("\"weight\": 0", "")), "visits");
  const double churned = total(run_experiment(market_with("\"churn\": true", "")), "visits");
  const double won_back = total(run_experiment(market_with("\"churn\": true", "\"notify_cost\": 0")), "visits");
  const ExperimentResult once = run_experiment(market_with("\"churn\": true", ""));
  CHECK(churned < 0.75 * base);
  CHECK(won_back > 1.2 * churned);
  // Re-entry with short windows (0.1 and 1/24 day), whose start times are not whole numbers.
  for (const char* window : {"0.1", "0.041666666666666664"}) {
    INFO("window " << window);
    const ExperimentResult short_windows =
        run_experiment(market_with("\"churn\": true", "\"notify_cost\": 0", {std::string("/engine/window_days=") + window}));
    CHECK(total(short_windows, "visits") > 1.2 * churned);
  }
  // Without win-back no consumer buys on two different days: the daily distinct buyers add up to
  // the run's distinct buyers.
  for (const RunResult& run : once.runs) {
    double daily = 0.0;
    for (const DailyRow& d : run.daily) daily += d.values[metric_index("active_customers")];
    CHECK(daily == run.totals[metric_index("active_customers")]);
  }
}

TEST_CASE("the promotion's commands and order-level rule reconcile with its ledger",
          "[extension][invariants]") {
  // Notifications at 0.05 each, and 2.00 off every order of at least 30.00 after stock-outs. The
  // engine checks at the end of each run that the ledger equals the records; here the metrics
  // must agree too.
  const ExperimentResult plain = run_experiment(market_with("", ""));
  const ExperimentResult vip =
      run_experiment(market_with("", "\"notify_cost\": 0.05, \"threshold\": 30, \"off\": 2"));
  for (std::size_t rep = 0; rep < 2; ++rep) {
    const auto& t = vip.runs[rep].totals;
    const auto& p = plain.runs[rep].totals;
    const double costs = t[metric_index("promotion_costs")];
    CHECK(costs > 0);
    CHECK(std::fmod(std::round(costs * 100), 5.0) == 0.0);  // whole notifications of 5 cents
    CHECK(t[metric_index("discounts")] > p[metric_index("discounts")]);  // the rule gave money off
    CHECK(t[metric_index("promotion_spend")] ==
          Approx(t[metric_index("discounts")] + costs).margin(0.005));
    CHECK(t[metric_index("contribution")] ==
          Approx(t[metric_index("gross_profit")] - costs).margin(0.005));
  }
}

TEST_CASE("coupons from a promotion are redeemed on orders and charged to its budget",
          "[extension][invariants]") {
  // Yesterday's buyers get a 3.00 coupon for orders of at least 6.00, valid a week. Redemptions
  // appear as discounts beyond the percent_off promotion's, and the ledger reconciles (checked
  // by the engine at the end of each run).
  const ExperimentResult plain = run_experiment(market_with("", "\"notify_cost\": 0"));
  const ExperimentResult coupons = run_experiment(market_with("", "\"notify_cost\": 0, \"coupon\": 3"));
  for (std::size_t rep = 0; rep < 2; ++rep) {
    const double extra = coupons.runs[rep].totals[metric_index("discounts")] -
                         plain.runs[rep].totals[metric_index("discounts")];
    CHECK(extra > 3.0 * 100);  // well over a hundred coupons redeemed
    CHECK(coupons.runs[rep].totals[metric_index("units")] > plain.runs[rep].totals[metric_index("units")]);
  }
}

TEST_CASE("a run with modules, messages, commands and coupons is identical for any thread count "
          "and shard size",
          "[extension][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(market_with(
        "\"weight\": 0.3, \"bonus\": 1, \"tell\": true, \"buzzed_intensity\": 1.5",
        "\"notify_cost\": 0.01, \"coupon\": 2, \"threshold\": 40, \"off\": 1", {"/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("1000", 2) == one);
  CHECK(run("777", 8) == one);
  CHECK(run("4096", 8) == one);
}

TEST_CASE("a module's gauges reach the day record, summed over shards whatever the thread count",
          "[extension]") {
  // Every sold line sends one message of value 1 that lands in the next consumer's buzz at the
  // window's end, after the day's gauges are read (gauges follow the daily hooks, messages come
  // last): with one window a day, a day's buzz summed over consumers is the sold lines of the
  // days before it.
  const Scenario sc = market_with("\"weight\": 0.5, \"tell\": true", "", {"/engine/shard_size=3000"});
  std::vector<std::vector<double>> by_threads;
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    ArmRun run(sc);
    GaugeRecorder rec;
    run.subscribe(rec);
    run.run();
    REQUIRE(rec.buzz_sum.size() == static_cast<std::size_t>(sc.horizon_days));
    CHECK(rec.names == std::vector<std::string>{"test_buzz.buzzed", "test_buzz.buzz_sum"});
    for (std::size_t d = 0; d < rec.buzz_sum.size(); ++d) {
      CHECK(rec.buzz_sum[d] == static_cast<double>(d == 0 ? 0 : rec.sold_lines_by_day[d - 1]));
      CHECK(rec.buzzed[d] <= rec.buzz_sum[d]);
    }
    CHECK(rec.buzz_sum.back() > 0);
    by_threads.push_back(rec.buzz_sum);
  }
  CHECK(by_threads[0] == by_threads[1]);
}
