// Command "optimize": searches a base scenario's decision variables for the best campaign under
// constraints with pagmo2 (experiments/optimize.h), its evaluations run as run units into DIR's
// store (resuming what a killed optimisation left), then re-evaluates the front on fresh
// replications and writes evaluations.csv, pareto.csv, best.json and optimize.json.
#include <tbb/global_control.h>

#include <boost/program_options.hpp>
#include <filesystem>

#include "analysis/html/report_html.h"
#include "analysis/output_dir.h"
#include "analysis/progress.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "experiments/optimize.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

int command_optimize(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)err;
  po::options_description opts("optimize options");
  opts.add_options()("out", po::value<std::string>(), "the optimisation's directory: its store and output files")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "fresh", "start the store over instead of resuming it")(
      "report", "write DIR/report.html too (one offline page: the front, the search, the answer)")(
      "quiet,q", "no progress bar");
  const po::variables_map vm = parse_options(args, opts, "optimize");
  const std::vector<std::string> positional =
      vm.count("optimize") ? vm["optimize"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("expected exactly one OPT file (an optimisation: base, variables, objectives)");
  const std::string file = positional[0];
  const std::size_t threads = threads_option(vm);
  const std::string dir = vm.count("out") ? vm["out"].as<std::string>()
                                          : std::filesystem::path(file).stem().string() + ".optimize";
  const OptimizeSpec spec = load_optimize(file);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  OptimizeOptions options;
  options.fresh = vm.count("fresh") > 0;
  options.threads = threads;
  options.command_line = "marketsim optimize";
  for (const std::string& a : args) options.command_line += " " + a;
  ProgressBar bar(!vm.count("quiet"));
  options.progress = [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total, "evaluations", 0); };
  const OptimizeReport report = run_optimize(spec, dir, options);
  bar.finish();
  if (vm.count("report")) add_output_file(dir, "report.html", directory_report_html(dir));
  out << one_line(file) << ": " << report.evaluations << " candidates evaluated (" << report.units << " units, "
      << report.units_run << " run now, " << report.units - report.units_run << " from the store); "
      << (report.found ? std::to_string(report.front) + " point" + (report.front == 1 ? "" : "s") +
                             " on the front after re-evaluation"
                       : std::string("no feasible point found (no best.json)"))
      << "; wrote " << one_line(dir) << "/{evaluations.csv,pareto.csv," << (report.found ? "best.json," : "")
      << "optimize.json" << (vm.count("report") ? ",report.html" : "") << "}\n";
  return kExitOk;
}

}  // namespace

void register_optimize_command() {
  add_command({"optimize", "optimize OPT [--out DIR] [--threads N] [--fresh] [--report] [--quiet]",
               "search a scenario's decision variables for the best campaign under constraints (pagmo2); "
               "re-evaluate the front on fresh replications; write best.json",
               command_optimize,
               {{"{optimize}", "--threads", "2", "--quiet", "--out", "{dir}"},
                {"{optimize}", "--report", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
