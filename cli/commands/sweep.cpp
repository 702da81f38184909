// Command "sweep": runs a sweep file's points x replications as run units into DIR's store
// (experiments/sweep.h), resuming what a killed sweep left, and writes sweep.csv, runs.csv,
// failed.csv and sweep.json.
#include <tbb/global_control.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <thread>

#include "analysis/progress.h"
#include "cli/command.h"
#include "experiments/sweep.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

int command_sweep(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("sweep options");
  opts.add_options()("out", po::value<std::string>(), "the sweep's directory: its store and output files")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "fresh", "start the store over instead of resuming it")("quiet,q", "no progress bar");
  po::options_description hidden;
  hidden.add_options()("sweep", po::value<std::vector<std::string>>(), "sweep file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("sweep", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (!vm.count("sweep") || vm["sweep"].as<std::vector<std::string>>().size() != 1) {
    throw UsageError("expected exactly one SWEEP file");
  }
  const std::string file = vm["sweep"].as<std::vector<std::string>>()[0];
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  if (vm.count("threads")) {
    const long t = vm["threads"].as<long>();
    if (t < 1 || t > 1024) throw UsageError("--threads: expected an integer in [1, 1024]");
    threads = static_cast<std::size_t>(t);
  }
  // Default directory: the sweep file's name without its extension, ".sweep", here.
  const std::string dir = vm.count("out") ? vm["out"].as<std::string>()
                                          : std::filesystem::path(file).stem().string() + ".sweep";
  const SweepSpec spec = load_sweep(file);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  std::string command_line = "marketsim sweep";
  for (const std::string& a : args) command_line += " " + a;
  ProgressBar bar(!vm.count("quiet"));
  SweepOptions options;
  options.fresh = vm.count("fresh") > 0;
  options.threads = threads;
  options.command_line = command_line;
  options.progress = [&](std::uint64_t done, std::uint64_t total, std::uint64_t) { bar.update(done, total); };
  const SweepReport report = run_sweep(spec, dir, options);
  bar.finish();
  out << one_line(file) << ": " << report.points << " points, " << report.units << " units ("
      << report.units_run << " run now, " << report.units - report.units_run << " from the store), "
      << report.failed_points << " failed points; wrote " << one_line(dir)
      << "/{sweep.csv,runs.csv,failed.csv,sweep.json}\n";
  (void)err;
  return kExitOk;
}

}  // namespace

void register_sweep_command() {
  add_command({"sweep", "sweep SWEEP [--out DIR] [--threads N] [--fresh] [--quiet]",
               "run a sweep's points x replications into DIR's store (resuming it); write its output files",
               command_sweep,
               {{"{sweep}", "--threads", "2", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
