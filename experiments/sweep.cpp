#include "experiments/sweep.h"

#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "analysis/outputs/csv.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "experiments/experiment.h"
#include "experiments/files.h"
#include "experiments/result_store.h"
#include "experiments/sweep_store.h"
#include "scenarios/json_input.h"
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

SweepFactor parse_factor(const Json& f, const std::string& file, const std::string& at, bool grid) {
  if (!f.is_object()) bad(file, at, "expected a factor object {\"name\", \"pointer\", \"levels\" or \"range\"}");
  for (const auto& [key, value] : f.items()) {
    static const std::set<std::string> known = {"name", "pointer", "levels", "range", "type", "scale"};
    if (!known.contains(key)) bad(file, at + "/" + pointer_token(key), "unknown key (allowed: name, pointer, levels, range, type, scale)");
  }
  SweepFactor out;
  if (!f.contains("pointer") || !f["pointer"].is_string()) bad(file, at + "/pointer", "required: a JSON pointer into the scenario, e.g. \"/arms/1/promotions/0/depth\"");
  out.pointer = f["pointer"].get<std::string>();
  pointer_tokens(out.pointer, file);  // well-formed
  if (out.pointer.empty()) bad(file, at + "/pointer", "must point inside the scenario, not at its root");
  out.name = out.pointer;
  if (f.contains("name")) {
    if (!f["name"].is_string() || f["name"].get<std::string>().empty()) bad(file, at + "/name", "must be a non-empty string");
    out.name = f["name"].get<std::string>();
  }
  if (grid) {
    if (f.contains("range")) bad(file, at + "/range", "a grid design takes \"levels\"; \"range\" is for random, lhs and sobol designs");
    if (!f.contains("levels") || !f["levels"].is_array() || f["levels"].empty()) bad(file, at + "/levels", "required: a non-empty list of values");
    out.levels = f["levels"].get<std::vector<Json>>();
    return out;
  }
  if (f.contains("levels")) bad(file, at + "/levels", "a sampled design takes \"range\"; \"levels\" is for the grid design");
  const Json& r = f.contains("range") ? f["range"] : Json();
  if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number() || !(r[0].get<double>() <= r[1].get<double>())) {
    bad(file, at + "/range", "required: [lo, hi], two numbers with lo <= hi");
  }
  out.lo = r[0].get<double>();
  out.hi = r[1].get<double>();
  const std::string type = f.value("type", std::string("real"));
  const std::string scale = f.value("scale", std::string("linear"));
  if (type != "real" && type != "integer") bad(file, at + "/type", "must be \"real\" or \"integer\"");
  if (scale != "linear" && scale != "log") bad(file, at + "/scale", "must be \"linear\" or \"log\"");
  out.integer = type == "integer";
  out.log_scale = scale == "log";
  if (out.log_scale && !(out.lo > 0.0)) bad(file, at + "/range", "a log scale needs lo > 0");
  if (out.integer && std::ceil(out.lo) > std::floor(out.hi)) bad(file, at + "/range", "holds no integer");
  return out;
}

/// ",v1,v2,..." of point p's factor values.
std::string factor_fields(const SweepSpec& spec, std::size_t p) {
  std::string s;
  for (const Json& v : spec.points[p]) {
    s += ',';
    s += csv_json_field(v);
  }
  return s;
}

std::string factor_header(const SweepSpec& spec) {
  std::string s = "point";
  for (const SweepFactor& f : spec.factors) {
    s += ',';
    s += csv_field(f.name);
  }
  return s;
}

/// The sequential rule's paired difference in one unit: the metric of its arm less the baseline's.
double unit_difference(const SweepSpec& spec, const Scenario& sc, const UnitResult& u) {
  const SweepSpec::Sequential& q = *spec.sequential;
  std::size_t arm = sc.arms.size();
  for (std::size_t a = 0; a < sc.arms.size(); ++a) arm = sc.arms[a].name == q.arm ? a : arm;
  if (arm == sc.arms.size()) throw ScenarioError(spec.file, "/replications/arm", "no arm is called " + json_quoted(q.arm));
  const std::size_t m = metric_index(q.metric);
  return u.runs.at(arm).totals.at(m) - u.runs.at(sc.baseline).totals.at(m);
}

/// What a store keeps of its sweep besides the fingerprint: the sweep file's text and name, the
/// resolved base and its name, and the shard; a store of another shard is refused.
void remember(SweepStore& store, const SweepSpec& spec, const std::string& dir) {
  const std::string shard = std::to_string(spec.shard + 1) + "/" + std::to_string(spec.shards);
  const std::string before = store.meta("shard");
  if (!before.empty() && before != shard) {
    throw UsageError(dir + " holds shard " + before + " of this sweep, not " + shard + "; use another --out");
  }
  store.set_meta("shard", shard);
  store.set_meta("sweep_text", spec.text);
  store.set_meta("sweep_file", spec.file);
  store.set_meta("base", spec.base.dump());
}

std::vector<std::pair<std::string, std::string>> outputs_from(const SweepSpec& spec, const SweepStore& store,
                                                               const std::string& store_path);

/// Writes DIR's output files, rebuilt from the store, then sweep.json and the store's last_run.
/// Measured (sweep.json only): the wall-clock seconds from `t0`, the writers' seconds in the store
/// and the seconds rebuilding the outputs from it.
void finish(const SweepSpec& spec, SweepStore& store, const std::string& out_dir, const SweepOptions& options,
            const SweepReport& report, const std::string& started, const Json& merged_from,
            std::chrono::steady_clock::time_point t0) {
  const auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const std::string store_path = (fs::path(out_dir) / "store.sqlite").string();
  const auto rebuild = std::chrono::steady_clock::now();
  for (const auto& [name, text] : outputs_from(spec, store, store_path)) write_file_replacing(fs::path(out_dir) / name, text);
  const double rebuild_seconds = since(rebuild);
  Json meta = run_metadata(options.threads, options.command_line, started);
  meta.update(Json{{"ranks", options.ranks},
               {"sweep_file", spec.file},
               {"sweep", parse_json(spec.text, spec.file)},
               {"base_scenario", spec.base_file},
               {"fingerprint", sweep_fingerprint(spec)},
               {"shard", std::to_string(spec.shard + 1) + "/" + std::to_string(spec.shards)},
               {"points", report.points},
               {"units", report.units},
               {"units_run", report.units_run},
               {"failed_points", report.failed_points},
               {"factors", Json::array()},
               {"seconds", since(t0)},
               {"store_write_seconds", store.write_seconds()},
               {"outputs_seconds", rebuild_seconds}});
  for (const SweepFactor& f : spec.factors) meta["factors"].push_back({{"name", f.name}, {"pointer", f.pointer}});
  if (!merged_from.is_null()) meta["merged_from"] = merged_from;
  store.set_meta("last_run", meta.dump());
  write_file_replacing(fs::path(out_dir) / "sweep.json", meta.dump(2) + "\n");
}

}  // namespace

SweepSpec parse_sweep(std::string_view text, const std::string& file, const Json* stored_base) {
  SweepSpec spec;
  spec.file = file;
  spec.text = std::string(text);
  const Json doc = parse_json(text, file);
  if (!doc.is_object()) bad(file, "", "expected a sweep object {\"scenario\", \"factors\", \"design\", \"replications\"}");
  for (const auto& [key, value] : doc.items()) {
    static const std::set<std::string> known = {"name", "description", "scenario", "factors", "design", "replications"};
    if (!known.contains(key)) bad(file, "/" + pointer_token(key), "unknown key (allowed: name, description, scenario, factors, design, replications)");
  }
  // The base scenario: a path relative to the sweep file, or inline.
  if (!doc.contains("scenario")) bad(file, "/scenario", "required: a scenario file's path or an inline scenario object");
  if (stored_base != nullptr) {
    spec.base_file = doc["scenario"].is_string() ? doc["scenario"].get<std::string>() : file + " (/scenario)";
    spec.base = *stored_base;
  } else {
    std::tie(spec.base, spec.base_file) = read_base_scenario(doc["scenario"], file, "/scenario");
  }
  // The design.
  const Json design = doc.value("design", Json::object({{"kind", "grid"}}));
  if (!design.is_object()) bad(file, "/design", "must be an object {\"kind\", \"points\", \"seed\"}");
  for (const auto& [key, value] : design.items()) {
    if (key != "kind" && key != "points" && key != "seed") bad(file, "/design/" + pointer_token(key), "unknown key (allowed: kind, points, seed)");
  }
  const std::string kind = design.value("kind", std::string("grid"));
  spec.design.kind = kind == "grid"     ? DesignKind::kGrid
                     : kind == "random" ? DesignKind::kRandom
                     : kind == "lhs"    ? DesignKind::kLhs
                     : kind == "sobol"  ? DesignKind::kSobol
                                        : (bad(file, "/design/kind", "must be one of \"grid\", \"random\", \"lhs\", \"sobol\""), DesignKind::kGrid);
  const bool grid = spec.design.kind == DesignKind::kGrid;
  if (grid && design.contains("points")) bad(file, "/design/points", "a grid's points are its levels' combinations");
  if (!grid) {
    if (!design.contains("points") || !design["points"].is_number_integer() || design["points"].get<std::int64_t>() < 1 ||
        design["points"].get<std::int64_t>() > 1000000) {
      bad(file, "/design/points", "required: an integer in [1, 1000000]");
    }
    spec.design.points = design["points"].get<std::size_t>();
  }
  if (design.contains("seed")) {
    if (!design["seed"].is_number_integer() || design["seed"].get<std::int64_t>() < 0) bad(file, "/design/seed", "must be an integer >= 0");
    spec.design.seed = design["seed"].get<std::uint64_t>();
  }
  // The factors.
  if (!doc.contains("factors") || !doc["factors"].is_array() || doc["factors"].empty()) {
    bad(file, "/factors", "required: a non-empty list of factors");
  }
  std::set<std::string> names;
  for (std::size_t k = 0; k < doc["factors"].size(); ++k) {
    const std::string at = "/factors/" + std::to_string(k);
    SweepFactor f = parse_factor(doc["factors"][k], file, at, grid);
    if (!names.insert(f.name).second) bad(file, at + "/name", "repeats the name of another factor");
    // The pointer must lead into the base scenario (its parent must exist).
    Json probe = spec.base;
    try {
      apply_override(probe, f.pointer + "=" + (grid ? f.levels[0] : factor_value(f, 0.0)).dump(), spec.base_file);
    } catch (const ScenarioError& e) {
      bad(file, at + "/pointer", "does not lead into the base scenario: " + e.detail());
    }
    spec.factors.push_back(std::move(f));
  }
  if (grid) {
    double total = 1.0;
    for (const SweepFactor& f : spec.factors) total *= static_cast<double>(f.levels.size());
    if (total > 1e6) bad(file, "/factors", "the grid has more than 1,000,000 points");
  }
  if (doc.contains("replications") && uses_uncertainty(spec.base)) {
    bad(file, "/replications", "the base scenario's \"uncertainty\" sets each point's replications (draws x "
                               "replications_per_draw): leave this out");
  }
  if (doc.contains("replications") && doc["replications"].is_object()) {
    const Json& r = doc["replications"];
    SweepSpec::Sequential q;
    for (const auto& [key, value] : r.items()) {
      static const std::set<std::string> known = {"batch", "min", "max", "metric", "arm", "half_width", "relative"};
      if (!known.contains(key)) bad(file, "/replications/" + pointer_token(key), "unknown key (allowed: batch, min, max, metric, arm, half_width, relative)");
    }
    const auto count = [&](const char* key, std::uint64_t fallback) {
      if (!r.contains(key)) return fallback;
      if (!r[key].is_number_integer() || r[key].get<std::int64_t>() < 2 || r[key].get<std::int64_t>() > 100000) {
        bad(file, std::string("/replications/") + key, "must be an integer in [2, 100000]");
      }
      return r[key].get<std::uint64_t>();
    };
    q.batch = count("batch", 4);
    q.min = count("min", 8);
    q.max = count("max", 64);
    if (q.min > q.max) bad(file, "/replications/min", "must be at most max");
    for (const char* key : {"metric", "arm"}) {
      if (!r.contains(key) || !r[key].is_string()) bad(file, std::string("/replications/") + key, "required: a name");
    }
    q.metric = r["metric"].get<std::string>();
    q.arm = r["arm"].get<std::string>();
    const auto& metrics = metric_list();
    if (std::none_of(metrics.begin(), metrics.end(), [&](const MetricInfo& m) { return m.name == q.metric; })) {
      bad(file, "/replications/metric", "not a metric (marketsim list metrics)");
    }
    if (r.contains("half_width") == r.contains("relative")) bad(file, "/replications", "give exactly one of \"half_width\" and \"relative\"");
    const char* target = r.contains("half_width") ? "half_width" : "relative";
    if (!r[target].is_number() || !(r[target].get<double>() > 0.0)) bad(file, std::string("/replications/") + target, "must be a number > 0");
    (r.contains("half_width") ? q.half_width : q.relative) = r[target].get<double>();
    spec.sequential = q;
    spec.base["replications"] = q.max;
  } else if (doc.contains("replications")) {
    const Json& r = doc["replications"];
    if (!r.is_number_integer() || r.get<std::int64_t>() < 1 || r.get<std::int64_t>() > 100000) {
      bad(file, "/replications", "must be an integer in [1, 100000], or a sequential rule {\"batch\", \"min\", \"max\", "
                                 "\"metric\", \"arm\", \"half_width\" | \"relative\"} (absent: each point's scenario says)");
    }
    spec.base["replications"] = r;
  }
  spec.points = design_points(spec.factors, spec.design);
  return spec;
}

SweepSpec load_sweep(const std::string& path) { return parse_sweep(read_work_file(path, "sweep file"), path); }

Scenario point_scenario(const SweepSpec& spec, std::size_t point) {
  Json doc = spec.base;
  for (std::size_t k = 0; k < spec.factors.size(); ++k) {
    apply_override(doc, spec.factors[k].pointer + "=" + spec.points[point][k].dump(), spec.base_file);
  }
  return parse_scenario(doc, spec.base_file);
}

std::uint64_t replications_used(const SweepSpec& spec, const Scenario& scenario,
                                const std::function<std::optional<double>(std::uint64_t)>& difference) {
  if (!spec.sequential) return static_cast<std::uint64_t>(scenario.replications);
  const SweepSpec::Sequential& q = *spec.sequential;
  std::vector<double> d;
  std::uint64_t count = q.min;
  for (;;) {
    for (std::uint64_t r = d.size(); r < count; ++r) {
      const std::optional<double> v = difference(r);
      if (!v) return count;  // not run yet
      d.push_back(*v);
    }
    if (count >= q.max) return count;
    const Interval ci = mean_interval(d);
    const double half = (ci.high - ci.low) / 2.0;
    const double target = q.half_width > 0.0 ? q.half_width : q.relative * std::abs(ci.mean);
    if (std::isfinite(half) && half <= target) return count;
    count = std::min(count + q.batch, q.max);
  }
}

std::string sweep_fingerprint(const SweepSpec& spec) { return work_fingerprint(spec.text, spec.base); }

std::vector<std::pair<std::string, std::string>> sweep_outputs(const SweepSpec& spec, const std::string& store_path) {
  const SweepStore store(store_path, sweep_fingerprint(spec), false);
  return outputs_from(spec, store, store_path);
}

namespace {

/// The output files from an open store (the run's own connection: no second one).
std::vector<std::pair<std::string, std::string>> outputs_from(const SweepSpec& spec, const SweepStore& store,
                                                               const std::string& store_path) {
  const std::map<std::uint64_t, std::string> failures = store.failures();
  const std::set<std::pair<std::uint64_t, std::uint64_t>> stored = store.units();
  std::string runs, sweep, failed = factor_header(spec) + ",error\n";
  sweep = factor_header(spec) + ",arm,metric,mean,ci_low,ci_high,difference,difference_low,difference_high,replications\n";
  bool runs_header = false;
  const auto& metrics = metric_list();
  const auto& paired = paired_metrics();
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    if (!spec.in_shard(p)) continue;
    if (const auto f = failures.find(p); f != failures.end()) {
      failed += std::to_string(p) + factor_fields(spec, p) + "," + csv_field(f->second) + "\n";
      continue;
    }
    Scenario sc = point_scenario(spec, p);
    std::map<std::uint64_t, UnitResult> decoded;
    const auto unit = [&](std::uint64_t r) -> const UnitResult* {
      if (!stored.contains({p, r})) return nullptr;
      if (!decoded.contains(r)) decoded.emplace(r, decode_unit_result(store.unit(p, r)));
      return &decoded.at(r);
    };
    const std::uint64_t reps = replications_used(spec, sc, [&](std::uint64_t r) -> std::optional<double> {
      const UnitResult* u = unit(r);
      return u != nullptr ? std::optional<double>(unit_difference(spec, sc, *u)) : std::nullopt;
    });
    sc.replications = static_cast<std::int64_t>(reps);
    std::vector<UnitResult> units;
    for (std::uint64_t r = 0; r < reps; ++r) {  // units past the stopping batch are not reported
      if (unit(r) == nullptr) throw Error(store_path + ": point " + std::to_string(p) + " replication " + std::to_string(r) + " is missing");
      units.push_back(std::move(decoded.at(r)));
    }
    const ExperimentResult result = assemble_experiment(sc, std::move(units));
    std::vector<std::string> names;
    for (const auto& a : sc.arms) names.push_back(a.name);
    const ExperimentSummary summary = summarize(result.runs, names, sc.baseline, static_cast<std::size_t>(reps));
    // runs.csv: the point's rows of the run's runs.csv, with the point and its factors first.
    const std::string text = output_texts(sc, result, summary, PerformanceInfo{}, {"runs.csv"}).at(0).second;
    std::istringstream lines(text);
    std::string line;
    for (bool header = true; std::getline(lines, line); header = false) {
      if (header) {
        if (!runs_header) runs += factor_header(spec) + "," + line + "\n";
        runs_header = true;
        continue;
      }
      runs += std::to_string(p) + factor_fields(spec, p) + "," + line + "\n";
    }
    // sweep.csv: per arm and metric, the mean and its CI, and the paired difference against the
    // baseline with its CI (empty for the baseline and for metrics not compared pairwise).
    const std::string prefix = std::to_string(p) + factor_fields(spec, p) + ",";
    for (std::size_t a = 0; a < summary.arms.size(); ++a) {
      const ArmSummary& arm = summary.arms[a];
      const PairedComparison* cmp = nullptr;
      for (const PairedComparison& c : summary.comparisons) {
        if (c.arm == arm.name && !arm.baseline) cmp = &c;
      }
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        const Interval& v = arm.metrics[m];
        std::string row = prefix + csv_field(arm.name) + "," + metrics[m].name + "," + csv::number(v.mean) + "," +
                          csv::number(v.low) + "," + csv::number(v.high) + ",";
        const auto k = static_cast<std::size_t>(std::find(paired.begin(), paired.end(), metrics[m].name) - paired.begin());
        if (cmp != nullptr && k < paired.size()) {
          const Interval& d = cmp->differences[k];
          row += csv::number(d.mean) + "," + csv::number(d.low) + "," + csv::number(d.high);
        } else {
          row += ",,";
        }
        sweep += row + "," + std::to_string(reps) + "\n";
      }
    }
  }
  if (!runs_header) runs = factor_header(spec) + ",arm,replication\n";
  return {{"sweep.csv", sweep}, {"runs.csv", runs}, {"failed.csv", failed}};
}

}  // namespace

SweepReport run_sweep(const SweepSpec& spec, const std::string& out_dir, const SweepOptions& options) {
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(out_dir);
  const std::string store_path = (fs::path(out_dir) / "store.sqlite").string();
  SweepStore store(store_path, sweep_fingerprint(spec), options.fresh);
  remember(store, spec, out_dir);
  const std::set<std::pair<std::uint64_t, std::uint64_t>> done = store.units();
  const std::map<std::uint64_t, std::string> failed_before = store.failures();

  // Every point's scenario (an invalid one is a failed point).
  const std::size_t points = spec.points.size();
  std::vector<std::unique_ptr<Scenario>> scenarios(points);
  std::vector<std::unique_ptr<MarketCache>> caches(points);
  std::unique_ptr<std::atomic<bool>[]> failed(new std::atomic<bool>[points]);
  std::vector<std::uint64_t> planned(points, 0);  // replications 0 .. planned - 1 are done or due
  SweepReport report;
  std::atomic<std::uint64_t> failures{0};
  for (std::size_t p = 0; p < points; ++p) {
    failed[p] = failed_before.contains(p);
    if (!spec.in_shard(p)) continue;
    ++report.points;
    if (failed[p]) {
      ++failures;
      continue;
    }
    try {
      scenarios[p] = std::make_unique<Scenario>(point_scenario(spec, p));
    } catch (const ScenarioError& e) {
      store.put_failure(p, e.what());
      failed[p] = true;
      ++failures;
      continue;
    }
    caches[p] = std::make_unique<MarketCache>();
    planned[p] = spec.sequential ? spec.sequential->min : static_cast<std::uint64_t>(scenarios[p]->replications);
  }
  // A test hook: the process kills itself (SIGKILL, as kill -9) once this many units are stored.
  const char* kill_after_env = std::getenv("MARKETSIM_SWEEP_KILL_AFTER");
  const long kill_after = kill_after_env != nullptr ? std::atol(kill_after_env) : -1;
  std::atomic<long> stored{0};
  std::atomic<std::uint64_t> finished{0};
  std::map<std::pair<std::uint64_t, std::uint64_t>, double> differences;  // sequential: per unit
  std::set<std::pair<std::uint64_t, std::uint64_t>> stored_now;           // run in an earlier wave
  // Waves: the units planned and not in the store run in parallel; then, with sequential
  // replications, each point's rule reads its units in replication order and plans its next batch
  // or stops. Fixed replications take one wave.
  for (;;) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pending;
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < points; ++p) {
      if (failed[p] || !spec.in_shard(p)) continue;
      total += planned[p];
      for (std::uint64_t r = 0; r < planned[p]; ++r) {
        if (!done.contains({p, r}) && !stored_now.contains({p, r})) pending.emplace_back(p, r);
      }
    }
    finished = total - pending.size();
    if (options.progress) options.progress(finished, total, failures);
    // Storing a unit's outcome: its result, or its point's failure (a point fails once; units of
    // a failed point are not stored).
    const auto record = [&](std::size_t i, const std::vector<std::uint8_t>* result, const std::string* error) {
      const auto [p, r] = pending[i];
      std::optional<std::string> why;
      if (error != nullptr) why = *error;
      if (result != nullptr) {
        try {
          if (!failed[p]) store.put_unit(p, r, *result);
          if (kill_after >= 0 && ++stored >= kill_after) std::raise(SIGKILL);
        } catch (const std::exception& e) {
          why = one_line(e.what());
        }
      }
      if (why && !failed[p].exchange(true)) {
        store.put_failure(p, *why);
        ++failures;
      }
      ++finished;
      if (options.progress) options.progress(finished, total, failures);
    };
    SweepWave wave;
    wave.units = pending;
    wave.skip = [&](std::size_t i) -> bool { return failed[pending[i].first]; };
    wave.record = record;
    wave.run = [&](std::size_t i) {
      const auto [p, r] = pending[i];
      if (failed[p]) return record(i, nullptr, nullptr);
      std::vector<std::uint8_t> bytes;
      try {
        bytes = encode_unit_result(run_unit(*scenarios[p], RunUnit{r, {}}, caches[p].get()));
      } catch (const std::exception& e) {
        const std::string error = one_line(e.what());
        return record(i, nullptr, &error);
      }
      record(i, &bytes, nullptr);
    };
    if (options.executor) {
      options.executor(wave);
    } else {
      tbb::parallel_for(std::size_t{0}, pending.size(), std::size_t{1}, [&](std::size_t i) { wave.run(i); });
    }
    report.units_run += pending.size();
    for (const auto& u : pending) stored_now.insert(u);
    if (!spec.sequential) break;
    bool more = false;
    for (std::size_t p = 0; p < points; ++p) {
      if (failed[p] || !spec.in_shard(p)) continue;
      try {
        const std::uint64_t reached = replications_used(spec, *scenarios[p], [&](std::uint64_t r) -> std::optional<double> {
          if (r >= planned[p]) return std::nullopt;
          auto it = differences.find({p, r});
          if (it == differences.end()) {
            it = differences.emplace(std::pair{p, r}, unit_difference(spec, *scenarios[p], decode_unit_result(store.unit(p, r)))).first;
          }
          return it->second;
        });
        if (reached > planned[p]) {
          planned[p] = reached;
          more = true;
        }
      } catch (const std::exception& e) {
        failed[p] = true;
        store.put_failure(p, one_line(e.what()));
        ++failures;
      }
    }
    if (!more) break;
  }
  for (std::size_t p = 0; p < points; ++p) {
    if (spec.in_shard(p) && !failed[p]) report.units += planned[p];
  }
  report.failed_points = failures;

  finish(spec, store, out_dir, options, report, started, Json(), t0);
  return report;
}

SweepReport merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const SweepOptions& options) {
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  if (dirs.empty()) throw UsageError("sweep merge: expected the shards' directories");
  std::string fingerprint, text, file, base;
  std::vector<int> seen;
  for (const std::string& dir : dirs) {
    const std::string path = (fs::path(dir) / "store.sqlite").string();
    const SweepStore store(path);
    const std::string f = store.meta("fingerprint"), shard = store.meta("shard");
    if (fingerprint.empty()) {
      fingerprint = f;
      text = store.meta("sweep_text");
      file = store.meta("sweep_file");
      base = store.meta("base");
    } else if (f != fingerprint) {
      throw UsageError(path + " is a store of another sweep (fingerprint " + f + ", not " + fingerprint + ")");
    }
    const auto slash = shard.find('/');
    const int i = std::atoi(shard.substr(0, slash).c_str()), n = std::atoi(shard.substr(slash + 1).c_str());
    if (seen.empty()) seen.assign(static_cast<std::size_t>(std::max(n, 1)), 0);
    if (n != static_cast<int>(seen.size()) || i < 1 || i > n) throw UsageError(path + " holds shard " + shard + ", not one of " + std::to_string(seen.size()) + " shards");
    if (seen[static_cast<std::size_t>(i - 1)]++) throw UsageError(path + ": shard " + shard + " is given twice");
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) throw UsageError("sweep merge: shard " + std::to_string(i + 1) + "/" + std::to_string(seen.size()) + " is missing");
  }
  const Json base_doc = Json::parse(base);
  SweepSpec spec = parse_sweep(text, file, &base_doc);
  fs::create_directories(out_dir);
  SweepStore out((fs::path(out_dir) / "store.sqlite").string(), fingerprint, false);
  remember(out, spec, out_dir);
  SweepReport report;
  report.points = spec.points.size();
  for (const std::string& dir : dirs) {
    const SweepStore store((fs::path(dir) / "store.sqlite").string());
    for (const auto& [p, r] : store.units()) out.put_unit(p, r, store.unit(p, r));
    for (const auto& [p, error] : store.failures()) out.put_failure(p, error);
  }
  report.units = out.units().size();
  report.failed_points = out.failures().size();
  Json from = Json::array();
  for (const std::string& d : dirs) from.push_back(d);
  finish(spec, out, out_dir, options, report, started, from, t0);
  return report;
}

}  // namespace marketsim
