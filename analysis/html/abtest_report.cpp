// report.html of an A/B test design: built from abtest.json (the design, the recommendations) and
// abtest.csv (per variant, share and duration: the tests' estimate, the roll-out effect, the bias
// and its attribution, the power): per variant the estimate against the roll-out effect by share
// (floating bars for the tests' mean interval), the power by share and duration, and the bias's
// attribution to shared stock, budgets and word of mouth.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/html/report_html.h"
#include "analysis/report.h"
#include "sim/error.h"

namespace marketsim {

std::string abtest_report_html(const std::map<std::string, std::string>& files) {
  for (const char* name : {"abtest.json", "abtest.csv"}) {
    if (!files.contains(name)) throw Error(std::string("report: an A/B test design needs ") + name);
  }
  Json meta;
  try {
    meta = Json::parse(files.at("abtest.json"));
  } catch (const std::exception& e) {
    throw Error(std::string("report: abtest.json: ") + e.what());
  }
  const CsvTable table(files.at("abtest.csv"), "abtest.csv");
  for (const char* c : {"variant", "share", "days", "estimate", "ci_low", "ci_high", "power", "rollout_effect", "bias",
                        "bias_stock", "bias_budget", "bias_word_of_mouth", "coverage"}) {
    if (!table.has(c)) throw Error(std::string("report: abtest.csv has no column ") + c);
  }
  const Json& design = meta.contains("abtest") && meta["abtest"].is_object() ? meta["abtest"] : Json::object();
  HtmlPage page("marketsim A/B test design" + (design.contains("name") ? ": " + design.value("name", std::string()) : std::string()),
                design.value("description", std::string()));
  const std::string metric = meta.value("metric", std::string("the metric"));
  const auto col = [&](const char* c) { return table.column(c); };
  std::vector<std::string> variants;
  std::set<double> days_set;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (std::find(variants.begin(), variants.end(), table.text(r, col("variant"))) == variants.end()) variants.push_back(table.text(r, col("variant")));
    days_set.insert(table.number(r, col("days")));
  }
  const double longest = days_set.empty() ? 0.0 : *days_set.rbegin();

  page.section("answer", "Answer");
  for (const Json& rec : meta.value("recommendations", Json::array())) {
    const std::string v = rec.value("variant", std::string());
    if (rec["days"].is_null()) {
      page.paragraph(v + ": no duration within the horizon reaches power " + grouped(meta.value("power", 0.8), 2) +
                     " for an effect of " + grouped(meta.value("mde", 0.0), 4) + " " + metric + " per consumer a day.");
      continue;
    }
    const double q = rec.value("share", 0.0), d = rec.value("days", 0.0);
    std::string sentence = v + ": test on " + grouped(100.0 * q, 0) + "% of consumers for " + grouped(d, 0) + " days";
    for (std::size_t r = 0; r < table.rows(); ++r) {
      if (table.text(r, col("variant")) == v && table.number(r, col("share")) == q && table.number(r, col("days")) == d) {
        sentence += ": the test would estimate " + grouped(table.number(r, col("estimate")), 4) + " " + metric +
                    " per consumer (95% CI " + grouped(table.number(r, col("ci_low")), 4) + " to " +
                    grouped(table.number(r, col("ci_high")), 4) + ") where rolling the campaign out gives " +
                    grouped(table.number(r, col("rollout_effect")), 4) + " (bias " + grouped(table.number(r, col("bias")), 4) + ")";
      }
    }
    page.paragraph(sentence + ".");
  }

  for (const std::string& v : variants) {
    page.section("variant-" + std::to_string(&v - variants.data()), "Variant " + v);
    // The estimate against the roll-out effect, by share, at the longest duration.
    std::vector<std::string> labels;
    Json intervals = Json::array(), estimates = Json::array(), rollouts = Json::array();
    Json stock = Json::array(), budget = Json::array(), wom = Json::array(), rest = Json::array();
    TableRows numbers, bias_rows;
    for (std::size_t r = 0; r < table.rows(); ++r) {
      if (table.text(r, col("variant")) != v || table.number(r, col("days")) != longest) continue;
      labels.push_back(grouped(100.0 * table.number(r, col("share")), 0) + "% treated");
      intervals.push_back(Json::array({number_or_null(table.number(r, col("ci_low"))), number_or_null(table.number(r, col("ci_high")))}));
      estimates.push_back(number_or_null(table.number(r, col("estimate"))));
      rollouts.push_back(number_or_null(table.number(r, col("rollout_effect"))));
      const double b = table.number(r, col("bias")), s = table.number(r, col("bias_stock")), g = table.number(r, col("bias_budget")),
                   w = table.number(r, col("bias_word_of_mouth"));
      stock.push_back(number_or_null(s));
      budget.push_back(number_or_null(g));
      wom.push_back(number_or_null(w));
      rest.push_back(number_or_null(b - s - g - w));
      numbers.push_back({labels.back(), grouped(table.number(r, col("estimate")), 4), grouped(table.number(r, col("ci_low")), 4),
                         grouped(table.number(r, col("ci_high")), 4), grouped(table.number(r, col("rollout_effect")), 4),
                         grouped(100.0 * table.number(r, col("coverage")), 0) + "%"});
      bias_rows.push_back({labels.back(), grouped(b, 4), grouped(s, 4), grouped(g, 4), grouped(w, 4), grouped(b - s - g - w, 4)});
    }
    if (labels.empty()) continue;
    page.chart(Json{{"type", "bar"},
                    {"data", Json{{"labels", labels},
                                  {"datasets", Json::array({Json{{"label", "tests' mean 95% interval"}, {"data", intervals},
                                                                 {"backgroundColor", series_colour(0, 0.35)}},
                                                            Json{{"type", "line"}, {"label", "tests' mean estimate"}, {"data", estimates},
                                                                 {"borderColor", series_colour(0)}, {"showLine", false}, {"pointRadius", 5}},
                                                            Json{{"type", "line"}, {"label", "roll-out effect"}, {"data", rollouts},
                                                                 {"borderColor", series_colour(1)}, {"backgroundColor", series_colour(1)},
                                                                 {"showLine", false}, {"pointStyle", "rectRot"}, {"pointRadius", 6}}})}}},
                    {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                     {"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", metric + " per consumer"}}}}}}}}}},
               "What a " + grouped(longest, 0) + "-day test reports on each treated share (the bar: the mean of the tests' "
               "Welch 95% intervals; the dot: their mean estimate) against the effect of rolling the campaign out.",
               {"share", "estimate", "CI low", "CI high", "roll-out effect", "intervals covering it"}, numbers);
    page.chart(Json{{"type", "bar"},
                    {"data", Json{{"labels", labels},
                                  {"datasets", Json::array({Json{{"label", "shared stock"}, {"data", stock}, {"backgroundColor", series_colour(2, 0.8)}},
                                                            Json{{"label", "budgets"}, {"data", budget}, {"backgroundColor", series_colour(3, 0.8)}},
                                                            Json{{"label", "word of mouth"}, {"data", wom}, {"backgroundColor", series_colour(4, 0.8)}},
                                                            Json{{"label", "not attributed"}, {"data", rest},
                                                                 {"backgroundColor", "rgba(150,150,150,0.6)"}}})}}},
                    {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                     {"scales", Json{{"x", Json{{"stacked", true}}},
                                                     {"y", Json{{"stacked", true},
                                                                {"title", Json{{"display", true}, {"text", "bias, " + metric + " per consumer"}}}}}}}}}},
               "The bias of a " + grouped(longest, 0) + "-day test (estimate less roll-out effect) split by the channel whose "
               "switching off removes it; channels interact, so the parts need not add up (grey: the rest).",
               {"share", "bias", "stock", "budgets", "word of mouth", "not attributed"}, bias_rows);
    // Power by share and duration.
    Json datasets = Json::array();
    TableRows power_rows;
    std::vector<std::string> day_labels;
    for (const double d : days_set) day_labels.push_back(grouped(d, 0) + " days");
    std::map<double, std::map<double, double>> power;  // share -> days -> power
    for (std::size_t r = 0; r < table.rows(); ++r) {
      if (table.text(r, col("variant")) != v) continue;
      power[table.number(r, col("share"))][table.number(r, col("days"))] = table.number(r, col("power"));
    }
    std::size_t k = 0;
    for (const auto& [q, by_days] : power) {
      Json data = Json::array();
      for (const double d : days_set) {
        const auto it = by_days.find(d);
        const double p = it == by_days.end() ? std::nan("") : it->second;
        data.push_back(number_or_null(p));
        power_rows.push_back({grouped(100.0 * q, 0) + "%", grouped(d, 0), grouped(p, 3)});
      }
      datasets.push_back(Json{{"label", grouped(100.0 * q, 0) + "% treated"}, {"data", data}, {"borderColor", series_colour(k)},
                              {"backgroundColor", series_colour(k)}, {"pointRadius", 4}});
      ++k;
    }
    page.chart(Json{{"type", "line"},
                    {"data", Json{{"labels", day_labels}, {"datasets", datasets}}},
                    {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                     {"scales", Json{{"y", Json{{"min", 0}, {"max", 1}, {"title", Json{{"display", true}, {"text", "power"}}}}}}}}}},
               "The test's power to detect " + grouped(meta.value("mde", 0.0), 4) + " " + metric +
                   " per consumer a day, by duration and treated share (from the spread of the simulated estimates).",
               {"share", "days", "power"}, power_rows);
  }

  page.section("facts", "Run facts");
  page.table({"", ""},
             {{"design", meta.value("abtest_file", std::string())},
              {"base scenario", meta.value("base_scenario", std::string())},
              {"simulated tests", std::to_string(meta.value("tests", 0))},
              {"units", std::to_string(meta.value("units", 0)) + " (" + std::to_string(meta.value("units_run", 0)) + " run by the last invocation)"},
              {"time taken", grouped(meta.value("seconds", 0.0), 1) + " s, " + std::to_string(meta.value("threads", 0)) + " threads"},
              {"marketsim", meta.value("marketsim_version", std::string())}});
  return page.str();
}

}  // namespace marketsim
