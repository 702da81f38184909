// Command "run": runs a scenario's replications (a loop over run units: experiments/), prints the
// comparison of arms and writes the output set.
#include <tbb/global_control.h>

#include <iomanip>
#include <thread>

#include "analysis/output_dir.h"
#include "analysis/output_registry.h"
#include "analysis/progress.h"
#include "analysis/report.h"
#include "analysis/resources.h"
#include "analysis/statistics.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "cli/signals.h"
#include "experiments/experiment.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

int command_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const RunArgs r = parse_run_args(args, true);
  OutputDirectory output(output_names());  // outlives `interrupts`, which cleans it up
  // From here SIGINT and SIGTERM wait for the guard's thread (blocked before oneTBB starts a
  // thread, so every worker inherits the mask): it removes the staging directory, prints one line
  // and exits 130 or 143.
  InterruptGuard interrupts([&]() -> std::string {
    output.abandon();
    if (!r.out_dir) return "";
    return output.committed() ? "the output set in " + *r.out_dir + " is complete"
                              : "no output written to " + *r.out_dir;
  });
  const std::size_t threads =
      r.threads > 0 ? r.threads : std::max(1u, std::thread::hardware_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const Scenario sc = load_scenario(r.scenario, r.overrides);
  // Before anything is allocated: a run that cannot fit or would not finish stops here.
  check_resources(sc, estimate_resources(sc, threads), available_memory_bytes());
  // Fail before a long run, not after it: creates and locks DIR, refuses foreign files in it and
  // proves that the staging directory next to it is writable.
  if (r.out_dir) interrupts.critical([&] { output.open(*r.out_dir); });

  ProgressBar bar(!r.quiet);
  const ExperimentResult result = [&] {
    try {
      // Order lines are kept only for the output that writes them (opt-in: memory grows with sales).
      const bool transactions = r.out_dir && outputs_need_transactions(r.outputs);
      return run_experiment(sc, ExperimentOptions{r.first_replication,
                                                  [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total); },
                                                  transactions});
    } catch (const RangeError& e) {  // the scenario's magnitudes: bad input, named by its file
      throw ScenarioError(r.scenario, "", e.what());
    }
  }();
  bar.finish();

  std::vector<std::string> names;
  for (const auto& a : sc.arms) names.push_back(a.name);
  const ExperimentSummary summary =
      summarize(result.runs, names, sc.baseline, static_cast<std::size_t>(sc.replications));
  PerformanceInfo perf{result.visits,         result.setup_seconds,  result.simulation_seconds,
                       peak_rss_bytes(),      threads,               result.shards,
                       result.run_seconds,    result.market_seconds, result.visit_seconds,
                       result.commit_seconds, result.cpu_seconds,
                       Population::bytes_per_consumer(static_cast<std::size_t>(sc.market.latent_dimensions)),
                       result.columns,         result.candidate_visits,  result.training_seconds};
  if (r.out_dir) {
    // One file at a time under the guard's lock, so that a signal removes the staging directory
    // between files, or after the commit finds the set complete.
    for (const auto& [name, text] : output_texts(sc, result, summary, perf, r.outputs)) {
      interrupts.critical([&] { output.write(name, text); });
    }
    interrupts.critical([&] { output.commit(); });
  }
  print_comparison(out, sc, summary);
  print_price_response(out, sc, result);
  print_uncertainty(out, sc, result);
  err << std::fixed << std::setprecision(2) << "simulated " << result.visits << " visits in "
      << result.simulation_seconds << " s ("
      << (result.simulation_seconds > 0
              ? static_cast<double>(result.visits) / result.simulation_seconds / 1e6
              : 0.0)
      << " M visits/s, set-up " << result.setup_seconds << " s, " << threads << " threads, "
      << std::setprecision(0)
      << 100.0 * result.cpu_seconds / (result.simulation_seconds * static_cast<double>(threads))
      << "% core utilisation)";
  if (r.out_dir) {
    std::string dir = *r.out_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    std::string files;
    for (const std::string& name : r.outputs.empty() ? default_outputs() : r.outputs) files += (files.empty() ? "" : ",") + name;
    err << "; wrote " << one_line(dir) << (dir == "/" ? "{" : "/{") << files << "}";
  }
  err << "\n";
  return kExitOk;
}

}  // namespace

void register_run_command() {
  add_command({"run",
               "run SCENARIO [--out DIR] [--outputs LIST] [--report] [--threads N] [--seed S] [--replications R]\n"
               "                       [--first-replication K] [--set /json/pointer=VALUE]... [--quiet]",
               "run a scenario's arms and replications; print the comparison; write the output files",
               command_run,
               {{"{scenario}", "--threads", "2", "--quiet", "--out", "{dir}"}, {"{scenario}", "--outputs", "runs.csv,summary.json", "--seed", "5", "--replications", "2", "--quiet", "--out", "{dir}"}, {"{scenario}", "--report", "--replications", "2", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
