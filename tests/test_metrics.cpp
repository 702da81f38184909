// Metrics: the registry's contract, the customers collector's cohorts against a hand-computed
// example, and a real run's books, breakdown and profit identities reconciled to the cent.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "analysis/metric.h"
#include "analysis/run_collector.h"
#include "market/market.h"
#include "market/records.h"
#include "scenarios/scenario.h"
#include "sim/concat.h"

using namespace marketsim;

namespace {

/// Money in currency units as whole cents, for comparisons to the cent.
long long cents(double currency) { return std::llround(currency * 100.0); }

std::size_t col(const char* name) { return metric_index(name); }

// ---- The hand-computed example -----------------------------------------------------------

constexpr Day kHorizon = 42;
constexpr Day kWarmup = 7;  // 35 measured days: weeks 0..4, 30-day months 0..1
constexpr ConsumerId kA = 0, kB = 1, kC = 2, kD = 3, kE = 4;  // and consumer 5, who never buys

/// One order line of consumer `c` on day `day`: `quantity` units of product `product` at 10.00
/// (cost 6.00), `lost` more asked for while out of stock.
LineRecord line(Day day, ConsumerId c, ProductId product, std::uint32_t quantity,
                std::uint32_t lost = 0, Money unit_discount = 0, Money order_discount = 0) {
  return LineRecord{static_cast<Time>(day) + 0.25 + 0.01 * c, c, 0, product, product, 0, 0, kBrowsedSlot, -1,
                    quantity, lost, Money{1000}, unit_discount, order_discount, Money{600}};
}

/// The example's lines by day. Measured day m = day - 7; week m / 7, month m / 30.
std::map<Day, std::vector<LineRecord>> example_lines() {
  std::map<Day, std::vector<LineRecord>> lines;
  const auto add = [&](LineRecord l) {
    auto& day = lines[day_of(l.time)];
    // Lines of one order are numbered in order (commit order: time, consumer, visit, line).
    for (const LineRecord& o : day) {
      if (o.consumer == l.consumer) ++l.line;
    }
    day.push_back(l);
  };
  add(line(3, kA, 0, 1));   // warm-up: A (two lines of one order)
  add(line(3, kA, 1, 2));
  add(line(5, kD, 2, 1));   // warm-up: D, who never buys again
  add(line(8, kA, 0, 1));   // m 1, week 0: A's first measured purchase (two lines)
  add(line(8, kA, 2, 1));
  add(line(8, kB, 1, 3));   // m 1, week 0: B's first and only purchase
  add(line(11, kA, 0, 1));  // m 4, week 0 again: not a repeat in a later week
  add(line(16, kA, 1, 1, 0, 100));  // m 9, week 1: A again (1.00 off per unit)
  add(line(22, kB, 0, 0, 2));       // m 15, week 2: B asks for 2 out of stock: not a purchase
  add(line(23, kC, 2, 2, 0, 0, 50));  // m 16, week 2: C's first purchase (0.50 order discount)
  add(line(30, kA, 0, 1));  // m 23, week 3, month 0: A again
  add(line(32, kC, 1, 1));  // m 25, week 3, month 0: C again
  add(line(36, kA, 2, 1));  // m 29, week 4, month 0 (the last day of it): A again
  add(line(38, kE, 1, 1));  // m 31, week 4, month 1: E's first purchase, in the last week
  add(line(39, kC, 0, 1));  // m 32, week 4, month 1: C again
  add(line(41, kC, 2, 1));  // m 34, week 4, month 1: C again, in a week and month it bought in
  return lines;
}

/// The seller's books of a day, from its lines: one order per consumer with units sold.
SellerBooks books_of(const std::vector<LineRecord>& lines) {
  SellerBooks b;
  std::set<ConsumerId> buyers;
  for (const LineRecord& l : lines) {
    b.units_sold += l.quantity;
    b.units_lost += l.lost;
    b.revenue += l.revenue();
    b.cogs += l.cogs();
    b.item_discounts += static_cast<Money>(l.quantity) * l.unit_discount;
    b.order_discounts += l.order_discount;
    if (l.quantity > 0) buyers.insert(l.consumer);
  }
  b.orders = buyers.size();
  b.stock_on_hand = 50;
  return b;
}

Market example_market() {
  MarketSpec spec;
  spec.latent_dimensions = 2;
  spec.categories = {CategorySpec{"only", 3}};
  spec.segments = {SegmentSpec{"everyone", 6}};
  return build_market(spec, 1);
}

/// Feeds the example, day by day, to a collector and returns its results.
RunResult run_example(const Market& market) {
  RunCollector collector(MetricContext{market, kHorizon, kWarmup});
  const auto lines = example_lines();
  std::vector<std::vector<SellerBooks>> books(static_cast<std::size_t>(kHorizon));
  for (Day d = 0; d < kHorizon; ++d) {
    const auto it = lines.find(d);
    const std::vector<LineRecord> none;
    const std::vector<LineRecord>& today = it == lines.end() ? none : it->second;
    const WindowRecords w{d, static_cast<Time>(d), static_cast<Time>(d + 1), {}, today};
    collector.on_window(w);
    auto& sellers = books[static_cast<std::size_t>(d)];
    sellers = {books_of(today)};
    const DayRecord record{d, 20, sellers[0].orders, sellers, sellers[0]};
    collector.on_day_end(record);
  }
  RunResult result;
  collector.finish(result);
  return result;
}

using CohortKey = std::tuple<std::string, int, std::uint64_t, int, std::uint64_t>;

std::vector<CohortKey> keys(const std::vector<CohortRow>& rows) {
  std::vector<CohortKey> out;
  for (const auto& r : rows) out.emplace_back(r.period, r.cohort, r.size, r.offset, r.buyers);
  return out;
}

// ---- The real run --------------------------------------------------------------------------

const ExperimentResult& summer_sale() {
  static const ExperimentResult result = run_experiment(load_scenario(
      MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json",
      {"/market/segments/0/consumers=2000", "/market/segments/1/consumers=3000",
       "/replications=2"}));
  return result;
}

bool is_money(std::size_t m) { return metric_list()[m].unit == MetricUnit::kMoney; }

}  // namespace

// ---- The registry ----------------------------------------------------------------------------

TEST_CASE("metric names are unique and metric_index finds each of them", "[metrics][registry]") {
  const auto& list = metric_list();
  REQUIRE_FALSE(list.empty());
  std::set<std::string> names;
  for (std::size_t m = 0; m < list.size(); ++m) {
    INFO("metric " << list[m].name);
    CHECK(names.insert(list[m].name).second);
    CHECK(metric_index(list[m].name) == m);
  }
  for (const char* name : {"visits", "conversions", "units", "revenue", "cogs", "gross_profit",
                           "promotion_spend", "lost_sales", "fill_rate", "stock_on_hand",
                           "active_customers", "repeat_rate", "budget_cancelled", "discounts",
                           "promotion_costs", "contribution", "inventory_costs",
                           "operating_profit"}) {
    CHECK(names.count(name) == 1);
  }
  CHECK_THROWS_AS(metric_index("no_such_metric"), std::out_of_range);
  CHECK_THROWS_AS(metric_index(""), std::out_of_range);
  CHECK_THROWS_AS(metric_index("Units"), std::out_of_range);
}

TEST_CASE("metric_list holds the registered collectors' metrics in registry order",
          "[metrics][registry]") {
  const auto& list = metric_list();
  std::vector<std::string> from_registry;
  for (const CollectorInfo& c : metric_registry()) {
    for (const MetricInfo& m : c.metrics) from_registry.push_back(m.name);
  }
  std::vector<std::string> listed;
  for (const MetricInfo& m : list) listed.push_back(m.name);
  CHECK(listed == from_registry);
}

TEST_CASE("every metric of a collector without a factory has what the run collector reads",
          "[metrics][registry]") {
  // Without a factory, the run collector computes a metric from the day's books (`books`), from
  // the day record (the collector's `market`: visits), or, for a ratio, from the books'
  // numerator and denominator. A collector's own totals come only from a factory.
  register_builtin_metrics();
  std::set<std::string> from_day_record;
  for (const CollectorInfo& c : metric_registry()) {
    INFO("collector " << c.name);
    CHECK_FALSE(c.metrics.empty());
    for (const MetricInfo& m : c.metrics) {
      INFO("metric " << m.name);
      if (c.make) {
        CHECK(m.totaling == Totaling::kCollector);
        continue;
      }
      CHECK(m.totaling != Totaling::kCollector);
      if (m.totaling == Totaling::kRatio) {
        CHECK(m.numerator);
        CHECK(m.denominator);
        continue;
      }
      if (!m.books) {
        CHECK(c.market);
        // Metrics of modules' gauges (gauge_metric) are empty on a day without gauges.
        if (c.market && !std::isnan(c.market(DayRecord{0, 1, 1, {}, {}}))) from_day_record.insert(m.name);
      }
    }
  }
  CHECK(from_day_record == std::set<std::string>{"visits"});
  const auto& list = metric_list();
  CHECK(list[col("fill_rate")].totaling == Totaling::kRatio);
  CHECK(list[col("units")].books);
  CHECK(list[col("operating_profit")].books);
}

TEST_CASE("the breakdown metrics are exactly those with a line function", "[metrics][registry]") {
  const auto& list = metric_list();
  const std::vector<std::size_t> breakdown = breakdown_metrics();
  std::vector<std::size_t> with_line;
  for (std::size_t m = 0; m < list.size(); ++m) {
    if (list[m].line != nullptr) with_line.push_back(m);
  }
  CHECK(breakdown == with_line);
  std::set<std::string> names;
  for (std::size_t m : breakdown) names.insert(list[m].name);
  CHECK(names == std::set<std::string>{"units", "revenue", "cogs", "gross_profit", "lost_sales",
                                        "discounts"});
}

// ---- The customers collector, by hand ----------------------------------------------------

TEST_CASE("cohorts, active customers and the repeat rate match a hand count",
          "[metrics][customers]") {
  // Consumer A buys in warm-up, then in weeks 0 (twice), 1, 3 and 4 (still month 0); B in week 0
  // only (and asks for out-of-stock units in week 2, which is no purchase); C first in week 2,
  // then weeks 3 and 4 (twice in month 1); D only in warm-up; E first in the last week; F never.
  const Market market = example_market();
  REQUIRE(market.population.size() == 6);
  const RunResult r = run_example(market);

  // Weekly cohorts (5 weeks): week 0 = {A, B}: A again in weeks 1, 3 and 4 (offsets 1, 3, 4).
  // Week 2 = {C}: C again in weeks 3 and 4 (offsets 1, 2). Week 4 = {E} has no later week.
  // Monthly (2 months): month 0 = {A, B, C}: C again in month 1 (once, though on two days).
  const std::vector<CohortKey> expected = {
      {"week", 0, 2, 1, 1},  {"week", 0, 2, 2, 0},  {"week", 0, 2, 3, 1}, {"week", 0, 2, 4, 1},
      {"week", 1, 0, 1, 0},  {"week", 1, 0, 2, 0},  {"week", 1, 0, 3, 0},
      {"week", 2, 1, 1, 1},  {"week", 2, 1, 2, 1},
      {"week", 3, 0, 1, 0},
      {"month", 0, 3, 1, 1},
  };
  CHECK(keys(r.cohorts) == expected);

  // Distinct measured buyers: A, B, C, E (D bought only in warm-up).
  CHECK(r.totals[col("active_customers")] == 4);
  // Of the first-time buyers of weeks 0..3 (A, B, C; not E, of the last week), A and C bought
  // again in a later week.
  CHECK(r.totals[col("repeat_rate")] == Approx(2.0 / 3.0));

  // Daily active customers, warm-up included; two lines of one consumer count once.
  const std::map<Day, double> active = {{3, 1}, {5, 1}, {8, 2}, {11, 1}, {16, 1},
                                        {23, 1}, {30, 1}, {32, 1}, {36, 1},
                                        {38, 1}, {39, 1}, {41, 1}};
  REQUIRE(r.daily.size() == static_cast<std::size_t>(kHorizon));
  for (Day d = 0; d < kHorizon; ++d) {
    INFO("day " << d);
    const DailyRow& row = r.daily[static_cast<std::size_t>(d)];
    CHECK(row.day == d);
    CHECK(row.warmup == (d < kWarmup));
    const auto it = active.find(d);
    CHECK(row.values[col("active_customers")] == (it == active.end() ? 0.0 : it->second));
    CHECK(std::isnan(row.values[col("repeat_rate")]));
  }
}

TEST_CASE("new customers and their discounted lifetime value match a hand count", "[metrics][customers]") {
  // First purchases: A (day 3) and D (day 5) in warm-up, so not new customers of the measured
  // period; B (day 8), C (day 23) and E (day 38) are. Their lifetime value: every purchase from
  // the first on, gross profit discounted by 1.1^(-days / 365) to the first purchase.
  const Market market = example_market();
  const RunResult r = run_example(market);
  CHECK(r.totals[col("new_customers")] == 3);
  const std::map<Day, double> fresh = {{3, 1}, {5, 1}, {8, 1}, {23, 1}, {38, 1}};
  for (Day d = 0; d < kHorizon; ++d) {
    INFO("day " << d);
    const auto it = fresh.find(d);
    CHECK(r.daily[static_cast<std::size_t>(d)].values[col("new_customers")] == (it == fresh.end() ? 0.0 : it->second));
    CHECK(std::isnan(r.daily[static_cast<std::size_t>(d)].values[col("customer_lifetime_value")]));
  }
  std::map<ConsumerId, double> first;
  double value = 0;
  for (const auto& [day, lines] : example_lines()) {
    for (const LineRecord& l : lines) {
      if (l.quantity == 0) continue;
      first.emplace(l.consumer, l.time);
      if (l.consumer != kB && l.consumer != kC && l.consumer != kE) continue;
      value += static_cast<double>(l.revenue() - l.cogs()) / 100.0 * std::pow(1.1, -(l.time - first[l.consumer]) / 365.0);
    }
  }
  // B 12.00; C 7.50 then 4.00 after 9, 16 and 18 days; E 4.00.
  CHECK(value == Approx(12.0 + 7.5 + 4.0 * (std::pow(1.1, -9.0 / 365) + std::pow(1.1, -16.0 / 365) +
                                            std::pow(1.1, -18.0 / 365)) + 4.0).epsilon(1e-9));
  CHECK(r.totals[col("customer_lifetime_value")] == Approx(value / 3.0).epsilon(1e-14));
}

TEST_CASE("the hand example's books totals and breakdown count only the measured days",
          "[metrics][customers]") {
  const Market market = example_market();
  const RunResult r = run_example(market);
  // Measured: 15 units at 10.00 (cost 6.00), 1.00 + 0.50 of discounts, 2 units lost.
  CHECK(r.totals[col("units")] == 15);
  CHECK(cents(r.totals[col("revenue")]) == 14850);
  CHECK(cents(r.totals[col("cogs")]) == 9000);
  CHECK(cents(r.totals[col("gross_profit")]) == 5850);
  CHECK(cents(r.totals[col("discounts")]) == 150);
  CHECK(r.totals[col("lost_sales")] == 2);
  CHECK(r.totals[col("fill_rate")] == Approx(15.0 / 17.0));
  CHECK(r.totals[col("stock_on_hand")] == 50);
  CHECK(r.totals[col("visits")] == 20 * 35);
  CHECK(r.totals[col("conversions")] == 11);  // orders with units on measured days
  REQUIRE(r.seller_totals.size() == 1);
  CHECK(r.seller_totals[0][col("units")] == 15);
  CHECK(std::isnan(r.seller_totals[0][col("visits")]));
  CHECK(std::isnan(r.seller_totals[0][col("active_customers")]));
  // One seller, one category, one segment: one breakdown cell (the first row; rows with `*` follow).
  REQUIRE(r.breakdown.size() >= 1);
  REQUIRE(r.breakdown[0].dims() == kBreakdownCell);
  const std::vector<std::size_t> breakdown = breakdown_metrics();
  const std::map<std::string, long long> want = {{"units", 15},       {"revenue", 14850},
                                                 {"cogs", 9000},      {"gross_profit", 5850},
                                                 {"lost_sales", 2},   {"discounts", 150}};
  REQUIRE(r.breakdown[0].values.size() == metric_list().size());
  for (std::size_t m : breakdown) {
    const std::string& name = metric_list()[m].name;
    INFO("metric " << name);
    const double v = r.breakdown[0].values[m];
    CHECK((is_money(m) ? cents(v) : std::llround(v)) == want.at(name));
  }
  // The warm-up sales (days 3 and 5) show in the daily rows only.
  CHECK(r.daily[3].values[col("units")] == 3);
  CHECK(r.daily[5].values[col("units")] == 1);
}

// ---- A real run ----------------------------------------------------------------------------

TEST_CASE("a run's breakdown summed over category and segment equals its totals",
          "[metrics][breakdown]") {
  const ExperimentResult& e = summer_sale();
  REQUIRE(e.runs.size() == 6);  // 3 arms x 2 replications
  const std::vector<std::size_t> breakdown = breakdown_metrics();
  for (const RunResult& r : e.runs) {
    INFO("arm " << r.arm << ", replication " << r.replication);
    const auto cells = std::count_if(r.breakdown.begin(), r.breakdown.end(),
                                     [](const BreakdownRow& row) { return row.dims() == kBreakdownCell; });
    REQUIRE(cells == 1 * 3 * 2);  // one seller, 3 categories, 2 segments
    CHECK(r.totals[col("units")] > 1000);
    for (const std::size_t m : breakdown) {
      INFO("metric " << metric_list()[m].name);
      double sum = 0.0;
      for (const BreakdownRow& row : r.breakdown) sum += row.dims() == kBreakdownCell ? row.values[m] : 0.0;
      if (is_money(m)) {
        CHECK(cents(sum) == cents(r.totals[m]));
      } else {
        CHECK(sum == r.totals[m]);
      }
    }
  }
  // Only the sale arms give discounts, and only on the outdoor category (category 0).
  const std::size_t d = col("discounts");
  REQUIRE(std::find(breakdown.begin(), breakdown.end(), d) != breakdown.end());
  for (const RunResult& r : e.runs) {
    INFO("arm " << r.arm << ", replication " << r.replication);
    CHECK((r.arm == 0) == (r.totals[col("discounts")] == 0));
    for (const BreakdownRow& row : r.breakdown) {
      if (row.dims() == kBreakdownCell && row.category != 0) CHECK(row.values[d] == 0);
    }
  }
}

TEST_CASE("the one seller's totals equal the marketplace's for every metric of the books",
          "[metrics][sellers]") {
  const ExperimentResult& e = summer_sale();
  const auto& list = metric_list();
  for (const RunResult& r : e.runs) {
    INFO("arm " << r.arm << ", replication " << r.replication);
    REQUIRE(r.seller_totals.size() == 1);
    std::size_t compared = 0;
    for (std::size_t m = 0; m < list.size(); ++m) {
      if (!list[m].books && list[m].totaling != Totaling::kRatio) continue;
      INFO("metric " << list[m].name);
      const double seller = r.seller_totals[0][m], total = r.totals[m];
      if (is_money(m)) {
        CHECK(cents(seller) == cents(total));
      } else {
        CHECK(seller == total);
      }
      ++compared;
    }
    CHECK(compared >= 15);
  }
}

TEST_CASE("profit identities hold to the cent in totals, seller totals and every day",
          "[metrics][identities]") {
  const ExperimentResult& e = summer_sale();
  const std::size_t revenue = col("revenue"), cogs = col("cogs"), gross = col("gross_profit"),
                    costs = col("promotion_costs"), contribution = col("contribution"),
                    discounts = col("discounts"), spend = col("promotion_spend"),
                    inventory = col("inventory_costs"), operating = col("operating_profit");
  const auto check = [&](const std::vector<double>& v) {
    CHECK(cents(v[gross]) == cents(v[revenue]) - cents(v[cogs]));
    CHECK(cents(v[contribution]) == cents(v[gross]) - cents(v[costs]));
    CHECK(cents(v[spend]) == cents(v[discounts]) + cents(v[costs]));
    CHECK(cents(v[operating]) == cents(v[contribution]) - cents(v[inventory]));
  };
  for (const RunResult& r : e.runs) {
    INFO("arm " << r.arm << ", replication " << r.replication);
    CHECK(r.totals[revenue] > 0);
    CHECK(r.totals[inventory] >= 0);
    check(r.totals);
    check(r.seller_totals[0]);
    for (const DailyRow& d : r.daily) {
      INFO("day " << d.day);
      check(d.values);
    }
  }
}

TEST_CASE("customer_lifetime_value: gross profit or contribution per new customer, discounted at the scenario's rate",
          "[metrics][clv]") {
  // retention.json without warm-up: every buyer is a new customer of the measured period, so at
  // annual_rate 0 the new customers' values add up to the run's gross profit; the win-back
  // coupons go to lapsed buyers only (after their first purchase), so with the contribution
  // margin they add up to gross profit less the coupons' costs.
  const auto run = [](const std::string& margin, double rate) {
    const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/retention.json",
                                      {"/market/segments/0/consumers=4000", "/horizon_days=120", "/warmup_days=0",
                                       "/replications=1",
                                       cat("/lifetime_value={\"margin\": \"", margin, "\", \"annual_rate\": ",
                                           std::to_string(rate), "}")});
    return ArmRun(sc, 1).run();
  };
  const auto total = [](const RunResult& r, const char* m) { return r.totals[metric_index(m)]; };
  const RunResult gross = run("gross_profit", 0.0);
  const RunResult net = run("contribution", 0.0);
  const double customers = total(gross, "new_customers");
  REQUIRE(customers > 0.0);
  REQUIRE(total(gross, "coupon_costs") > 0.0);
  CHECK(total(gross, "customer_lifetime_value") * customers == Approx(total(gross, "gross_profit")).epsilon(1e-9));
  CHECK(total(net, "customer_lifetime_value") * customers ==
        Approx(total(net, "gross_profit") - total(net, "coupon_costs")).epsilon(1e-9));
  // Discounting lowers it: at 10% a year a purchase t days after the first counts 1.1^(-t/365).
  const RunResult discounted = run("gross_profit", 0.1);
  CHECK(total(discounted, "customer_lifetime_value") < total(gross, "customer_lifetime_value"));
  CHECK(total(discounted, "customer_lifetime_value") > total(gross, "customer_lifetime_value") * std::pow(1.1, -120.0 / 365.0));
}
