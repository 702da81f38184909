// report.html of a run: built from summary.json, daily.csv, cohorts.csv, breakdown.csv,
// funnel.csv, orders.csv, sellers_daily.csv, prices.csv, sellers.csv, products.csv and
// stockouts.csv (each section present when its data is).
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/html/report_html.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "sim/error.h"

namespace marketsim {
namespace {

constexpr std::size_t kMaxPoints = 400;  // per series drawn; longer series are averaged in buckets

double num(const Json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

/// "mean ± half-width" of an interval object {mean, ci_low, ci_high}.
std::string pm(const Json& i, int decimals) {
  const double mean = num(i["mean"]), low = num(i["ci_low"]), high = num(i["ci_high"]);
  if (!std::isfinite(mean)) return "n/a";
  if (!std::isfinite(low)) return grouped(mean, decimals);
  return grouped(mean, decimals) + " ± " + grouped((high - low) / 2.0, decimals);
}

/// A line chart's configuration over category labels.
Json line_config(const std::vector<std::string>& labels, const Json& datasets, const std::string& y_title) {
  return Json{{"type", "line"},
              {"data", Json{{"labels", labels}, {"datasets", datasets}}},
              {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                               {"elements", Json{{"point", Json{{"radius", 0}}}}},
                               {"interaction", Json{{"mode", "index"}, {"intersect", false}}},
                               {"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", y_title}}}}}}}}}};
}

/// Series of one arm: per label index, the values of its replications.
using Series = std::map<std::string, std::vector<std::vector<double>>>;

struct Band {
  std::vector<double> mean, low, high;
};

Band band_of(const std::vector<std::vector<double>>& per_index) {
  Band b;
  for (const auto& values : per_index) {
    const Interval i = mean_interval(values);
    b.mean.push_back(i.mean);
    b.low.push_back(std::isfinite(i.low) ? i.low : i.mean);
    b.high.push_back(std::isfinite(i.high) ? i.high : i.mean);
  }
  return b;
}

Json values_json(const std::vector<double>& v) {
  Json out = Json::array();
  for (const double x : v) out.push_back(number_or_null(x));
  return out;
}

/// Mean band datasets (mean line, then the CI's upper edge filled down to the lower edge).
void add_band(Json& datasets, const std::string& label, std::size_t k, const Band& b) {
  datasets.push_back(Json{{"label", label}, {"data", values_json(b.mean)}, {"borderColor", series_colour(k)},
                          {"backgroundColor", series_colour(k)}, {"borderWidth", 2}, {"fill", false}});
  datasets.push_back(Json{{"label", label + " 95% CI"}, {"data", values_json(b.high)}, {"borderColor", series_colour(k, 0.0)},
                          {"backgroundColor", series_colour(k, 0.15)}, {"fill", "+1"}, {"pointRadius", 0}});
  datasets.push_back(Json{{"label", label + " 95% CI (low)"}, {"data", values_json(b.low)},
                          {"borderColor", series_colour(k, 0.0)}, {"backgroundColor", series_colour(k, 0.15)},
                          {"fill", false}, {"pointRadius", 0}});
}

/// Promotion windows [start, end) of every arm's promotions (days), from the resolved scenario.
std::vector<std::pair<double, double>> promotion_windows(const Json& scenario) {
  std::vector<std::pair<double, double>> out;
  const auto scan = [&](const Json& promotions) {
    if (!promotions.is_array()) return;
    for (const Json& p : promotions) {
      if (p.is_object() && p.contains("start") && p.contains("end") && p["start"].is_number() && p["end"].is_number()) {
        out.emplace_back(p["start"].get<double>(), p["end"].get<double>());
      }
    }
  };
  if (scenario.contains("arms")) {
    for (const Json& arm : scenario["arms"]) {
      if (arm.contains("promotions")) scan(arm["promotions"]);
      if (arm.contains("sellers")) {
        for (const Json& s : arm["sellers"]) {
          if (s.contains("promotions")) scan(s["promotions"]);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void verdict(HtmlPage& page, const Json& summary, double days) {
  const Json& arms = summary["arms"];
  const std::string baseline = summary.value("baseline", std::string());
  page.section("verdict", "Verdict");
  // The sentences first: what a reader came for.
  std::string list = "";
  for (const Json& d : summary["paired_differences"]) {
    const std::string arm = d.value("arm", std::string());
    for (const char* metric : {"contribution", "gross_profit"}) {
      const Json& i = d[metric];
      const double mean = num(i["mean"]), low = num(i["ci_low"]), high = num(i["ci_high"]);
      // Gross profit only where it says something contribution does not (costs beyond discounts).
      if (std::string(metric) == "gross_profit" && i == d["contribution"]) continue;
      const std::string what = std::string(metric) == "contribution" ? "contribution" : "gross profit";
      std::string s = "“" + arm + "” earns " + grouped(std::fabs(mean), 0) + (mean >= 0 ? " more " : " less ") + what +
                      " than “" + baseline + "”";
      if (std::isfinite(low)) {
        s += " (95% CI " + signed_grouped(low, 0) + " to " + signed_grouped(high, 0) + ")";
        s += low > 0 ? ", a clear gain" : high < 0 ? ", a clear loss" : ", not distinguishable from no difference";
      }
      s += " over " + grouped(days, 0) + " measured days.";
      list += "<li>" + html_escape(s) + "</li>";
    }
  }
  if (!list.empty()) page.raw("<ul class=\"verdict\">" + list + "</ul>\n");
  // The arms side by side.
  const std::vector<std::pair<const char*, int>> headline = {{"units", 0},        {"revenue", 2},
                                                              {"gross_profit", 2}, {"contribution", 2},
                                                              {"promotion_spend", 2}, {"repeat_rate", 4}};
  std::vector<std::string> header = {"arm"};
  for (const auto& [m, decimals] : headline) header.push_back(m);
  TableRows rows;
  for (const Json& a : arms) {
    std::vector<std::string> row = {a.value("name", std::string()) + (a.value("baseline", false) ? " (baseline)" : "")};
    for (const auto& [m, decimals] : headline) row.push_back(a["metrics"].contains(m) ? pm(a["metrics"][m], decimals) : "n/a");
    rows.push_back(row);
  }
  page.table(header, rows, "Each arm's totals over the measured days: mean over replications ± half-width of the 95% CI.");
  // The forest plot: paired differences against the baseline as floating bars.
  if (summary["paired_differences"].empty()) return;
  std::vector<std::string> labels;
  Json bars = Json::array(), means = Json::array();
  TableRows numbers;
  for (const Json& d : summary["paired_differences"]) {
    for (const char* metric : {"contribution", "gross_profit", "revenue"}) {
      const Json& i = d[metric];
      const double low = num(i["ci_low"]), high = num(i["ci_high"]), mean = num(i["mean"]);
      labels.push_back(d.value("arm", std::string()) + ": " + metric);
      bars.push_back(std::isfinite(low) ? Json::array({low, high}) : Json::array({mean, mean}));
      means.push_back(mean);
      numbers.push_back({labels.back(), signed_grouped(mean, 2), signed_grouped(low, 2), signed_grouped(high, 2)});
    }
  }
  // The means as thin bars: 0.4% of the plot's span wide.
  double lo = 0.0, hi = 0.0;
  for (const Json& b : bars) {
    for (const Json& v : b) {
      if (v.is_number()) lo = std::min(lo, v.get<double>()), hi = std::max(hi, v.get<double>());
    }
  }
  const double eps = 0.002 * (hi - lo);
  for (Json& m : means) {
    const double v = m.is_number() ? m.get<double>() : 0.0;
    m = Json::array({v - eps, v + eps});
  }
  Json config{{"type", "bar"},
              {"data", Json{{"labels", labels},
                            {"datasets", Json::array({Json{{"label", "95% CI of the paired difference"},
                                                           {"data", bars},
                                                           {"backgroundColor", series_colour(0, 0.35)},
                                                           {"borderColor", series_colour(0)},
                                                           {"borderWidth", 1},
                                                           {"grouped", false}},
                                                      Json{{"label", "mean"},
                                                           {"data", means},
                                                           {"backgroundColor", series_colour(1)},
                                                           {"borderColor", series_colour(1)},
                                                           {"borderWidth", 3},
                                                           {"barPercentage", 0.9},
                                                           {"grouped", false}}})}}},
              {"options", Json{{"indexAxis", "y"},
                               {"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                               {"scales", Json{{"x", Json{{"title", Json{{"display", true},
                                                                          {"text", "difference against " + baseline}}}}}}}}}};
  page.chart(config,
             "Forest plot: each arm's paired difference against “" + baseline +
                 "” (same replications, common random numbers); a bar clear of zero is a difference the replications resolve.",
             {"comparison", "mean", "95% CI low", "95% CI high"}, numbers);
}

void over_time(HtmlPage& page, const CsvTable& daily, const Json& scenario, const std::vector<std::string>& arm_order) {
  const std::size_t arm_col = daily.column("arm"), day_col = daily.column("day"), warm_col = daily.column("warmup");
  if (arm_col == CsvTable::npos || day_col == CsvTable::npos) return;
  std::set<long> day_set;
  for (std::size_t r = 0; r < daily.rows(); ++r) {
    if (warm_col != CsvTable::npos && daily.text(r, warm_col) == "1") continue;
    day_set.insert(static_cast<long>(daily.number(r, day_col)));
  }
  if (day_set.empty()) return;
  const std::vector<long> days(day_set.begin(), day_set.end());
  const std::size_t bucket = (days.size() + kMaxPoints - 1) / kMaxPoints;
  std::map<long, std::size_t> index;
  for (std::size_t i = 0; i < days.size(); ++i) index[days[i]] = i / bucket;
  const std::size_t points = (days.size() + bucket - 1) / bucket;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < points; ++i) {
    const long first = days[i * bucket], last = days[std::min(days.size(), (i + 1) * bucket) - 1];
    labels.push_back(bucket == 1 ? "day " + std::to_string(first) : "days " + std::to_string(first) + "-" + std::to_string(last));
  }
  const auto windows = promotion_windows(scenario);
  Json shade = Json::array();
  std::string window_text;
  for (const auto& [start, end] : windows) {
    window_text += (window_text.empty() ? "" : ", ") + grouped(start, 0) + "-" + grouped(end - 1, 0);
  }
  for (std::size_t i = 0; i < points; ++i) {
    const double day = static_cast<double>(days[i * bucket]);
    bool in = false;
    for (const auto& [start, end] : windows) in = in || (day >= start && day < end);
    shade.push_back(in ? 1 : 0);
  }
  page.section("over-time", "Over time");
  page.paragraph("Daily series of the measured days, the mean over replications with its 95% confidence band" +
                 std::string(bucket > 1 ? " (averaged over " + std::to_string(bucket) + "-day buckets for drawing; daily.csv has every day)" : "") +
                 (windows.empty() ? "." : "; promotion windows (days " + window_text + ") are shaded."));
  const std::vector<std::pair<const char*, const char*>> series = {{"revenue", "revenue per day"},
                                                                    {"conversions", "orders per day"},
                                                                    {"visits", "visits per day"},
                                                                    {"stock_on_hand", "units on hand at the day's end"},
                                                                    {"promotion_spend", "promotion spend per day"},
                                                                    {"active_customers", "consumers who bought in the period"}};
  for (const auto& [metric, what] : series) {
    const std::size_t col = daily.column(metric);
    if (col == CsvTable::npos) continue;
    // Per arm, per point, per replication: the bucket's mean.
    std::map<std::string, std::map<std::string, std::vector<double>>> sums;  // arm -> replication -> per point
    std::map<std::string, std::map<std::string, std::vector<int>>> counts;
    for (std::size_t r = 0; r < daily.rows(); ++r) {
      if (warm_col != CsvTable::npos && daily.text(r, warm_col) == "1") continue;
      const double v = daily.number(r, col);
      if (!std::isfinite(v)) continue;
      const std::string rep = daily.has("replication") ? daily.text(r, daily.column("replication")) : "0";
      auto& s = sums[daily.text(r, arm_col)][rep];
      auto& c = counts[daily.text(r, arm_col)][rep];
      s.resize(points, 0.0);
      c.resize(points, 0);
      const std::size_t i = index.at(static_cast<long>(daily.number(r, day_col)));
      s[i] += v;
      c[i] += 1;
    }
    if (sums.empty()) continue;
    Json datasets = Json::array();
    TableRows numbers;
    std::size_t k = 0;
    for (const std::string& arm : arm_order) {
      if (!sums.contains(arm)) continue;
      std::vector<std::vector<double>> per(points);
      for (const auto& [rep, s] : sums[arm]) {
        for (std::size_t i = 0; i < points; ++i) {
          if (counts[arm][rep][i] > 0) per[i].push_back(s[i] / counts[arm][rep][i]);
        }
      }
      const Band b = band_of(per);
      add_band(datasets, arm, k++, b);
      for (std::size_t i = 0; i < points; ++i) {
        numbers.push_back({arm, labels[i], grouped(b.mean[i], 2), grouped(b.low[i], 2), grouped(b.high[i], 2)});
      }
    }
    if (!windows.empty()) {
      datasets.push_back(Json{{"type", "bar"}, {"label", "promotion window"}, {"data", shade}, {"yAxisID", "window"},
                              {"backgroundColor", "rgba(120,120,120,0.12)"}, {"barPercentage", 1.0},
                              {"categoryPercentage", 1.0}});
    }
    Json config = line_config(labels, datasets, what);
    if (!windows.empty()) config["options"]["scales"]["window"] = Json{{"display", false}, {"min", 0}, {"max", 1}};
    page.chart(config, std::string("The ") + what + " per arm over time: mean over replications with its 95% band.",
               {"arm", "day", "mean", "95% CI low", "95% CI high"}, numbers);
  }
}

void customers(HtmlPage& page, const CsvTable* cohorts, const CsvTable* breakdown, const std::vector<std::string>& arm_order) {
  bool started = false;
  const auto start = [&] {
    if (!started) page.section("customers", "Customers");
    started = true;
  };
  if (cohorts != nullptr && cohorts->rows() > 0 && cohorts->has("offset") && cohorts->has("rate")) {
    // Retention: the share of a cohort buying again `offset` periods after its first purchase,
    // weighted by cohort size, per arm.
    const std::size_t arm = cohorts->column("arm"), offset = cohorts->column("offset"), buyers = cohorts->column("buyers"),
                      size = cohorts->column("cohort_size"), period = cohorts->column("period");
    const std::string unit = cohorts->text(0, period);
    std::map<std::string, std::map<long, std::pair<double, double>>> sums;  // arm -> offset -> (buyers, size)
    long max_offset = 0;
    const std::size_t complete = cohorts->has("complete") ? cohorts->column("complete") : CsvTable::npos;
    for (std::size_t r = 0; r < cohorts->rows(); ++r) {
      if (cohorts->text(r, period) != unit) continue;
      if (complete != CsvTable::npos && cohorts->text(r, complete) == "0") continue;  // cut short by the horizon
      const long o = static_cast<long>(cohorts->number(r, offset));
      auto& s = sums[cohorts->text(r, arm)][o];
      s.first += cohorts->number(r, buyers);
      s.second += cohorts->number(r, size);
      max_offset = std::max(max_offset, o);
    }
    std::vector<std::string> labels;
    for (long o = 1; o <= max_offset; ++o) labels.push_back(unit + " " + std::to_string(o));
    Json datasets = Json::array();
    TableRows numbers;
    std::size_t k = 0;
    for (const std::string& a : arm_order) {
      if (!sums.contains(a)) continue;
      Json data = Json::array();
      for (long o = 1; o <= max_offset; ++o) {
        const auto it = sums[a].find(o);
        const double rate = it != sums[a].end() && it->second.second > 0 ? it->second.first / it->second.second : std::nan("");
        data.push_back(std::isfinite(rate) ? Json(rate) : Json(nullptr));
        numbers.push_back({a, labels[static_cast<std::size_t>(o - 1)], std::isfinite(rate) ? grouped(rate, 4) : "n/a"});
      }
      datasets.push_back(Json{{"label", a}, {"data", data}, {"borderColor", series_colour(k)}, {"backgroundColor", series_colour(k)}});
      ++k;
    }
    if (max_offset > 0 && !datasets.empty()) {
      start();
      page.chart(line_config(labels, datasets, "share of the cohort buying"),
                 "Retention: the share of each " + unit + "'s new customers who buy again 1, 2, ... " + unit +
                     "s later, pooled over cohorts and replications.",
                 {"arm", "after", "share buying"}, numbers);
    }
  }
  if (breakdown != nullptr && breakdown->rows() > 0 && breakdown->has("revenue")) {
    const std::size_t arm = breakdown->column("arm"), revenue = breakdown->column("revenue"),
                      rep = breakdown->column("replication");
    for (const char* by : {"category", "segment"}) {
      const std::size_t col = breakdown->column(by);
      if (col == CsvTable::npos) continue;
      std::map<std::string, std::map<std::string, double>> sum;  // arm -> key -> revenue summed over reps
      std::set<std::string> reps;
      std::vector<std::string> keys;
      for (std::size_t r = 0; r < breakdown->rows(); ++r) {
        const std::string& key = breakdown->text(r, col);
        bool cell = true;  // revenue is in the seller x category x segment cells; rows with `*` span a dimension
        for (const char* dim : {"seller", "category", "segment"}) {
          const std::size_t d = breakdown->column(dim);
          cell = cell && (d == CsvTable::npos || breakdown->text(r, d) != "*");
        }
        if (!cell) continue;
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        sum[breakdown->text(r, arm)][key] += breakdown->number(r, revenue);
        reps.insert(breakdown->text(r, rep));
      }
      Json datasets = Json::array();
      TableRows numbers;
      std::size_t k = 0;
      for (const std::string& a : arm_order) {
        if (!sum.contains(a)) continue;
        Json data = Json::array();
        for (const std::string& key : keys) {
          const double v = sum[a][key] / static_cast<double>(std::max<std::size_t>(1, reps.size()));
          data.push_back(v);
          numbers.push_back({a, key, grouped(v, 2)});
        }
        datasets.push_back(Json{{"label", a}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)}});
      }
      start();
      page.chart(Json{{"type", "bar"}, {"data", Json{{"labels", keys}, {"datasets", datasets}}},
                      {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}}}}},
                 std::string("Revenue by ") + by + " and arm over the measured days (mean over replications).",
                 {"arm", by, "revenue"}, numbers);
    }
  }
}

/// Every threshold (a "tiers" entry's "spend") of any arm's promotions, anywhere under /arms.
void thresholds(const Json& node, std::set<double>& out) {
  if (node.is_object()) {
    if (node.contains("tiers") && node["tiers"].is_array()) {
      for (const Json& t : node["tiers"]) {
        if (t.is_object() && t.contains("spend") && t["spend"].is_number()) out.insert(t["spend"].get<double>());
      }
    }
    for (const auto& [key, value] : node.items()) thresholds(value, out);
  } else if (node.is_array()) {
    for (const Json& v : node) thresholds(v, out);
  }
}

void orders(HtmlPage& page, const CsvTable& table, const Json& scenario, const std::vector<std::string>& arm_order) {
  for (const char* col : {"arm", "measure", "bin_low", "bin_high", "orders_mean"}) {
    if (!table.has(col)) return;
  }
  const std::size_t arm = table.column("arm"), measure = table.column("measure"), low = table.column("bin_low"),
                    high = table.column("bin_high"), mean = table.column("orders_mean"), ci_low = table.column("ci_low"),
                    ci_high = table.column("ci_high");
  std::set<double> spend;
  if (scenario.contains("arms")) thresholds(scenario["arms"], spend);
  bool started = false;
  for (const char* m : {"order_value", "basket_units"}) {
    const bool value = std::string(m) == "order_value";
    std::vector<std::string> labels;
    std::map<std::string, std::vector<double>> per_arm;
    TableRows numbers;
    std::vector<double> bin_lows;
    for (std::size_t r = 0; r < table.rows(); ++r) {
      if (table.text(r, measure) != m) continue;
      const std::string label = table.text(r, high).empty() ? table.text(r, low) + "+" : table.text(r, low);
      std::vector<double>& values = per_arm[table.text(r, arm)];
      if (per_arm.size() == 1) {  // every arm has the same bins (orders.csv): the first arm's are the labels
        labels.push_back(label);
        bin_lows.push_back(table.number(r, low));
      }
      values.push_back(table.number(r, mean));
      numbers.push_back({table.text(r, arm), label, grouped(table.number(r, mean), 2), grouped(table.number(r, ci_low), 2),
                         grouped(table.number(r, ci_high), 2)});
    }
    if (labels.empty()) continue;
    if (!started) page.section("orders", "Orders");
    started = true;
    Json datasets = Json::array();
    std::size_t k = 0;
    for (const std::string& a : arm_order) {
      if (!per_arm.contains(a)) continue;
      Json data = Json::array();
      for (const double v : per_arm[a]) data.push_back(number_or_null(v));
      datasets.push_back(Json{{"label", a}, {"data", data}, {"backgroundColor", series_colour(k, 0.75)},
                              {"borderColor", series_colour(k)}, {"borderWidth", 0}});
      ++k;
    }
    std::string caption = value ? "Orders per replication by value (after per-item discounts, before order-level ones; "
                                  "1-unit bins up to the 99th percentile, then one open bin)"
                                : "Orders per replication by the units they hold";
    if (value && !spend.empty()) {
      Json marks = Json::array();
      std::string list;
      for (std::size_t i = 0; i < labels.size(); ++i) marks.push_back(spend.contains(bin_lows[i]) ? 1 : 0);
      for (const double t : spend) list += (list.empty() ? "" : ", ") + grouped(t, 2);
      datasets.push_back(Json{{"type", "bar"}, {"label", "threshold"}, {"data", marks}, {"yAxisID", "mark"},
                              {"backgroundColor", "rgba(200,40,40,0.35)"}, {"barPercentage", 1.0},
                              {"categoryPercentage", 1.0}, {"grouped", false}});
      caption += "; the red column marks the spend threshold (" + list + ") of a threshold promotion, where orders bunch just above it";
    }
    Json config{{"type", "bar"},
                {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                 {"scales", Json{{"x", Json{{"title", Json{{"display", true}, {"text", value ? "order value" : "units in the order"}}}}},
                                                 {"y", Json{{"title", Json{{"display", true}, {"text", "orders per replication"}}}}}}}}}};
    if (value && !spend.empty()) config["options"]["scales"]["mark"] = Json{{"display", false}, {"min", 0}, {"max", 1}};
    page.chart(config, caption + ".", {"arm", value ? "value from" : "units", "orders", "95% CI low", "95% CI high"}, numbers);
  }
}

/// Funnel: per arm, impressions -> clicks -> orders (lines sold) over the measured days, and per
/// slot the click-through rate and the orders per click (or per impression without clicks), from
/// funnel.csv (means over replications).
void funnel(HtmlPage& page, const CsvTable& table, const std::vector<std::string>& arm_order) {
  for (const char* col : {"arm", "replication", "slot", "impressions", "clicks", "orders"}) {
    if (!table.has(col)) return;
  }
  const std::size_t arm = table.column("arm"), rep = table.column("replication"), slot = table.column("slot"),
                    imp = table.column("impressions"), clk = table.column("clicks"), ord = table.column("orders");
  // arm -> slot -> (impressions, clicks, orders) summed over replications; replications per arm.
  std::map<std::string, std::map<std::string, std::array<double, 3>>> sum;
  std::map<std::string, std::set<std::string>> reps;
  std::vector<std::string> slots;
  bool clicks = false;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    const std::string& sl = table.text(r, slot);
    if (std::find(slots.begin(), slots.end(), sl) == slots.end()) slots.push_back(sl);
    auto& cell = sum[table.text(r, arm)][sl];
    cell[0] += table.number(r, imp);
    const double c = table.number(r, clk);
    if (std::isfinite(c)) cell[1] += c, clicks = true;
    cell[2] += table.number(r, ord);
    reps[table.text(r, arm)].insert(table.text(r, rep));
  }
  if (slots.empty()) return;
  // Placed positions in order, browsing last.
  std::stable_sort(slots.begin(), slots.end(), [](const std::string& a, const std::string& b) {
    const bool ab = a == "browsed", bb = b == "browsed";
    if (ab || bb) return !ab && bb;
    return std::stol(a) < std::stol(b);
  });
  page.section("funnel", "Funnel");
  std::vector<std::string> stages = {"impressions"};
  if (clicks) stages.push_back("clicks");
  stages.push_back("orders");
  Json datasets = Json::array();
  TableRows numbers;
  std::size_t k = 0;
  for (const std::string& a : arm_order) {
    if (!sum.contains(a)) continue;
    const double n = static_cast<double>(std::max<std::size_t>(1, reps[a].size()));
    std::array<double, 3> all{};
    for (const auto& [sl, cell] : sum[a]) {
      for (std::size_t i = 0; i < 3; ++i) all[i] += cell[i] / n;
    }
    Json data = Json::array();
    data.push_back(all[0]);
    if (clicks) data.push_back(all[1]);
    data.push_back(all[2]);
    numbers.push_back({a, grouped(all[0], 0), clicks ? grouped(all[1], 0) : "n/a", grouped(all[2], 0),
                       clicks && all[0] > 0 ? grouped(100.0 * all[1] / all[0], 2) + "%" : "n/a",
                       all[0] > 0 ? grouped(100.0 * all[2] / all[0], 3) + "%" : "n/a"});
    datasets.push_back(Json{{"label", a}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)}});
  }
  page.chart(Json{{"type", "bar"},
                  {"data", Json{{"labels", stages}, {"datasets", datasets}}},
                  {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                   {"scales", Json{{"y", Json{{"type", "logarithmic"},
                                                              {"title", Json{{"display", true}, {"text", "per replication (log scale)"}}}}}}}}}},
             std::string("Impressions") + (clicks ? ", clicks" : "") +
                 " and the order lines they led to per arm over the measured days (mean over replications; log scale)" +
                 (clicks ? "." : "; this run has no clicks module, so clicks are not modelled."),
             {"arm", "impressions", "clicks", "orders", "CTR", "orders per impression"}, numbers);
  // Per slot: CTR (with clicks) and conversion.
  std::vector<std::string> labels;
  for (const std::string& sl : slots) labels.push_back(sl == "browsed" ? "browsed" : "slot " + std::to_string(std::stol(sl) + 1));
  for (const bool ctr : {true, false}) {
    if (ctr && !clicks) continue;
    Json rate_sets = Json::array();
    TableRows rate_rows;
    k = 0;
    for (const std::string& a : arm_order) {
      if (!sum.contains(a)) continue;
      Json data = Json::array();
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto it = sum[a].find(slots[i]);
        double v = std::nan("");
        if (it != sum[a].end()) {
          const auto& c = it->second;
          const double den = ctr ? c[0] : (clicks ? c[1] : c[0]);
          v = den > 0 ? (ctr ? c[1] : c[2]) / den : std::nan("");
        }
        data.push_back(number_or_null(v));
        rate_rows.push_back({a, labels[i], std::isfinite(v) ? grouped(100.0 * v, 3) + "%" : "n/a"});
      }
      rate_sets.push_back(Json{{"label", a}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)}});
    }
    const std::string what = ctr ? "click-through rate" : (clicks ? "orders per click" : "orders per impression");
    page.chart(Json{{"type", "bar"},
                    {"data", Json{{"labels", labels}, {"datasets", rate_sets}}},
                    {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                     {"scales", Json{{"y", Json{{"title", Json{{"display", true}, {"text", what}}}}}}}}}},
               "The " + what + " by where the offer was shown (slot 1 = the visit's first placed offer: recommendations, "
               "then featured offers; browsed = organic browsing), per arm, replications pooled.",
               {"arm", "slot", what}, rate_rows);
  }
}

/// Prices: each seller's price index (posted price over list price, by units) per day and arm,
/// the mean over replications, from sellers_daily.csv.
bool prices(HtmlPage& page, const CsvTable& table, const std::vector<std::string>& arm_order) {
  for (const char* col : {"arm", "day", "seller", "price_index"}) {
    if (!table.has(col)) return false;
  }
  const std::size_t arm = table.column("arm"), day = table.column("day"), seller = table.column("seller"),
                    index = table.column("price_index"), warm = table.column("warmup");
  std::map<std::pair<std::string, std::string>, std::map<long, std::pair<double, int>>> sums;  // (arm, seller) -> day
  std::set<long> days;
  std::vector<std::string> sellers;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (warm != CsvTable::npos && table.text(r, warm) == "1") continue;
    const double v = table.number(r, index);
    if (!std::isfinite(v)) continue;
    const long d = static_cast<long>(table.number(r, day));
    auto& cell = sums[{table.text(r, arm), table.text(r, seller)}][d];
    cell.first += v;
    cell.second += 1;
    days.insert(d);
    if (std::find(sellers.begin(), sellers.end(), table.text(r, seller)) == sellers.end()) sellers.push_back(table.text(r, seller));
  }
  if (days.empty()) return false;
  const std::vector<long> day_list(days.begin(), days.end());
  const std::size_t bucket = (day_list.size() + kMaxPoints - 1) / kMaxPoints;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < day_list.size(); i += bucket) labels.push_back("day " + std::to_string(day_list[i]));
  Json datasets = Json::array();
  TableRows numbers;
  std::size_t k = 0;
  for (const std::string& a : arm_order) {
    for (const std::string& s : sellers) {
      const auto it = sums.find({a, s});
      if (it == sums.end()) continue;
      Json data = Json::array();
      for (std::size_t i = 0; i < day_list.size(); i += bucket) {
        double total = 0.0;
        int n = 0;
        for (std::size_t j = i; j < std::min(day_list.size(), i + bucket); ++j) {
          const auto c = it->second.find(day_list[j]);
          if (c != it->second.end()) total += c->second.first, n += c->second.second;
        }
        const double v = n > 0 ? total / n : std::nan("");
        data.push_back(number_or_null(v));
        numbers.push_back({a, s, labels[i / bucket], grouped(v, 4)});
      }
      const std::string label = sellers.size() > 1 ? a + ": " + s : a;
      datasets.push_back(Json{{"label", label}, {"data", data}, {"borderColor", series_colour(k)}, {"backgroundColor", series_colour(k)},
                              {"borderWidth", 2}, {"fill", false}});
      ++k;
    }
  }
  page.section("prices", "Prices and sellers");
  page.chart(line_config(labels, datasets, "price index (1 = list price)"),
             "Each seller's price index per arm over time (its posted prices against list prices, weighted by units; mean "
             "over replications).",
             {"arm", "seller", "day", "price index"}, numbers);
  return true;
}

/// Price paths by product group: per arm, each group's paid index (after per-item promotions,
/// over list prices) per day, from prices.csv (means over replications; shelf index in the table).
void group_prices(HtmlPage& page, const CsvTable& table, const std::vector<std::string>& arm_order, bool section_started) {
  for (const char* col : {"arm", "day", "seller", "category", "price_index", "paid_index"}) {
    if (!table.has(col)) return;
  }
  const std::size_t arm = table.column("arm"), day = table.column("day"), seller = table.column("seller"),
                    category = table.column("category"), shelf = table.column("price_index"),
                    paid = table.column("paid_index"), warm = table.column("warmup");
  // arm -> group -> day -> (shelf, paid)
  std::map<std::string, std::map<std::string, std::map<long, std::pair<double, double>>>> paths;
  std::set<long> days;
  std::set<std::string> sellers;
  std::vector<std::string> groups;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (warm != CsvTable::npos && table.text(r, warm) == "1") continue;
    sellers.insert(table.text(r, seller));
    const std::string g = table.text(r, seller) + "\x1f" + table.text(r, category);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    const long d = static_cast<long>(table.number(r, day));
    paths[table.text(r, arm)][g][d] = {table.number(r, shelf), table.number(r, paid)};
    days.insert(d);
  }
  if (days.empty()) return;
  const auto name = [&](const std::string& g) {
    const std::size_t cut = g.find('\x1f');
    return sellers.size() > 1 ? g.substr(0, cut) + ": " + g.substr(cut + 1) : g.substr(cut + 1);
  };
  const std::vector<long> day_list(days.begin(), days.end());
  const std::size_t bucket = (day_list.size() + kMaxPoints - 1) / kMaxPoints;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < day_list.size(); i += bucket) labels.push_back("day " + std::to_string(day_list[i]));
  if (!section_started) page.section("prices", "Prices and sellers");
  for (const std::string& a : arm_order) {
    const auto it = paths.find(a);
    if (it == paths.end()) continue;
    Json datasets = Json::array();
    TableRows numbers;
    std::size_t k = 0;
    for (const std::string& g : groups) {
      const auto path = it->second.find(g);
      if (path == it->second.end()) continue;
      Json data = Json::array();
      for (std::size_t i = 0; i < day_list.size(); i += bucket) {
        double s_sum = 0.0, p_sum = 0.0;
        int n = 0;
        for (std::size_t j = i; j < std::min(day_list.size(), i + bucket); ++j) {
          const auto c = path->second.find(day_list[j]);
          if (c == path->second.end() || !std::isfinite(c->second.second)) continue;
          s_sum += c->second.first, p_sum += c->second.second, ++n;
        }
        data.push_back(number_or_null(n > 0 ? p_sum / n : std::nan("")));
        numbers.push_back({name(g), labels[i / bucket], n > 0 ? grouped(s_sum / n, 4) : "n/a", n > 0 ? grouped(p_sum / n, 4) : "n/a"});
      }
      datasets.push_back(Json{{"label", name(g)}, {"data", data}, {"borderColor", series_colour(k)},
                              {"backgroundColor", series_colour(k)}, {"borderWidth", 2}, {"fill", false}});
      ++k;
    }
    page.chart(line_config(labels, datasets, "paid price index (1 = list price)"),
               "Arm " + a + ": each product group's prices after per-item promotions against list prices, per day at the "
               "day's end (mean over replications; the table also gives the shelf price index before promotions).",
               {"product group", "day", "shelf price index", "paid price index"}, numbers);
  }
}

/// Per arm, per point of the measured days (in `index`'s buckets), the mean over replications of
/// a daily.csv column's bucket means; NaN where no replication has a value.
std::map<std::string, std::vector<double>> daily_means(const CsvTable& daily, std::size_t col, const std::map<long, std::size_t>& index,
                                                       std::size_t points) {
  const std::size_t arm_col = daily.column("arm"), day_col = daily.column("day"), warm_col = daily.column("warmup"),
                    rep_col = daily.column("replication");
  // arm -> replication -> per point (sum, count)
  std::map<std::string, std::map<std::string, std::vector<std::pair<double, int>>>> sums;
  for (std::size_t r = 0; r < daily.rows(); ++r) {
    if (warm_col != CsvTable::npos && daily.text(r, warm_col) == "1") continue;
    const double v = daily.number(r, col);
    if (!std::isfinite(v)) continue;
    const auto at = index.find(static_cast<long>(daily.number(r, day_col)));
    if (at == index.end()) continue;
    auto& s = sums[daily.text(r, arm_col)][rep_col != CsvTable::npos ? daily.text(r, rep_col) : "0"];
    s.resize(points, {0.0, 0});
    s[at->second].first += v;
    s[at->second].second += 1;
  }
  std::map<std::string, std::vector<double>> out;
  for (const auto& [arm, reps] : sums) {
    std::vector<double> total(points, 0.0);
    std::vector<int> n(points, 0);
    for (const auto& [rep, s] : reps) {
      for (std::size_t i = 0; i < points; ++i) {
        if (s[i].second > 0) total[i] += s[i].first / s[i].second, ++n[i];
      }
    }
    std::vector<double>& mean = out[arm];
    for (std::size_t i = 0; i < points; ++i) mean.push_back(n[i] > 0 ? total[i] / n[i] : std::nan(""));
  }
  return out;
}

/// Stock, per arm: units on hand, sales lost and units back-ordered per day (daily.csv); sales
/// lost to stock-outs and the share of offer-days out of stock by category (products.csv); each
/// seller's fill rate and ready rate (sellers.csv); and the products with the most days below
/// their safety stock, then the most units short (stockouts.csv). Each part is drawn when its
/// file is there; the section when any part is.
void stock(HtmlPage& page, const CsvTable* daily, const CsvTable* products, const CsvTable* seller_table, const CsvTable* alerts,
           const std::vector<std::string>& arm_order, double replications) {
  bool started = false;
  const auto start = [&] {
    if (!started) page.section("stock", "Stock");
    started = true;
  };
  // Daily stock on hand, lost sales and back-orders, one chart per arm.
  if (daily != nullptr && daily->has("arm") && daily->has("day") && daily->has("stock_on_hand")) {
    const std::size_t day_col = daily->column("day"), warm_col = daily->column("warmup");
    std::set<long> day_set;
    for (std::size_t r = 0; r < daily->rows(); ++r) {
      if (warm_col != CsvTable::npos && daily->text(r, warm_col) == "1") continue;
      day_set.insert(static_cast<long>(daily->number(r, day_col)));
    }
    if (!day_set.empty()) {
      const std::vector<long> days(day_set.begin(), day_set.end());
      const std::size_t bucket = (days.size() + kMaxPoints - 1) / kMaxPoints;
      const std::size_t points = (days.size() + bucket - 1) / bucket;
      std::map<long, std::size_t> index;
      for (std::size_t i = 0; i < days.size(); ++i) index[days[i]] = i / bucket;
      std::vector<std::string> labels;
      for (std::size_t i = 0; i < points; ++i) {
        const long first = days[i * bucket], last = days[std::min(days.size(), (i + 1) * bucket) - 1];
        labels.push_back(bucket == 1 ? "day " + std::to_string(first) : "days " + std::to_string(first) + "-" + std::to_string(last));
      }
      struct Line {
        const char* column;
        const char* label;
        const char* axis;
      };
      std::vector<std::pair<Line, std::map<std::string, std::vector<double>>>> lines;
      for (const Line l : {Line{"stock_on_hand", "units on hand", "y"}, Line{"lost_sales", "units lost", "flow"},
                           Line{"units_backordered", "units back-ordered", "flow"}}) {
        if (daily->has(l.column)) lines.emplace_back(l, daily_means(*daily, daily->column(l.column), index, points));
      }
      for (const std::string& a : arm_order) {
        Json datasets = Json::array();
        TableRows numbers;
        std::vector<std::string> header = {"day"};
        for (std::size_t k = 0; k < lines.size(); ++k) {
          const auto it = lines[k].second.find(a);
          if (it == lines[k].second.end()) continue;
          const Line& l = lines[k].first;
          datasets.push_back(Json{{"label", l.label}, {"data", values_json(it->second)}, {"yAxisID", l.axis},
                                  {"borderColor", series_colour(k)}, {"backgroundColor", series_colour(k)},
                                  {"borderWidth", 2}, {"fill", false}});
          header.push_back(l.label);
        }
        if (datasets.empty()) continue;
        for (std::size_t i = 0; i < points; ++i) {
          std::vector<std::string> row = {labels[i]};
          for (const auto& [l, means] : lines) {
            const auto it = means.find(a);
            if (it != means.end()) row.push_back(grouped(it->second[i], 1));
          }
          numbers.push_back(row);
        }
        start();
        Json config = line_config(labels, datasets, "units on hand at the day's end");
        config["options"]["scales"]["flow"] =
            Json{{"position", "right"}, {"beginAtZero", true}, {"grid", Json{{"drawOnChartArea", false}}},
                 {"title", Json{{"display", true}, {"text", "units per day (lost, back-ordered)"}}}};
        page.chart(config,
                   "Arm " + a + ": units on hand at the day's end (left axis), units lost to stock-outs and units "
                   "back-ordered per day (right axis), mean over replications" +
                       (bucket > 1 ? " of " + std::to_string(bucket) + "-day buckets." : "."),
                   header, numbers);
      }
    }
  }
  // Lost sales and stock-out shares by category (products.csv).
  bool has_products = products != nullptr;
  for (const char* col : {"arm", "replication", "category", "offers", "lost_sales", "stockout_share"}) {
    has_products = has_products && products->has(col);
  }
  if (has_products) {
    const CsvTable& table = *products;
    const std::size_t arm = table.column("arm"), rep = table.column("replication"), category = table.column("category"),
                      offers = table.column("offers"), lost = table.column("lost_sales"), share = table.column("stockout_share");
    // arm -> category -> (lost units summed, offer-weighted share summed, offers summed)
    std::map<std::string, std::map<std::string, std::array<double, 3>>> sum;
    std::set<std::string> reps;
    std::vector<std::string> categories;
    double all = 0.0;
    for (std::size_t r = 0; r < table.rows(); ++r) {
      const std::string& c = table.text(r, category);
      if (std::find(categories.begin(), categories.end(), c) == categories.end()) categories.push_back(c);
      auto& cell = sum[table.text(r, arm)][c];
      const double n = table.number(r, offers), l = table.number(r, lost), sh = table.number(r, share);
      if (std::isfinite(l)) cell[0] += l, all += l;
      if (std::isfinite(sh)) cell[1] += sh * n, cell[2] += n;
      reps.insert(table.text(r, rep));
    }
    start();
    const double r_count = static_cast<double>(std::max<std::size_t>(1, reps.size()));
    for (const bool lost_chart : {true, false}) {
      if (lost_chart && all == 0.0) {
        page.paragraph("No order line lost units to a stock-out in any arm (products.csv; back-ordered units cancelled "
                       "later are in the units lost per day).");
        continue;
      }
      Json datasets = Json::array();
      TableRows numbers;
      std::size_t k = 0;
      for (const std::string& a : arm_order) {
        Json data = Json::array();
        for (const std::string& c : categories) {
          const auto& cell = sum[a][c];
          const double v = lost_chart ? cell[0] / r_count : (cell[2] > 0 ? cell[1] / cell[2] : 0.0);
          data.push_back(v);
          numbers.push_back({a, c, lost_chart ? grouped(v, 1) : grouped(100.0 * v, 2) + "%"});
        }
        datasets.push_back(Json{{"label", a}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)}});
      }
      page.chart(Json{{"type", "bar"}, {"data", Json{{"labels", categories}, {"datasets", datasets}}},
                      {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}}}}},
                 lost_chart ? "Units asked for but out of stock (lost sales) by category and arm over the measured days (mean "
                              "over replications)."
                            : "The share of offer-days out of stock at the day's end, by category and arm (measured days, "
                              "replications pooled).",
                 {"arm", "category", lost_chart ? "lost units" : "offer-days out of stock"}, numbers);
    }
  }
  // Fill rate and ready rate per seller (sellers.csv: each replication's totals).
  if (seller_table != nullptr && seller_table->has("arm") && seller_table->has("seller") && seller_table->has("fill_rate")) {
    const std::size_t arm = seller_table->column("arm"), seller = seller_table->column("seller");
    std::vector<std::pair<const char*, std::size_t>> rates = {{"fill rate", seller_table->column("fill_rate")}};
    if (seller_table->has("ready_rate")) rates.emplace_back("ready rate", seller_table->column("ready_rate"));
    std::vector<std::string> names;
    std::map<std::pair<std::string, std::string>, std::vector<std::vector<double>>> values;  // (arm, seller) -> per rate
    for (std::size_t r = 0; r < seller_table->rows(); ++r) {
      const std::string& s = seller_table->text(r, seller);
      if (std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
      auto& v = values[{seller_table->text(r, arm), s}];
      v.resize(rates.size());
      for (std::size_t k = 0; k < rates.size(); ++k) {
        const double x = seller_table->number(r, rates[k].second);
        if (std::isfinite(x)) v[k].push_back(x);
      }
    }
    std::vector<std::string> labels;
    std::vector<Json> data(rates.size(), Json::array());
    TableRows numbers;
    for (const std::string& a : arm_order) {
      for (const std::string& s : names) {
        const auto it = values.find({a, s});
        if (it == values.end()) continue;
        labels.push_back(names.size() > 1 ? a + ": " + s : a);
        std::vector<std::string> row = {a, s};
        for (std::size_t k = 0; k < rates.size(); ++k) {
          const Interval i = mean_interval(it->second[k]);
          data[k].push_back(number_or_null(i.mean));
          row.push_back(std::isfinite(i.mean) ? grouped(100.0 * i.mean, 2) + "%" : "n/a");
        }
        numbers.push_back(row);
      }
    }
    if (!labels.empty()) {
      start();
      Json datasets = Json::array();
      std::vector<std::string> header = {"arm", "seller"};
      for (std::size_t k = 0; k < rates.size(); ++k) {
        datasets.push_back(Json{{"label", rates[k].first}, {"data", data[k]}, {"backgroundColor", series_colour(k, 0.8)}});
        header.push_back(rates[k].first);
      }
      page.chart(Json{{"type", "bar"}, {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                      {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                       {"scales", Json{{"y", Json{{"min", 0}, {"max", 1}}}}}}}},
                 "Each seller's fill rate (units shipped from stock when ordered / units ordered) and ready rate "
                 "(offer-days with stock on hand at the day's end / offer-days) over the measured days, per arm (mean over "
                 "replications).",
                 header, numbers);
    }
  }
  // The products with the most days below safety stock, then the most units short (stockouts.csv).
  bool has_alerts = alerts != nullptr;
  for (const char* col : {"arm", "seller", "product", "units_short", "units_lost", "units_backordered", "below_safety_stock"}) {
    has_alerts = has_alerts && alerts->has(col);
  }
  if (has_alerts) {
    const std::size_t arm = alerts->column("arm"), seller = alerts->column("seller"), product = alerts->column("product"),
                      warm = alerts->column("warmup"), below = alerts->column("below_safety_stock");
    const std::array<std::size_t, 3> units = {alerts->column("units_short"), alerts->column("units_lost"),
                                              alerts->column("units_backordered")};
    // arm -> (seller, product) -> days below safety stock, units short, lost, back-ordered (summed over replications)
    // (keyed by "seller: warehouse" label parts: a part is shown when more than one is seen)
    std::map<std::string, std::map<std::pair<std::string, long>, std::array<double, 4>>> sums;
    std::set<std::string> sellers_seen, warehouses_seen;
    const std::size_t warehouse = alerts->has("warehouse") ? alerts->column("warehouse") : CsvTable::npos;
    for (std::size_t r = 0; r < alerts->rows(); ++r) {
      if (warm != CsvTable::npos && alerts->text(r, warm) == "1") continue;
      sellers_seen.insert(alerts->text(r, seller));
      if (warehouse != CsvTable::npos) warehouses_seen.insert(alerts->text(r, warehouse));
    }
    for (std::size_t r = 0; r < alerts->rows(); ++r) {
      if (warm != CsvTable::npos && alerts->text(r, warm) == "1") continue;
      std::string where = sellers_seen.size() > 1 ? alerts->text(r, seller) + ": " : std::string();
      if (warehouses_seen.size() > 1) where += alerts->text(r, warehouse) + ": ";
      auto& cell = sums[alerts->text(r, arm)][{where, static_cast<long>(alerts->number(r, product))}];
      const double b = alerts->number(r, below);
      if (std::isfinite(b)) cell[0] += b;
      for (std::size_t k = 0; k < units.size(); ++k) {
        const double v = alerts->number(r, units[k]);
        if (std::isfinite(v)) cell[k + 1] += v;
      }
    }
    start();
    constexpr std::size_t kTop = 10;
    const double reps = std::max(1.0, replications);
    std::string quiet;
    for (const std::string& a : arm_order) {
      const auto it = sums.find(a);
      if (it == sums.end()) {
        quiet += (quiet.empty() ? "" : ", ") + a;
        continue;
      }
      std::vector<std::pair<std::pair<std::string, long>, std::array<double, 4>>> ranked(it->second.begin(), it->second.end());
      std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
        return std::tie(y.second[0], y.second[1]) < std::tie(x.second[0], x.second[1]);  // (map order breaks ties)
      });
      if (ranked.size() > kTop) ranked.resize(kTop);
      std::vector<std::string> labels;
      Json days = Json::array(), short_units = Json::array();
      TableRows numbers;
      for (const auto& [key, cell] : ranked) {
        const std::string label = key.first + "product " + std::to_string(key.second);
        labels.push_back(label);
        days.push_back(cell[0] / reps);
        short_units.push_back(cell[1] / reps);
        numbers.push_back({label, grouped(cell[0] / reps, 2), grouped(cell[1] / reps, 2), grouped(cell[2] / reps, 2),
                           grouped(cell[3] / reps, 2)});
      }
      const Json datasets = Json::array({Json{{"label", "days below safety stock"}, {"data", days}, {"backgroundColor", series_colour(0, 0.8)}},
                                         Json{{"label", "units short"}, {"data", short_units}, {"backgroundColor", series_colour(1, 0.8)}}});
      page.chart(Json{{"type", "bar"}, {"data", Json{{"labels", labels}, {"datasets", datasets}}},
                      {"options", Json{{"indexAxis", "y"}, {"plugins", Json{{"legend", Json{{"position", "bottom"}}}}}}}},
                 "Arm " + a + ": the " + std::to_string(ranked.size()) +
                     " products with the most days below their safety stock at the day's end, then the most units short "
                     "(asked for when not on hand), over the measured days (mean per replication, stockouts.csv).",
                 {"product", "days below safety stock", "units short", "units lost", "units back-ordered"}, numbers);
    }
    if (!quiet.empty()) {
      page.paragraph("No stock alert (units short, lost, back-ordered or waiting, or stock below safety stock) on a measured "
                     "day in arm" + std::string(quiet.find(", ") != std::string::npos ? "s " : " ") + quiet + ".");
    }
  }
}

void sellers(HtmlPage& page, const CsvTable& table, const std::vector<std::string>& arm_order) {
  if (!table.has("seller") || !table.has("units")) return;
  const std::size_t arm = table.column("arm"), seller = table.column("seller"), units = table.column("units");
  std::vector<std::string> names;
  std::map<std::string, std::map<std::string, double>> sum;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (std::find(names.begin(), names.end(), table.text(r, seller)) == names.end()) names.push_back(table.text(r, seller));
    sum[table.text(r, arm)][table.text(r, seller)] += table.number(r, units);
  }
  if (names.size() < 2) return;
  Json datasets = Json::array();
  TableRows numbers;
  std::size_t k = 0;
  for (const std::string& s : names) {
    Json data = Json::array();
    for (const std::string& a : arm_order) {
      double all = 0.0;
      for (const auto& [name, v] : sum[a]) all += v;
      const double share = all > 0 ? sum[a][s] / all : 0.0;
      data.push_back(share);
      numbers.push_back({a, s, grouped(100.0 * share, 1) + "%"});
    }
    datasets.push_back(Json{{"label", s}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)}});
  }
  page.chart(Json{{"type", "bar"}, {"data", Json{{"labels", arm_order}, {"datasets", datasets}}},
                  {"options", Json{{"scales", Json{{"x", Json{{"stacked", true}}}, {"y", Json{{"stacked", true}, {"max", 1}}}}}}}},
             "Each seller's share of the units sold, per arm (replications pooled).", {"arm", "seller", "share of units"},
             numbers);
}

void uncertainty(HtmlPage& page, const Json& u) {
  page.section("uncertainty", "Parameter uncertainty");
  page.paragraph("Uncertain values drawn " + std::to_string(u.value("draws", 0)) + " times, " +
                 std::to_string(u.value("replications_per_draw", 0)) +
                 " replications each: a one-way random-effects ANOVA over draws splits each figure's variance into what "
                 "is not known about the market (between draws) and replication noise (within a draw).");
  TableRows rows;
  for (const Json& d : u["paired_differences"]) {
    for (const char* m : {"contribution", "gross_profit", "units"}) {
      const Json& c = d["metrics"][m];
      rows.push_back({d.value("arm", std::string()) + " - " + d.value("versus", std::string()), m, grouped(num(c["mean"]), 2),
                      grouped(std::sqrt(num(c["between_draw_variance"])), 2),
                      grouped(std::sqrt(num(c["within_draw_variance"])), 2),
                      grouped(100.0 * num(c["between_share"]), 0) + "%"});
    }
  }
  page.table({"comparison", "metric", "mean", "between-draw sd", "within-draw sd", "parameter uncertainty share"}, rows);
}

void facts(HtmlPage& page, const Json& summary) {
  page.section("facts", "Run facts");
  const Json& sc = summary.contains("scenario") ? summary["scenario"] : Json::object();
  const Json& perf = summary.contains("performance") ? summary["performance"] : Json::object();
  TableRows rows = {{"scenario", summary.value("scenario_name", std::string())},
                    {"seed", std::to_string(summary.value("seed", std::uint64_t{0}))},
                    {"replications", std::to_string(summary.value("replications", std::int64_t{0}))},
                    {"days", std::to_string(sc.value("horizon_days", 0)) + " (warm-up " + std::to_string(sc.value("warmup_days", 0)) + ")"},
                    {"marketsim", summary.value("marketsim_version", std::string())}};
  if (perf.is_object() && perf.contains("simulation_seconds")) {
    rows.push_back({"time taken", grouped(num(perf["simulation_seconds"]), 2) + " s simulating, " +
                                      grouped(num(perf.value("setup_seconds", Json(0.0))), 2) + " s set-up, " +
                                      std::to_string(perf.value("threads", 0)) + " threads"});
    rows.push_back({"speed", grouped(num(perf.value("visits_per_second", Json(0.0))) / 1e6, 2) + " M visits/s (" +
                                 grouped(num(perf.value("visits", Json(0.0))), 0) + " visits)"});
  }
  page.table({"", ""}, rows);
}

}  // namespace

const std::vector<std::string>& run_report_inputs() {
  static const std::vector<std::string> names = {"summary.json", "daily.csv",  "cohorts.csv",       "breakdown.csv",
                                                 "funnel.csv",   "orders.csv", "sellers_daily.csv", "prices.csv",
                                                 "sellers.csv",  "products.csv", "stockouts.csv"};
  return names;
}

std::string run_report_html(const std::map<std::string, std::string>& files) {
  const auto it = files.find("summary.json");
  if (it == files.end()) throw Error("report: the run's summary.json is missing");
  Json summary;
  try {
    summary = Json::parse(it->second);
  } catch (const std::exception& e) {
    throw Error(std::string("report: summary.json: ") + e.what());
  }
  std::vector<std::string> arm_order;
  for (const Json& a : summary["arms"]) arm_order.push_back(a.value("name", std::string()));
  const Json& sc = summary.contains("scenario") ? summary["scenario"] : Json::object();
  const double days = sc.value("horizon_days", 0.0) - sc.value("warmup_days", 0.0);
  HtmlPage page("marketsim: " + summary.value("scenario_name", std::string("run")),
                sc.value("description", std::string()));
  verdict(page, summary, days);
  const auto table = [&](const char* name) -> std::unique_ptr<CsvTable> {
    const auto f = files.find(name);
    return f == files.end() ? nullptr : std::make_unique<CsvTable>(f->second, name);
  };
  const auto daily = table("daily.csv");
  if (daily) over_time(page, *daily, sc, arm_order);
  const auto cohorts = table("cohorts.csv");
  const auto breakdown = table("breakdown.csv");
  customers(page, cohorts.get(), breakdown.get(), arm_order);
  if (const auto f = table("funnel.csv")) funnel(page, *f, arm_order);
  if (const auto o = table("orders.csv")) orders(page, *o, sc, arm_order);
  const auto seller_days = table("sellers_daily.csv");
  const bool prices_started = seller_days && prices(page, *seller_days, arm_order);
  if (const auto p = table("prices.csv")) group_prices(page, *p, arm_order, prices_started);
  const auto seller_totals = table("sellers.csv");
  if (seller_totals) sellers(page, *seller_totals, arm_order);
  stock(page, daily.get(), table("products.csv").get(), seller_totals.get(), table("stockouts.csv").get(), arm_order,
        summary.value("replications", 1.0));
  if (summary.contains("uncertainty")) uncertainty(page, summary["uncertainty"]);
  facts(page, summary);
  return page.str();
}

}  // namespace marketsim
