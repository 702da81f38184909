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
#include "cli/run_args.h"
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
      "fresh", "start the store over instead of resuming it")(
      "shard", po::value<std::string>(), "i/n: run only every n-th point, from the i-th (a job array)")(
      "quiet,q", "no progress bar");
  const po::variables_map vm = parse_options(args, opts, "sweep");
  const std::vector<std::string> positional =
      vm.count("sweep") ? vm["sweep"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const bool merge = !positional.empty() && positional[0] == "merge" && !std::filesystem::exists("merge");
  if (!merge && positional.size() != 1) throw UsageError("expected exactly one SWEEP file (or: sweep merge DIR... --out DIR)");
  if (merge && (positional.size() < 2 || !vm.count("out"))) throw UsageError("sweep merge: expected the shards' directories and --out DIR");
  if (merge && (vm.count("shard") || vm.count("fresh"))) throw UsageError("sweep merge takes neither --shard nor --fresh");
  const std::string file = merge ? std::string() : positional[0];
  const std::size_t threads = threads_option(vm);
  // Default directory: the sweep file's name without its extension, ".sweep", here.
  const std::string dir = vm.count("out") ? vm["out"].as<std::string>()
                                          : std::filesystem::path(file).stem().string() + ".sweep";
  std::string command_line = "marketsim sweep";
  for (const std::string& a : args) command_line += " " + a;
  if (merge) {
    SweepOptions options;
    options.threads = threads;
    options.command_line = command_line;
    const SweepReport report =
        merge_sweeps(std::vector<std::string>(positional.begin() + 1, positional.end()), dir, options);
    out << "merged " << positional.size() - 1 << " shards: " << report.points << " points, " << report.units
        << " units, " << report.failed_points << " failed points; wrote " << one_line(dir)
        << "/{sweep.csv,runs.csv,failed.csv,sweep.json}\n";
    return kExitOk;
  }
  SweepSpec spec = load_sweep(file);
  if (vm.count("shard")) {
    const std::string s = vm["shard"].as<std::string>();
    const auto slash = s.find('/');
    std::size_t i = 0, n = 0;
    try {
      if (slash == std::string::npos) throw std::invalid_argument(s);
      std::size_t end = 0;
      i = std::stoul(s.substr(0, slash), &end);
      if (end != slash) throw std::invalid_argument(s);
      n = std::stoul(s.substr(slash + 1), &end);
      if (end != s.size() - slash - 1) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      throw UsageError("--shard: expected i/n with 1 <= i <= n, e.g. 3/10");
    }
    if (n < 1 || i < 1 || i > n || n > 1000000) throw UsageError("--shard: expected i/n with 1 <= i <= n, e.g. 3/10");
    spec.shard = i - 1;
    spec.shards = n;
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  ProgressBar bar(!vm.count("quiet"));
  SweepOptions options;
  options.fresh = vm.count("fresh") > 0;
  options.threads = threads;
  options.command_line = command_line;
  options.progress = [&](std::uint64_t done, std::uint64_t total, std::uint64_t failed) {
    bar.update(done, total, "units", failed);
  };
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
  add_command({"sweep",
               "sweep SWEEP [--out DIR] [--threads N] [--fresh] [--shard i/n] [--quiet]\n"
               "                       | sweep merge DIR... --out DIR",
               "run a sweep's points x replications into DIR's store (resuming it); write its output files",
               command_sweep,
               {{"{sweep}", "--threads", "2", "--quiet", "--out", "{dir}"},
                {"{sweep}", "--shard", "2/2", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
