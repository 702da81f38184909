#pragma once
// Output files as registered writers: {name, description, text}. A new output file is a file in
// analysis/outputs/ plus a registry line (register_builtin_outputs); `--outputs` chooses which of
// them a run writes (default: every one, in registration order). Writers turn an experiment's
// results into text; they never run anything and never touch the file system (the output
// directory, analysis/output_dir.h, writes the set as one).
#include <functional>
#include <string>
#include <vector>

#include "analysis/experiment_result.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"

namespace marketsim {

/// What a writer sees: the scenario, every run's result, the summary statistics and what the run
/// measured of the machine.
struct OutputContext {
  const Scenario& scenario;
  const ExperimentResult& result;
  const ExperimentSummary& summary;
  const PerformanceInfo& performance;
};

/// One output file. `text` must depend only on the scenario and the runs' deterministic results,
/// except where it writes `performance` (summary.json's "performance" block).
struct OutputInfo {
  std::string name;         // the file's name in the output set, e.g. "runs.csv"
  std::string description;  // one line, for `marketsim list outputs`
  std::function<std::string(const OutputContext&)> text;
  /// The scenario fragment under which the file has rows beyond its header, declared by every
  /// output (null: undeclared; the conformance suite, tests/test_conformance.cpp, fails):
  /// {"behaviours": [modules], "arm": {arm keys; "promotions" are added}, "market": {merged into
  /// /market}}, {} when any run has them.
  Json example = nullptr;
  /// Whether a run writes it unless told which files to write (`--outputs`). An opt-in output
  /// (report.html: `--report`) is still one of the set's names.
  bool by_default = true;
  /// Whether its runs must record every order line (RunResult::transactions; memory grows with
  /// sales, so runs record them only when a selected output asks).
  bool needs_transactions = false;
};

/// The registered outputs, in registration order (the order of the output set). Adding an entry
/// of an existing name replaces it.
std::vector<OutputInfo>& output_registry();
void add_output(OutputInfo info);
/// Registers the built-in outputs; idempotent.
void register_builtin_outputs();

/// Whether any of the named outputs needs every order line recorded (OutputInfo::needs_transactions).
bool outputs_need_transactions(const std::vector<std::string>& names);
/// Every registered output's name, in order.
std::vector<std::string> output_names();
/// The outputs a run writes by default (by_default), in order.
std::vector<std::string> default_outputs();
/// Checks a comma-separated selection ("runs.csv,summary.json") against the registry: the names
/// in registry order, each once. Throws UsageError naming the unknown name and the valid ones.
std::vector<std::string> select_outputs(const std::string& list);

// Registration functions of the built-in outputs, one per file in analysis/outputs/.
void register_summary_output();
void register_runs_output();
void register_daily_output();
void register_cohorts_output();
void register_sellers_output();
void register_sellers_daily_output();
void register_breakdown_output();
void register_gauges_output();
void register_monitor_output();
void register_events_output();
void register_orders_output();
void register_products_output();
void register_funnel_output();
void register_prices_output();
void register_groups_output();
void register_stockouts_output();
void register_report_output();
void register_transactions_output();

}  // namespace marketsim
