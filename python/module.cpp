// The Python module `marketsim` (CMake option MARKETSIM_PYTHON=ON; pybind11): the same run units,
// sweeps and outputs as the command line, with results as pandas DataFrames.
//   run(scenario, threads=None, seed=None, replications=None)   a dict or a scenario file's path;
//       returns {"runs": DataFrame, "daily": ..., one per CSV output without ".csv",
//                "summary": dict (summary.json)}
//   sweep(spec, out, threads=None, fresh=False)   a sweep dict (its "scenario" a dict, or a path
//       relative to the current directory) or a sweep file's path, run into the directory `out`
//       (its store: a sweep resumes); returns {"sweep", "runs", "failed": DataFrames,
//       "metadata": dict}
//   list()   {"pricing": [names], "promotion": [...], "recommendation": [...],
//             "replenishment": [...], "behaviour": [...], "metrics": [...], "outputs": [...]}
// Bad input raises ValueError with the one-line message the command line prints.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "agents/behaviour.h"
#include "analysis/metric.h"
#include "analysis/output_registry.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "experiments/experiment.h"
#include "experiments/sweep.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"

namespace py = pybind11;
using namespace marketsim;

namespace {

/// A dict as JSON text (Python's json module), or nullopt for anything else.
std::optional<std::string> json_of(const py::object& o) {
  if (!py::isinstance<py::dict>(o)) return std::nullopt;
  return py::module_::import("json").attr("dumps")(o).cast<std::string>();
}

py::object data_frame(const std::string& csv) {
  const py::object io = py::module_::import("io");
  return py::module_::import("pandas").attr("read_csv")(io.attr("StringIO")(csv));
}

py::object json_value(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

std::size_t thread_count(const std::optional<std::size_t>& threads) {
  const std::size_t t = threads.value_or(std::max(1u, std::thread::hardware_concurrency()));
  if (t < 1 || t > 1024) throw UsageError("threads: expected an integer in [1, 1024]");
  return t;
}

py::dict run(const py::object& scenario, std::optional<std::size_t> threads, std::optional<std::int64_t> seed,
             std::optional<std::int64_t> replications) {
  std::vector<std::string> overrides;
  if (seed) overrides.push_back("/seed=" + std::to_string(*seed));
  if (replications) overrides.push_back("/replications=" + std::to_string(*replications));
  const std::size_t t = thread_count(threads);
  Scenario sc;
  if (const std::optional<std::string> text = json_of(scenario)) {
    sc = check_scenario_text(*text, "<scenario dict>", overrides);
  } else if (py::isinstance<py::str>(scenario) || py::hasattr(scenario, "__fspath__")) {
    sc = load_scenario(py::str(scenario).cast<std::string>(), overrides);
  } else {
    throw UsageError("run: expected a scenario dict or a scenario file's path");
  }
  ExperimentResult result;
  ExperimentSummary summary;
  std::vector<std::pair<std::string, std::string>> texts;
  {
    py::gil_scoped_release release;
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, t);
    result = run_experiment(sc);
    std::vector<std::string> names;
    for (const auto& a : sc.arms) names.push_back(a.name);
    summary = summarize(result.runs, names, sc.baseline, static_cast<std::size_t>(sc.replications));
    PerformanceInfo perf;
    perf.visits = result.visits;
    perf.simulation_seconds = result.simulation_seconds;
    perf.threads = t;
    texts = output_texts(sc, result, summary, perf);
  }
  py::dict out;
  for (const auto& [name, text] : texts) {
    if (name.ends_with(".csv")) {
      out[py::str(name.substr(0, name.size() - 4))] = data_frame(text);
    } else if (name.ends_with(".json")) {
      out[py::str(name.substr(0, name.size() - 5))] = json_value(text);
    }
  }
  return out;
}

py::dict sweep(const py::object& spec, const std::string& out_dir, std::optional<std::size_t> threads, bool fresh) {
  SweepSpec s;
  if (const std::optional<std::string> text = json_of(spec)) {
    s = parse_sweep(*text, (std::filesystem::current_path() / "<sweep dict>").string());
  } else if (py::isinstance<py::str>(spec) || py::hasattr(spec, "__fspath__")) {
    s = load_sweep(py::str(spec).cast<std::string>());
  } else {
    throw UsageError("sweep: expected a sweep dict or a sweep file's path");
  }
  const std::size_t t = thread_count(threads);
  {
    py::gil_scoped_release release;
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, t);
    SweepOptions options;
    options.fresh = fresh;
    options.threads = t;
    options.command_line = "python: marketsim.sweep";
    run_sweep(s, out_dir, options);
  }
  py::dict out;
  for (const char* name : {"sweep", "runs", "failed"}) {
    std::ifstream in(std::filesystem::path(out_dir) / (std::string(name) + ".csv"), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out[name] = data_frame(text.str());
  }
  std::ifstream meta(std::filesystem::path(out_dir) / "sweep.json", std::ios::binary);
  std::ostringstream text;
  text << meta.rdbuf();
  out["metadata"] = json_value(text.str());
  return out;
}

py::dict list() {
  register_builtin_strategies();
  register_builtin_behaviours();
  register_builtin_outputs();
  py::dict out;
  const auto names = [](const auto& registry) {
    std::vector<std::string> v;
    for (const auto& info : registry.entries()) v.push_back(info.name);
    return v;
  };
  out["pricing"] = names(pricing_registry());
  out["promotion"] = names(promotion_registry());
  out["recommendation"] = names(recommender_registry());
  out["replenishment"] = names(replenishment_registry());
  out["behaviour"] = names(behaviour_registry());
  std::vector<std::string> metrics;
  for (const MetricInfo& m : metric_list()) metrics.push_back(m.name);
  out["metrics"] = metrics;
  out["outputs"] = output_names();
  return out;
}

}  // namespace

PYBIND11_MODULE(marketsim, m) {
  m.doc() = "marketsim: agent-based market simulation (run units, sweeps, outputs as pandas DataFrames)";
  // Bad input (a scenario, a sweep file, an argument) is a ValueError with the one-line message.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ScenarioError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const RangeError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("run", &run, py::arg("scenario"), py::arg("threads") = py::none(), py::arg("seed") = py::none(),
        py::arg("replications") = py::none(),
        "Runs a scenario (a dict, or a scenario file's path); returns {output name: DataFrame}, "
        "'summary' as a dict.");
  m.def("sweep", &sweep, py::arg("spec"), py::arg("out"), py::arg("threads") = py::none(), py::arg("fresh") = false,
        "Runs a sweep (a dict, or a sweep file's path) into the directory `out`, resuming its store; returns "
        "{'sweep', 'runs', 'failed': DataFrame, 'metadata': dict}.");
  m.def("list", &list, "The registered strategies, behaviour modules, metrics and output files, by family.");
  m.attr("__version__") = marketsim_version();
}
