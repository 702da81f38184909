// The transaction log reader (calibration/transaction_log.h): each cleaning rule on a hand-made
// CSV (counts and the exact lines left: cancellations netted most recent first, removed at 0,
// unmatched), RFC 4180 quoting, both date formats, day_of, column maps, error messages, and the
// shared 2010-12..2011-08 Online Retail log against figures computed independently.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

#include "calibration/transaction_log.h"
#include "cli_harness.h"
#include "sim/error.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

const std::string kHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

/// The message of the ScenarioError `f` throws.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  FAIL("no ScenarioError thrown");
  return "";
}

}  // namespace

TEST_CASE("each cleaning rule drops and counts its rows, cancellations net the latest lines first",
          "[transaction_log]") {
  const testing::TempDir dir("transaction-log-rules");
  // Line numbers (the header is line 1) and what becomes of each row:
  const std::string file = dir.write("log.csv", kHeader +
      // 2: kept #0: customer 17850 (written 17850.0), item 85123A, day 1, 6 units, 255 cents
      "536001,85123A,\"WHITE HANGING HEART, T-LIGHT HOLDER\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
      // 3: guest; its date (no seconds) is the earliest: day 0 is 2010-11-30
      "536002,22633,HAND WARMER UNION JACK,6,2010-11-30 08:28,1.85,,United Kingdom\n"
      // 4-7: not products: postage, a gift voucher, an ebay code, a 4-digit code
      "536003,POST,POSTAGE,1,2010-12-01 09:00:00,18.00,17850.0,France\n"
      "536003,gift_0001_10,Dotcomgiftshop Gift Voucher £10.00,1,2010-12-01 09:00:00,8.50,17850.0,France\n"
      "536003,DCGS0003,BOXED GLASS ASHTRAY,1,2010-12-01 09:00:00,2.5,17850.0,France\n"
      "536003,8512A,SHORT CODE,1,2010-12-01 09:00:00,1.0,17850.0,France\n"
      // 8-9: zero price (0.004 rounds to 0 cents); the UCI date format
      "536004,22841,ROUND CAKE TIN,1,12/2/2010 14:02,0.0,12647.0,Germany\n"
      "536004,22842,TINY,1,12/2/2010 14:02,0.004,12647.0,Germany\n"
      // 10-12: adjustments: negative and zero quantities on ordinary invoices, a positive one on a
      // C invoice
      "536005,22139,,-5,2010-12-02 10:00:00,1.25,12647.0,United Kingdom\n"
      "536005,22139,,0,2010-12-02 10:00:00,1.25,12647.0,United Kingdom\n"
      "C536006,22139,,3,2010-12-02 10:00:00,1.25,12647.0,United Kingdom\n"
      // 13: kept #1: 12345, 21232, day 3 (UCI format), 10 units, 0.005 -> 1 cent; a quoted
      // description with a comma, an escaped quote and a trailing space
      "536007,21232,\"RECORD FRAME 7\"\" SINGLE, SIZE \",10,12/3/2010 9:05,0.005,12345.0,United Kingdom\n"
      // 14-17: kept #2 (12345, 21232, 4 units), #3 (12345, 22222, 7 units at 2.675 -> 268 cents,
      // exactly: as a double 267.49999...), #4 (99999, 21232, 5 units), #5 (12345 written
      // without .0, 21232, 3 units)
      "536008,21232,,4,2010-12-04 10:00:00,0.85,12345.0,United Kingdom\n"
      "536008,22222,CAKE STAND,7,2010-12-04 10:00:00,2.675,12345.0,United Kingdom\n"
      "536009,21232,,5,2010-12-04 11:00:00,0.85,99999.0,United Kingdom\n"
      "536010,21232,,3,2010-12-05 10:00:00,0.85,12345,United Kingdom\n"
      // 18: cancels 5 of 12345's 21232: #5 3 -> 0 (removed), then #2 4 -> 2
      "C536011,21232,,-5,2010-12-06 10:00:00,0.85,12345.0,United Kingdom\n"
      // 19: cancels 15: #2 2 -> 0, #1 10 -> 0, 3 left over: unmatched
      "C536012,21232,,-15,2010-12-07 10:00:00,0.85,12345.0,United Kingdom\n"
      // 20: kept #6 (12345, 21232, 2 units, day 8): a later purchase, untouched by line 19
      "536013,21232,,2,2010-12-08 10:00:00,0.85,12345.0,United Kingdom\n"
      // 21: #6 2 -> 1
      "C536014,21232,,-1,2010-12-09 10:00:00,0.85,12345.0,United Kingdom\n"
      // 22-24: unmatched: an unknown customer, an item never kept, a known customer and a known
      // item that customer never bought
      "C536015,21232,,-2,2010-12-09 10:00:00,0.85,55555.0,United Kingdom\n"
      "C536016,33333,,-1,2010-12-09 10:00:00,0.85,12345.0,United Kingdom\n"
      "C536017,22222,,-1,2010-12-09 10:00:00,0.85,99999.0,United Kingdom\n"
      // 25: a guest's cancellation is a guest row
      "C536018,85123A,,-2,2010-12-09 10:00:00,2.55,,United Kingdom\n"
      // 26: a guest row's price need not parse (it is read only for the revenue report: unpriced)
      "536019,22633,HAND WARMER,2,2010-12-10 10:00:00,abc,,United Kingdom\n");

  const TransactionLog log = read_transaction_log(file);
  const CleaningReport& r = log.report;
  CHECK(r.rows == 25);
  CHECK(r.guest == 3);
  CHECK(r.non_product == 4);
  CHECK(r.zero_price == 2);
  CHECK(r.adjustments == 3);
  CHECK(r.cancellations == 6);
  CHECK(r.kept == 7);
  CHECK(r.kept + r.guest + r.non_product + r.zero_price + r.adjustments + r.cancellations == r.rows);
  // The revenue each rule took away adds up to the sales revenue of the rows.
  CHECK(r.guest_cents + r.non_product_cents + r.adjustments_cents + r.cancelled_cents + r.kept_cents == r.sales_cents);
  std::int64_t worth = 0;
  for (const Transaction& t : log.lines) worth += static_cast<std::int64_t>(t.quantity) * t.price_cents;
  CHECK(r.kept_cents == worth);
  CHECK(r.unpriced_rows == 1);
  CHECK(r.cancelled_lines == 5);  // #5, #2 (line 18); #2, #1 (line 19); #6 (line 21)
  CHECK(r.unmatched_cancellations == 4);  // lines 19, 22, 23, 24

  CHECK(log.first_date == "2010-11-30");
  CHECK(log.customers == std::vector<std::string>{"17850", "12345", "99999"});
  CHECK(log.items == std::vector<std::string>{"85123A", "21232", "22222"});
  CHECK(log.descriptions ==
        std::vector<std::string>{"WHITE HANGING HEART, T-LIGHT HOLDER", "RECORD FRAME 7\" SINGLE, SIZE", "CAKE STAND"});
  // #0, #3, #4 untouched; #1, #2, #5 removed; #6 reduced to 1.
  const std::vector<Transaction> expected = {
      {0, 0, 1, 6, 255}, {1, 2, 4, 7, 268}, {2, 1, 4, 5, 85}, {1, 1, 8, 1, 85}};
  CHECK(log.lines == expected);
}

TEST_CASE("day_of counts days from first_date and refuses malformed dates", "[transaction_log]") {
  TransactionLog log;
  log.first_date = "2010-11-30";
  CHECK(log.day_of("2010-11-30") == 0);
  CHECK(log.day_of("2010-12-01") == 1);
  CHECK(log.day_of("2010-11-01") == -29);
  CHECK(log.day_of("2011-03-01") == 91);   // 1 + 30 (Dec) + 31 (Jan) + 28 (Feb) + 1
  CHECK(log.day_of("2012-03-01") == 457);  // + 365 + 1 (2012-02-29)
  for (const char* bad : {"", "2010-13-01", "2011-02-29", "2010-12-1", "2010-12-01 08:00", "12/1/2010", "2010/12/01"}) {
    INFO(bad);
    CHECK_THROWS_AS(log.day_of(bad), std::invalid_argument);
  }
  // A log without data rows has no day 0.
  const testing::TempDir dir("transaction-log-empty");
  const TransactionLog empty = read_transaction_log(dir.write("empty.csv", kHeader));
  CHECK(empty.report.rows == 0);
  CHECK(empty.lines.empty());
  CHECK(empty.first_date.empty());
  CHECK_THROWS_AS(empty.day_of("2010-12-01"), std::invalid_argument);
}

TEST_CASE("the reader takes a byte order mark, CRLF, blank lines, any column order and line breaks in quotes",
          "[transaction_log]") {
  const testing::TempDir dir("transaction-log-format");
  const std::string file = dir.write("log.csv",
      "\xEF\xBB\xBF" "Country,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo\r\n"
      "France, 12680.0 , 1.5 ,2011-08-31T17:45:59, 3 ,\"TWO\r\nLINES\",  23084 ,564001\r\n"
      "\r\n"
      "France,12680.0,4,1/1/2011 0:00:00,2.0,,23085,564002\r\n"
      "\n");
  const TransactionLog log = read_transaction_log(file);
  CHECK(log.report.rows == 2);
  CHECK(log.report.kept == 2);
  CHECK(log.first_date == "2011-01-01");
  CHECK(log.customers == std::vector<std::string>{"12680"});
  CHECK(log.items == std::vector<std::string>{"23084", "23085"});
  CHECK(log.descriptions == std::vector<std::string>{"TWO\r\nLINES", ""});
  const std::vector<Transaction> expected = {{0, 0, 242, 3, 150}, {0, 1, 0, 2, 400}};
  CHECK(log.lines == expected);
}

TEST_CASE("a column map renames columns, keeps the defaults of keys it leaves out, and refuses what it does not know",
          "[transaction_log]") {
  const testing::TempDir dir("transaction-log-map");
  const std::string map_file = dir.write("map.json", R"({"item": "Code", "customer": "Client", "price": "Price"})");
  const ColumnMap map = read_column_map(map_file);
  // The shipped map of the shared log is the default.
  const ColumnMap shipped = read_column_map(MARKETSIM_SOURCE_DIR "/calibration/online-retail.map.json");
  const ColumnMap defaults;
  CHECK(std::tie(shipped.invoice, shipped.item, shipped.description, shipped.quantity, shipped.date, shipped.price,
                 shipped.customer) == std::tie(defaults.invoice, defaults.item, defaults.description, defaults.quantity,
                                               defaults.date, defaults.price, defaults.customer));
  CHECK(map.item == "Code");
  CHECK(map.customer == "Client");
  CHECK(map.price == "Price");
  CHECK(map.invoice == "InvoiceNo");
  CHECK(map.date == "InvoiceDate");
  const std::string csv = dir.write("log.csv",
      "InvoiceNo,Code,Description,Quantity,InvoiceDate,Price,Client\n"
      "1,12345,THING,2,2011-01-01 10:00,1.99,A-17\n");
  const TransactionLog log = read_transaction_log(csv, map);
  CHECK(log.customers == std::vector<std::string>{"A-17"});
  CHECK(log.lines == std::vector<Transaction>{{0, 0, 0, 2, 199}});
  // The default map does not find the renamed columns.
  CHECK_THAT(error_of([&] { read_transaction_log(csv); }), Catch::Contains("StockCode"));

  SECTION("an unknown key") {
    const std::string file = dir.write("unknown.json", R"({"item": "Code", "sku": "X"})");
    const std::string what = error_of([&] { read_column_map(file); });
    CHECK_THAT(what, Catch::Contains(file + ": /sku: unknown key"));
    CHECK_THAT(what, Catch::Contains("allowed: invoice, item, description, quantity, date, price, customer"));
  }
  SECTION("a key needing escapes in its pointer") {
    const std::string file = dir.write("escape.json", R"({"a/b~c": "X"})");
    CHECK_THAT(error_of([&] { read_column_map(file); }), Catch::Contains(file + ": /a~1b~0c: unknown key"));
  }
  SECTION("a value that is not a string") {
    const std::string file = dir.write("number.json", R"({"quantity": 5})");
    const std::string what = error_of([&] { read_column_map(file); });
    CHECK_THAT(what, Catch::Contains(file + ": /quantity: expected a column name (a non-empty string), got number"));
  }
  SECTION("an empty name") {
    const std::string file = dir.write("blank.json", R"({"date": ""})");
    CHECK_THAT(error_of([&] { read_column_map(file); }), Catch::Contains(file + ": /date: expected a column name"));
  }
  SECTION("a duplicate key") {
    const std::string file = dir.write("twice.json", R"({"item": "A", "item": "B"})");
    CHECK_THAT(error_of([&] { read_column_map(file); }), Catch::Contains(file + ": /item: duplicate key"));
  }
  SECTION("not an object, not JSON, no file") {
    const std::string list = dir.write("list.json", R"(["item"])");
    CHECK_THAT(error_of([&] { read_column_map(list); }), Catch::Contains(list + ": /: expected an object"));
    const std::string broken = dir.write("broken.json", R"({"item": )");
    CHECK_THAT(error_of([&] { read_column_map(broken); }), Catch::Contains(broken + ": /: invalid JSON"));
    const std::string missing = (dir.path / "missing.json").string();
    CHECK_THAT(error_of([&] { read_column_map(missing); }), Catch::Contains(missing + ": /: cannot open the column map"));
  }
}

TEST_CASE("reading errors name the file, the line and the column", "[transaction_log]") {
  const testing::TempDir dir("transaction-log-errors");
  SECTION("a column missing from the header") {
    const std::string file = dir.write("log.csv",
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,CustomerID\n");
    const std::string what = error_of([&] { read_transaction_log(file); });
    CHECK_THAT(what, Catch::Contains(file + ": line 1: column \"UnitPrice\" is missing from the header"));
    ColumnMap map;
    map.customer = "Client";
    CHECK_THAT(error_of([&] { read_transaction_log(file, map); }), Catch::Contains("\"UnitPrice\""));
    map.price = "Quantity";  // UnitPrice is not needed now: Client is the first missing one
    CHECK_THAT(error_of([&] { read_transaction_log(file, map); }), Catch::Contains("column \"Client\" is missing"));
  }
  SECTION("a kept row's quantity that does not parse, after a record of two lines") {
    const std::string file = dir.write("log.csv", kHeader +
        "536001,85123A,\"TWO\nLINES\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        "536002,85123A,X,six,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n");
    CHECK_THAT(error_of([&] { read_transaction_log(file); }),
               Catch::Contains(file + ": line 4: column \"Quantity\": expected an integer, got \"six\""));
  }
  SECTION("a price that does not parse") {
    const std::string file = dir.write("log.csv", kHeader + "536002,85123A,X,6,2010-12-01 08:26:00,£2.55,17850.0,UK\n");
    CHECK_THAT(error_of([&] { read_transaction_log(file); }), Catch::Contains(": line 2: column \"UnitPrice\": expected a decimal number"));
  }
  SECTION("a date that does not parse, on any row") {
    const std::string file = dir.write("log.csv", kHeader + "536002,85123A,X,6,2010-02-30 08:26:00,2.55,,UK\n");
    CHECK_THAT(error_of([&] { read_transaction_log(file); }), Catch::Contains(": line 2: column \"InvoiceDate\": expected a date"));
  }
  SECTION("a row with another number of fields") {
    const std::string file = dir.write("log.csv", kHeader + "536002,85123A,A, B,6,2010-12-01 08:26:00,2.55,17850.0,UK\n");
    CHECK_THAT(error_of([&] { read_transaction_log(file); }), Catch::Contains(": line 2: 9 fields where the header has 8"));
  }
  SECTION("broken quoting") {
    const std::string open = dir.write("open.csv", kHeader + "536002,85123A,\"A,6,2010-12-01 08:26:00,2.55,17850.0,UK\n");
    CHECK_THAT(error_of([&] { read_transaction_log(open); }), Catch::Contains(": line 2: a quoted field is not closed"));
    const std::string after = dir.write("after.csv", kHeader + "536002,85123A,\"A\"B,6,2010-12-01 08:26:00,2.55,17850.0,UK\n");
    CHECK_THAT(error_of([&] { read_transaction_log(after); }), Catch::Contains(": line 2: field 3: text after a quoted field"));
  }
  SECTION("no file, an empty file") {
    const std::string missing = (dir.path / "missing.csv").string();
    CHECK_THAT(error_of([&] { read_transaction_log(missing); }), Catch::Contains(missing + ": /: cannot open the transaction log"));
    const std::string empty = dir.write("empty.csv", "");
    CHECK_THAT(error_of([&] { read_transaction_log(empty); }), Catch::Contains(empty + ": line 1: the file is empty"));
  }
}

TEST_CASE("the shared 2010-12 to 2011-08 Online Retail log cleans as an independent reading does",
          "[transaction_log]") {
  const std::string file = testing::shared_retail_log().string();
  if (!fs::is_regular_file(file)) {
    WARN("skipped (no data): " << file << " not found (set MARKETSIM_DATA to the folder holding online-retail/)");
    return;
  }
  const TransactionLog log = read_transaction_log(file);

  // The figures below were computed independently with /usr/bin/python3 (stdlib csv.DictReader,
  // decimal.Decimal quantize ROUND_HALF_UP for the cents, datetime.date for the days, re for
  // ^[0-9]{5}[A-Za-z]*$), applying the same rules in the same order to the same file; its 223,935
  // lines (customer, item, day, quantity, cents) were also compared one by one with this
  // reader's: identical. The guest count agrees with awk -F, '$(NF-1)==""' (88,652).
  const CleaningReport& r = log.report;
  CHECK(r.rows == 320705);
  CHECK(r.guest == 88652);
  CHECK(r.non_product == 1147);
  CHECK(r.zero_price == 20);
  CHECK(r.cancellations == 5328);
  CHECK(r.adjustments == 0);  // all 925 negative quantities on ordinary invoices are guests'
  CHECK(r.kept == 225558);
  CHECK(r.cancelled_lines == 4531);
  CHECK(r.unmatched_cancellations == 904);
  CHECK(r.kept + r.guest + r.non_product + r.zero_price + r.adjustments + r.cancellations == r.rows);
  // Revenue in cents (quantity x price rounded to the cent, rows with both positive), from the
  // same independent reading (cancellations netted against the customer's latest lines of the
  // item at those lines' prices): guests take 16.9% of the sales revenue.
  CHECK(r.sales_cents == 630482606);
  CHECK(r.guest_cents == 106558550);
  CHECK(r.non_product_cents == 8009382);
  CHECK(r.adjustments_cents == 0);
  CHECK(r.cancelled_cents == 23396164);
  CHECK(r.kept_cents == 492518510);
  CHECK(r.unpriced_rows == 0);

  CHECK(log.first_date == "2010-12-01");
  REQUIRE(log.lines.size() == 223935);
  CHECK(log.customers.size() == 3314);  // customers with a kept row
  CHECK(log.items.size() == 3388);
  CHECK(log.descriptions.size() == log.items.size());
  std::set<std::uint32_t> customers, items;
  std::uint64_t units = 0;
  std::int64_t revenue_cents = 0;
  bool positive = true, ordered = true;
  std::int32_t last_day = 0;
  for (const Transaction& t : log.lines) {
    customers.insert(t.customer);
    items.insert(t.item);
    units += t.quantity;
    revenue_cents += t.price_cents * t.quantity;
    positive = positive && t.quantity > 0 && t.price_cents > 0;
    ordered = ordered && t.day >= last_day;
    last_day = t.day;
  }
  CHECK(positive);
  CHECK(ordered);
  CHECK(customers.size() == 3309);  // 5 customers' lines were all cancelled (12346: 74,215 jars)
  CHECK(items.size() == 3382);
  CHECK(units == 2943647);
  CHECK(revenue_cents == 492518510);
  CHECK(last_day == 273);  // 2011-08-31
  CHECK(log.day_of("2011-08-31") == 273);
  const Transaction& first = log.lines.front();
  CHECK(log.customers[first.customer] == "17850");
  CHECK(log.items[first.item] == "85123A");
  CHECK(log.descriptions[first.item] == "WHITE HANGING HEART T-LIGHT HOLDER");
  CHECK(first == Transaction{first.customer, first.item, 0, 6, 255});
  const Transaction& last = log.lines.back();
  CHECK(log.customers[last.customer] == "15856");
  CHECK(log.items[last.item] == "22741");
  CHECK(last == Transaction{last.customer, last.item, 273, 48, 85});
  CHECK(std::find(log.customers.begin(), log.customers.end(), "12346") != log.customers.end());
}
