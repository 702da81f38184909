// The supply side through the engine (engine/replenishment.cpp): lead times drawn per (offer,
// order time), periodic review days, back-orders with cancellations and their budget credits,
// the stock books (ready rate, back-order costs), and the one-line errors of sellers' supply keys.
// Policies alone, against textbook results, are tests/test_inventory_policies.cpp.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/metric.h"
#include "analysis/statistics.h"
#include "experiments/experiment.h"
#include "market/lead_time.h"
#include "scenarios/scenario.h"
#include "sim/error.h"

using namespace marketsim;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

double total(const RunResult& r, const char* metric) { return r.totals[metric_index(metric)]; }

double daily(const RunResult& r, Day d, const char* metric) {
  for (const DailyRow& row : r.daily) {
    if (row.day == d) return row.values[metric_index(metric)];
  }
  return std::nan("");
}

/// The reference market, small: 5,000 consumers and 40 products over `days` days, one replication.
Scenario small(std::vector<std::string> extra, int days = 60) {
  std::vector<std::string> o = {"/market/segments/0/consumers=5000", "/market/categories/0/products=40",
                                "/replications=1", "/horizon_days=" + std::to_string(days), "/warmup_days=0"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_scenario(kReference, o);
}

}  // namespace

TEST_CASE("lead time: draws depend on the offer and the order time only, and have the stated moments",
          "[supply][lead_time]") {
  const LeadTime gamma = LeadTime::gamma(4.0, 1.5);
  const StreamFamily keys(7, 0, Purpose::kLeadTime);
  CHECK(gamma.draw(keys.key(3), 5.0) == gamma.draw(keys.key(3), 5.0));
  CHECK(gamma.draw(keys.key(3), 5.0) != gamma.draw(keys.key(4), 5.0));
  CHECK(gamma.draw(keys.key(3), 5.0) != gamma.draw(keys.key(3), 6.0));
  // Moments over 20,000 order times: the mean within 4 standard errors (sd / sqrt(n)), the sd
  // within 3%.
  const int n = 20000;
  double sum = 0.0, sum2 = 0.0;
  for (int k = 0; k < n; ++k) {
    const double l = gamma.draw(keys.key(1), k * 0.37);
    sum += l;
    sum2 += l * l;
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  CHECK(std::abs(mean - 4.0) <= 4.0 * 1.5 / std::sqrt(n));
  CHECK(sd == Approx(1.5).epsilon(0.03));
  CHECK(gamma.mean() == 4.0);
  CHECK(gamma.sd() == 1.5);
  const LeadTime uniform = LeadTime::uniform(2.0, 6.0);
  CHECK(uniform.mean() == 4.0);
  CHECK(uniform.sd() == Approx(4.0 / std::sqrt(12.0)));
  const LeadTime empirical = LeadTime::empirical({1.0, 3.0}, {1.0, 3.0});
  CHECK(empirical.mean() == Approx(2.5));
  int threes = 0;
  for (int k = 0; k < n; ++k) {
    const double l = empirical.draw(keys.key(2), k);
    REQUIRE((l == 1.0 || l == 3.0));
    threes += l == 3.0;
  }
  // Binomial(n, 0.75): within 4 sd.
  CHECK(std::abs(threes - 0.75 * n) <= 4.0 * std::sqrt(n * 0.75 * 0.25));
  CHECK(LeadTime::fixed(2.5).draw(keys.key(0), 1.0) == 2.5);
}

TEST_CASE("periodic review: order_up_to with review_days 7 and offset 3 orders only on days 3, 10, 17, ...",
          "[supply][review]") {
  const Scenario sc = small({R"(/market/sellers=[{"name": "shop", "order_cost": 1}])",
                             R"(/arms/0/replenishment={"name": "order_up_to", "review_days": 7, "review_offset": 3})"},
                            42);
  const ExperimentResult r = run_experiment(sc);
  const RunResult& run = r.runs.front();
  double orders = 0.0;
  for (Day d = 0; d < 42; ++d) {
    const double placed = daily(run, d, "ordering_cost");
    INFO("day " << d);
    if (d % 7 != 3) CHECK(placed == 0.0);
    orders += placed;
  }
  CHECK(orders > 0.0);  // it did order on its review days (one currency unit an order)
}

TEST_CASE("back-orders: nothing is lost without cancellations, every unit ordered ships or waits, and the books reconcile",
          "[supply][backorder]") {
  // A short initial stock and a slow random lead time: many lines wait. The engine checks at the
  // end of every run that units are conserved (on hand, in transit, waiting) and that the budget
  // ledger reconciles with the discounts booked (a promotion runs on days 10-20).
  const std::vector<std::string> common = {
      R"(/market/sellers=[{"name": "shop", "unmet_demand": "backorder", "backorder_cost": 0.1, "holding_cost": 0.01,
          "order_cost": 1, "lead_time": {"distribution": "gamma", "mean": 4, "sd": 2}}])",
      R"(/arms/0/replenishment={"name": "s_S", "s": 5, "S": 40, "initial": 10})",
      R"(/arms/0/promotions=[{"name": "percent_off", "products": "all", "depth": 0.2, "start": 10, "end": 20, "budget": 100000}])"};
  const ExperimentResult r = run_experiment(small(common));
  const RunResult& run = r.runs.front();
  CHECK(total(run, "lost_sales") == 0.0);
  CHECK(total(run, "units_backordered") > 0.0);
  CHECK(total(run, "backorder_cost") > 0.0);
  CHECK(total(run, "ready_rate") < 1.0);
  CHECK(total(run, "operating_profit") ==
        Approx(total(run, "contribution") - total(run, "holding_cost") - total(run, "ordering_cost") -
               total(run, "backorder_cost"))
            .margin(0.01));
  CHECK(total(run, "inventory_costs") ==
        Approx(total(run, "holding_cost") + total(run, "ordering_cost") + total(run, "backorder_cost")).margin(0.01));

  // With a daily cancellation hazard, cancelled units are lost sales, and the budget gets back
  // their discounts (the engine's ledger check passes).
  std::vector<std::string> cancelling = common;
  cancelling[0] = R"(/market/sellers=[{"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0.3,
      "lead_time": {"distribution": "gamma", "mean": 4, "sd": 2}}])";
  const ExperimentResult c = run_experiment(small(cancelling));
  const RunResult& cr = c.runs.front();
  CHECK(total(cr, "units_cancelled") > 0.0);
  CHECK(total(cr, "lost_sales") == total(cr, "units_cancelled"));

  // Lost sales (the default): no back-orders, and the same demand loses units instead.
  std::vector<std::string> lost = common;
  lost[0] = R"(/market/sellers=[{"name": "shop", "lead_time": {"distribution": "gamma", "mean": 4, "sd": 2}}])";
  const ExperimentResult l = run_experiment(small(lost));
  CHECK(total(l.runs.front(), "units_backordered") == 0.0);
  CHECK(total(l.runs.front(), "lost_sales") > 0.0);
}

TEST_CASE("back-orders and random lead times give the same results on 1 and 2 threads", "[supply][determinism]") {
  const Scenario sc = small({R"(/market/sellers=[{"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0.1,
                                  "lead_time": {"distribution": "uniform", "min": 1, "max": 6}}])",
                             R"(/arms/0/replenishment={"name": "s_S", "s": 5, "S": 30, "initial": 10})"},
                            30);
  std::vector<double> one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = run_experiment(sc).runs.front().totals;
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two = run_experiment(sc).runs.front().totals;
  }
  REQUIRE(one.size() == two.size());
  for (std::size_t k = 0; k < one.size(); ++k) {
    INFO(metric_list()[k].name);
    CHECK((one[k] == two[k] || (std::isnan(one[k]) && std::isnan(two[k]))));
  }
}

TEST_CASE("sellers' supply keys: bad values are one-line errors naming the pointer", "[supply][errors]") {
  const auto error_of = [](const std::string& sellers) {
    try {
      small({"/market/sellers=" + sellers});
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(R"([{"name": "shop", "lead_time": {"distribution": "normal"}}])"),
             Catch::Contains("/market/sellers/0/lead_time/distribution"));
  CHECK_THAT(error_of(R"([{"name": "shop", "lead_time": {"distribution": "gamma", "mean": 3}}])"),
             Catch::Contains("/market/sellers/0/lead_time/sd"));
  CHECK_THAT(error_of(R"([{"name": "shop", "lead_time": {"distribution": "uniform", "min": 4, "max": 2}}])"),
             Catch::Contains("/market/sellers/0/lead_time/max"));
  CHECK_THAT(error_of(R"([{"name": "shop", "lead_time": {"distribution": "empirical", "values": [1, 2], "weights": [1]}}])"),
             Catch::Contains("/market/sellers/0/lead_time/weights"));
  CHECK_THAT(error_of(R"([{"name": "shop", "lead_time_days": 2, "lead_time": {"distribution": "gamma", "mean": 3, "sd": 1}}])"),
             Catch::Contains("/market/sellers/0/lead_time"));
  CHECK_THAT(error_of(R"([{"name": "shop", "unmet_demand": "queue"}])"), Catch::Contains("/market/sellers/0/unmet_demand"));
  CHECK_THAT(error_of(R"([{"name": "shop", "cancel_rate": 2}])"), Catch::Contains("/market/sellers/0/cancel_rate"));
}

TEST_CASE("promo-stock.json: the promotion-aware forecast loses fewer sales than the moving average (paired 95% CI)",
          "[supply][scenario]") {
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/promo-stock.json");
  const ExperimentResult r = run_experiment(sc);
  std::vector<std::string> arms;
  for (const auto& a : sc.arms) arms.push_back(a.name);
  const ExperimentSummary s = summarize(r.runs, arms, sc.baseline, static_cast<std::size_t>(sc.replications));
  REQUIRE(s.comparisons.size() == 1);
  const PairedComparison& c = s.comparisons.front();
  CHECK(c.arm == "promotion-aware");
  // Fewer lost sales, with the whole 95% interval of the paired difference below 0; it holds more
  // stock for it (holding cost up).
  CHECK(c.difference("lost_sales").high < 0.0);
  CHECK(c.difference("holding_cost").low > 0.0);
}
