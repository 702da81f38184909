#include "experiments/optimize.h"

#include <pagmo/algorithm.hpp>
#include <pagmo/algorithms/cmaes.hpp>
#include <pagmo/algorithms/de.hpp>
#include <pagmo/algorithms/moead.hpp>
#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/algorithms/pso.hpp>
#include <pagmo/algorithms/sade.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/problems/unconstrain.hpp>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>

#include "analysis/metric.h"
#include "analysis/outputs/csv.h"
#include "analysis/report.h"
#include "experiments/files.h"
#include "experiments/result_store.h"
#include "experiments/run_unit.h"
#include "experiments/sweep_store.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"
#include "scenarios/uncertainty.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad(const std::string& file, const std::string& pointer, const std::string& what) {
  throw ScenarioError(file, pointer, what);
}

void known_keys(const Json& j, const std::set<std::string>& known, const std::string& file, const std::string& at) {
  for (const auto& [key, value] : j.items()) {
    if (known.contains(key)) continue;
    std::string list;
    for (const std::string& k : known) {
      if (!list.empty()) list += ", ";
      list += k;
    }
    bad(file, at + "/" + pointer_token(key), "unknown key (allowed: " + list + ")");
  }
}

double number(const Json& j, const std::string& file, const std::string& at) {
  if (!j.is_number()) bad(file, at, "must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) bad(file, at, "must be a finite number");
  return v;
}

/// The measure of an objective or a constraint; the arm is resolved against the base scenario.
OptimizeMeasure parse_measure(const Json& j, const Scenario& base, const std::string& file, const std::string& at) {
  OptimizeMeasure m;
  if (!j.contains("metric") || !j["metric"].is_string()) bad(file, at + "/metric", "required: a metric of runs.csv (marketsim list metrics)");
  m.metric = j["metric"].get<std::string>();
  const auto& metrics = metric_list();
  const auto it = std::find_if(metrics.begin(), metrics.end(), [&](const MetricInfo& info) { return info.name == m.metric; });
  if (it == metrics.end()) bad(file, at + "/metric", "not a metric: " + json_quoted(m.metric) + " (marketsim list metrics)");
  m.metric_index = static_cast<std::size_t>(it - metrics.begin());
  const std::string of = j.value("of", std::string("value"));
  if (!j.value("of", Json("value")).is_string() || (of != "value" && of != "difference" && of != "roi")) {
    bad(file, at + "/of", "must be \"value\", \"difference\" or \"roi\"");
  }
  m.of = of == "value" ? OptimizeMeasure::Of::kValue : of == "difference" ? OptimizeMeasure::Of::kDifference : OptimizeMeasure::Of::kRoi;
  if (j.contains("arm")) {
    if (!j["arm"].is_string()) bad(file, at + "/arm", "must be an arm's name");
    m.arm = j["arm"].get<std::string>();
    std::string names;
    bool found = false;
    for (std::size_t a = 0; a < base.arms.size(); ++a) {
      if (!names.empty()) names += ", ";
      names += json_quoted(base.arms[a].name);
      if (base.arms[a].name == m.arm) m.arm_index = a, found = true;
    }
    if (!found) bad(file, at + "/arm", "no arm of the base scenario is called " + json_quoted(m.arm) + " (its arms: " + names + ")");
  } else {
    m.arm_index = base.arms.size() == 1 ? 0 : (base.baseline == 0 ? 1 : 0);
    m.arm = base.arms[m.arm_index].name;
  }
  if (m.of != OptimizeMeasure::Of::kValue && m.arm_index == base.baseline) {
    bad(file, at + "/of", "a difference against the baseline needs an arm that is not the baseline (" + json_quoted(m.arm) + " is)");
  }
  m.column = m.metric;  // made unique once every measure is read
  return m;
}

/// A candidate's replications' totals of the arms the units run (per replication, per arm run).
using Totals = std::vector<std::vector<std::vector<double>>>;

MeasureValue measure_value(const OptimizeSpec& spec, const OptimizeMeasure& m, const Totals& totals, std::size_t baseline_pos) {
  const std::size_t pos = static_cast<std::size_t>(std::find(spec.arms.begin(), spec.arms.end(), m.arm_index) - spec.arms.begin());
  const std::size_t spend = metric_index("promotion_spend");
  std::vector<double> values;
  for (const auto& rep : totals) {
    const double v = rep[pos][m.metric_index];
    switch (m.of) {
      case OptimizeMeasure::Of::kValue:
        values.push_back(v);
        break;
      case OptimizeMeasure::Of::kDifference:
        values.push_back(v - rep[baseline_pos][m.metric_index]);
        break;
      case OptimizeMeasure::Of::kRoi: {
        const double s = rep[pos][spend];
        values.push_back(s > 0 ? (v - rep[baseline_pos][m.metric_index]) / s : std::numeric_limits<double>::quiet_NaN());
        break;
      }
    }
  }
  return MeasureValue{mean_interval(values), totals.size()};
}

std::string value_key(const std::vector<Json>& values) {
  std::string key;
  for (const Json& v : values) {
    if (v.is_number_float()) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v.get<double>())));
      key += buf;
    } else {
      key += v.dump();
    }
    key += '\x1f';
  }
  return key;
}

/// The search: evaluations through the store, kept in memory in first-evaluation order.
class Search {
 public:
  Search(const OptimizeSpec& spec, SweepStore& store, const OptimizeOptions& options, std::uint64_t planned)
      : spec_(spec), store_(store), options_(options), done_units_(store.units()), planned_(planned) {
    baseline_pos_ = static_cast<std::size_t>(
        std::find(spec.arms.begin(), spec.arms.end(), parse_scenario(spec.base, spec.base_file).baseline) - spec.arms.begin());
  }

  /// The candidate's evaluation on replications [first, first + count): from the store where it
  /// holds them, else run now (in parallel) and stored.
  Evaluation evaluate(const std::vector<Json>& values, std::uint64_t first, std::uint64_t count) {
    Evaluation e;
    e.values = values;
    const std::uint64_t point = name_hash(value_key(values)) & 0x7fffffffffffffffULL;
    std::unique_ptr<Scenario> scenario;
    try {
      scenario = std::make_unique<Scenario>(parse_scenario(candidate_document(spec_, values, first + count), spec_.base_file));
    } catch (const ScenarioError& err) {
      e.feasible = false;
      e.error = one_line(err.what());
      return e;
    }
    Totals totals(count);
    MarketCache cache;
    std::mutex errors;
    std::string error;
    tbb::parallel_for(std::uint64_t{0}, count, std::uint64_t{1}, [&](std::uint64_t i) {
      const std::uint64_t r = first + i;
      try {
        UnitResult u;
        if (done_units_.contains({point, r})) {
          u = decode_unit_result(store_.unit(point, r));
        } else {
          u = run_unit(*scenario, RunUnit{r, spec_.arms}, &cache);
          store_.put_unit(point, r, encode_unit_result(u));
          ++units_run_;
          if (kill_after_ >= 0 && units_run_.load() >= static_cast<std::uint64_t>(kill_after_)) std::raise(SIGKILL);
        }
        for (const RunResult& run : u.runs) totals[i].push_back(run.totals);
      } catch (const std::exception& ex) {
        const std::lock_guard lock(errors);
        if (error.empty()) error = one_line(ex.what());
      }
    });
    if (!error.empty()) {
      e.feasible = false;
      e.error = error;
      return e;
    }
    for (const OptimizeObjective& o : spec_.objectives) e.objectives.push_back(measure_value(spec_, o.measure, totals, baseline_pos_));
    for (const OptimizeConstraint& c : spec_.constraints) {
      const MeasureValue v = measure_value(spec_, c.measure, totals, baseline_pos_);
      e.constraints.push_back(v);
      if (c.max && !(v.value.high <= *c.max)) e.feasible = false;
      if (c.min && !(v.value.low >= *c.min)) e.feasible = false;
    }
    for (const MeasureValue& v : e.objectives) {
      if (!std::isfinite(v.value.mean)) e.feasible = false;
    }
    return e;
  }

  /// The algorithm's fitness of x: the objectives to minimise, then one inequality per constraint
  /// (<= 0 when it holds at the conservative end of its CI).
  std::vector<double> fitness(const std::vector<double>& x) {
    const std::vector<Json> values = decode_candidate(spec_, x);
    const std::string key = value_key(values);
    auto it = search_.find(key);
    if (it == search_.end()) {
      Evaluation e = evaluate(values, 0, spec_.replications);
      e.index = order_.size();
      it = search_.emplace(key, std::move(e)).first;
      order_.push_back(key);
      if (options_.progress) options_.progress(order_.size(), planned_);
    }
    const Evaluation& e = it->second;
    std::vector<double> f;
    constexpr double kWorst = std::numeric_limits<double>::max();
    for (std::size_t k = 0; k < spec_.objectives.size(); ++k) {
      if (!e.error.empty() || !std::isfinite(e.objectives[k].value.mean)) {
        f.push_back(kWorst);
        continue;
      }
      const double v = e.objectives[k].value.mean;
      f.push_back(spec_.objectives[k].maximise ? -v : v);
    }
    for (std::size_t k = 0; k < spec_.constraints.size(); ++k) {
      const OptimizeConstraint& c = spec_.constraints[k];
      if (!e.error.empty()) {
        f.push_back(1.0);
        continue;
      }
      const Interval& v = e.constraints[k].value;
      double g = -1.0;
      if (c.max) g = std::isfinite(v.high) ? std::max(g, v.high - *c.max) : 1.0;
      if (c.min) g = std::isfinite(v.low) ? std::max(g, *c.min - v.low) : 1.0;
      f.push_back(g);
    }
    return f;
  }

  std::vector<const Evaluation*> evaluations() const {
    std::vector<const Evaluation*> out;
    for (const std::string& k : order_) out.push_back(&search_.at(k));
    return out;
  }
  std::uint64_t units_run() const { return units_run_; }
  void progress(std::uint64_t done) const {
    if (options_.progress) options_.progress(done, planned_);
  }
  void set_planned(std::uint64_t planned) { planned_ = planned; }

 private:
  const OptimizeSpec& spec_;
  SweepStore& store_;
  const OptimizeOptions& options_;
  const std::set<std::pair<std::uint64_t, std::uint64_t>> done_units_;
  std::uint64_t planned_;
  std::size_t baseline_pos_ = 0;
  std::map<std::string, Evaluation> search_;
  std::vector<std::string> order_;
  std::atomic<std::uint64_t> units_run_{0};
  // A test hook: the process kills itself (SIGKILL, as kill -9) once it has run this many units.
  const long kill_after_ = std::getenv("MARKETSIM_OPTIMIZE_KILL_AFTER") != nullptr ? std::atol(std::getenv("MARKETSIM_OPTIMIZE_KILL_AFTER")) : -1;
};

/// The pagmo problem (a user-defined problem: copied by pagmo, so it holds the search by pointer).
struct Problem {
  std::shared_ptr<Search> search;
  std::vector<double> lower, upper;
  std::size_t objectives = 1, constraints = 0;

  pagmo::vector_double fitness(const pagmo::vector_double& x) const { return search->fitness(x); }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const { return {lower, upper}; }
  pagmo::vector_double::size_type get_nobj() const { return objectives; }
  pagmo::vector_double::size_type get_nic() const { return constraints; }
  std::string get_name() const { return "marketsim scenario"; }
};

pagmo::algorithm make_algorithm(const OptimizeAlgorithm& a, std::size_t population) {
  const auto gen = static_cast<unsigned>(a.generations);
  const auto seed = static_cast<unsigned>(a.seed & 0xffffffffULL);
  if (a.name == "nsga2") return pagmo::algorithm(pagmo::nsga2(gen, 0.95, 10.0, 0.01, 50.0, seed));
  if (a.name == "moead") {
    const auto neighbours = static_cast<pagmo::population::size_type>(std::min<std::size_t>(20, population - 1));
    return pagmo::algorithm(pagmo::moead(gen, "low discrepancy", "tchebycheff", neighbours, 1.0, 0.5, 20.0, 0.9, 2, true, seed));
  }
  if (a.name == "pso") return pagmo::algorithm(pagmo::pso(gen, 0.7298, 2.05, 2.05, 0.5, 5u, 2u, 4u, false, seed));
  if (a.name == "cmaes") return pagmo::algorithm(pagmo::cmaes(gen, -1, -1, -1, -1, 0.3, 1e-9, 1e-9, false, true, seed));
  if (a.name == "de") return pagmo::algorithm(pagmo::de(gen, 0.8, 0.9, 2u, 1e-9, 1e-9, seed));
  return pagmo::algorithm(pagmo::sade(gen, 2u, 1u, 1e-9, 1e-9, false, seed));
}

/// Whether a dominates b (objectives already oriented: larger is better).
bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool better = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] < b[k]) return false;
    better = better || a[k] > b[k];
  }
  return better;
}

/// The evaluations' objective means, oriented so that larger is better.
std::vector<double> oriented(const OptimizeSpec& spec, const Evaluation& e) {
  std::vector<double> v;
  for (std::size_t k = 0; k < spec.objectives.size(); ++k) {
    v.push_back(spec.objectives[k].maximise ? e.objectives[k].value.mean : -e.objectives[k].value.mean);
  }
  return v;
}

/// The feasible evaluations no other feasible one dominates, in their order (duplicates in
/// objective space kept once: the first).
std::vector<const Evaluation*> non_dominated(const OptimizeSpec& spec, const std::vector<const Evaluation*>& all) {
  std::vector<const Evaluation*> out;
  for (const Evaluation* e : all) {
    if (!e->feasible) continue;
    const std::vector<double> me = oriented(spec, *e);
    bool dominated = false;
    for (const Evaluation* o : all) {
      if (o == e || !o->feasible) continue;
      const std::vector<double> them = oriented(spec, *o);
      if (dominates(them, me) || (them == me && o->index < e->index)) dominated = true;
      if (dominated) break;
    }
    if (!dominated) out.push_back(e);
  }
  return out;
}

std::string measure_header(const std::vector<std::string>& columns) {
  std::string h;
  for (const std::string& c : columns) {
    for (const std::string& name : {c, c + "_ci_low", c + "_ci_high"}) {
      h += ',';
      h += csv_field(name);
    }
  }
  return h;
}

std::string measure_fields(const std::vector<MeasureValue>& values, std::size_t count) {
  std::string s;
  for (std::size_t k = 0; k < count; ++k) {
    if (k >= values.size()) {
      s += ",,,";
      continue;
    }
    const Interval& v = values[k].value;
    for (const double x : {v.mean, v.low, v.high}) {
      s += ',';
      s += csv::number(x);
    }
  }
  return s;
}

}  // namespace

OptimizeSpec load_optimize(const std::string& path) { return parse_optimize(read_work_file(path, "optimisation file"), path); }

OptimizeSpec parse_optimize(std::string_view text, const std::string& file) {
  OptimizeSpec spec;
  spec.file = file;
  spec.text = std::string(text);
  const Json doc = parse_json(text, file);
  if (!doc.is_object()) bad(file, "", "expected an optimisation object {\"base\", \"variables\", \"objectives\", ...}");
  known_keys(doc, {"name", "description", "base", "variables", "objectives", "constraints", "replications", "reevaluation", "algorithm",
                   "front_files"},
             file, "");
  // The base scenario: a path relative to the file, or inline.
  if (!doc.contains("base")) bad(file, "/base", "required: a scenario file's path or an inline scenario object");
  std::tie(spec.base, spec.base_file) = read_base_scenario(doc["base"], file, "/base");
  if (uses_uncertainty(spec.base)) bad(file, "/base", "a base scenario with \"uncertainty\" cannot be optimised (its replications are draws)");
  const Scenario base = parse_scenario(spec.base, spec.base_file);
  // Replications.
  const auto count = [&](const Json& j, const std::string& at, std::uint64_t lo) {
    if (!j.is_number_integer() || j.get<std::int64_t>() < static_cast<std::int64_t>(lo) || j.get<std::int64_t>() > 10000) {
      bad(file, at, "must be an integer in [" + std::to_string(lo) + ", 10000]");
    }
    return j.get<std::uint64_t>();
  };
  if (doc.contains("replications")) spec.replications = count(doc["replications"], "/replications", 1);
  // Variables.
  if (!doc.contains("variables") || !doc["variables"].is_array() || doc["variables"].empty()) {
    bad(file, "/variables", "required: a non-empty list of variables {\"pointer\", \"type\", \"min\", \"max\"} or {\"pointer\", \"type\": \"categorical\", \"values\"}");
  }
  std::set<std::string> names;
  for (std::size_t k = 0; k < doc["variables"].size(); ++k) {
    const std::string at = "/variables/" + std::to_string(k);
    const Json& v = doc["variables"][k];
    if (!v.is_object()) bad(file, at, "expected a variable object");
    known_keys(v, {"name", "pointer", "type", "min", "max", "values"}, file, at);
    OptimizeVariable var;
    if (!v.contains("pointer") || !v["pointer"].is_string() || v["pointer"].get<std::string>().empty()) {
      bad(file, at + "/pointer", "required: a JSON pointer into the base scenario, e.g. \"/arms/1/promotions/0/depth\"");
    }
    var.pointer = v["pointer"].get<std::string>();
    pointer_tokens(var.pointer, file);
    var.name = var.pointer;
    if (v.contains("name")) {
      if (!v["name"].is_string() || v["name"].get<std::string>().empty()) bad(file, at + "/name", "must be a non-empty string");
      var.name = v["name"].get<std::string>();
    }
    if (!names.insert(var.name).second) bad(file, at + "/name", "repeats the name of another variable");
    const std::string type = v.value("type", Json("real")).is_string() ? v.value("type", std::string("real")) : "";
    if (type == "categorical") {
      var.type = OptimizeVariable::Type::kCategorical;
      if (v.contains("min") || v.contains("max")) bad(file, at, "a categorical variable takes \"values\", not \"min\" and \"max\"");
      if (!v.contains("values") || !v["values"].is_array() || v["values"].empty()) bad(file, at + "/values", "required: a non-empty list of values");
      var.values = v["values"].get<std::vector<Json>>();
    } else if (type == "real" || type == "integer") {
      var.type = type == "real" ? OptimizeVariable::Type::kReal : OptimizeVariable::Type::kInteger;
      if (v.contains("values")) bad(file, at + "/values", "only a categorical variable takes \"values\"");
      if (!v.contains("min")) bad(file, at + "/min", "required: a number");
      if (!v.contains("max")) bad(file, at + "/max", "required: a number");
      var.min = number(v["min"], file, at + "/min");
      var.max = number(v["max"], file, at + "/max");
      if (!(var.min < var.max)) bad(file, at + "/max", "must be greater than min");
      if (var.type == OptimizeVariable::Type::kInteger && std::ceil(var.min) > std::floor(var.max)) bad(file, at, "[min, max] holds no integer");
    } else {
      bad(file, at + "/type", "must be \"real\", \"integer\" or \"categorical\"");
    }
    // The pointer must lead into the base scenario (its parent must exist).
    Json probe = spec.base;
    try {
      const Json value = var.type == OptimizeVariable::Type::kCategorical ? var.values[0]
                         : var.type == OptimizeVariable::Type::kInteger   ? Json(static_cast<std::int64_t>(std::ceil(var.min)))
                                                                          : Json(var.min);
      apply_override(probe, var.pointer + "=" + value.dump(), spec.base_file);
    } catch (const ScenarioError& e) {
      bad(file, at + "/pointer", "does not lead into the base scenario: " + e.detail());
    }
    spec.variables.push_back(std::move(var));
  }
  // Objectives and constraints.
  if (!doc.contains("objectives") || !doc["objectives"].is_array() || doc["objectives"].empty()) {
    bad(file, "/objectives", "required: a non-empty list of objectives {\"metric\", \"arm\", \"sense\": \"max\" | \"min\"}");
  }
  if (doc["objectives"].size() > 8) bad(file, "/objectives", "at most 8 objectives");
  for (std::size_t k = 0; k < doc["objectives"].size(); ++k) {
    const std::string at = "/objectives/" + std::to_string(k);
    const Json& o = doc["objectives"][k];
    if (!o.is_object()) bad(file, at, "expected an objective object");
    known_keys(o, {"metric", "arm", "of", "sense"}, file, at);
    OptimizeObjective obj;
    obj.measure = parse_measure(o, base, file, at);
    const Json sense = o.value("sense", Json("max"));
    if (!sense.is_string() || (sense != "max" && sense != "min")) bad(file, at + "/sense", "must be \"max\" or \"min\"");
    obj.maximise = sense == "max";
    spec.objectives.push_back(std::move(obj));
  }
  if (doc.contains("constraints")) {
    if (!doc["constraints"].is_array()) bad(file, "/constraints", "must be a list of constraints {\"metric\", \"arm\", \"max\" | \"min\"}");
    for (std::size_t k = 0; k < doc["constraints"].size(); ++k) {
      const std::string at = "/constraints/" + std::to_string(k);
      const Json& c = doc["constraints"][k];
      if (!c.is_object()) bad(file, at, "expected a constraint object");
      known_keys(c, {"metric", "arm", "of", "max", "min"}, file, at);
      OptimizeConstraint con;
      con.measure = parse_measure(c, base, file, at);
      if (c.contains("max")) con.max = number(c["max"], file, at + "/max");
      if (c.contains("min")) con.min = number(c["min"], file, at + "/min");
      if (!con.max && !con.min) bad(file, at, "give \"max\", \"min\" or both");
      if (con.max && con.min && !(*con.min <= *con.max)) bad(file, at + "/min", "must be at most max");
      spec.constraints.push_back(std::move(con));
    }
    if (!spec.constraints.empty() && spec.replications < 2) {
      bad(file, "/replications", "constraints are judged on 95% CIs: at least 2 replications");
    }
  }
  // Column names: each objective's and constraint's metric; where that name is taken already, the
  // metric with the kind of measure ("_difference", "_roi"), then with ".ARM", then "_constraint".
  std::set<std::string> taken;
  const auto name_column = [&](OptimizeMeasure& m, bool constraint) {
    const std::string kind = m.of == OptimizeMeasure::Of::kDifference ? "_difference" : m.of == OptimizeMeasure::Of::kRoi ? "_roi" : "";
    for (const std::string& name : {m.metric, m.metric + kind, m.metric + kind + "." + m.arm,
                                    m.metric + kind + "." + m.arm + (constraint ? "_constraint" : "_objective")}) {
      if (taken.insert(name).second) {
        m.column = name;
        return;
      }
    }
    bad(file, constraint ? "/constraints" : "/objectives", "repeats " + json_quoted(m.column));
  };
  for (auto& o : spec.objectives) name_column(o.measure, false);
  for (auto& c : spec.constraints) name_column(c.measure, true);
  if (doc.contains("front_files")) {
    if (!doc["front_files"].is_boolean()) bad(file, "/front_files", "must be true or false");
    spec.front_files = doc["front_files"].get<bool>();
  }
  // Re-evaluation.
  const bool several = spec.objectives.size() > 1;
  spec.reevaluation_replications = 2 * spec.replications;
  spec.reevaluation_points = several ? 20 : 5;
  if (doc.contains("reevaluation")) {
    const Json& r = doc["reevaluation"];
    if (!r.is_object()) bad(file, "/reevaluation", "must be an object {\"replications\", \"points\"}");
    known_keys(r, {"replications", "points"}, file, "/reevaluation");
    if (r.contains("replications")) spec.reevaluation_replications = count(r["replications"], "/reevaluation/replications", 2);
    if (r.contains("points")) spec.reevaluation_points = count(r["points"], "/reevaluation/points", 1);
  }
  // The algorithm.
  spec.algorithm.name = several ? "nsga2" : "pso";
  spec.algorithm.population = several ? 16 : 10;
  spec.algorithm.generations = 10;
  if (doc.contains("algorithm")) {
    const Json& a = doc["algorithm"];
    if (!a.is_object()) bad(file, "/algorithm", "must be an object {\"name\", \"population\", \"generations\", \"seed\"}");
    known_keys(a, {"name", "population", "generations", "seed"}, file, "/algorithm");
    if (a.contains("name")) {
      static const std::set<std::string> single = {"pso", "cmaes", "de", "sade"}, multi = {"nsga2", "moead"};
      const std::string name = a["name"].is_string() ? a["name"].get<std::string>() : "";
      if (!single.contains(name) && !multi.contains(name)) bad(file, "/algorithm/name", "must be one of \"nsga2\", \"moead\" (several objectives), \"pso\", \"cmaes\", \"de\", \"sade\" (one objective)");
      if (several && single.contains(name)) bad(file, "/algorithm/name", json_quoted(name) + " optimises one objective; with several use \"nsga2\" or \"moead\"");
      spec.algorithm.name = name;
    }
    if (a.contains("population")) spec.algorithm.population = count(a["population"], "/algorithm/population", 2);
    if (a.contains("generations")) spec.algorithm.generations = count(a["generations"], "/algorithm/generations", 1);
    if (a.contains("seed")) {
      if (!a["seed"].is_number_integer() || a["seed"].get<std::int64_t>() < 0) bad(file, "/algorithm/seed", "must be an integer >= 0");
      spec.algorithm.seed = a["seed"].get<std::uint64_t>();
    }
  }
  const std::size_t pop = spec.algorithm.population;
  const std::string& alg = spec.algorithm.name;
  if (alg == "nsga2" && (pop < 8 || pop % 4 != 0)) bad(file, "/algorithm/population", "NSGA-II needs a population that is a multiple of 4, at least 8");
  if (alg == "moead" && pop < 6) bad(file, "/algorithm/population", "MOEA/D needs a population of at least 6 (more than its neighbourhood)");
  if ((alg == "cmaes" || alg == "de") && pop < 5) bad(file, "/algorithm/population", alg + " needs a population of at least 5");
  if (alg == "sade" && pop < 7) bad(file, "/algorithm/population", "sade needs a population of at least 7");
  // The arms the units run: the baseline and every measured arm, ascending.
  std::set<std::size_t> arms = {base.baseline};
  for (const auto& o : spec.objectives) arms.insert(o.measure.arm_index);
  for (const auto& c : spec.constraints) arms.insert(c.measure.arm_index);
  spec.arms.assign(arms.begin(), arms.end());
  return spec;
}

std::vector<Json> decode_candidate(const OptimizeSpec& spec, const std::vector<double>& x) {
  std::vector<Json> values;
  for (std::size_t k = 0; k < spec.variables.size(); ++k) {
    const OptimizeVariable& v = spec.variables[k];
    switch (v.type) {
      case OptimizeVariable::Type::kReal:
        values.emplace_back(std::clamp(x[k], v.min, v.max));
        break;
      case OptimizeVariable::Type::kInteger:
        values.emplace_back(static_cast<std::int64_t>(std::clamp(std::floor(x[k]), std::ceil(v.min), std::floor(v.max))));
        break;
      case OptimizeVariable::Type::kCategorical: {
        const double n = static_cast<double>(v.values.size());
        values.push_back(v.values[static_cast<std::size_t>(std::clamp(std::floor(x[k]), 0.0, n - 1.0))]);
        break;
      }
    }
  }
  return values;
}

Json candidate_document(const OptimizeSpec& spec, const std::vector<Json>& values, std::uint64_t replications) {
  Json doc = spec.base;
  for (std::size_t k = 0; k < spec.variables.size(); ++k) {
    apply_override(doc, spec.variables[k].pointer + "=" + values[k].dump(), spec.base_file);
  }
  doc["replications"] = replications;
  return doc;
}

std::string optimize_fingerprint(const OptimizeSpec& spec) { return work_fingerprint(spec.text, spec.base); }

OptimizeReport run_optimize(const OptimizeSpec& spec, const std::string& out_dir, const OptimizeOptions& options) {
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(out_dir);
  SweepStore store((fs::path(out_dir) / "store.sqlite").string(), optimize_fingerprint(spec), options.fresh);
  store.set_meta("optimize_text", spec.text);
  store.set_meta("optimize_file", spec.file);
  store.set_meta("base", spec.base.dump());
  const std::size_t pop = spec.algorithm.population;
  const std::uint64_t planned = pop * (spec.algorithm.generations + 1) + spec.reevaluation_points;
  const auto search = std::make_shared<Search>(spec, store, options, planned);

  // The search.
  Problem udp;
  udp.search = search;
  for (const OptimizeVariable& v : spec.variables) {
    switch (v.type) {
      case OptimizeVariable::Type::kReal:
        udp.lower.push_back(v.min);
        udp.upper.push_back(v.max);
        break;
      case OptimizeVariable::Type::kInteger:  // floor(x) over [ceil(min), floor(max) + 1)
        udp.lower.push_back(std::ceil(v.min));
        udp.upper.push_back(std::nextafter(std::floor(v.max) + 1.0, -1.0));
        break;
      case OptimizeVariable::Type::kCategorical:
        udp.lower.push_back(0.0);
        udp.upper.push_back(std::nextafter(static_cast<double>(v.values.size()), -1.0));
        break;
    }
  }
  udp.objectives = spec.objectives.size();
  udp.constraints = spec.constraints.size();
  pagmo::problem problem = spec.constraints.empty() ? pagmo::problem(udp)
                                                    : pagmo::problem(pagmo::unconstrain(pagmo::problem(udp), "death penalty"));
  pagmo::population population(problem, pop, static_cast<unsigned>(spec.algorithm.seed & 0xffffffffULL));
  make_algorithm(spec.algorithm, pop).evolve(population);
  const std::vector<const Evaluation*> searched = search->evaluations();

  // Re-evaluation on fresh replications: the search's front (or its best points), at most
  // reevaluation_points of them, spread along the first objective.
  std::vector<const Evaluation*> chosen;
  if (spec.objectives.size() > 1) {
    chosen = non_dominated(spec, searched);
  } else {
    for (const Evaluation* e : searched) {
      if (e->feasible) chosen.push_back(e);
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(), [&](const Evaluation* a, const Evaluation* b) {
    return oriented(spec, *a)[0] > oriented(spec, *b)[0];
  });
  if (chosen.size() > spec.reevaluation_points) {
    std::vector<const Evaluation*> spread;
    if (spec.objectives.size() > 1) {  // evenly along the front's first objective
      const std::size_t n = spec.reevaluation_points;
      for (std::size_t i = 0; i < n; ++i) spread.push_back(chosen[n == 1 ? 0 : i * (chosen.size() - 1) / (n - 1)]);
    } else {
      spread.assign(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(spec.reevaluation_points));
    }
    chosen = spread;
  }
  std::vector<Evaluation> reevaluated;
  for (const Evaluation* e : chosen) {
    Evaluation r = search->evaluate(e->values, spec.replications, spec.reevaluation_replications);
    r.index = e->index;
    reevaluated.push_back(std::move(r));
    search->progress(searched.size() + reevaluated.size());
  }
  std::vector<const Evaluation*> re_ptrs;
  for (const Evaluation& r : reevaluated) re_ptrs.push_back(&r);
  std::vector<const Evaluation*> front = non_dominated(spec, re_ptrs);
  std::stable_sort(front.begin(), front.end(), [&](const Evaluation* a, const Evaluation* b) {
    return oriented(spec, *a)[0] > oriented(spec, *b)[0];
  });

  // Outputs.
  std::vector<std::string> objective_columns, constraint_columns;
  for (const auto& o : spec.objectives) objective_columns.push_back(o.measure.column);
  for (const auto& c : spec.constraints) constraint_columns.push_back(c.measure.column);
  std::string variable_header;
  for (const OptimizeVariable& v : spec.variables) {
    variable_header += ',';
    variable_header += csv_field(v.name);
  }
  const auto variable_fields = [](const Evaluation& e) {
    std::string s;
    for (const Json& v : e.values) {
      s += ',';
      s += csv_json_field(v);
    }
    return s;
  };
  std::string evaluations = "evaluation,phase,replications";
  evaluations += variable_header;
  evaluations += measure_header(objective_columns);
  evaluations += measure_header(constraint_columns);
  evaluations += ",feasible,error\n";
  const auto evaluation_row = [&](const Evaluation& e, const char* phase, std::uint64_t first, std::uint64_t count) {
    std::string row = std::to_string(e.index);
    row += ',';
    row += phase;
    row += ',';
    row += std::to_string(first);
    row += '-';
    row += std::to_string(first + count - 1);
    row += variable_fields(e);
    row += measure_fields(e.objectives, objective_columns.size());
    row += measure_fields(e.constraints, constraint_columns.size());
    row += e.feasible ? ",1," : ",0,";
    row += csv_field(e.error);
    row += '\n';
    evaluations += row;
  };
  for (const Evaluation* e : searched) evaluation_row(*e, "search", 0, spec.replications);
  for (const Evaluation& e : reevaluated) evaluation_row(e, "reevaluation", spec.replications, spec.reevaluation_replications);
  std::string pareto = "evaluation";
  pareto += variable_header;
  pareto += measure_header(objective_columns);
  pareto += measure_header(constraint_columns);
  pareto += '\n';
  for (const Evaluation* e : front) {
    pareto += std::to_string(e->index);
    pareto += variable_fields(*e);
    pareto += measure_fields(e->objectives, objective_columns.size());
    pareto += measure_fields(e->constraints, constraint_columns.size());
    pareto += '\n';
  }
  write_file_replacing(fs::path(out_dir) / "evaluations.csv", evaluations);
  write_file_replacing(fs::path(out_dir) / "pareto.csv", pareto);
  OptimizeReport report;
  report.evaluations = searched.size();
  report.units = searched.size() * spec.replications + reevaluated.size() * spec.reevaluation_replications;
  report.units_run = search->units_run();
  report.front = front.size();
  report.found = !front.empty();
  const fs::path best_path = fs::path(out_dir) / "best.json";
  Json best = nullptr;
  if (report.found) {
    const Evaluation& b = *front.front();
    Json doc = candidate_document(spec, b.values, static_cast<std::uint64_t>(parse_scenario(spec.base, spec.base_file).replications));
    write_file_replacing(best_path, doc.dump(2) + "\n");
    best = Json::object();
    for (std::size_t k = 0; k < spec.variables.size(); ++k) best[spec.variables[k].name] = b.values[k];
  } else if (fs::exists(best_path)) {
    fs::remove(best_path);  // an earlier run's answer is not this one's
  }
  // On request, every front point as a ready-to-run scenario: front/point-K.json, K its row in
  // pareto.csv (1 = best.json); an earlier run's files are removed first.
  const fs::path front_dir = fs::path(out_dir) / "front";
  if (fs::exists(front_dir)) {
    for (const auto& entry : fs::directory_iterator(front_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("point-") && name.ends_with(".json")) fs::remove(entry.path());
    }
  }
  if (spec.front_files && report.found) {
    fs::create_directories(front_dir);
    const auto replications = static_cast<std::uint64_t>(parse_scenario(spec.base, spec.base_file).replications);
    for (std::size_t k = 0; k < front.size(); ++k) {
      const Json doc = candidate_document(spec, front[k]->values, replications);
      write_file_replacing(front_dir / ("point-" + std::to_string(k + 1) + ".json"), doc.dump(2) + "\n");
    }
  }
  Json meta = run_metadata(options.threads, options.command_line, started);
  meta.update(Json{{"optimize_file", spec.file},
               {"optimize", parse_json(spec.text, spec.file)},
               {"base_scenario", spec.base_file},
               {"fingerprint", optimize_fingerprint(spec)},
               {"algorithm", {{"name", spec.algorithm.name},
                              {"population", spec.algorithm.population},
                              {"generations", spec.algorithm.generations},
                              {"seed", spec.algorithm.seed}}},
               {"replications", spec.replications},
               {"reevaluation", {{"replications", spec.reevaluation_replications},
                                 {"first_replication", spec.replications},
                                 {"points", reevaluated.size()}}},
               {"variables", Json::array()},
               {"objectives", Json::array()},
               {"constraints", Json::array()},
               {"evaluations", report.evaluations},
               {"units", report.units},
               {"units_run", report.units_run},
               {"front", report.front},
               {"best", best},
               {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}});
  for (const OptimizeVariable& v : spec.variables) meta["variables"].push_back({{"name", v.name}, {"pointer", v.pointer}});
  const auto measure_json = [](const OptimizeMeasure& m) {
    return Json{{"column", m.column}, {"metric", m.metric}, {"arm", m.arm},
                {"of", m.of == OptimizeMeasure::Of::kValue ? "value" : m.of == OptimizeMeasure::Of::kDifference ? "difference" : "roi"}};
  };
  for (const auto& o : spec.objectives) {
    Json j = measure_json(o.measure);
    j["sense"] = o.maximise ? "max" : "min";
    meta["objectives"].push_back(j);
  }
  for (const auto& c : spec.constraints) {
    Json j = measure_json(c.measure);
    j["max"] = c.max ? Json(*c.max) : Json(nullptr);
    j["min"] = c.min ? Json(*c.min) : Json(nullptr);
    meta["constraints"].push_back(j);
  }
  store.set_meta("last_run", meta.dump());
  write_file_replacing(fs::path(out_dir) / "optimize.json", meta.dump(2) + "\n");
  return report;
}

}  // namespace marketsim
