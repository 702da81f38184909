// report.html of a sweep: built from sweep.json (the factors, run facts) and sweep.csv (every
// point's paired differences against the baseline): response curves over the first factor (one
// curve per level of the second, if any), a heatmap table for two factors, scatter plots of the
// response against each factor of a sampled design, and the best points.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/html/report_html.h"
#include "analysis/report.h"
#include "sim/error.h"

namespace marketsim {
namespace {

/// One point's paired difference of the response metric for one arm.
struct Cell {
  std::size_t point;
  std::vector<std::string> levels;  // the factors' values as written in sweep.csv
  std::string arm;
  double mean, low, high;
  std::string replications;
};

double as_number(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() ? v : std::nan("");
}

/// The distinct values of factor k, numbers in numeric order, others as first seen.
std::vector<std::string> levels_of(const std::vector<Cell>& cells, std::size_t k) {
  std::vector<std::string> out;
  for (const Cell& c : cells) {
    if (std::find(out.begin(), out.end(), c.levels[k]) == out.end()) out.push_back(c.levels[k]);
  }
  const bool numeric = std::all_of(out.begin(), out.end(), [](const std::string& s) { return std::isfinite(as_number(s)); });
  if (numeric) std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return as_number(a) < as_number(b); });
  return out;
}

std::string interval_text(const Cell& c) {
  return signed_grouped(c.mean, 0) + " [" + signed_grouped(c.low, 0) + ", " + signed_grouped(c.high, 0) + "]";
}

}  // namespace

std::string sweep_report_html(const std::map<std::string, std::string>& files) {
  const auto meta_file = files.find("sweep.json");
  const auto csv_file = files.find("sweep.csv");
  if (meta_file == files.end() || csv_file == files.end()) throw Error("report: a sweep needs sweep.json and sweep.csv");
  Json meta;
  try {
    meta = Json::parse(meta_file->second);
  } catch (const std::exception& e) {
    throw Error(std::string("report: sweep.json: ") + e.what());
  }
  const CsvTable table(csv_file->second, "sweep.csv");
  std::vector<std::string> factors;
  for (const Json& f : meta["factors"]) factors.push_back(f.value("name", std::string()));
  for (const char* col : {"point", "arm", "metric", "difference", "difference_low", "difference_high", "replications"}) {
    if (!table.has(col)) throw Error(std::string("report: sweep.csv has no column ") + col);
  }
  const std::string metric = "contribution";
  std::vector<Cell> cells;
  std::vector<std::string> arms;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (table.text(r, table.column("metric")) != metric) continue;
    const double mean = table.number(r, table.column("difference"));
    if (!std::isfinite(mean)) continue;  // the baseline arm
    Cell c{static_cast<std::size_t>(table.number(r, table.column("point"))), {}, table.text(r, table.column("arm")), mean,
           table.number(r, table.column("difference_low")), table.number(r, table.column("difference_high")),
           table.text(r, table.column("replications"))};
    for (const std::string& f : factors) c.levels.push_back(table.has(f) ? table.text(r, table.column(f)) : "");
    if (std::find(arms.begin(), arms.end(), c.arm) == arms.end()) arms.push_back(c.arm);
    cells.push_back(std::move(c));
  }
  const std::string sweep_name = meta.contains("sweep") && meta["sweep"].is_object() ? meta["sweep"].value("name", std::string()) : "";
  HtmlPage page("marketsim sweep: " + (sweep_name.empty() ? meta.value("sweep_file", std::string("sweep")) : sweep_name),
                std::to_string(meta.value("points", 0)) + " points, " + std::to_string(meta.value("units", 0)) +
                    " units; the response is each arm's paired difference in " + metric + " against the baseline.");
  const std::string baseline_note = " (its paired difference against the baseline arm, mean and 95% CI)";
  if (!cells.empty() && !factors.empty()) {
    page.section("response", "Response");
    const std::vector<std::string> x = levels_of(cells, 0);
    const bool grid = meta.contains("sweep") && meta["sweep"].contains("design")
                          ? meta["sweep"]["design"].value("kind", std::string("grid")) == "grid"
                          : true;
    if (grid && factors.size() <= 2) {
      // Curves over factor 1: one per arm and level of factor 2.
      const std::vector<std::string> groups = factors.size() == 2 ? levels_of(cells, 1) : std::vector<std::string>{""};
      Json datasets = Json::array();
      TableRows numbers;
      std::size_t k = 0;
      for (const std::string& arm : arms) {
        for (const std::string& g : groups) {
          Json mean = Json::array(), low = Json::array(), high = Json::array();
          for (const std::string& level : x) {
            const Cell* found = nullptr;
            for (const Cell& c : cells) {
              if (c.arm == arm && c.levels[0] == level && (factors.size() == 1 || c.levels[1] == g)) found = &c;
            }
            mean.push_back(found ? number_or_null(found->mean) : Json(nullptr));
            low.push_back(found ? number_or_null(found->low) : Json(nullptr));
            high.push_back(found ? number_or_null(found->high) : Json(nullptr));
            if (found) {
              numbers.push_back({arm, level, g, signed_grouped(found->mean, 2), signed_grouped(found->low, 2),
                                 signed_grouped(found->high, 2), found->replications});
            }
          }
          const std::string label = arm + (g.empty() ? "" : ", " + factors[1] + " = " + g);
          datasets.push_back(Json{{"label", label}, {"data", mean}, {"borderColor", series_colour(k)},
                                  {"backgroundColor", series_colour(k)}, {"fill", false}});
          datasets.push_back(Json{{"label", label + " 95% CI"}, {"data", high}, {"borderColor", series_colour(k, 0.0)},
                                  {"backgroundColor", series_colour(k, 0.12)}, {"fill", "+1"}, {"pointRadius", 0}});
          datasets.push_back(Json{{"label", label + " 95% CI (low)"}, {"data", low}, {"borderColor", series_colour(k, 0.0)},
                                  {"backgroundColor", series_colour(k, 0.12)}, {"fill", false}, {"pointRadius", 0}});
          ++k;
        }
      }
      Json config{{"type", "line"},
                  {"data", Json{{"labels", x}, {"datasets", datasets}}},
                  {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                                   {"scales", Json{{"x", Json{{"title", Json{{"display", true}, {"text", factors[0]}}}}},
                                                   {"y", Json{{"title", Json{{"display", true}, {"text", metric + " against the baseline"}}}}}}}}}};
      page.chart(config, "Response curve: " + metric + " over " + factors[0] + baseline_note + ".",
                 {"arm", factors[0], factors.size() == 2 ? factors[1] : "", "mean", "95% CI low", "95% CI high", "replications"},
                 numbers);
      if (factors.size() == 2) {
        // The heatmap as a table: rows the first factor, columns the second, cells coloured by sign.
        const std::vector<std::string> y = levels_of(cells, 1);
        for (const std::string& arm : arms) {
          double scale = 0.0;
          for (const Cell& c : cells) scale = c.arm == arm ? std::max(scale, std::fabs(c.mean)) : scale;
          std::string html = "<p>" + html_escape(arm + ": " + metric + " against the baseline by " + factors[0] + " (rows) and " +
                                                 factors[1] + " (columns); green gains, red losses, stronger colour larger.") +
                             "</p><table class=\"heat\"><thead><tr><th>" + html_escape(factors[0] + " \\ " + factors[1]) + "</th>";
          for (const std::string& level : y) html += "<th>" + html_escape(level) + "</th>";
          html += "</tr></thead><tbody>";
          for (const std::string& row : x) {
            html += "<tr><th>" + html_escape(row) + "</th>";
            for (const std::string& col : y) {
              const Cell* found = nullptr;
              for (const Cell& c : cells) {
                if (c.arm == arm && c.levels[0] == row && c.levels[1] == col) found = &c;
              }
              if (found == nullptr) {
                html += "<td></td>";
                continue;
              }
              const double a = scale > 0 ? 0.15 + 0.55 * std::fabs(found->mean) / scale : 0.0;
              char style[96];
              std::snprintf(style, sizeof style, "background:rgba(%s,%.2f)", found->mean >= 0 ? "46,150,88" : "200,60,60", a);
              html += "<td class=\"n\" style=\"" + std::string(style) + "\">" + html_escape(interval_text(*found)) + "</td>";
            }
            html += "</tr>";
          }
          page.raw(html + "</tbody></table>\n");
        }
      }
    } else {
      // A sampled design: the response against each numeric factor.
      for (std::size_t f = 0; f < factors.size(); ++f) {
        Json datasets = Json::array();
        TableRows numbers;
        std::size_t k = 0;
        for (const std::string& arm : arms) {
          Json data = Json::array();
          for (const Cell& c : cells) {
            const double v = as_number(c.levels[f]);
            if (c.arm != arm || !std::isfinite(v) || !std::isfinite(c.mean)) continue;
            data.push_back(Json{{"x", v}, {"y", c.mean}});
            numbers.push_back({arm, std::to_string(c.point), c.levels[f], signed_grouped(c.mean, 2), signed_grouped(c.low, 2),
                               signed_grouped(c.high, 2)});
          }
          if (data.empty()) continue;
          datasets.push_back(Json{{"label", arm}, {"data", data}, {"backgroundColor", series_colour(k++, 0.8)},
                                  {"pointStyle", "rect"}, {"pointRadius", 5}});
        }
        if (datasets.empty()) continue;
        Json config{{"type", "scatter"},
                    {"data", Json{{"datasets", datasets}}},
                    {"options", Json{{"scales", Json{{"x", Json{{"title", Json{{"display", true}, {"text", factors[f]}}}}},
                                                     {"y", Json{{"title", Json{{"display", true}, {"text", metric + " against the baseline"}}}}}}}}}};
        page.chart(config, "Each point's " + metric + " against the baseline over " + factors[f] + " (the other factors vary too).",
                   {"arm", "point", factors[f], "mean", "95% CI low", "95% CI high"}, numbers);
      }
    }
    // The best points.
    std::vector<const Cell*> best;
    for (const Cell& c : cells) best.push_back(&c);
    std::sort(best.begin(), best.end(), [](const Cell* a, const Cell* b) { return a->mean > b->mean; });
    if (best.size() > 10) best.resize(10);
    std::vector<std::string> header = {"point", "arm"};
    header.insert(header.end(), factors.begin(), factors.end());
    header.insert(header.end(), {metric + " vs baseline [95% CI]", "replications"});
    TableRows rows;
    for (const Cell* c : best) {
      std::vector<std::string> row = {std::to_string(c->point), c->arm};
      row.insert(row.end(), c->levels.begin(), c->levels.end());
      row.insert(row.end(), {interval_text(*c), c->replications});
      rows.push_back(row);
    }
    page.section("best", "Best points");
    page.table(header, rows, "The points with the largest mean " + metric + " against the baseline (at most ten).");
  }
  if (const auto failed = files.find("failed.csv"); failed != files.end()) {
    const CsvTable f(failed->second, "failed.csv");
    if (f.rows() > 0) {
      page.section("failed", "Failed points");
      TableRows rows;
      for (std::size_t r = 0; r < f.rows(); ++r) {
        std::vector<std::string> row;
        for (std::size_t c = 0; c < f.header().size(); ++c) row.push_back(f.text(r, c));
        rows.push_back(row);
      }
      page.table(f.header(), rows);
    }
  }
  page.section("facts", "Run facts");
  TableRows facts;
  for (const char* key : {"sweep_file", "base_scenario", "marketsim_version", "marketsim_commit", "build", "threads", "ranks",
                          "host", "started", "finished", "seconds", "points", "units", "failed_points"}) {
    if (!meta.contains(key)) continue;
    const Json& v = meta[key];
    facts.push_back({key, v.is_string() ? v.get<std::string>() : v.dump()});
  }
  page.table({"", ""}, facts);
  return page.str();
}

}  // namespace marketsim

namespace marketsim {

std::string directory_report_html(const std::string& dir) {
  namespace fs = std::filesystem;
  const auto read = [&](const std::string& name, std::map<std::string, std::string>& files) {
    std::ifstream in(fs::path(dir) / name, std::ios::binary);
    if (!in) return;
    std::ostringstream text;
    text << in.rdbuf();
    files.emplace(name, text.str());
  };
  std::map<std::string, std::string> files;
  if (fs::exists(fs::path(dir) / "sweep.json")) {
    for (const char* name : {"sweep.json", "sweep.csv", "failed.csv"}) read(name, files);
    return sweep_report_html(files);
  }
  if (fs::exists(fs::path(dir) / "abtest.json")) {
    for (const char* name : {"abtest.json", "abtest.csv"}) read(name, files);
    return abtest_report_html(files);
  }
  if (fs::exists(fs::path(dir) / "optimize.json")) {
    for (const char* name : {"optimize.json", "evaluations.csv", "pareto.csv"}) read(name, files);
    return optimize_report_html(files);
  }
  if (fs::exists(fs::path(dir) / "validation.csv")) {
    for (const char* name : {"validation.csv", "coverage.csv", "cohorts.csv", "distributions.csv"}) read(name, files);
    return validation_report_html(files);
  }
  if (!fs::exists(fs::path(dir) / "summary.json")) {
    throw UsageError(dir + ": neither a run's output directory (summary.json), a sweep's (sweep.json), an optimisation's (optimize.json), an A/B test design's (abtest.json) nor a hold-out check's (validation.csv)");
  }
  for (const std::string& name : run_report_inputs()) read(name, files);
  return run_report_html(files);
}

}  // namespace marketsim
