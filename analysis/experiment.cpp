#include "analysis/experiment.h"

#include <sys/resource.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>

#include "engine/simulation.h"
#include "analysis/run_collector.h"

namespace marketsim {

ExperimentResult run_experiment(const Scenario& sc, const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  ExperimentResult out;
  const auto t0 = Clock::now();
  const Market market = build_market(sc.market, sc.seed);
  const auto t1 = Clock::now();
  out.setup_seconds = std::chrono::duration<double>(t1 - t0).count();
  const double cpu_start = process_cpu_seconds();

  const std::size_t reps = static_cast<std::size_t>(sc.replications);
  const std::size_t runs = sc.arms.size() * reps;
  out.runs.resize(runs);
  const std::uint64_t windows_per_run =
      static_cast<std::uint64_t>(sc.horizon_days) * sc.windows_per_day;
  const std::uint64_t total_windows = windows_per_run * runs;
  std::atomic<std::uint64_t> windows_done{0};
  const BuildContext build{market.catalog, market.offers, 0, sc.market.lead_time_days,
                           sc.market.expected_visits_per_day()};
  const BehaviourContext behaviour_ctx{market.spec, market.catalog, market.offers};

  tbb::parallel_for(std::size_t{0}, runs, [&](std::size_t i) {
    const std::size_t arm_index = i / reps;
    const std::size_t rep = i % reps;
    Arm arm = instantiate_arm(sc.arms[arm_index], build);
    RunCollector collector(MetricContext{market, sc.horizon_days, sc.warmup_days});
    RunPlan plan{sc.seed, rep, sc.horizon_days, sc.windows_per_day, sc.shard_size};
    Simulation simulation(market, arm, instantiate_behaviours(sc.market.behaviours, behaviour_ctx), plan);
    simulation.subscribe(collector);
    const auto start = Clock::now();
    simulation.run([&](std::size_t) {
      const std::uint64_t done = windows_done.fetch_add(1) + 1;
      if (progress) progress(done, total_windows);
    });
    RunResult& r = out.runs[i];
    r.arm = arm_index;
    r.replication = rep;
    r.visits_simulated = simulation.visits();
    r.shards = simulation.shards();
    r.market_seconds = simulation.phase_seconds().market_seconds;
    r.visit_seconds = simulation.phase_seconds().visit_seconds;
    r.commit_seconds = simulation.phase_seconds().commit_seconds;
    r.column_bytes_per_consumer = simulation.column_bytes_per_consumer();
    r.simulation_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    collector.finish(r);
  });
  out.simulation_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  out.cpu_seconds = process_cpu_seconds() - cpu_start;
  for (const auto& r : out.runs) {
    out.visits += r.visits_simulated;
    out.market_seconds += r.market_seconds;
    out.visit_seconds += r.visit_seconds;
    out.commit_seconds += r.commit_seconds;
    out.run_seconds += r.simulation_seconds;
  }
  out.shards = out.runs.empty() ? 0 : out.runs[0].shards;
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
