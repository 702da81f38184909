// report.html of a hold-out check (`marketsim validate-fit`), from validation.csv, coverage.csv,
// cohorts.csv and distributions.csv: the verdict per measure (weeks inside the band, the total's
// error, band width, interval scores against the naive benchmark), each measure's weeks (observed
// against the replications' band and mean), the cohort repeat curve, and the basket-size and
// order-value distributions.
#include <cmath>
#include <map>
#include <set>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/html/report_html.h"
#include "analysis/report.h"
#include "sim/error.h"

namespace marketsim {

std::string validation_report_html(const std::map<std::string, std::string>& files) {
  for (const char* name : {"validation.csv", "coverage.csv", "cohorts.csv", "distributions.csv"}) {
    if (!files.contains(name)) throw Error(std::string("report: a hold-out check needs ") + name);
  }
  const CsvTable weeks(files.at("validation.csv"), "validation.csv");
  const CsvTable coverage(files.at("coverage.csv"), "coverage.csv");
  const CsvTable cohorts(files.at("cohorts.csv"), "cohorts.csv");
  const CsvTable dists(files.at("distributions.csv"), "distributions.csv");
  const auto need = [](const CsvTable& t, const std::string& file, std::initializer_list<const char*> columns) {
    for (const char* c : columns) {
      if (!t.has(c)) throw Error("report: " + file + " has no column " + c);
    }
  };
  need(weeks, "validation.csv", {"measure", "week_start", "observed", "sim_mean", "band_low", "band_high", "inside"});
  need(coverage, "coverage.csv", {"measure", "weeks", "inside", "total_error", "mean_band_width", "interval_score_fit", "interval_score_naive"});
  need(cohorts, "cohorts.csv", {"months_after", "observed", "sim_mean", "abs_error"});
  need(dists, "distributions.csv", {"distribution", "bin", "observed_share", "sim_mean_share"});
  const auto c = [](const CsvTable& t, const char* name) { return t.column(name); };

  std::string span;
  if (weeks.rows() > 0) span = weeks.text(0, c(weeks, "week_start")) + " to the week of " + weeks.text(weeks.rows() - 1, c(weeks, "week_start"));
  HtmlPage page("marketsim hold-out check", "The fitted market against the log's weeks after the fit: " + span + ".");

  page.section("verdict", "Verdict");
  page.paragraph(
      "Each week's band is the range (min to max) of the simulated replications; a week is inside when the log's value "
      "falls in it. The total error is the log's total over the scored weeks relative to the simulated mean (0.05 = the "
      "log is 5% above). The band width is the mean band width relative to the log's weekly mean. Interval scores "
      "(Gneiting and Raftery 2007; 90% intervals; lower is better) compare the fit with a naive benchmark: a constant "
      "with the training weeks' spread.");
  TableRows rows;
  for (std::size_t r = 0; r < coverage.rows(); ++r) {
    rows.push_back({coverage.text(r, c(coverage, "measure")),
                    coverage.text(r, c(coverage, "inside")) + " of " + coverage.text(r, c(coverage, "weeks")),
                    signed_grouped(coverage.number(r, c(coverage, "total_error")), 3),
                    grouped(coverage.number(r, c(coverage, "mean_band_width")), 3),
                    grouped(coverage.number(r, c(coverage, "interval_score_fit")), 1),
                    grouped(coverage.number(r, c(coverage, "interval_score_naive")), 1)});
  }
  page.table({"measure", "weeks inside the band", "total error", "band width", "interval score (fit)", "interval score (naive)"}, rows);

  page.section("weeks", "Week by week");
  std::vector<std::string> measures;
  for (std::size_t r = 0; r < weeks.rows(); ++r) {
    const std::string& m = weeks.text(r, c(weeks, "measure"));
    if (std::find(measures.begin(), measures.end(), m) == measures.end()) measures.push_back(m);
  }
  for (const std::string& m : measures) {
    std::vector<std::string> labels;
    Json observed = Json::array(), mean = Json::array(), low = Json::array(), high = Json::array();
    TableRows numbers;
    for (std::size_t r = 0; r < weeks.rows(); ++r) {
      if (weeks.text(r, c(weeks, "measure")) != m) continue;
      labels.push_back(weeks.text(r, c(weeks, "week_start")));
      observed.push_back(number_or_null(weeks.number(r, c(weeks, "observed"))));
      mean.push_back(number_or_null(weeks.number(r, c(weeks, "sim_mean"))));
      low.push_back(number_or_null(weeks.number(r, c(weeks, "band_low"))));
      high.push_back(number_or_null(weeks.number(r, c(weeks, "band_high"))));
      numbers.push_back({labels.back(), grouped(weeks.number(r, c(weeks, "observed")), 1), grouped(weeks.number(r, c(weeks, "sim_mean")), 1),
                         grouped(weeks.number(r, c(weeks, "band_low")), 1), grouped(weeks.number(r, c(weeks, "band_high")), 1),
                         weeks.text(r, c(weeks, "inside")) == "1" ? "yes" : "no"});
    }
    Json datasets = Json::array();
    datasets.push_back(Json{{"label", "log"}, {"data", observed}, {"borderColor", "rgba(0,0,0,1)"}, {"backgroundColor", "rgba(0,0,0,1)"},
                            {"borderWidth", 2}, {"fill", false}, {"pointRadius", 3}});
    datasets.push_back(Json{{"label", "simulated mean"}, {"data", mean}, {"borderColor", series_colour(0)},
                            {"backgroundColor", series_colour(0)}, {"borderWidth", 2}, {"fill", false}});
    datasets.push_back(Json{{"label", "simulated band (max)"}, {"data", high}, {"borderColor", series_colour(0, 0.0)},
                            {"backgroundColor", series_colour(0, 0.15)}, {"fill", "+1"}, {"pointRadius", 0}});
    datasets.push_back(Json{{"label", "simulated band (min)"}, {"data", low}, {"borderColor", series_colour(0, 0.0)},
                            {"backgroundColor", series_colour(0, 0.15)}, {"fill", false}, {"pointRadius", 0}});
    Json config = Json{{"type", "line"},
                       {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                       {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                        {"interaction", Json{{"mode", "index"}, {"intersect", false}}},
                                        {"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", m}}}}}}}}}};
    page.chart(config, "Weekly " + m + ": the log (black) against the replications' mean and their min-max band.",
               {"week", "log", "simulated mean", "band low", "band high", "inside"}, numbers);
  }

  page.section("cohorts", "Cohort repeat curve");
  {
    std::vector<std::string> labels;
    Json obs = Json::array(), sim = Json::array();
    TableRows numbers;
    double mae = 0.0;
    for (std::size_t r = 0; r < cohorts.rows(); ++r) {
      labels.push_back(cohorts.text(r, c(cohorts, "months_after")));
      obs.push_back(number_or_null(cohorts.number(r, c(cohorts, "observed"))));
      sim.push_back(number_or_null(cohorts.number(r, c(cohorts, "sim_mean"))));
      mae += cohorts.number(r, c(cohorts, "abs_error"));
      numbers.push_back({labels.back(), grouped(cohorts.number(r, c(cohorts, "observed")), 3),
                         grouped(cohorts.number(r, c(cohorts, "sim_mean")), 3), grouped(cohorts.number(r, c(cohorts, "abs_error")), 3)});
    }
    page.paragraph("Customers by the month of their first order (the log's first month left out); the share ordering again k months "
                   "later, pooled over the cohorts whose month k is complete. Mean absolute error: " +
                   (cohorts.rows() > 0 ? grouped(mae / static_cast<double>(cohorts.rows()), 3) : std::string("n/a")) + ".");
    Json datasets = Json::array();
    datasets.push_back(Json{{"label", "log"}, {"data", obs}, {"borderColor", "rgba(0,0,0,1)"}, {"backgroundColor", "rgba(0,0,0,1)"},
                            {"borderWidth", 2}, {"fill", false}});
    datasets.push_back(Json{{"label", "simulated"}, {"data", sim}, {"borderColor", series_colour(0)}, {"backgroundColor", series_colour(0)},
                            {"borderWidth", 2}, {"fill", false}});
    Json config = Json{{"type", "line"},
                       {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                       {"options", Json{{"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", "share ordering again"}}}}},
                                                         {"x", Json{{"title", Json{{"display", true}, {"text", "months after the first order"}}}}}}}}}};
    page.chart(config, "The cohort repeat curve of the log and of the simulation (mean over replications).",
               {"months after", "log", "simulated", "absolute error"}, numbers);
  }

  page.section("baskets", "Basket sizes and order values");
  for (const char* which : {"lines_per_order", "order_value"}) {
    std::vector<std::string> labels;
    Json obs = Json::array(), sim = Json::array();
    TableRows numbers;
    for (std::size_t r = 0; r < dists.rows(); ++r) {
      if (dists.text(r, c(dists, "distribution")) != which) continue;
      labels.push_back(dists.text(r, c(dists, "bin")));
      obs.push_back(number_or_null(dists.number(r, c(dists, "observed_share"))));
      sim.push_back(number_or_null(dists.number(r, c(dists, "sim_mean_share"))));
      numbers.push_back({labels.back(), grouped(dists.number(r, c(dists, "observed_share")), 3),
                         grouped(dists.number(r, c(dists, "sim_mean_share")), 3)});
    }
    Json datasets = Json::array();
    datasets.push_back(Json{{"label", "log"}, {"data", obs}, {"backgroundColor", "rgba(0,0,0,0.7)"}});
    datasets.push_back(Json{{"label", "simulated"}, {"data", sim}, {"backgroundColor", series_colour(0, 0.7)}});
    const std::string title = std::string(which) == "lines_per_order" ? "lines per order" : "order value (currency)";
    Json config = Json{{"type", "bar"},
                       {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                       {"options", Json{{"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", "share of orders"}}}}},
                                                         {"x", Json{{"title", Json{{"display", true}, {"text", title}}}}}}}}}};
    page.chart(config, "Shares of the hold-out's orders by " + title + ": the log against the simulation.", {"bin", "log", "simulated"},
               numbers);
  }
  return page.str();
}

}  // namespace marketsim
