// Command "sweep": runs a sweep file's points x replications as run units into DIR's store
// (experiments/sweep.h), resuming what a killed sweep left, and writes sweep.csv, runs.csv,
// failed.csv and sweep.json.
#include <tbb/global_control.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <exception>
#include <filesystem>
#include <thread>

#include "analysis/html/report_html.h"
#include "analysis/output_dir.h"
#include "analysis/progress.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "experiments/sweep.h"
#include "sim/error.h"
#include "sim/text.h"
#ifdef MARKETSIM_HAVE_MPI
#include "experiments/sweep_mpi.h"
#endif

namespace marketsim {
namespace {

namespace po = boost::program_options;

#ifndef MARKETSIM_HAVE_MPI
class MpiSweep;  // only in a build with MARKETSIM_MPI=ON
#endif

/// `--shard i/n`. Throws UsageError.
void set_shard(SweepSpec& spec, const std::string& s) {
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

/// The command; `mpi` is this process's MPI when mpirun started it with more than one rank (rank 0
/// runs the sweep and prints; the others run units and print nothing).
int sweep(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, [[maybe_unused]] MpiSweep* mpi) {
  po::options_description opts("sweep options");
  opts.add_options()("out", po::value<std::string>(), "the sweep's directory: its store and output files")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "fresh", "start the store over instead of resuming it")(
      "shard", po::value<std::string>(), "i/n: run only every n-th point, from the i-th (a job array)")(
      "report", "write DIR/report.html too (one offline page: response curves, best points)")(
      "quiet,q", "no progress bar");
  const po::variables_map vm = parse_options(args, opts, "sweep");
  // --report: the page of DIR's files, once they are written (rank 0 only).
  const auto report_page = [&](const std::string& d) {
    if (vm.count("report")) add_output_file(d, "report.html", directory_report_html(d));
  };
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
#ifdef MARKETSIM_HAVE_MPI
    if (mpi != nullptr && mpi->rank() != 0) return kExitOk;  // a merge is rank 0's alone
#endif
    SweepOptions options;
    options.threads = threads;
    options.command_line = command_line;
    const SweepReport report =
        merge_sweeps(std::vector<std::string>(positional.begin() + 1, positional.end()), dir, options);
    report_page(dir);
    out << "merged " << positional.size() - 1 << " shards: " << report.points << " points, " << report.units
        << " units, " << report.failed_points << " failed points; wrote " << one_line(dir)
        << "/{sweep.csv,runs.csv,failed.csv,sweep.json" << (vm.count("report") ? ",report.html" : "") << "}\n";
    return kExitOk;
  }
  SweepSpec spec;
  std::exception_ptr load_error;
  try {
    spec = load_sweep(file);
    if (vm.count("shard")) set_shard(spec, vm["shard"].as<std::string>());
  } catch (...) {
    load_error = std::current_exception();
  }
#ifdef MARKETSIM_HAVE_MPI
  if (mpi != nullptr) {
    // Every rank has loaded the sweep, or every rank stops: none is left waiting.
    const std::vector<int> failed = mpi->gather(load_error ? 1 : 0);
    if (load_error && mpi->rank() != 0 && failed[0] == 0) {  // rank 0 does not say it: this rank does
      // (and leaves the exit status to rank 0, which fails too; see command_sweep)
      try {
        std::rethrow_exception(load_error);
      } catch (const std::exception& e) {
        std::string line = "error: MPI rank ";
        line += std::to_string(mpi->rank());
        line += ": ";
        line += one_line(e.what());
        err << line << std::endl;
        return kExitOk;
      }
    }
    if (load_error) std::rethrow_exception(load_error);
    for (std::size_t r = 0; r < failed.size(); ++r) {
      if (failed[r] == 0) continue;
      if (mpi->rank() != 0) return kExitOk;  // rank 0 says it
      throw ScenarioError(file, "", "MPI rank " + std::to_string(r) + " cannot load it (see its message)");
    }
  }
#endif
  if (load_error) std::rethrow_exception(load_error);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
#ifdef MARKETSIM_HAVE_MPI
  if (mpi != nullptr && mpi->rank() != 0) {
    try {
      mpi_sweep_worker(spec);
    } catch (const std::exception& e) {  // rank 0 would wait for this rank's units: end the job
      std::string line = "internal error: MPI rank ";
      line += std::to_string(mpi->rank());
      line += ": ";
      line += one_line(e.what());
      err << line << std::endl;
      MpiSweep::abort(kExitInternal);
    }
    return kExitOk;
  }
#endif
  SweepOptions options;
  options.fresh = vm.count("fresh") > 0;
  options.threads = threads;
  options.command_line = command_line;
#ifdef MARKETSIM_HAVE_MPI
  if (mpi != nullptr) {
    options.executor = mpi->executor();
    options.ranks = mpi->size();
  }
#endif
  ProgressBar bar(!vm.count("quiet"));
  options.progress = [&](std::uint64_t done, std::uint64_t total, std::uint64_t failed) {
    bar.update(done, total, "units", failed);
  };
  const SweepReport report = run_sweep(spec, dir, options);
#ifdef MARKETSIM_HAVE_MPI
  if (mpi != nullptr) mpi->stop_workers();
#endif
  bar.finish();
  report_page(dir);
  out << one_line(file) << ": " << report.points << " points, " << report.units << " units ("
      << report.units_run << " run now, " << report.units - report.units_run << " from the store), "
      << report.failed_points << " failed points; wrote " << one_line(dir)
      << "/{sweep.csv,runs.csv,failed.csv,sweep.json" << (vm.count("report") ? ",report.html" : "") << "}\n";
  (void)err;
  return kExitOk;
}

int command_sweep(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
#ifdef MARKETSIM_HAVE_MPI
  // MPI only under mpirun: a process started otherwise (a singleton too) never initialises it.
  if (started_by_mpirun()) {
    MpiSweep mpi;
    if (mpi.size() == 1) return sweep(args, out, err, nullptr);
    // Rank 0's errors are the command's (its MpiSweep stops the other ranks first). The other
    // ranks meet the same bad input and leave saying it, and the exit status, to rank 0: a rank
    // exiting non-zero makes mpirun end the job, perhaps before rank 0 has said why.
    if (mpi.rank() == 0) return sweep(args, out, err, &mpi);
    try {
      return sweep(args, out, err, &mpi);
    } catch (const ScenarioError&) {
    } catch (const UsageError&) {
    } catch (const RangeError&) {
    }
    return kExitOk;
  }
#endif
  return sweep(args, out, err, nullptr);
}

}  // namespace

void register_sweep_command() {
  add_command({"sweep",
               "sweep SWEEP [--out DIR] [--threads N] [--fresh] [--shard i/n] [--report] [--quiet]\n"
               "                       | sweep merge DIR... --out DIR [--report]",
               "run a sweep's points x replications into DIR's store (resuming it); write its output files",
               command_sweep,
               {{"{sweep}", "--threads", "2", "--quiet", "--out", "{dir}"},
                {"{sweep}", "--shard", "2/2", "--quiet", "--out", "{dir}"},
                {"{sweep}", "--report", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
