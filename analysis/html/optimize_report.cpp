// report.html of an optimisation: built from optimize.json (variables, objectives, run facts),
// evaluations.csv (every candidate of the search and of the re-evaluation) and pareto.csv (the
// front after re-evaluation): the answer, the front (two objectives: the search's candidates and
// the re-evaluated front in objective space; one: the objective against each variable), how the
// search progressed, and the run's facts.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "analysis/html/csv_table.h"
#include "analysis/html/page.h"
#include "analysis/html/report_html.h"
#include "analysis/report.h"
#include "sim/error.h"

namespace marketsim {
namespace {

constexpr std::size_t kMaxPoints = 2000;  // per scatter dataset; more are thinned evenly

Json scatter(const std::vector<std::pair<double, double>>& points) {
  Json data = Json::array();
  const std::size_t step = (points.size() + kMaxPoints - 1) / kMaxPoints;
  for (std::size_t i = 0; i < points.size(); i += std::max<std::size_t>(1, step)) {
    data.push_back(Json{{"x", points[i].first}, {"y", points[i].second}});
  }
  return data;
}

/// A variable's value as written in pareto.csv, shortened for reading (the CSV keeps every digit).
std::string readable(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || v == std::floor(v)) return text;
  const double a = std::abs(v);
  return grouped(v, a >= 100 ? 0 : a >= 1 ? 2 : 4);
}

Json scatter_config(const Json& datasets, const std::string& x, const std::string& y) {
  return Json{{"type", "scatter"},
              {"data", Json{{"datasets", datasets}}},
              {"options", Json{{"plugins", Json{{"legend", Json{{"position", "bottom"}}}}},
                               {"scales", Json{{"x", Json{{"title", Json{{"display", true}, {"text", x}}}}},
                                               {"y", Json{{"title", Json{{"display", true}, {"text", y}}}}}}}}}};
}

}  // namespace

std::string optimize_report_html(const std::map<std::string, std::string>& files) {
  for (const char* name : {"optimize.json", "evaluations.csv", "pareto.csv"}) {
    if (!files.contains(name)) throw Error(std::string("report: an optimisation needs ") + name);
  }
  Json meta;
  try {
    meta = Json::parse(files.at("optimize.json"));
  } catch (const std::exception& e) {
    throw Error(std::string("report: optimize.json: ") + e.what());
  }
  const CsvTable evaluations(files.at("evaluations.csv"), "evaluations.csv");
  const CsvTable pareto(files.at("pareto.csv"), "pareto.csv");
  std::vector<std::string> variables, objectives, senses;
  for (const Json& v : meta["variables"]) variables.push_back(v.value("name", std::string()));
  for (const Json& o : meta["objectives"]) {
    objectives.push_back(o.value("column", std::string()));
    senses.push_back(o.value("sense", std::string("max")));
  }
  for (const std::string& c : objectives) {
    if (!evaluations.has(c) || !pareto.has(c)) throw Error("report: evaluations.csv or pareto.csv has no column " + c);
  }
  for (const char* c : {"evaluation", "phase", "feasible"}) {
    if (!evaluations.has(c)) throw Error(std::string("report: evaluations.csv has no column ") + c);
  }
  const std::string title = meta.contains("optimize") && meta["optimize"].is_object() ? meta["optimize"].value("name", std::string()) : "";
  HtmlPage page("marketsim optimisation" + (title.empty() ? std::string() : ": " + title),
                meta.contains("optimize") && meta["optimize"].is_object() ? meta["optimize"].value("description", std::string()) : "");
  const auto label = [&](std::size_t k) { return objectives[k] + " (" + senses[k] + ")"; };

  // The answer.
  page.section("answer", "Answer");
  const Json& algorithm = meta["algorithm"];
  const Json& re = meta["reevaluation"];
  const std::string fresh = "replications " + std::to_string(re.value("first_replication", 0)) + " to " +
                            std::to_string(re.value("first_replication", 0) + re.value("replications", 0) - 1);
  if (pareto.rows() == 0) {
    page.paragraph("No feasible point was found: no candidate met every constraint at the conservative end of its 95% CI "
                   "(evaluations.csv gives each candidate's figures).");
  } else {
    std::string sentence = "The recommended point (best.json) is ";
    for (std::size_t v = 0; v < variables.size(); ++v) {
      if (v > 0) sentence += ", ";
      sentence += variables[v];
      sentence += " = ";
      sentence += pareto.has(variables[v]) ? readable(pareto.text(0, pareto.column(variables[v]))) : "?";
    }
    sentence += ". Re-evaluated on fresh " + fresh + " (not those of the search), its ";
    for (std::size_t k = 0; k < objectives.size(); ++k) {
      const std::size_t c = pareto.column(objectives[k]);
      sentence += (k == 0 ? "" : "; ") + objectives[k] + " is " + grouped(pareto.number(0, c), 2) + " (95% CI " +
                  grouped(pareto.number(0, c + 1), 2) + " to " + grouped(pareto.number(0, c + 2), 2) + ")";
    }
    page.paragraph(sentence + ".");
    TableRows rows;
    for (std::size_t r = 0; r < pareto.rows(); ++r) {
      std::vector<std::string> row;
      for (const std::string& v : variables) row.push_back(pareto.has(v) ? readable(pareto.text(r, pareto.column(v))) : "");
      for (const std::string& o : objectives) {
        const std::size_t c = pareto.column(o);
        row.push_back(grouped(pareto.number(r, c), 2) + " (" + grouped(pareto.number(r, c + 1), 2) + " to " + grouped(pareto.number(r, c + 2), 2) + ")");
      }
      rows.push_back(row);
    }
    std::vector<std::string> header = variables;
    for (const std::string& o : objectives) header.push_back(o + " (95% CI)");
    page.table(header, rows, objectives.size() > 1 ? "The front after re-evaluation: no point is better on every objective."
                                                   : "The best point after re-evaluation.");
  }

  // The front, or the objective against each variable.
  std::vector<std::size_t> search_rows;
  for (std::size_t r = 0; r < evaluations.rows(); ++r) {
    if (evaluations.text(r, evaluations.column("phase")) == "search") search_rows.push_back(r);
  }
  const auto finite_point = [](double x, double y) { return std::isfinite(x) && std::isfinite(y); };
  page.section("front", objectives.size() > 1 ? "Front" : "Search space");
  if (objectives.size() > 1) {
    const std::size_t a = evaluations.column(objectives[0]), b = evaluations.column(objectives[1]);
    std::vector<std::pair<double, double>> feasible, infeasible, front;
    TableRows numbers;
    for (const std::size_t r : search_rows) {
      const double x = evaluations.number(r, a), y = evaluations.number(r, b);
      if (!finite_point(x, y)) continue;
      (evaluations.text(r, evaluations.column("feasible")) == "1" ? feasible : infeasible).emplace_back(x, y);
      numbers.push_back({"search", evaluations.text(r, 0), grouped(x, 2), grouped(y, 2)});
    }
    for (std::size_t r = 0; r < pareto.rows(); ++r) {
      const double x = pareto.number(r, pareto.column(objectives[0])), y = pareto.number(r, pareto.column(objectives[1]));
      if (!finite_point(x, y)) continue;
      front.emplace_back(x, y);
      numbers.push_back({"front (re-evaluated)", pareto.text(r, 0), grouped(x, 2), grouped(y, 2)});
    }
    Json datasets = Json::array();
    if (!feasible.empty()) {
      datasets.push_back(Json{{"label", "candidates (search)"}, {"data", scatter(feasible)}, {"backgroundColor", "rgba(120,120,120,0.45)"},
                              {"pointStyle", "rect"}, {"pointRadius", 3}});
    }
    if (!infeasible.empty()) {
      datasets.push_back(Json{{"label", "infeasible (search)"}, {"data", scatter(infeasible)}, {"backgroundColor", "rgba(200,40,40,0.35)"},
                              {"pointStyle", "crossRot"}, {"pointRadius", 4}, {"borderColor", "rgba(200,40,40,0.6)"}});
    }
    if (!front.empty()) {
      datasets.push_back(Json{{"label", "front, re-evaluated"}, {"data", scatter(front)}, {"backgroundColor", series_colour(0)},
                              {"borderColor", series_colour(0)}, {"pointRadius", 5}, {"showLine", true}});
    }
    if (!datasets.empty()) {
      page.chart(scatter_config(datasets, label(0), label(1)),
                 "Every candidate of the search (grey; red crosses break a constraint) and the front re-evaluated on fresh "
                 "replications (blue), in the space of the first two objectives.",
                 {"phase", "evaluation", objectives[0], objectives[1]}, numbers);
    }
  }
  for (std::size_t v = 0; v < variables.size(); ++v) {
    if (!evaluations.has(variables[v])) continue;
    const std::size_t x = evaluations.column(variables[v]), y = evaluations.column(objectives[0]);
    std::vector<std::pair<double, double>> points;
    TableRows numbers;
    for (const std::size_t r : search_rows) {
      if (evaluations.text(r, evaluations.column("feasible")) != "1") continue;
      const double xv = evaluations.number(r, x), yv = evaluations.number(r, y);
      if (!finite_point(xv, yv)) continue;  // a categorical variable's values are not drawn
      points.emplace_back(xv, yv);
      numbers.push_back({evaluations.text(r, 0), grouped(xv, 4), grouped(yv, 2)});
    }
    if (points.empty()) continue;
    page.chart(scatter_config(Json::array({Json{{"label", "feasible candidates"}, {"data", scatter(points)},
                                                {"backgroundColor", series_colour(1, 0.6)}, {"pointStyle", "rect"}, {"pointRadius", 4}}}),
                              variables[v], label(0)),
               "The search's feasible candidates: " + objectives[0] + " over the search's replications against " +
                   variables[v] + " (the other variables vary too).",
               {"evaluation", variables[v], objectives[0]}, numbers);
  }

  // How the search went: the best feasible first objective so far.
  {
    const std::size_t y = evaluations.column(objectives[0]);
    const bool maximise = senses[0] == "max";
    Json data = Json::array();
    std::vector<std::string> labels;
    TableRows numbers;
    double best = std::nan("");
    for (const std::size_t r : search_rows) {
      const double v = evaluations.number(r, y);
      if (evaluations.text(r, evaluations.column("feasible")) == "1" && std::isfinite(v) &&
          (!std::isfinite(best) || (maximise ? v > best : v < best))) {
        best = v;
      }
      labels.push_back(evaluations.text(r, 0));
      data.push_back(number_or_null(best));
      numbers.push_back({evaluations.text(r, 0), std::isfinite(best) ? grouped(best, 2) : "n/a"});
    }
    if (!labels.empty()) {
      page.section("search", "Search");
      page.chart(Json{{"type", "line"},
                      {"data", Json{{"labels", labels},
                                    {"datasets", Json::array({Json{{"label", "best feasible so far"}, {"data", data},
                                                                   {"borderColor", series_colour(0)}, {"pointRadius", 0},
                                                                   {"stepped", true}}})}}},
                      {"options", Json{{"scales", Json{{"x", Json{{"title", Json{{"display", true}, {"text", "evaluation"}}}}},
                                                       {"y", Json{{"title", Json{{"display", true}, {"text", label(0)}}}}}}}}}},
                 "The best feasible " + objectives[0] + " found so far, by evaluation (search replications; the answer's "
                 "figures come from the re-evaluation).",
                 {"evaluation", "best so far"}, numbers);
    }
  }

  page.section("facts", "Run facts");
  page.table({"", ""},
             {{"optimisation", meta.value("optimize_file", std::string())},
              {"base scenario", meta.value("base_scenario", std::string())},
              {"algorithm", algorithm.value("name", std::string()) + ", population " + std::to_string(algorithm.value("population", 0)) +
                                ", " + std::to_string(algorithm.value("generations", 0)) + " generations, seed " +
                                std::to_string(algorithm.value("seed", 0))},
              {"search", std::to_string(meta.value("evaluations", 0)) + " candidates x " + std::to_string(meta.value("replications", 0)) +
                             " replications (common random numbers)"},
              {"re-evaluation", std::to_string(re.value("points", 0)) + " points on " + fresh},
              {"units", std::to_string(meta.value("units", 0)) + " (" + std::to_string(meta.value("units_run", 0)) + " run by the last invocation)"},
              {"time taken", grouped(meta.value("seconds", 0.0), 1) + " s, " + std::to_string(meta.value("threads", 0)) + " threads"},
              {"marketsim", meta.value("marketsim_version", std::string())}});
  return page.str();
}

}  // namespace marketsim
