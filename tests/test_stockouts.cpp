// stockouts.csv (analysis/outputs/stockouts.cpp), the run collector's stock alerts
// (RunResult::stock_alerts) and the report's Stock section: a seasonal seller that starts with 3
// units an offer and never restocks runs out. Under lost sales each alert day's units lost add up,
// over products, to the day's lost_sales in daily.csv, and stock is 0 at the end of a day that lost
// a unit; under back-orders without cancellations nothing is lost, and the units waiting at a day's
// end are the units back-ordered so far. The file is in the default set and the same bytes on 1
// and 2 threads; report.html's Stock section draws from it.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/output_registry.h"
#include "cli_harness.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kHeader = {"arm",   "replication",  "seller",       "warehouse",          "product",
                                          "day",   "warmup",       "units_short",  "units_lost",         "units_backordered",
                                          "units_waiting", "stock", "safety_stock", "below_safety_stock"};

/// Two arms of 1,500 consumers and 30 products over 14 days (2 of warm-up), 2 replications; each
/// arm's seller starts with 3 units an offer and never restocks. `seller` is the seller's object.
std::string scenario_text(const std::string& seller = R"({"name": "shop"})",
                          const std::string& replenishment = R"({"name": "none", "initial": 3})") {
  return R"({
    "name": "stockouts-test", "seed": 21, "replications": 2, "horizon_days": 14, "warmup_days": 2,
    "engine": {"shard_size": 300},
    "market": {
      "latent_dimensions": 4, "intercept": 0.5, "browse_slots": 4, "lead_time_days": 2,
      "categories": [{"name": "goods", "products": 30, "price_min": 5, "price_max": 20}],
      "segments": [{"name": "shoppers", "consumers": 1500, "visit_rate": 0.5}],
      "sellers": [)" + seller + R"(]},
    "arms": [
      {"name": "season", "baseline": true, "recommendation": {"name": "popular_plus_random", "popular": 4, "random": 0},
       "replenishment": )" + replenishment + R"(},
      {"name": "season_too", "recommendation": {"name": "popular_plus_random", "popular": 2, "random": 2},
       "replenishment": )" + replenishment + R"(}]})";
}

/// stockouts.csv's rows as numbers by column name (the header is checked).
struct Alert {
  std::string arm;
  long replication, product, day, warmup, short_units, lost, backordered, waiting, stock, safety, below;
};

std::vector<Alert> alerts_of(const std::string& text) {
  const auto rows = testing::csv_rows(text);
  REQUIRE(!rows.empty());
  REQUIRE(rows[0] == kHeader);
  std::vector<Alert> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& f = rows[r];
    REQUIRE(f.size() == kHeader.size());
    CHECK(f[2] == "shop");
    CHECK(f[3] == "main");
    out.push_back(Alert{f[0], std::stol(f[1]), std::stol(f[4]), std::stol(f[5]), std::stol(f[6]), std::stol(f[7]),
                        std::stol(f[8]), std::stol(f[9]), std::stol(f[10]), std::stol(f[11]), std::stol(f[12]),
                        std::stol(f[13])});
  }
  return out;
}

/// daily.csv's column `metric` by (arm, replication, day).
std::map<std::tuple<std::string, long, long>, double> daily_column(const std::string& text, const std::string& metric) {
  const auto rows = testing::csv_rows(text);
  REQUIRE(!rows.empty());
  std::size_t col = 0;
  while (col < rows[0].size() && rows[0][col] != metric) ++col;
  REQUIRE(col < rows[0].size());
  std::map<std::tuple<std::string, long, long>, double> out;
  for (std::size_t r = 1; r < rows.size(); ++r) out[{rows[r][0], std::stol(rows[r][1]), std::stol(rows[r][2])}] = std::stod(rows[r][col]);
  return out;
}

}  // namespace

TEST_CASE("stockouts.csv: units lost per day add up to daily.csv's lost_sales, same bytes on 1 and 2 threads",
          "[stockouts][outputs]") {
  const testing::TempDir dir("stockouts-lost");
  const std::string scenario = dir.write("scenario.json", scenario_text());
  for (const char* threads : {"1", "2"}) {
    const testing::Result r =
        testing::cli({"run", scenario, "--threads", threads, "--quiet", "--out", (dir.path / (std::string("t") + threads)).string()});
    REQUIRE(r.code == 0);
  }
  const std::string text = testing::slurp(dir.path / "t1" / "stockouts.csv");  // in the default set
  REQUIRE(!text.empty());
  CHECK(text == testing::slurp(dir.path / "t2" / "stockouts.csv"));
  const std::vector<Alert> alerts = alerts_of(text);
  const auto lost_sales = daily_column(testing::slurp(dir.path / "t1" / "daily.csv"), "lost_sales");
  REQUIRE(lost_sales.size() == 2u * 2u * 14u);
  std::map<std::tuple<std::string, long, long>, double> lost_by_day;
  std::map<std::pair<std::string, long>, long> measured_lost;  // (arm, replication) -> units lost after warm-up
  double total = 0.0;
  for (const Alert& a : alerts) {
    INFO(a.arm << " replication " << a.replication << " product " << a.product << " day " << a.day);
    CHECK(a.short_units == a.lost + a.backordered);
    CHECK(a.backordered == 0);
    CHECK(a.waiting == 0);
    CHECK(a.safety == 0);  // "none" plans no safety stock
    CHECK(a.below == 0);
    CHECK(a.lost > 0);     // nothing else to report under lost sales without a safety stock
    CHECK(a.stock == 0);   // never restocked: a day that lost a unit ends with nothing on hand
    CHECK(a.warmup == (a.day < 2 ? 1 : 0));
    lost_by_day[{a.arm, a.replication, a.day}] += static_cast<double>(a.lost);
    if (a.warmup == 0) measured_lost[{a.arm, a.replication}] += a.lost;
    total += static_cast<double>(a.lost);
  }
  CHECK(total > 0);
  for (const auto& [key, lost] : lost_sales) {
    INFO(std::get<0>(key) << " replication " << std::get<1>(key) << " day " << std::get<2>(key));
    CHECK(lost_by_day[key] == lost);
  }
  // Rows sorted by arm, replication, product and day (one seller, one warehouse).
  for (std::size_t k = 1; k < alerts.size(); ++k) {
    const Alert &p = alerts[k - 1], &a = alerts[k];
    const std::size_t pa = p.arm == "season" ? 0 : 1, aa = a.arm == "season" ? 0 : 1;
    CHECK(std::tie(pa, p.replication, p.product, p.day) < std::tie(aa, a.replication, a.product, a.day));
  }
  // The measured days' units lost are runs.csv's lost_sales, run by run.
  const auto runs = testing::csv_rows(testing::slurp(dir.path / "t1" / "runs.csv"));
  std::size_t col = 0;
  while (col < runs[0].size() && runs[0][col] != "lost_sales") ++col;
  REQUIRE(col < runs[0].size());
  REQUIRE(runs.size() == 5);
  for (std::size_t r = 1; r < runs.size(); ++r) CHECK(measured_lost[{runs[r][0], std::stol(runs[r][1])}] == std::stol(runs[r][col]));
}

TEST_CASE("stockouts.csv: back-orders without cancellations lose nothing and wait until the end",
          "[stockouts][outputs]") {
  const testing::TempDir dir("stockouts-backorder");
  const std::string scenario =
      dir.write("scenario.json", scenario_text(R"({"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0})"));
  const testing::Result r = testing::cli({"run", scenario, "--threads", "2", "--quiet", "--out", (dir.path / "out").string(),
                                          "--outputs", "daily.csv,stockouts.csv"});
  REQUIRE(r.code == 0);
  const std::vector<Alert> alerts = alerts_of(testing::slurp(dir.path / "out" / "stockouts.csv"));
  const auto backordered = daily_column(testing::slurp(dir.path / "out" / "daily.csv"), "units_backordered");
  const auto lost_sales = daily_column(testing::slurp(dir.path / "out" / "daily.csv"), "lost_sales");
  std::map<std::tuple<std::string, long, long>, double> by_day;
  std::map<std::tuple<std::string, long, long>, long> waiting;  // (arm, replication, product) -> back-ordered so far
  std::map<std::tuple<std::string, long, long>, long> last_day;
  long total = 0;
  for (const Alert& a : alerts) {
    INFO(a.arm << " replication " << a.replication << " product " << a.product << " day " << a.day);
    CHECK(a.lost == 0);
    CHECK(a.short_units == a.backordered);
    CHECK(a.stock == 0);
    const std::tuple<std::string, long, long> offer{a.arm, a.replication, a.product};
    // Once a unit waits, every later day has a row (it waits to the end: no delivery, no cancellation).
    if (last_day.contains(offer)) CHECK(a.day == last_day[offer] + 1);
    last_day[offer] = a.day;
    waiting[offer] += a.backordered;
    CHECK(a.waiting == waiting[offer]);
    by_day[{a.arm, a.replication, a.day}] += static_cast<double>(a.backordered);
    total += a.backordered;
  }
  CHECK(total > 0);
  for (const auto& [offer, day] : last_day) CHECK(day == 13);
  for (const auto& [key, units] : backordered) CHECK(by_day[key] == units);
  for (const auto& [key, lost] : lost_sales) CHECK(lost == 0);
}

TEST_CASE("stock alerts: below safety stock is stock under the planned safety stock, and the stored form keeps the rows",
          "[stockouts]") {
  const Scenario sc = parse_scenario(
      Json::parse(scenario_text(R"({"name": "shop"})", R"({"name": "forecast", "z": 2, "initial_demand_per_visit": 0.05})")),
      "stockouts-test.json");
  const ExperimentResult result = run_experiment(sc);
  std::size_t planned = 0;
  for (const RunResult& r : result.runs) {
    for (const StockAlertRow& a : r.stock_alerts) {
      CHECK(a.below_safety_stock() == (a.stock < a.safety_stock));
      CHECK(a.short_units == a.lost_units + a.backordered_units);
      CHECK((a.short_units > 0 || a.lost_units > 0 || a.backordered_units > 0 || a.waiting_units > 0 || a.below_safety_stock()));
      planned += a.safety_stock > 0 ? 1 : 0;
    }
    CHECK(run_result_from_json(run_result_json(r)).stock_alerts == r.stock_alerts);
  }
  CHECK(planned > 0);
}

TEST_CASE("report.html has the Stock section: stock, lost sales and back-orders per day, fill and ready rates, top products",
          "[stockouts][report]") {
  const testing::TempDir dir("stockouts-report");
  const std::string scenario =
      dir.write("scenario.json", scenario_text(R"({"name": "shop", "unmet_demand": "backorder", "cancel_rate": 0.2})"));
  const testing::Result r = testing::cli({"run", scenario, "--quiet", "--report", "--out", (dir.path / "out").string()});
  REQUIRE(r.code == 0);
  const std::string html = testing::slurp(dir.path / "out" / "report.html");
  CHECK(html.find("<h2 id=\"stock\">Stock</h2>") != std::string::npos);
  CHECK(html.find("Arm season: units on hand at the day&#39;s end (left axis)") != std::string::npos);
  CHECK(html.find("units back-ordered") != std::string::npos);
  CHECK(html.find("fill rate (units shipped from stock when ordered / units ordered) and ready rate") != std::string::npos);
  CHECK(html.find("products with the most days below their safety stock") != std::string::npos);
  CHECK(html.find("data-expected=\"0\"") == std::string::npos);
  // `marketsim report DIR` gives the same page from the directory's files (stockouts.csv is in the
  // default set), and without stockouts.csv draws the rest of the section.
  fs::remove(dir.path / "out" / "report.html");
  REQUIRE(testing::cli({"report", (dir.path / "out").string()}).code == 0);
  CHECK(testing::slurp(dir.path / "out" / "report.html") == html);
  fs::remove(dir.path / "out" / "stockouts.csv");
  fs::remove(dir.path / "out" / "report.html");
  REQUIRE(testing::cli({"report", (dir.path / "out").string()}).code == 0);
  const std::string without = testing::slurp(dir.path / "out" / "report.html");
  CHECK(without.find("<h2 id=\"stock\">Stock</h2>") != std::string::npos);
  CHECK(without.find("products with the most days below their safety stock") == std::string::npos);
}
