// breakdown.csv: every metric broken down along the dimensions it declares (MetricInfo::breakdown),
// and its rows adding up to runs.csv's totals.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/metric.h"
#include "analysis/run_result.h"
#include "tests/cli_harness.h"

namespace marketsim {
namespace {

using testing::cli;
using testing::slurp;

using Row = std::vector<std::string>;

/// A CSV file without quoted fields, as rows of fields.
std::vector<Row> read_csv(const std::string& text) {
  std::vector<Row> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    Row row;
    std::string field;
    std::istringstream fields(line);
    while (std::getline(fields, field, ',')) row.push_back(field);
    if (!line.empty() && line.back() == ',') row.emplace_back();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::size_t column(const Row& header, const std::string& name) {
  for (std::size_t k = 0; k < header.size(); ++k) {
    if (header[k] == name) return k;
  }
  FAIL("no column " << name);
  return 0;
}

/// The dimensions of a breakdown.csv row (`*`: spans the dimension).
unsigned dims_of(const Row& row, std::size_t seller, std::size_t category, std::size_t segment) {
  return (row[seller] != "*" ? kBySeller : 0u) | (row[category] != "*" ? kByCategory : 0u) |
         (row[segment] != "*" ? kBySegment : 0u);
}

struct Files {
  std::vector<Row> runs, breakdown;
};

/// summer-sale at 5,000 consumers in two segments, one replication: runs.csv and breakdown.csv.
const Files& summer_sale() {
  static const Files files = [] {
    testing::TempDir dir("breakdown");
    const auto r = cli({"run", MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json", "--out", dir.path.string(),
                        "--outputs", "runs.csv,breakdown.csv", "--threads", "2", "--quiet", "--set",
                        "/market/segments/0/consumers=2000", "--set", "/market/segments/1/consumers=3000", "--set",
                        "/replications=1"});
    REQUIRE(r.code == 0);
    return Files{read_csv(slurp(dir.path / "runs.csv")), read_csv(slurp(dir.path / "breakdown.csv"))};
  }();
  return files;
}

double number(const std::string& field) { return std::stod(field); }

}  // namespace

TEST_CASE("every metric is a column of breakdown.csv with values only in the rows of its dimensions",
          "[breakdown]") {
  const Files& f = summer_sale();
  REQUIRE(f.breakdown.size() > 1);
  const Row& header = f.breakdown[0];
  const std::size_t s = column(header, "seller"), c = column(header, "category"), g = column(header, "segment");
  std::set<unsigned> kinds;
  for (std::size_t i = 1; i < f.breakdown.size(); ++i) kinds.insert(dims_of(f.breakdown[i], s, c, g));
  for (const MetricInfo& m : metric_list()) {
    INFO("metric " << m.name << ", breakdown " << breakdown_name(m.breakdown));
    const std::size_t k = column(header, m.name);
    CHECK(kinds.count(m.breakdown) == 1);  // it has rows
    for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
      const Row& row = f.breakdown[i];
      REQUIRE(row.size() == header.size());
      if (!row[k].empty()) CHECK(dims_of(row, s, c, g) == m.breakdown);
    }
  }
  // The metrics that add up over order lines are in every cell (also the empty ones).
  for (const char* name : {"units", "revenue", "gross_profit"}) {
    const std::size_t k = column(header, name);
    for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
      if (dims_of(f.breakdown[i], s, c, g) == kBreakdownCell) CHECK(!f.breakdown[i][k].empty());
    }
  }
  // The total row is last in each run, and holds the run's total of every metric without a breakdown.
  const Row& last = f.breakdown.back();
  CHECK(dims_of(last, s, c, g) == kBreakdownTotal);
}

TEST_CASE("breakdown.csv's rows add up to runs.csv's totals", "[breakdown]") {
  const Files& f = summer_sale();
  const Row& header = f.breakdown[0];
  const Row& runs_header = f.runs[0];
  REQUIRE(f.runs.size() == 1 + 3);  // 3 arms x 1 replication
  const std::size_t arm = column(header, "arm"), s = column(header, "seller"), c = column(header, "category"),
                    g = column(header, "segment");
  for (std::size_t r = 1; r < f.runs.size(); ++r) {
    const std::string& name = f.runs[r][column(runs_header, "arm")];
    INFO("arm " << name);
    for (const MetricInfo& m : metric_list()) {
      const bool additive = m.totaling == Totaling::kSum || m.name == "active_customers" || m.name == "new_customers";
      const std::string& total_field = f.runs[r][column(runs_header, m.name)];
      const std::size_t k = column(header, m.name);
      double sum = 0.0;
      std::size_t values = 0;
      for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
        const Row& row = f.breakdown[i];
        if (row[arm] != name || row[k].empty()) continue;
        sum += number(row[k]);
        ++values;
      }
      INFO("metric " << m.name << " (" << breakdown_name(m.breakdown) << ")");
      if (m.breakdown == kBreakdownTotal) {  // the total row holds the run's total, as runs.csv
        for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
          const Row& row = f.breakdown[i];
          if (row[arm] == name && dims_of(row, s, c, g) == kBreakdownTotal) CHECK(row[k] == total_field);
        }
        continue;
      }
      if (total_field.empty() || !additive) continue;
      const double total = number(total_field);
      if (m.unit == MetricUnit::kMoney) {
        CHECK(std::llround(sum * 100.0) == std::llround(total * 100.0));  // to the cent
      } else {
        CHECK(sum == total);
      }
      CHECK(values > 0);
    }
    // stock_on_hand, a mean over days per seller x category, adds up to the marketplace's mean.
    const std::size_t stock = column(header, "stock_on_hand");
    double sum = 0.0;
    for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
      if (f.breakdown[i][arm] == name && !f.breakdown[i][stock].empty()) sum += number(f.breakdown[i][stock]);
    }
    CHECK(sum == Approx(number(f.runs[r][column(runs_header, "stock_on_hand")])).epsilon(1e-12));
  }
}

TEST_CASE("per-segment visits and conversions add up to the totals on a two-segment market, and each "
          "segment's conversion rate is its conversions over its visits",
          "[breakdown]") {
  const Files& f = summer_sale();
  const Row& header = f.breakdown[0];
  const Row& runs_header = f.runs[0];
  const std::size_t arm = column(header, "arm"), s = column(header, "seller"), c = column(header, "category"),
                    g = column(header, "segment");
  const std::size_t visits = column(header, "visits"), conversions = column(header, "conversions"),
                    rate = column(header, "conversion_rate");
  for (std::size_t r = 1; r < f.runs.size(); ++r) {
    const std::string& name = f.runs[r][column(runs_header, "arm")];
    INFO("arm " << name);
    double v = 0, q = 0;
    std::set<std::string> segments;
    for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
      const Row& row = f.breakdown[i];
      if (row[arm] != name || dims_of(row, s, c, g) != kBySegment) continue;
      segments.insert(row[g]);
      const double sv = number(row[visits]), sq = number(row[conversions]);
      CHECK(sv > 0);
      CHECK(number(row[rate]) == sq / sv);  // the ratio of the row's sums
      v += sv;
      q += sq;
    }
    CHECK(segments.size() == 2);
    CHECK(v == number(f.runs[r][column(runs_header, "visits")]));
    CHECK(q == number(f.runs[r][column(runs_header, "conversions")]));
  }
}

TEST_CASE("a seller x category row's ready_rate is a share, and the run's ready rate lies between them",
          "[breakdown]") {
  const Files& f = summer_sale();
  const Row& header = f.breakdown[0];
  const std::size_t arm = column(header, "arm"), s = column(header, "seller"), c = column(header, "category"),
                    g = column(header, "segment"), ready = column(header, "ready_rate");
  const Row& runs_header = f.runs[0];
  for (std::size_t r = 1; r < f.runs.size(); ++r) {
    const std::string& name = f.runs[r][column(runs_header, "arm")];
    double low = 1, high = 0;
    std::size_t rows = 0;
    for (std::size_t i = 1; i < f.breakdown.size(); ++i) {
      const Row& row = f.breakdown[i];
      if (row[arm] != name || dims_of(row, s, c, g) != (kBySeller | kByCategory)) continue;
      const double x = number(row[ready]);
      CHECK(x >= 0.0);
      CHECK(x <= 1.0);
      low = std::min(low, x);
      high = std::max(high, x);
      ++rows;
    }
    CHECK(rows == 3);  // one seller, 3 categories
    const double total = number(f.runs[r][column(runs_header, "ready_rate")]);
    CHECK(total >= low - 1e-12);
    CHECK(total <= high + 1e-12);
  }
}

TEST_CASE("list metrics names every metric's breakdown dimensions", "[breakdown][cli]") {
  const auto r = cli({"list", "metrics"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("in breakdown.csv") == std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = r.out.find("breakdown: "); at != std::string::npos; at = r.out.find("breakdown: ", at + 1)) ++lines;
  CHECK(lines == metric_list().size());
  for (const MetricInfo& m : metric_list()) {
    INFO("metric " << m.name);
    const std::size_t at = r.out.find("\n  " + m.name + " ");  // at a line's start: names recur in descriptions
    REQUIRE(at != std::string::npos);
    const std::size_t b = r.out.find("breakdown: ", at);
    REQUIRE(b != std::string::npos);
    CHECK(r.out.compare(b + 11, breakdown_name(m.breakdown).size(), breakdown_name(m.breakdown)) == 0);
    CHECK(!m.breakdown_note.empty());  // each metric says what its cells mean, or why it has none
  }
  CHECK(breakdown_name(kBreakdownCell) == "seller x category x segment");
  CHECK(breakdown_name(kBySeller | kByCategory) == "seller x category");
  CHECK(breakdown_name(kBreakdownTotal) == "none (total only)");
}

}  // namespace marketsim
