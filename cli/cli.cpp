#include "cli/cli.h"

#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iomanip>
#include <optional>
#include <sstream>
#include <thread>

#include "agents/behaviour.h"
#include "experiments/experiment.h"
#include "analysis/metric.h"
#include "analysis/output_dir.h"
#include "analysis/progress.h"
#include "analysis/resources.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "cli/signals.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "sim/text.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

constexpr int kOk = 0;
constexpr int kInternal = 1;
constexpr int kBadInput = 2;

const char* kUsage =
    "marketsim — discrete-event, agent-based market simulation\n"
    "\n"
    "Usage:\n"
    "  marketsim run SCENARIO [--out DIR] [--threads N] [--seed S] [--replications R]\n"
    "                         [--first-replication K] [--set /json/pointer=VALUE]... [--quiet]\n"
    "  marketsim validate SCENARIO [--set /json/pointer=VALUE]...\n"
    "  marketsim list [strategies | promotions | behaviours | metrics]\n"
    "  marketsim --help | --version\n"
    "\n"
    "Exit codes: 0 success, 2 bad input, 1 internal error, 130 SIGINT, 143 SIGTERM.\n";

/// The output files, joined by `separator`.
std::string file_list(const char* separator) {
  std::string out;
  for (const auto& name : output_file_names()) out += (out.empty() ? "" : separator) + name;
  return out;
}

po::options_description run_options() {
  po::options_description o("run options");
  o.add_options()
      ("out", po::value<std::string>(),
       ("write " + file_list(", ") + " to DIR, as one set that replaces DIR whole").c_str())
      ("threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")
      ("seed", po::value<std::string>(), "override the scenario's seed (same as --set /seed=S)")
      ("replications", po::value<std::string>(), "override the replications (same as --set /replications=R)")
      ("first-replication", po::value<std::string>(),
       "run replications K .. K+R-1 (default 0): each exactly as in a run that starts at 0")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "override any scenario value: /json/pointer=VALUE (VALUE is JSON or a bare string); repeatable")
      ("quiet,q", "no progress bar");
  return o;
}

void print_list(std::ostream& out, const std::string& what) {
  register_builtin_strategies();
  register_builtin_behaviours();
  const auto param = [&](const ParamSpec& p) {
    out << "      - " << std::left << std::setw(26) << p.name << allowed_text(p);
    if (!p.default_value.is_null()) out << ", default " << p.default_value.dump();
    else if (p.optional) out << ", optional";
    else out << ", required";
    out << "\n          " << p.description << "\n";
  };
  // `shared`: parameters every entry takes, listed once after the entries.
  const auto section = [&](const auto& registry, const ParamSchema& shared = {}) {
    const std::string& kind = registry.kind();
    out << registry.family() << " " << (kind.ends_with('y') ? kind.substr(0, kind.size() - 1) + "ies" : kind + "s")
        << ":\n";
    const auto is_shared = [&](const ParamSpec& p) {
      return std::any_of(shared.begin(), shared.end(), [&](const ParamSpec& s) { return s.name == p.name; });
    };
    for (const auto& info : registry.entries()) {
      out << "  " << info.name << "\n      " << info.description << "\n";
      for (const auto& p : info.params) {
        if (!is_shared(p)) param(p);
      }
    }
    if (!shared.empty()) {
      out << "  shared by every " << registry.family() << " (its campaign's budget, pacing, span, holdout and "
             "monitoring rules)\n";
      for (const auto& p : shared) param(p);
    }
    out << "\n";
  };
  if (what.empty() || what == "strategies") section(pricing_registry());
  if (what.empty() || what == "strategies" || what == "promotions") section(promotion_registry(), campaign_params());
  if (what.empty() || what == "strategies") {
    section(recommender_registry());
    section(replenishment_registry());
  }
  if (what.empty() || what == "behaviours") section(behaviour_registry());
  if (what.empty() || what == "metrics") {
    register_builtin_metrics();
    out << "metrics (columns of runs.csv and daily.csv, in order):\n";
    const auto totaling = [](const MetricInfo& m) -> std::string {
      switch (m.totaling) {
        case Totaling::kSum: return "sum over measured days";
        case Totaling::kMean: return "mean over measured days";
        case Totaling::kRatio: return "ratio of the sums over measured days";
        case Totaling::kCollector: return m.daily ? "computed by its collector" : "computed by its collector; no daily value";
      }
      return "";
    };
    for (const CollectorInfo& c : metric_registry()) {
      for (const MetricInfo& m : c.metrics) {
        out << "  " << std::left << std::setw(20) << m.name << (m.name.size() < 20 ? "" : " ") << m.description
            << "\n      totals: "
            << totaling(m) << "; collector \"" << c.name << "\" subscribes to "
            << ((c.signals & kSignalLines) ? "order lines and days" : "days")
            << (m.books || m.totaling == Totaling::kRatio ? "; per seller (sellers.csv)" : "")
            << (m.line ? "; in breakdown.csv" : "") << "\n";
      }
    }
    out << "\n";
  }
}

struct RunArgs {
  std::string scenario;
  std::vector<std::string> overrides;
  std::optional<std::string> out_dir;
  std::size_t threads = 0;
  std::uint64_t first_replication = 0;
  bool quiet = false;
};

RunArgs parse_run_args(const std::vector<std::string>& args, bool allow_run_flags) {
  po::options_description opts = run_options();
  po::options_description hidden;
  hidden.add_options()("scenario", po::value<std::vector<std::string>>(), "scenario file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("scenario", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  RunArgs r;
  if (!vm.count("scenario") || vm["scenario"].as<std::vector<std::string>>().size() != 1) {
    throw UsageError("expected exactly one SCENARIO file");
  }
  r.scenario = vm["scenario"].as<std::vector<std::string>>()[0];
  if (!allow_run_flags) {
    for (const char* flag : {"out", "threads", "seed", "replications", "first-replication", "quiet"}) {
      if (vm.count(flag)) throw UsageError(std::string("--") + flag + " is only valid with `run`");
    }
  }
  if (vm.count("seed")) r.overrides.push_back("/seed=" + vm["seed"].as<std::string>());
  if (vm.count("replications")) {
    r.overrides.push_back("/replications=" + vm["replications"].as<std::string>());
  }
  if (vm.count("set")) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) r.overrides.push_back(s);
  }
  if (vm.count("out")) r.out_dir = vm["out"].as<std::string>();
  if (vm.count("threads")) {
    const long t = vm["threads"].as<long>();
    if (t < 1 || t > 1024) throw UsageError("--threads: expected an integer in [1, 1024]");
    r.threads = static_cast<std::size_t>(t);
  }
  if (vm.count("first-replication")) {
    // A replication index keys its streams as a 64-bit integer; the last one must fit too.
    const std::string& text = vm["first-replication"].as<std::string>();
    std::size_t used = 0;
    unsigned long long k = 0;
    try {
      if (!text.empty() && text[0] != '-' && text[0] != '+') k = std::stoull(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || k > (1ull << 53)) {
      throw UsageError("--first-replication: expected an integer in [0, 2^53], got " + json_quoted(text));
    }
    r.first_replication = k;
  }
  r.quiet = vm.count("quiet") > 0;
  return r;
}

int command_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const RunArgs r = parse_run_args(args, true);
  OutputDirectory output(output_file_names());  // outlives `interrupts`, which cleans it up
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
      return run_experiment(sc, ExperimentOptions{r.first_replication, [&](std::uint64_t done, std::uint64_t total) {
                                                    bar.update(done, total);
                                                  }});
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
                       result.columns,         result.candidate_visits};
  if (r.out_dir) {
    // One file at a time under the guard's lock, so that a signal removes the staging directory
    // between files, or after the commit finds the set complete.
    for (const auto& [name, text] : output_texts(sc, result, summary, perf)) {
      interrupts.critical([&] { output.write(name, text); });
    }
    interrupts.critical([&] { output.commit(); });
  }
  print_comparison(out, sc, summary);
  print_price_response(out, sc, result);
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
    err << "; wrote " << one_line(dir) << (dir == "/" ? "{" : "/{") << file_list(",") << "}";
  }
  err << "\n";
  return kOk;
}

int command_validate(const std::vector<std::string>& args, std::ostream& out) {
  const RunArgs r = parse_run_args(args, false);
  const Scenario sc = load_scenario(r.scenario, r.overrides);
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  const ResourceEstimate estimate = estimate_resources(sc, threads);
  const std::optional<double> available = available_memory_bytes();
  out << one_line(r.scenario) << ": valid — " << json_quoted(sc.name) << ", " << sc.market.products()
      << " products, " << sc.market.consumers() << " consumers, " << sc.arms.size() << " arms (baseline "
      << json_quoted(sc.arms[sc.baseline].name) << "), " << sc.replications << " replications, "
      << sc.horizon_days << " days; a run needs about " << format_bytes(estimate.total_bytes)
      << " of memory on " << threads << " threads"
      << (available && estimate.total_bytes > *available ? " (more than the " + format_bytes(*available) +
                                                               " available here: `run` would refuse it)"
                                                         : std::string())
      << " and simulates about " << format_count(estimate.expected_visits) << " visits\n";
  return kOk;
}

}  // namespace

int marketsim_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty()) {
      err << kUsage;
      return kBadInput;
    }
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "--help" || command == "-h" || command == "help") {
      out << kUsage << "\n" << run_options() << "\n";
      return kOk;
    }
    if (command == "--version") {
      out << "marketsim " << marketsim_version() << "\n";
      return kOk;
    }
    if (command == "run") return command_run(rest, out, err);
    if (command == "validate") return command_validate(rest, out);
    if (command == "list") {
      if (!rest.empty() &&
          !(rest.size() == 1 && (rest[0] == "strategies" || rest[0] == "promotions" || rest[0] == "behaviours" ||
                                 rest[0] == "metrics"))) {
        throw UsageError(
            "`list` takes at most one argument; Valid values are: strategies, promotions, behaviours, metrics");
      }
      print_list(out, rest.empty() ? "" : rest[0]);
      return kOk;
    }
    throw UsageError("unknown command " + json_quoted(command) + "; Valid values are: run, validate, list");
  } catch (const ScenarioError& e) {
    err << "error: " << e.what() << "\n";
    return kBadInput;
  } catch (const UsageError& e) {
    err << "error: " << e.what() << " (see marketsim --help)\n";
    return kBadInput;
  } catch (const RangeError& e) {
    err << "error: " << e.what() << "\n";
    return kBadInput;
  } catch (const InvariantViolation& e) {
    err << "internal error: invariant violated: " << e.what() << "\n";
    return kInternal;
  } catch (const std::exception& e) {
    err << "internal error: " << one_line(e.what()) << "\n";
    return kInternal;
  }
}

}  // namespace marketsim
