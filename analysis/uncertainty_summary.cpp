#include "analysis/uncertainty_summary.h"

#include <cmath>

#include "analysis/metric.h"
#include "analysis/report.h"
#include "scenarios/uncertainty.h"

namespace marketsim {
namespace {

Json components_json(const VarianceComponents& c) {
  return Json{{"mean", number_or_null(c.mean)},
              {"between_draw_variance", number_or_null(c.between)},
              {"within_draw_variance", number_or_null(c.within)},
              {"between_share", number_or_null(c.between_share)},
              {"f", number_or_null(c.f)},
              {"p_value", number_or_null(c.p_value)},
              {"draw_means", interval_json(c.group_means)},
              {"draws", c.groups},
              {"n", c.n}};
}

/// The runs' replications and their draws, and arm a's (or a less the baseline's) metric m.
struct Columns {
  std::size_t reps;
  std::vector<std::uint64_t> draws;
};

Columns columns(const Scenario& sc, const ExperimentResult& result) {
  Columns c;
  c.reps = sc.arms.empty() ? 0 : result.runs.size() / sc.arms.size();
  for (std::size_t i = 0; i < c.reps; ++i) c.draws.push_back(sc.uncertainty->draw_of(result.runs[i].replication));
  return c;
}

VarianceComponents decompose(const ExperimentResult& result, const Columns& c, std::size_t arm, std::size_t m,
                             const std::size_t* baseline) {
  std::vector<double> values(c.reps);
  for (std::size_t i = 0; i < c.reps; ++i) {
    values[i] = result.runs[arm * c.reps + i].totals[m];
    if (baseline != nullptr) values[i] -= result.runs[*baseline * c.reps + i].totals[m];
  }
  return variance_components(values, c.draws);
}

}  // namespace

VarianceComponents draw_variance(const Scenario& sc, const ExperimentResult& result, std::size_t arm,
                                 std::size_t metric, bool against_baseline) {
  return decompose(result, columns(sc, result), arm, metric, against_baseline ? &sc.baseline : nullptr);
}

Json uncertainty_json(const Scenario& sc, const ExperimentResult& result) {
  if (!sc.uncertainty) return nullptr;
  const Uncertainty& u = *sc.uncertainty;
  const Columns c = columns(sc, result);
  Json doc{{"draws", u.draws},
           {"replications_per_draw", u.replications_per_draw},
           {"method", "one-way random-effects ANOVA over draws (method of moments); between_share = "
                      "between / (between + within)"}};
  // Each value's distribution and its draws (those the run's replications used).
  std::vector<std::uint64_t> used;
  for (const std::uint64_t d : c.draws) {
    if (used.empty() || used.back() != d) used.push_back(d);
  }
  Json values = Json::array();
  for (std::size_t k = 0; k < u.values.size(); ++k) {
    Json drawn = Json::object();
    for (const std::uint64_t d : used) drawn[std::to_string(d)] = u.values_of_draw(sc.seed, d)[k];
    values.push_back(Json{{"name", u.values[k].name}, {"pointer", u.values[k].pointer},
                          {"distribution", u.values[k].spec}, {"drawn", drawn}});
  }
  doc["values"] = values;
  const auto& metrics = metric_list();
  Json arms = Json::array();
  for (std::size_t a = 0; a < sc.arms.size(); ++a) {
    Json per = Json::object();
    for (std::size_t m = 0; m < metrics.size(); ++m) per[metrics[m].name] = components_json(decompose(result, c, a, m, nullptr));
    arms.push_back(Json{{"arm", sc.arms[a].name}, {"metrics", per}});
  }
  doc["arms"] = arms;
  Json diffs = Json::array();
  for (std::size_t a = 0; a < sc.arms.size(); ++a) {
    if (a == sc.baseline) continue;
    Json per = Json::object();
    for (const std::string& name : paired_metrics()) {
      per[name] = components_json(decompose(result, c, a, metric_index(name), &sc.baseline));
    }
    diffs.push_back(Json{{"arm", sc.arms[a].name}, {"versus", sc.arms[sc.baseline].name}, {"metrics", per}});
  }
  doc["paired_differences"] = diffs;
  return doc;
}

}  // namespace marketsim
