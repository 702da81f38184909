// transactions.csv: a run's order lines as a retail transaction log. Units and revenue reconcile
// with runs.csv run by run (order-level discounts as "D" lines), the transaction-log reader
// (calibration/) reads it back as it reads the real log, dates start at the scenario's
// start_date, the bytes do not depend on threads, and the output is opt-in.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "calibration/transaction_log.h"
#include "cli/command.h"
#include "cli_harness.h"
#include "sim/dates.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

std::int64_t cents(const std::string& money) { return std::llround(std::stod(money) * 100.0); }

const std::vector<std::string> kSmall = {"--set", "/market/segments/0/consumers=3000", "--set", "/warmup_days=0",
                                         "--replications", "2", "--quiet"};

}  // namespace

TEST_CASE("transactions.csv reconciles with runs.csv and reads back as a transaction log", "[transactions]") {
  const testing::TempDir dir("transactions");
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/threshold-sale.json";
  std::string texts[2];
  for (int threads = 1; threads <= 2; ++threads) {
    const fs::path out = dir.path / std::to_string(threads);
    std::vector<std::string> args = {"run", scenario, "--threads", std::to_string(threads), "--out", out.string(),
                                     "--outputs", "runs.csv,transactions.csv", "--set", "/start_date=2011-12-01"};
    args.insert(args.end(), kSmall.begin(), kSmall.end());
    const testing::Result r = testing::cli(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    texts[threads - 1] = testing::slurp(out / "transactions.csv");
  }
  CHECK(texts[0] == texts[1]);  // the same bytes on 1 and 2 threads
  const fs::path out = dir.path / "1";

  const auto rows = testing::csv_rows(texts[0]);
  REQUIRE(rows.size() > 100);
  CHECK(rows[0] == std::vector<std::string>{"arm", "replication", "InvoiceNo", "StockCode", "Description", "Quantity",
                                            "InvoiceDate", "UnitPrice", "CustomerID", "Country"});
  // Per run: units and revenue (cents) from the log, against runs.csv.
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> from_log;
  std::size_t discount_lines = 0, product_lines = 0, malformed = 0;
  std::string first_date = "9999";
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const auto& f = rows[k];
    if (f.size() != 10) {
      ++malformed;
      continue;
    }
    auto& [units, revenue] = from_log[{f[0], f[1]}];
    malformed += f[9] != "shoppers";
    first_date = std::min(first_date, f[6].substr(0, 10));
    if (f[3] == "D") {
      ++discount_lines;
      malformed += !f[2].starts_with("C") || f[5] != "-1";
      revenue -= cents(f[7]);
    } else {
      ++product_lines;
      malformed += f[3].size() != 5;  // a product code the reader keeps
      units += std::stoll(f[5]);
      revenue += std::stoll(f[5]) * cents(f[7]);
    }
  }
  CHECK(malformed == 0);
  CHECK(first_date == "2011-12-01");
  CHECK(discount_lines > 0);  // the threshold arm's "spend 40, get 6 off"
  const auto runs = testing::csv_rows(testing::slurp(out / "runs.csv"));
  std::size_t units_col = 0, revenue_col = 0;
  for (std::size_t c = 0; c < runs[0].size(); ++c) {
    if (runs[0][c] == "units") units_col = c;
    if (runs[0][c] == "revenue") revenue_col = c;
  }
  REQUIRE(runs.size() == 7);  // 3 arms x 2 replications
  for (std::size_t k = 1; k < runs.size(); ++k) {
    INFO(runs[k][0] << " replication " << runs[k][1]);
    const auto& [units, revenue] = from_log.at({runs[k][0], runs[k][1]});
    CHECK(units == std::stoll(runs[k][units_col]));
    CHECK(revenue == std::llround(std::stod(runs[k][revenue_col]) * 100.0));
  }

  // The reader keeps every product line (no guests, no zero prices) and drops the discounts as
  // non-product codes; one customer id per consumer (runs share ids).
  const TransactionLog log = read_transaction_log((out / "transactions.csv").string());
  CHECK(log.report.kept == product_lines);
  CHECK(log.report.non_product == discount_lines);
  CHECK(log.report.guest == 0);
  CHECK(log.first_date == "2011-12-01");
  std::int64_t units = 0;
  for (const Transaction& t : log.lines) units += t.quantity;
  std::int64_t expected = 0;
  for (const auto& [run, totals] : from_log) expected += totals.first;
  CHECK(units == expected);
  CHECK(log.customers.size() <= 3000);
}

TEST_CASE("transactions.csv is opt-in, and start_date must be a date", "[transactions]") {
  const testing::TempDir dir("transactions");
  const std::string scenario = MARKETSIM_SOURCE_DIR "/scenarios/threshold-sale.json";
  std::vector<std::string> args = {"run", scenario, "--out", (dir.path / "default").string()};
  args.insert(args.end(), kSmall.begin(), kSmall.end());
  REQUIRE(testing::cli(args).code == 0);
  CHECK(fs::exists(dir.path / "default" / "runs.csv"));
  CHECK_FALSE(fs::exists(dir.path / "default" / "transactions.csv"));

  const testing::Result bad = testing::cli({"run", scenario, "--set", "/start_date=2011-02-30", "--quiet"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("/start_date: expected a date \"YYYY-MM-DD\""));
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}

TEST_CASE("calendar dates: day numbers, text and weekdays", "[transactions]") {
  CHECK(parse_iso_date("1970-01-01") == 0);
  CHECK(parse_iso_date("2011-12-01") == 15309);
  CHECK(civil_date_text(15309) == "2011-12-01");
  CHECK(weekday(*parse_iso_date("2024-01-01")) == 0);  // a Monday
  CHECK(weekday(*parse_iso_date("2011-12-04")) == 6);  // a Sunday
  CHECK(weekday(-1) == 2);                             // 1969-12-31, a Wednesday
  CHECK_FALSE(parse_iso_date("2011-02-29").has_value());
  CHECK_FALSE(parse_iso_date("2011-1-01").has_value());
  CHECK_FALSE(parse_iso_date("2011-01-01 ").has_value());
}
