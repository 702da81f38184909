#include "analysis/experiment.h"

#include <sys/resource.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <chrono>

#include "agents/shared_resources.h"
#include "engine/simulation.h"
#include "analysis/run_collector.h"

namespace marketsim {

ExperimentResult run_experiment(const Scenario& sc, const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  ExperimentResult out;
  const std::size_t reps = static_cast<std::size_t>(sc.replications);
  const std::size_t arms = sc.arms.size();
  out.runs.resize(arms * reps);
  const std::uint64_t windows_per_run = static_cast<std::uint64_t>(sc.horizon_days) * sc.windows_per_day;
  const std::uint64_t total_windows = windows_per_run * arms * reps;
  std::atomic<std::uint64_t> windows_done{0};

  // Replications are run in waves: a wave draws its markets (in parallel: set-up), then runs all
  // arms of its replications (in parallel: simulation). With one market per replication a wave
  // holds as many replications as there are threads, so memory holds that many markets at most;
  // with a shared market the one wave holds every replication.
  const bool shared = sc.market.sampling == MarketSampling::kShared;
  const std::size_t threads = std::max<std::size_t>(
      1, tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const std::size_t wave = shared ? reps : std::min(reps, threads);
  std::vector<std::unique_ptr<Market>> markets;
  for (std::size_t first = 0; first < reps; first += wave) {
    const std::size_t count = std::min(wave, reps - first);
    const auto t0 = Clock::now();
    markets.resize(shared ? 1 : count);
    tbb::parallel_for(std::size_t{0}, markets.size(), [&](std::size_t k) {
      if (shared && markets[0]) return;  // drawn once for every wave
      markets[k] = std::make_unique<Market>(
          build_market(sc.market, sc.seed, shared ? kAllReplications : static_cast<std::uint64_t>(first + k)));
    });
    // The replications' shared objects (agents/shared_resources.h: the social graph), drawn with
    // the markets as set-up: instantiating the modules once per replication makes them file
    // what they share; every arm's run then finds it.
    std::vector<std::unique_ptr<ReplicationResources>> resources(count);
    tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
      resources[k] = std::make_unique<ReplicationResources>(sc.seed, static_cast<std::uint64_t>(first + k));
      const Market& market = *markets[shared ? 0 : k];
      instantiate_behaviours(sc.market.behaviours,
                             BehaviourContext{market.spec, market.catalog, market.offers, resources[k].get()});
    });
    const auto t1 = Clock::now();
    out.setup_seconds += seconds(t0, t1);
    const double cpu_start = process_cpu_seconds();
    tbb::parallel_for(std::size_t{0}, arms * count, [&](std::size_t i) {
      // Replication-major: the runs under way share as few markets as possible.
      const std::size_t rep = first + i / arms;
      const std::size_t arm_index = i % arms;
      const Market& market = *markets[shared ? 0 : i / arms];
      const std::vector<SegmentRange> segments = sc.market.segment_ranges();
      const BuildContext build{market.catalog, market.offers, 0, sc.market.lead_time_days,
                               sc.market.expected_visits_per_day(), sc.market.consumers(), segments, sc.seed, rep};
      const BehaviourContext behaviour_ctx{market.spec, market.catalog, market.offers, resources[i / arms].get()};
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
      RunResult& r = out.runs[arm_index * reps + rep];
      r.arm = arm_index;
      r.replication = rep;
      r.visits_simulated = simulation.visits();
      r.candidate_visits = simulation.candidate_visits();
      r.shards = simulation.shards();
      r.market_seconds = simulation.phase_seconds().market_seconds;
      r.visit_seconds = simulation.phase_seconds().visit_seconds;
      r.commit_seconds = simulation.phase_seconds().commit_seconds;
      r.column_bytes_per_consumer = simulation.column_bytes_per_consumer();
      if (rep == 0 && arm_index == 0) out.columns = simulation.columns().specs();
      r.simulation_seconds = seconds(start, Clock::now());
      collector.finish(r);
    });
    out.simulation_seconds += seconds(t1, Clock::now());
    out.cpu_seconds += process_cpu_seconds() - cpu_start;
  }
  for (const auto& r : out.runs) {
    out.visits += r.visits_simulated;
    out.candidate_visits += r.candidate_visits;
    out.market_seconds += r.market_seconds;
    out.visit_seconds += r.visit_seconds;
    out.commit_seconds += r.commit_seconds;
    out.run_seconds += r.simulation_seconds;
  }
  out.shards = out.runs.empty() ? 0 : out.runs[0].shards;
  out.column_bytes_per_consumer = out.runs.empty() ? 0 : out.runs[0].column_bytes_per_consumer;
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
