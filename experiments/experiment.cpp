#include "experiments/experiment.h"

#include <sys/resource.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <string>

#include "sim/error.h"

namespace marketsim {

ExperimentResult run_experiment(const Scenario& sc, const ExperimentOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  const std::size_t reps = static_cast<std::size_t>(sc.replications);
  const std::size_t arms = sc.arms.size();
  const std::uint64_t windows_per_run = static_cast<std::uint64_t>(sc.horizon_days) * sc.windows_per_day;
  const std::uint64_t total_windows = windows_per_run * arms * reps;
  std::atomic<std::uint64_t> windows_done{0};
  const WindowFn on_window = [&](std::size_t) {
    const std::uint64_t done = windows_done.fetch_add(1) + 1;
    if (options.progress) options.progress(done, total_windows);
  };

  // Units run in waves: a wave prepares its replications (in parallel: set-up), then runs all
  // their arms (in parallel: simulation). With one market per replication a wave holds as many
  // replications as there are threads, so memory holds that many markets at most; with a shared
  // market (drawn once, by the cache) the one wave holds every replication. A unit's result is
  // what run_unit() gives for it: the same preparation and the same runs, only scheduled
  // together.
  const bool shared = sc.market.sampling == MarketSampling::kShared;
  const std::size_t threads = std::max<std::size_t>(
      1, tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const std::size_t wave = shared ? reps : std::min(reps, threads);
  MarketCache cache;
  std::vector<UnitResult> units(reps);
  double setup_seconds = 0.0, simulation_seconds = 0.0, cpu_seconds = 0.0;
  for (std::size_t first = 0; first < reps; first += wave) {
    const std::size_t count = std::min(wave, reps - first);
    const auto t0 = Clock::now();
    std::vector<PreparedReplication> prepared(count);
    tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
      prepared[k] = prepare_replication(sc, options.first_replication + first + k, &cache);
    });
    const auto t1 = Clock::now();
    setup_seconds += seconds(t0, t1);
    const double cpu_start = process_cpu_seconds();
    for (std::size_t k = 0; k < count; ++k) {
      UnitResult& u = units[first + k];
      u.replication = prepared[k].replication;
      u.setup_seconds = prepared[k].setup_seconds;
      u.runs.resize(arms);
    }
    tbb::parallel_for(std::size_t{0}, arms * count, [&](std::size_t i) {
      // Replication-major: the runs under way share as few markets as possible.
      const std::size_t k = i / arms;
      const std::size_t arm = i % arms;
      ArmRun run(sc, prepared[k], arm);
      if (options.transactions) run.record_transactions();
      if (arm == 0) units[first + k].columns = run.simulation().columns().specs();
      units[first + k].runs[arm] = run.run(on_window);
    });
    simulation_seconds += seconds(t1, Clock::now());
    cpu_seconds += process_cpu_seconds() - cpu_start;
    for (std::size_t k = 0; k < count; ++k) {  // a unit's arms ran side by side: its longest run
      UnitResult& u = units[first + k];
      for (const RunResult& r : u.runs) u.run_seconds = std::max(u.run_seconds, r.timings.simulation_seconds);
    }
  }
  ExperimentResult out = assemble_experiment(sc, std::move(units));
  // Measured live: the wall clock of the waves and the process's CPU time.
  out.setup_seconds = setup_seconds;
  out.simulation_seconds = simulation_seconds;
  out.cpu_seconds = cpu_seconds;
  return out;
}

ExperimentResult assemble_experiment(const Scenario& sc, std::vector<UnitResult> units) {
  const std::size_t arms = sc.arms.size();
  std::sort(units.begin(), units.end(),
            [](const UnitResult& a, const UnitResult& b) { return a.replication < b.replication; });
  ExperimentResult out;
  out.first_replication = units.empty() ? 0 : units.front().replication;
  const std::size_t reps = units.size();
  out.runs.resize(arms * reps);
  for (std::size_t i = 0; i < reps; ++i) {
    UnitResult& u = units[i];
    if (u.replication != out.first_replication + i) {
      throw Error("the units' replications are not consecutive: " + std::to_string(out.first_replication + i) +
                  " is missing or repeated");
    }
    if (u.runs.size() != arms) {
      throw Error("replication " + std::to_string(u.replication) + " has " + std::to_string(u.runs.size()) +
                  " runs, the scenario " + std::to_string(arms) + " arms");
    }
    for (std::size_t a = 0; a < arms; ++a) {
      if (u.runs[a].arm != a || u.runs[a].replication != u.replication) {
        throw Error("replication " + std::to_string(u.replication) + ": run " + std::to_string(a) +
                    " is not of arm " + std::to_string(a));
      }
      out.runs[a * reps + i] = std::move(u.runs[a]);
    }
    out.setup_seconds += u.setup_seconds;
    out.simulation_seconds += u.run_seconds;
  }
  for (const RunResult& r : out.runs) {
    out.visits += r.visits_simulated;
    out.candidate_visits += r.candidate_visits;
    out.market_seconds += r.timings.market_seconds;
    out.visit_seconds += r.timings.visit_seconds;
    out.commit_seconds += r.timings.commit_seconds;
    out.training_seconds += r.timings.training_seconds;
    out.run_seconds += r.timings.simulation_seconds;
  }
  out.cpu_seconds = std::numeric_limits<double>::quiet_NaN();  // not attributable to units
  out.shards = out.runs.empty() ? 0 : out.runs[0].shards;
  out.column_bytes_per_consumer = out.runs.empty() ? 0 : out.runs[0].column_bytes_per_consumer;
  if (!units.empty()) out.columns = units.front().columns;
  return out;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::size_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace marketsim
