// The "membership" behaviour module: tiers by trailing spend, points at the tier's rate, points
// granted and tiers set by a promotion's commands, inactivity expiry, the liability gauge, and
// the metrics read from its gauges. Every check here is exact: the module draws no random
// numbers, so its state is a function of the sold lines, which an observer sees too.
//
//   test_points (promotion, test-only): on day `day` grants `points` points to consumers
//     [0, consumers), and sets tier `tier` for them when tier >= 0.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "agents/behaviour.h"
#include "agents/loyalty_programme.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "engine/run_observer.h"
#include "engine/simulation.h"
#include "fingerprint.h"
#include "module_harness.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

class PointsPromotion final : public PromotionStrategy {
 public:
  explicit PointsPromotion(const Json& p)
      : day_(p["day"].get<Day>()),
        consumers_(p["consumers"].get<ConsumerId>()),
        points_(p["points"].get<std::int64_t>()),
        tier_(p["tier"].get<std::int64_t>()) {}
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (ctx.day != day_ || acted_) return;
    acted_ = true;
    for (ConsumerId c = 0; c < consumers_; ++c) {
      if (points_ != 0) grant_points(commands, c, points_);
      if (tier_ >= 0) set_tier(commands, c, tier_);
    }
  }

 private:
  Day day_;
  ConsumerId consumers_;
  std::int64_t points_;
  std::int64_t tier_;
  bool acted_ = false;
};

void register_test_points() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_behaviours();
    register_builtin_strategies();
    promotion_registry().add({
        "test_points",
        "Test-only: on one day, grants points to (and optionally sets the tier of) the first consumers.",
        {
            {.name = "day", .type = ParamType::kInteger, .default_value = 5, .min = 0, .max = 1000,
             .description = "the day it acts"},
            {.name = "consumers", .type = ParamType::kInteger, .default_value = 100, .min = 0, .max = 1e6,
             .description = "consumers 0 .. consumers-1 get the commands"},
            {.name = "points", .type = ParamType::kInteger, .default_value = 0, .min = -1e6, .max = 1e6,
             .description = "points granted to each (0: none)"},
            {.name = "tier", .type = ParamType::kInteger, .default_value = -1, .min = -1, .max = 100,
             .description = "tier set for each (-1: none)"},
        },
        [](const Json& p, const BuildContext&) { return std::make_unique<PointsPromotion>(p); },
    });
  });
}

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";
constexpr int kConsumers = 3000;
constexpr int kDays = 60;

/// The reference market at 3,000 consumers, 40 products and 60 days, one replication, with the
/// membership module configured by `membership` (absent when empty) and test_points as a second
/// promotion when `points` is not empty.
Scenario market_with(const std::string& membership, const std::string& points = "",
                     std::vector<std::string> extra = {}) {
  register_test_points();
  std::vector<std::string> o = {"/market/segments/0/consumers=" + std::to_string(kConsumers),
                                "/market/categories/0/products=40", "/horizon_days=" + std::to_string(kDays),
                                "/replications=1"};
  if (!membership.empty()) o.push_back("/market/behaviours=[{\"name\": \"membership\"" + membership + "}]");
  if (!points.empty()) {
    o.push_back("/arms/0/promotions=[{\"name\": \"percent_off\", \"products\": {\"every\": 10}, \"depth\": 0.2, "
                "\"start\": 10, \"end\": 17}, {\"name\": \"test_points\"" + points + "}]");
  }
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

double daily(const RunResult& run, std::size_t day, const std::string& metric) {
  return run.daily[day].values[metric_index(metric)];
}

/// Each day's membership gauges and each order's day, consumer and spend (cents).
struct Recorder : RunObserver {
  struct Order {
    Day day;
    ConsumerId consumer;
    Money spent;
  };
  std::vector<Order> orders;
  std::vector<double> members, top, balance, liability;
  void on_window(const WindowRecords& w) override {
    for (const OrderRecord& o : w.orders) {
      Money spent = 0;
      for (std::uint32_t k = 0; k < o.lines; ++k) {
        const LineRecord& l = w.lines[o.first_line + k];
        if (l.quantity > 0) spent += l.revenue();
      }
      if (spent > 0) orders.push_back({day_of(o.time), o.consumer, spent});
    }
  }
  void on_day_end(const DayRecord& d) override {
    members.push_back(d.gauge("membership.members"));
    top.push_back(d.gauge("membership.members_top_tier"));
    balance.push_back(d.gauge("membership.points_balance"));
    liability.push_back(d.gauge("membership.points_liability"));
  }
};

Recorder record(const Scenario& sc) {
  ArmRun run(sc);
  Recorder rec;
  run.subscribe(rec);
  run.run();
  return rec;
}

std::string error_of(const std::string& membership) {
  try {
    market_with(membership);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("with a single rate, points are floor(rate x spend) per order and track revenue", "[membership]") {
  // No thresholds: everyone stays at tier 0 and earns 2 points per currency unit, rounded down per
  // order. The run's points (the last day's balance: nothing expires) lie within one point per
  // order below 2 x revenue, and equal the sum of floor(2 x order spend) exactly.
  const Scenario sc = market_with(", \"thresholds\": [], \"rates\": [2]");
  const RunResult run = run_experiment(sc).runs[0];
  const double revenue = run.totals[metric_index("revenue")];  // no warm-up: every day counts
  const double orders = run.totals[metric_index("conversions")];
  const double points = daily(run, kDays - 1, "points_balance");
  CHECK(points <= 2.0 * revenue + 1e-6);
  CHECK(points > 2.0 * revenue - orders);
  CHECK(points > 0);
  CHECK(daily(run, kDays - 1, "members") == 0);
  CHECK(daily(run, kDays - 1, "points_liability") == Approx(points * 0.01).margin(1e-9));

  const Recorder rec = record(sc);
  double exact = 0;
  for (const auto& o : rec.orders) exact += std::floor(2.0 * static_cast<double>(o.spent) / 100.0 + 1e-9);
  CHECK(rec.balance.back() == exact);
  CHECK(rec.balance.back() == points);
}

TEST_CASE("tiers follow trailing spend over the window, recomputed from the sold orders", "[membership]") {
  // Thresholds 20 and 60 over a 20-day window kept as four 5-day periods; rates 1, 2, 3. An
  // independent replay of the orders gives each day's members, top-tier members and points: the
  // tier at the end of day d counts the spend of periods k-3 .. k (k = d / 5), and an order on day
  // d earns at the tier of the end of day d - 1 (one window a day).
  const Scenario sc =
      market_with(", \"thresholds\": [20, 60], \"rates\": [1, 2, 3], \"window_days\": 20, \"period_days\": 5");
  const Recorder rec = record(sc);
  REQUIRE(rec.members.size() == static_cast<std::size_t>(kDays));
  std::vector<std::vector<Money>> period(kConsumers, std::vector<Money>(kDays / 5 + 1, 0));
  std::vector<int> tier(kConsumers, 0);
  double points = 0;
  std::size_t next = 0;
  bool any_top = false, any_fell = false;
  for (Day d = 0; d < kDays; ++d) {
    for (; next < rec.orders.size() && rec.orders[next].day == d; ++next) {
      const auto& o = rec.orders[next];
      period[o.consumer][static_cast<std::size_t>(d / 5)] += o.spent;
      const double rate = 1.0 + tier[o.consumer];
      points += std::floor(rate * static_cast<double>(o.spent) / 100.0 + 1e-9);
    }
    double members = 0, top = 0;
    for (int c = 0; c < kConsumers; ++c) {
      Money trailing = 0;
      for (int k = std::max(0, d / 5 - 3); k <= d / 5; ++k) trailing += period[c][static_cast<std::size_t>(k)];
      const int t = trailing >= 6000 ? 2 : trailing >= 2000 ? 1 : 0;
      any_fell = any_fell || t < tier[c];
      tier[c] = t;
      members += t >= 1;
      top += t == 2;
    }
    INFO("day " << d);
    CHECK(rec.members[static_cast<std::size_t>(d)] == members);
    CHECK(rec.top[static_cast<std::size_t>(d)] == top);
    CHECK(rec.balance[static_cast<std::size_t>(d)] == points);
    any_top = any_top || top > 0;
  }
  CHECK(next == rec.orders.size());
  CHECK(any_top);   // the test reaches the top tier
  CHECK(any_fell);  // and sees spend leave the window
}

TEST_CASE("granted points raise the liability by points x point value", "[membership]") {
  // 200 consumers get 150 points each on day 5, worth 0.02 each: 600.00 of liability. Points do
  // not change what consumers do, so the run with the grant differs from the one without by
  // exactly that, from day 5 on.
  const std::string module = ", \"thresholds\": [100], \"rates\": [1, 2], \"point_value\": 0.02";
  const RunResult plain = run_experiment(market_with(module, ", \"consumers\": 0")).runs[0];
  const RunResult granted = run_experiment(market_with(module, ", \"consumers\": 200, \"points\": 150")).runs[0];
  for (std::size_t d = 0; d < static_cast<std::size_t>(kDays); ++d) {
    INFO("day " << d);
    const double extra = daily(granted, d, "points_liability") - daily(plain, d, "points_liability");
    CHECK(extra == Approx(d >= 5 ? 200 * 150 * 0.02 : 0.0).margin(1e-6));
    CHECK(daily(granted, d, "points_balance") - daily(plain, d, "points_balance") == (d >= 5 ? 30000 : 0));
  }
  CHECK(granted.totals[metric_index("revenue")] == plain.totals[metric_index("revenue")]);
  // The total is the mean over days, in currency (not cents).
  CHECK(granted.totals[metric_index("points_liability")] - plain.totals[metric_index("points_liability")] ==
        Approx(600.0 * (kDays - 5) / kDays).margin(1e-6));
}

TEST_CASE("a balance expires after expiry_days without earning", "[membership]") {
  // Nobody earns (rate 0); 100 consumers are granted 40 points on day 5 and nothing after: the
  // balance holds on days 5 .. 14 and is gone at the end of day 15 (expiry 10 days).
  const RunResult run = run_experiment(market_with(", \"thresholds\": [], \"rates\": [0], \"expiry_days\": 10",
                                                   ", \"consumers\": 100, \"points\": 40")).runs[0];
  for (std::size_t d = 0; d < static_cast<std::size_t>(kDays); ++d) {
    INFO("day " << d);
    CHECK(daily(run, d, "points_balance") == (d >= 5 && d < 15 ? 4000 : 0));
  }
  // Negative grants deduct, and a balance never goes below zero.
  const RunResult deducted = run_experiment(market_with(", \"thresholds\": [], \"rates\": [0]",
                                                        ", \"consumers\": 100, \"points\": -40")).runs[0];
  CHECK(daily(deducted, kDays - 1, "points_balance") == 0);
}

TEST_CASE("a tier set by a promotion holds for pin_days, then spend decides", "[membership]") {
  // Thresholds nobody reaches; 300 consumers are set to tier 2 (the top) on day 5 (a tier above the
  // top, 9, is clamped to it).
  const std::string module = ", \"thresholds\": [100000, 200000], \"rates\": [1, 1, 1]";
  for (int pin : {0, 1, 7}) {
    INFO("pin_days " << pin);
    for (const char* tier : {"2", "9"}) {
      const RunResult run =
          run_experiment(market_with(module + ", \"pin_days\": " + std::to_string(pin),
                                     std::string(", \"consumers\": 300, \"tier\": ") + tier)).runs[0];
      for (std::size_t d = 0; d < static_cast<std::size_t>(kDays); ++d) {
        INFO("day " << d);
        const bool pinned = d >= 5 && d < 5 + static_cast<std::size_t>(pin);
        CHECK(daily(run, d, "members") == (pinned ? 300 : 0));
        CHECK(daily(run, d, "members_top_tier") == (pinned ? 300 : 0));
      }
    }
  }
}

TEST_CASE("the module changes no outcome but its own metrics, and without it they are empty", "[membership]") {
  // Membership has no utility or intensity term (member prices come with campaigns): every other
  // metric is the same bytes with and without it.
  const ExperimentResult without = run_experiment(market_with(""));
  const ExperimentResult with = run_experiment(market_with(", \"thresholds\": [10, 50]"));
  const std::vector<std::string> own = {"members", "members_top_tier", "points_balance", "points_liability"};
  ExperimentResult masked = with;
  for (RunResult& run : masked.runs) {
    for (const std::string& m : own) {
      CHECK(std::isnan(without.runs[0].totals[metric_index(m)]));
      CHECK(run.totals[metric_index(m)] > 0);
      run.totals[metric_index(m)] = std::numeric_limits<double>::quiet_NaN();
      for (DailyRow& d : run.daily) d.values[metric_index(m)] = std::numeric_limits<double>::quiet_NaN();
      for (BreakdownRow& b : run.breakdown) b.values[metric_index(m)] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  CHECK(fingerprint(masked) == fingerprint(without));
}

TEST_CASE("membership parameters: cross-parameter rules are one-line errors", "[membership]") {
  CHECK(error_of(", \"thresholds\": [50, 20], \"rates\": [1, 1, 1]") ==
        kReference + ": /market/behaviours/0/thresholds: must be strictly ascending (to the cent)");
  CHECK(error_of(", \"thresholds\": [50, 50], \"rates\": [1, 1, 1]").find("strictly ascending") != std::string::npos);
  CHECK(error_of(", \"thresholds\": [50], \"rates\": [1, 1, 1]") ==
        kReference + ": /market/behaviours/0/rates: expected 2 rates (tier 0 and one per threshold), got 3");
  CHECK(error_of(", \"rates\": [1]").find("/rates: expected 3 rates") != std::string::npos);
  CHECK(error_of(", \"window_days\": 100") == kReference + ": /market/behaviours/0/period_days: must divide window_days");
  CHECK(error_of(", \"window_days\": 365, \"period_days\": 1") ==
        kReference + ": /market/behaviours/0/period_days: window_days / period_days is 365; at most 64 period sums "
                     "per consumer");
  CHECK(error_of(", \"thresholds\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16], \"rates\": "
                 "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]")
            .find("/thresholds: at most 15 thresholds") != std::string::npos);
  // Declared ranges, element by element.
  CHECK(error_of(", \"thresholds\": [50, -1]").find("/thresholds/1: ") != std::string::npos);
  CHECK(error_of(", \"thresholds\": [50, \"x\"]").find("/thresholds/1: expected a number") != std::string::npos);
  CHECK(error_of(", \"rates\": [1, 1, -2]").find("/rates/2: ") != std::string::npos);
  CHECK(error_of(", \"thresholds\": [], \"rates\": [1], \"window_days\": 7, \"period_days\": 7").empty());
}

TEST_CASE("a run with membership, grants and tiers is identical for any thread count and shard size",
          "[membership][determinism]") {
  const auto run = [](const std::string& shard_size, int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(market_with(
        ", \"thresholds\": [20, 60], \"rates\": [1, 2, 3], \"window_days\": 20, \"period_days\": 5, "
        "\"expiry_days\": 12, \"pin_days\": 3",
        ", \"consumers\": 500, \"points\": 70, \"tier\": 1", {"/engine/shard_size=" + shard_size})));
  };
  const std::string one = run("1000000", 1);
  CHECK(run("1000", 2) == one);
  CHECK(run("777", 2) == one);
}

TEST_CASE("membership: tiers re-evaluated only where spend or pins changed equal re-evaluating everyone daily",
          "[membership]") {
  // The module re-evaluates at a day's end only the consumers who spent that day, lost a period's
  // spend or whose pin ran out, keeps period sums in 16 bits (spilling larger ones to a table) and
  // its gauges as running counts. Here its hooks are driven directly on three uneven shards over
  // 80 days with random orders (some large enough to spill), grants (some negative) and tiers set
  // by command, next to a plain model that re-evaluates every consumer every day as the header
  // defines it: every consumer's tier and points and every gauge agree every day.
  const Scenario sc = market_with(", \"thresholds\": [20, 60, 700], \"rates\": [1, 2, 3, 4], \"window_days\": 20, "
                                  "\"period_days\": 5, \"expiry_days\": 12, \"pin_days\": 3");
  marketsim::testing::ModuleHarness h(sc, {0, 70, 200, 250});
  constexpr int kPeople = 250, kBuckets = 4, kPeriod = 5, kTop = 3;
  const std::vector<std::uint64_t> thresholds = {2000, 6000, 70000};
  const std::vector<double> rates = {1, 2, 3, 4};
  struct Plain {
    std::vector<std::uint64_t> sums = std::vector<std::uint64_t>(kBuckets, 0);  // cents per ring slot
    int tier = 0;
    std::int64_t points = 0;
    Day pinned = -1;
    Day last = 0;
  };
  std::vector<Plain> plain(kPeople);
  CounterRng rng(stream_key(7, 0, 0, Purpose::kTest));
  bool spilled = false, pinned_any = false, expired_any = false;
  std::uint32_t visit = 0;
  for (Day d = 0; d < 80; ++d) {
    std::vector<Command> commands;
    for (int k = 0; k < 6; ++k) {
      Command cmd{};
      cmd.consumer = static_cast<ConsumerId>(rng.below(kPeople));
      cmd.time = d;
      Plain& p = plain[cmd.consumer];
      if (rng.uniform() < 0.5) {
        cmd.kind = grant_points_command();
        cmd.value = static_cast<std::int64_t>(rng.below(260)) - 60;
        p.points = std::max<std::int64_t>(0, p.points + cmd.value);
        p.last = d;
      } else {
        cmd.kind = set_tier_command();
        cmd.value = static_cast<std::int64_t>(rng.below(7)) - 1;
        p.tier = static_cast<int>(std::clamp<std::int64_t>(cmd.value, 0, kTop));
        p.pinned = d + 3;
        pinned_any = true;
      }
      commands.push_back(cmd);
    }
    h.commands(commands);
    std::vector<LineRecord> lines;
    for (ConsumerId c = 0; c < kPeople; ++c) {
      if (rng.uniform() >= 0.2) continue;
      ++visit;
      Money spent = 0;
      const auto n = 1 + rng.below(3);
      for (std::uint64_t k = 0; k < n; ++k) {
        LineRecord l{};
        l.time = d + 0.5;
        l.consumer = c;
        l.visit = visit;
        l.line = static_cast<std::uint16_t>(k);
        l.promotion = -1;
        const bool lost = rng.uniform() < 0.1;
        l.quantity = lost ? 0 : static_cast<std::uint32_t>(1 + rng.below(2));
        l.lost = lost ? 1 : 0;
        l.unit_price = rng.uniform() < 0.03 ? 40000 : static_cast<Money>(100 + rng.below(5000));
        spent += l.quantity > 0 ? l.revenue() : 0;
        lines.push_back(l);
      }
      Plain& p = plain[c];
      if (spent <= 0) continue;
      std::uint64_t& slot = p.sums[static_cast<std::size_t>(d / kPeriod) % kBuckets];
      slot += static_cast<std::uint64_t>(spent);
      spilled = spilled || slot > 0xFFFE;
      const auto earned = static_cast<std::int64_t>(std::floor(rates[p.tier] * static_cast<double>(spent) / 100.0 + 1e-9));
      if (earned > 0) {
        p.points += earned;
        p.last = d;
      }
    }
    h.settled(lines);
    h.daily(d);
    double members = 0, top = 0, balance = 0;
    for (Plain& p : plain) {
      if (p.pinned <= d) {
        std::uint64_t trailing = 0;
        for (std::uint64_t s : p.sums) trailing += s;
        p.tier = 0;
        while (p.tier < kTop && trailing >= thresholds[static_cast<std::size_t>(p.tier)]) ++p.tier;
      }
      if (p.points > 0 && d - p.last >= 12) {
        p.points = 0;
        expired_any = true;
      }
      members += p.tier >= 1;
      top += p.tier == kTop;
      balance += static_cast<double>(p.points);
    }
    if ((d + 1) % kPeriod == 0) {
      for (Plain& p : plain) p.sums[static_cast<std::size_t>((d + 1) / kPeriod) % kBuckets] = 0;
    }
    INFO("day " << d);
    for (ConsumerId c = 0; c < kPeople; ++c) {
      INFO("consumer " << c);
      REQUIRE(*h.row<std::uint8_t>("tier", c) == plain[c].tier);
      REQUIRE(*h.row<std::int32_t>("points", c) == plain[c].points);
    }
    const std::vector<double> g = h.gauges(d);
    CHECK(g[0] == members);
    CHECK(g[1] == top);
    CHECK(g[2] == balance);
    CHECK(g[3] == balance);  // point_value 0.01: a point is a cent
  }
  CHECK(spilled);
  CHECK(pinned_any);
  CHECK(expired_any);
}

TEST_CASE("membership: a points balance beyond 32 bits stops the run with a one-line RangeError", "[membership]") {
  const Scenario sc = market_with(", \"thresholds\": [], \"rates\": [1]");
  marketsim::testing::ModuleHarness h(sc, {0, 10});
  Command cmd{};
  cmd.kind = grant_points_command();
  cmd.consumer = 3;
  cmd.value = 2'000'000'000;
  h.commands({cmd});
  CHECK(*h.row<std::int32_t>("points", 3) == 2'000'000'000);
  cmd.value = 200'000'000;
  try {
    h.commands({cmd});
    FAIL("no error");
  } catch (const RangeError& e) {
    CHECK(std::string(e.what()) ==
          "membership: consumer 3's points balance would pass 2,147,483,647 points (balances are held in 32 bits)");
  }
  // Day numbers are 16-bit: a day past 32,766 is refused the same way.
  CHECK_THROWS_AS(h.daily(32767), RangeError);
}
