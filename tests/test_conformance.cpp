// The conformance suite: one test per registry family, run generically over every registered
// entry (no per-entry code), as ns-3 runs a test suite per module. Each entry declares examples
// next to its code (ComponentInfo::examples, CollectorInfo::example, OutputInfo::example,
// CommandInfo::examples); the suite builds each example on a tiny market, runs it on 1 and 2
// threads and requires identical bytes, violates every declared range of the entry's parameters
// and requires a one-line error naming the parameter's JSON pointer, checks that every metric has
// a value under its collector's example, that every output file has rows under its example, and
// that every command's examples exit 0, and that every promotion mechanic runs under some
// promotion's example. An entry that declares no example fails the suite.
//
// Entries whose name starts with "test_" are a test's own (tests/test_*.cpp register them in the
// same process) and are skipped.
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "analysis/metric.h"
#include "analysis/output_registry.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "cli/command.h"
#include "cli_harness.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "fingerprint.h"
#include "mechanics/mechanic.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"

using namespace marketsim;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFile = "conformance.json";

/// The tiny market every example runs on: 1,500 consumers in 2 segments, 48 products in 2
/// categories, 14 days, 1 replication, shards of 300 consumers (so that 2 threads share the work);
/// a baseline arm and the arm "entry" that takes the entry under test.
Json reference_scenario() {
  return Json::parse(R"({
    "name": "conformance", "seed": 7, "replications": 1, "horizon_days": 14,
    "engine": {"shard_size": 300},
    "market": {
      "latent_dimensions": 4, "intercept": -2.0, "browse_slots": 2, "lead_time_days": 2,
      "categories": [
        {"name": "a", "products": 24, "price_min": 5, "price_max": 40, "quality_sd": 0.5},
        {"name": "b", "products": 24, "price_min": 8, "price_max": 60, "quality_sd": 0.5}],
      "segments": [
        {"name": "regulars", "consumers": 900, "visit_rate": 0.3, "deal_proneness": 0.5},
        {"name": "bargain", "consumers": 600, "visit_rate": 0.2, "price_sensitivity_median": 0.1}],
      "behaviours": []},
    "arms": [{"name": "baseline", "baseline": true}, {"name": "entry"}]})");
}

bool test_only(const std::string& name) { return name.starts_with("test_"); }

/// Where a component goes in a scenario.
enum class Slot { kPricing, kPromotion, kRecommendation, kReplenishment, kBehaviour };

/// A registered component, whatever its family.
struct Entry {
  std::string what;  // "pricing strategy \"fixed\"", for messages
  Slot slot;
  std::string name;
  ParamSchema params;
  std::vector<Json> examples;
};

template <typename Registry>
void collect(const Registry& registry, Slot slot, std::vector<Entry>& out) {
  for (const auto& info : registry.entries()) {
    if (test_only(info.name)) continue;
    out.push_back({registry.family() + " " + registry.kind() + " \"" + info.name + "\"", slot, info.name, info.params,
                   info.examples});
  }
}

std::vector<Entry> components() {
  register_builtin_strategies();
  register_builtin_behaviours();
  std::vector<Entry> out;
  collect(pricing_registry(), Slot::kPricing, out);
  collect(promotion_registry(), Slot::kPromotion, out);
  collect(recommender_registry(), Slot::kRecommendation, out);
  collect(replenishment_registry(), Slot::kReplenishment, out);
  collect(behaviour_registry(), Slot::kBehaviour, out);
  return out;
}

/// Problems with a scenario fragment (a "requires", a collector's or an output's example): not an
/// object, or a key other than `allowed`.
void check_fragment(const Json& fragment, const std::string& what, const std::set<std::string>& allowed,
                    std::vector<std::string>& problems) {
  if (!fragment.is_object()) {
    problems.push_back(what + ": expected a scenario fragment (an object)");
    return;
  }
  for (const auto& [key, value] : fragment.items()) {
    if (!allowed.contains(key)) problems.push_back(what + ": unknown key \"" + key + "\" in its scenario fragment");
  }
  if (fragment.contains("behaviours") && !fragment["behaviours"].is_array()) {
    problems.push_back(what + ": \"behaviours\" must be a list of modules");
  }
  for (const char* key : {"arm", "market"}) {
    if (fragment.contains(key) && !fragment[key].is_object()) problems.push_back(what + ": \"" + key + "\" must be an object");
  }
}

/// What the registries fail to declare: every entry needs at least one example (collectors and
/// outputs: a scenario fragment, {} included). Empty when every entry conforms.
std::vector<std::string> conformance_problems() {
  register_builtin_metrics();
  register_builtin_outputs();
  register_builtin_commands();
  std::vector<std::string> problems;
  for (const Entry& e : components()) {
    if (e.examples.empty()) problems.push_back(e.what + " declares no example");
    for (const ParamSpec& spec : e.params) {
      if (spec.name == "requires") problems.push_back(e.what + " declares a parameter \"requires\", which examples reserve");
    }
    for (const Json& example : e.examples) {
      if (!example.is_object()) {
        problems.push_back(e.what + ": an example is not a parameter object");
      } else if (example.contains("name")) {
        problems.push_back(e.what + ": an example holds \"name\" (give parameters only)");
      } else if (example.contains("requires")) {
        check_fragment(example["requires"], e.what + " (requires)", {"behaviours", "arm", "market"}, problems);
      }
    }
  }
  for (const CollectorInfo& c : metric_registry()) {
    if (test_only(c.name)) continue;
    if (c.example.is_null()) {
      problems.push_back("metric collector \"" + c.name + "\" declares no example");
    } else {
      check_fragment(c.example, "metric collector \"" + c.name + "\"", {"behaviours", "arm", "market", "undefined"},
                     problems);
    }
  }
  for (const OutputInfo& o : output_registry()) {
    if (test_only(o.name)) continue;
    if (o.example.is_null()) {
      problems.push_back("output \"" + o.name + "\" declares no example");
    } else {
      check_fragment(o.example, "output \"" + o.name + "\"", {"behaviours", "arm", "market"}, problems);
    }
  }
  for (const CommandInfo& c : command_registry()) {
    if (test_only(c.name)) continue;
    if (c.examples.empty()) problems.push_back("command \"" + c.name + "\" declares no example");
  }
  return problems;
}

/// Adds a scenario fragment to `scenario`: its modules to /market/behaviours, its "market" merged
/// into /market, its "arm" keys set on the arm "entry" ("promotions" appended).
void apply_fragment(Json& scenario, const Json& fragment) {
  if (fragment.contains("market")) scenario["market"].merge_patch(fragment["market"]);
  if (fragment.contains("behaviours")) {
    for (const Json& module : fragment["behaviours"]) scenario["market"]["behaviours"].push_back(module);
  }
  if (fragment.contains("arm")) {
    Json& arm = scenario["arms"][1];
    for (const auto& [key, value] : fragment["arm"].items()) {
      if (key == "promotions") {
        if (!arm.contains("promotions")) arm["promotions"] = Json::array();
        for (const Json& p : value) arm["promotions"].push_back(p);
      } else {
        arm[key] = value;
      }
    }
  }
}

/// The scenario of an entry's example, and the JSON pointer of the entry's object in it.
std::pair<Json, std::string> entry_scenario(const Entry& e, const Json& example) {
  Json sc = reference_scenario();
  Json object = example;
  object.erase("requires");
  object["name"] = e.name;
  if (example.contains("requires")) apply_fragment(sc, example["requires"]);
  Json& arm = sc["arms"][1];
  switch (e.slot) {
    case Slot::kPricing: arm["pricing"] = object; return {sc, "/arms/1/pricing"};
    case Slot::kRecommendation: arm["recommendation"] = object; return {sc, "/arms/1/recommendation"};
    case Slot::kReplenishment: arm["replenishment"] = object; return {sc, "/arms/1/replenishment"};
    case Slot::kPromotion: {
      if (!arm.contains("promotions")) arm["promotions"] = Json::array();
      arm["promotions"].push_back(object);
      return {sc, "/arms/1/promotions/" + std::to_string(arm["promotions"].size() - 1)};
    }
    case Slot::kBehaviour: {
      Json& modules = sc["market"]["behaviours"];
      modules.push_back(object);  // last: after what it requires (clicks must be last)
      return {sc, "/market/behaviours/" + std::to_string(modules.size() - 1)};
    }
  }
  return {sc, ""};
}

/// Runs a scenario's experiment with at most `threads` threads.
ExperimentResult run_on(const Scenario& sc, std::size_t threads, bool transactions = false) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  ExperimentOptions options;
  options.transactions = transactions;  // what the outputs under test need recorded
  return run_experiment(sc, options);
}

/// The output set of a run without what depends on the machine (summary.json's "performance").
std::map<std::string, std::string> deterministic_outputs(const Scenario& sc, const ExperimentResult& result,
                                                         const std::vector<std::string>& names) {
  std::vector<std::string> arm_names;
  for (const auto& a : sc.arms) arm_names.push_back(a.name);
  const ExperimentSummary summary = summarize(result.runs, arm_names, sc.baseline, static_cast<std::size_t>(sc.replications));
  PerformanceInfo perf;
  perf.visits = result.visits;
  std::map<std::string, std::string> out;
  for (auto& [name, text] : output_texts(sc, result, summary, perf, names)) {
    if (name.ends_with(".json")) {
      Json doc = Json::parse(text);
      doc.erase("performance");
      text = doc.dump(2);
    }
    out[name] = text;
  }
  return out;
}

/// Out-of-range values for a declared parameter (nothing for types without a range).
std::vector<Json> violations(const ParamSpec& spec) {
  std::vector<Json> out;
  const bool integral = spec.type == ParamType::kInteger || spec.type == ParamType::kIntegerList;
  const bool numeric = integral || spec.type == ParamType::kNumber || spec.type == ParamType::kNumberList;
  if (spec.type == ParamType::kString && !spec.choices.empty()) out.emplace_back("no_such_choice");
  if (!numeric) return out;
  if (std::isfinite(spec.min)) {
    if (integral) {
      const auto min = static_cast<std::int64_t>(std::ceil(spec.min));
      out.emplace_back(spec.min_exclusive && static_cast<double>(min) == spec.min ? min : min - 1);
    } else {
      out.emplace_back(spec.min_exclusive ? spec.min : spec.min - 1.0);
    }
  }
  if (std::isfinite(spec.max)) {
    if (integral) {
      out.emplace_back(static_cast<std::int64_t>(std::floor(spec.max)) + 1);
    } else {
      out.emplace_back(spec.max + std::max(1.0, std::abs(spec.max) * 1e-6));
    }
  }
  return out;
}

bool is_list(ParamType t) { return t == ParamType::kIntegerList || t == ParamType::kNumberList; }

}  // namespace

TEST_CASE("conformance: every registered entry declares an example", "[conformance]") {
  const std::vector<std::string> problems = conformance_problems();
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

TEST_CASE("conformance: an entry without an example fails the suite", "[conformance]") {
  conformance_problems();  // registers the built-ins
  const auto reported = [](const std::string& line) {
    const std::vector<std::string> problems = conformance_problems();
    return std::find(problems.begin(), problems.end(), line) != problems.end();
  };
  behaviour_registry().add({"undeclared_module", "no example", {}, [](const Json&, const BehaviourContext&) {
                              return std::unique_ptr<Behaviour>();
                            }});
  promotion_registry().add({"undeclared_promotion", "no example", {}, [](const Json&, const BuildContext&) {
                              return std::unique_ptr<PromotionStrategy>();
                            }});
  metric_registry().push_back(CollectorInfo{"undeclared_metric", "no example", kSignalDays, {}});
  add_output({"undeclared.csv", "no example", [](const OutputContext&) { return std::string(); }});
  add_command({"undeclared", "undeclared", "no example", [](const std::vector<std::string>&, std::ostream&, std::ostream&) {
                 return 0;
               }});
  CHECK(reported("behaviour module \"undeclared_module\" declares no example"));
  CHECK(reported("promotion strategy \"undeclared_promotion\" declares no example"));
  CHECK(reported("metric collector \"undeclared_metric\" declares no example"));
  CHECK(reported("output \"undeclared.csv\" declares no example"));
  CHECK(reported("command \"undeclared\" declares no example"));
  // Leave the registries as the other tests expect them.
  CHECK(behaviour_registry().remove("undeclared_module"));
  CHECK(promotion_registry().remove("undeclared_promotion"));
  metric_registry().pop_back();
  output_registry().pop_back();
  command_registry().pop_back();
  CHECK(conformance_problems().empty());
}

TEST_CASE("conformance: every entry's examples run with identical bytes on 1 and 2 threads", "[conformance]") {
  for (const Entry& e : components()) {
    for (std::size_t k = 0; k < e.examples.size(); ++k) {
      INFO(e.what << ", example " << k << ": " << e.examples[k].dump());
      const auto [document, pointer] = entry_scenario(e, e.examples[k]);
      Scenario sc;
      try {
        sc = check_scenario_text(document.dump(), kFile);
      } catch (const ScenarioError& error) {
        FAIL("the example is not a valid scenario: " << error.what());
      }
      const ExperimentResult one = run_on(sc, 1);
      const ExperimentResult two = run_on(sc, 2);
      REQUIRE(one.runs.size() == 2);
      CHECK(one.visits > 0);
      CHECK(testing::fingerprint(one) == testing::fingerprint(two));
    }
  }
}

TEST_CASE("conformance: every declared range, violated, is a one-line error naming its pointer", "[conformance]") {
  std::size_t checked = 0;
  for (const Entry& e : components()) {
    if (e.examples.empty()) continue;  // reported by the declaration test
    const Json& example = e.examples.front();
    const auto [document, pointer] = entry_scenario(e, example);
    for (const ParamSpec& spec : e.params) {
      for (const Json& bad : violations(spec)) {
        const std::string at = pointer + "/" + pointer_token(spec.name);
        Json doc = document;
        Json value = bad;
        if (is_list(spec.type)) {
          // The example's list (or the default) with its first element out of range, so that
          // nothing but the range is wrong.
          Json list = example.contains(spec.name) ? example[spec.name] : spec.default_value;
          if (!list.is_array() || list.empty()) list = Json::array({bad});
          list[0] = bad;
          value = list;
        }
        doc[Json::json_pointer(at)] = value;
        INFO(e.what << ": " << at << " = " << value.dump());
        ++checked;
        try {
          check_scenario_text(doc.dump(), kFile);
          FAIL("accepted");
        } catch (const ScenarioError& error) {
          const std::string what = error.what();
          INFO(what);
          CHECK(what.find('\n') == std::string::npos);
          CHECK(what.starts_with(std::string(kFile) + ": " + at));
        } catch (const std::exception& error) {
          FAIL("not a ScenarioError: " << error.what());
        }
      }
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("conformance: every metric has a value under its collector's example", "[conformance]") {
  register_builtin_metrics();
  // Collectors with the same example share a run.
  std::map<std::string, std::vector<const CollectorInfo*>> by_example;
  for (const CollectorInfo& c : metric_registry()) {
    if (test_only(c.name) || c.example.is_null()) continue;  // the declaration test reports it
    Json fragment = c.example;
    fragment.erase("undefined");
    by_example[fragment.dump()].push_back(&c);
  }
  const std::size_t columns = metric_list().size();
  for (const auto& [fragment, collectors] : by_example) {
    INFO("example " << fragment);
    Json document = reference_scenario();
    apply_fragment(document, Json::parse(fragment));
    const Scenario sc = check_scenario_text(document.dump(), kFile);
    const ExperimentResult result = run_on(sc, 2);
    for (const CollectorInfo* c : collectors) {
      std::set<std::string> undefined;
      if (c->example.contains("undefined")) undefined = c->example["undefined"].get<std::set<std::string>>();
      for (const MetricInfo& m : c->metrics) {
        INFO("metric " << m.name << " of collector " << c->name);
        const std::size_t index = metric_index(m.name);
        bool finite = false;
        for (const RunResult& run : result.runs) {
          REQUIRE(run.totals.size() == columns);
          for (const auto& day : run.daily) REQUIRE(day.values.size() == columns);
          finite = finite || std::isfinite(run.totals[index]);
        }
        if (!undefined.contains(m.name)) CHECK(finite);
      }
    }
  }
}

TEST_CASE("conformance: every output file is identical on 1 and 2 threads and has rows", "[conformance]") {
  register_builtin_outputs();
  std::map<std::string, std::vector<std::string>> by_example;
  for (const OutputInfo& o : output_registry()) {
    if (test_only(o.name) || o.example.is_null()) continue;  // the declaration test reports it
    by_example[o.example.dump()].push_back(o.name);
  }
  for (const auto& [fragment, names] : by_example) {
    INFO("example " << fragment);
    Json document = reference_scenario();
    apply_fragment(document, Json::parse(fragment));
    const Scenario sc = check_scenario_text(document.dump(), kFile);
    const bool transactions = outputs_need_transactions(names);
    const auto one = deterministic_outputs(sc, run_on(sc, 1, transactions), names);
    const auto two = deterministic_outputs(sc, run_on(sc, 2, transactions), names);
    for (const std::string& name : names) {
      INFO("output " << name);
      REQUIRE(one.contains(name));
      REQUIRE(two.contains(name));
      CHECK(one.at(name) == two.at(name));
      const std::string& text = one.at(name);
      if (name.ends_with(".json")) {
        const Json doc = Json::parse(text);
        CHECK((doc.is_object() && !doc.empty()));
      } else {
        const std::size_t first = text.find('\n');
        REQUIRE(first != std::string::npos);
        CHECK(first > 0);                                         // a header
        CHECK(std::count(text.begin(), text.end(), '\n') >= 2);  // and rows
      }
    }
  }
}

TEST_CASE("conformance: every command runs its examples and refuses an unknown flag in one line", "[conformance]") {
  register_builtin_commands();
  const fs::path dir = fs::temp_directory_path() / ("marketsim-conformance-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path scenario = dir / "scenario.json";
  {
    Json document = reference_scenario();
    document["arms"][1]["promotions"] = Json::array({Json{{"name", "percent_off"}, {"depth", 0.2}, {"start", 3}, {"end", 9}}});
    testing::spit(scenario, document.dump(2));
  }
  // "{sweep}": a sweep of two points over the tiny scenario.
  const fs::path sweep = dir / "sweep.json";
  testing::spit(sweep, Json{{"scenario", scenario.string()},
                            {"factors", Json::array({Json{{"pointer", "/horizon_days"}, {"levels", {5, 7}}}})},
                            {"replications", 1}}
                           .dump(2));
  // "{optimize}": an optimisation of the promotion's depth in the tiny scenario (a few evaluations).
  const fs::path optimize = dir / "optimize.json";
  testing::spit(optimize, Json{{"base", scenario.string()},
                               {"variables", Json::array({Json{{"pointer", "/arms/1/promotions/0/depth"}, {"min", 0.05}, {"max", 0.5}}})},
                               {"objectives", Json::array({Json{{"metric", "gross_profit"}, {"sense", "max"}}})},
                               {"constraints", Json::array({Json{{"metric", "promotion_spend"}, {"max", 1e9}}})},
                               {"replications", 2},
                               {"reevaluation", Json{{"replications", 2}, {"points", 2}}},
                               {"algorithm", Json{{"name", "pso"}, {"population", 3}, {"generations", 1}}}}
                                  .dump(2));
  // "{abtest}": an A/B test design of the tiny scenario's promotion (a few simulated tests).
  const fs::path abtest = dir / "abtest.json";
  testing::spit(abtest, Json{{"base", scenario.string()}, {"shares", {0.5}}, {"days", {3}}, {"metric", "revenue"}, {"mde", 1.0}, {"tests", 3}}.dump(2));
  // "{log}": a tiny transaction log (the shared log's columns): 40 customers over January and
  // February 2011, each buying from two of four groups of five items.
  const fs::path log = dir / "log.csv";
  {
    std::string text = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    int invoice = 500000;
    for (int c = 0; c < 40; ++c) {
      for (int day = 1 + c % 5; day <= 59; day += 6) {
        const int group = (c + day / 12) % 4;
        const int item = 10000 + group * 5 + (c * 7 + day) % 5;
        const std::string date = day <= 31 ? "2011-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day)
                                           : "2011-02-" + std::string(day - 31 < 10 ? "0" : "") + std::to_string(day - 31);
        text += std::to_string(invoice++) + "," + std::to_string(item) + ",ITEM," + std::to_string(1 + c % 3) + "," + date +
                " 10:00:00,1.25," + std::to_string(12000 + c) + ".0,United Kingdom\n";
      }
    }
    testing::spit(log, text);
  }
  // "{fit}": the output directory of `marketsim calibrate` on the tiny log (made when first asked for).
  const fs::path fit_dir = dir / "fit";
  const auto fit_output = [&] {
    if (!fs::exists(fit_dir)) {
      const testing::Result r = testing::cli({"calibrate", log.string(), "--until", "2011-02-10", "--segments", "2", "--factors", "2",
                                              "--quiet", "--out", fit_dir.string()});
      INFO(r.err);
      REQUIRE(r.code == kExitOk);
    }
    return fit_dir.string();
  };
  // "{run}": the output directory of a run of the tiny scenario (made when first asked for).
  const fs::path run_dir = dir / "run";
  const auto run_output = [&] {
    if (!fs::exists(run_dir)) {
      const testing::Result r = testing::cli({"run", scenario.string(), "--replications", "2", "--quiet", "--out", run_dir.string()});
      REQUIRE(r.code == kExitOk);
    }
    return run_dir.string();
  };
  std::size_t outputs = 0;
  for (const CommandInfo& c : command_registry()) {
    if (test_only(c.name)) continue;
    for (const auto& example : c.examples) {
      std::vector<std::string> args = {c.name};
      for (std::string a : example) {
        if (a == "{scenario}") a = scenario.string();
        if (a == "{sweep}") a = sweep.string();
        if (a == "{optimize}") a = optimize.string();
        if (a == "{abtest}") a = abtest.string();
        if (a == "{log}") a = log.string();
        if (a == "{run}") a = run_output();
        if (a == "{fit}") a = fit_output();
        if (a == "{dir}") a = (dir / ("out" + std::to_string(outputs++))).string();
        args.push_back(a);
      }
      std::string line;
      for (const auto& a : args) line += " " + a;
      INFO("marketsim" << line);
      const testing::Result r = testing::cli(args);
      INFO(r.err);
      CHECK(r.code == kExitOk);
    }
    INFO("marketsim " << c.name << " --no-such-flag");
    const testing::Result bad = testing::cli({c.name, "--no-such-flag"});
    INFO(bad.err);
    CHECK(bad.code == kExitBadInput);
    CHECK(bad.err.ends_with("\n"));
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
  }
  fs::remove_all(dir);
}

TEST_CASE("conformance: every registered mechanic runs under some promotion's example", "[conformance]") {
  // Mechanics have no parameters of their own: a promotion that names one carries them, so a
  // mechanic is covered (built, run on 1 and 2 threads above) when some promotion's example names it.
  std::set<std::string> used;
  for (const Entry& e : components()) {
    if (e.slot != Slot::kPromotion) continue;
    for (const Json& example : e.examples) {
      const auto [document, pointer] = entry_scenario(e, example);
      ArmRun run(check_scenario_text(document.dump(), kFile), 1);
      for (const auto& promotion : run.arm().sellers[0].promotions) {
        for (const std::string& m : promotion->mechanics()) used.insert(m);
      }
    }
  }
  for (const MechanicInfo& m : mechanic_registry()) {
    if (test_only(m.name)) continue;
    INFO("mechanic \"" << m.name << "\"");
    CHECK(used.contains(m.name));
  }
}
