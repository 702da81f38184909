#pragma once
// The run unit: one unit of work that can be handed to any worker (a thread, a process, an MPI
// rank, an optimiser's evaluation) and whose result can be stored and read back
// (experiments/result_store.h). A unit is one replication of one scenario point with its arms:
// the arms of a replication share its market and common random numbers, so they stay together.
// Its result has a deterministic part (every RunResult field but `timings`: the same bytes on any
// thread count, in any process, in any order of units) and a measured part (seconds, memory).
//
// Everything above the engine is a loop over units (FLAME GPU 2's RunPlanVector run by an
// ensemble; Mesa's batch_run mapping one function over parameter points): `marketsim run` runs
// replications K .. K+M-1 of one point (experiments/experiment.h), sweeps and optimisers run
// points x replications. The engine's RunPlan keeps its narrower meaning (seed, replication,
// horizon and shards of one Simulation).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "agents/shared_resources.h"
#include "analysis/run_collector.h"
#include "analysis/run_result.h"
#include "engine/simulation.h"
#include "experiments/offline_eval.h"
#include "market/market.h"
#include "scenarios/scenario.h"
#include "sim/columns.h"

namespace marketsim {

/// Replication `replication` of a scenario point, with the arms to run.
struct RunUnit {
  std::uint64_t replication = 0;
  std::vector<std::size_t> arms;  // indices into the scenario's arms, ascending; empty: every arm
  bool transactions = false;      // record every order line (RunResult::transactions)
};

/// Records every order line a run sells (RunResult::transactions), in settlement order.
class TransactionRecorder final : public RunObserver {
 public:
  void on_window(const WindowRecords& records) override;
  std::vector<TransactionLine> take() { return std::move(lines_); }

 private:
  std::vector<TransactionLine> lines_;
};

/// What a unit gives back.
struct UnitResult {
  std::uint64_t replication = 0;
  std::vector<RunResult> runs;      // one per arm run, in the unit's arm order
  std::vector<ColumnSpec> columns;  // the per-consumer state its first run declared
  // Measured (wall-clock seconds), not deterministic: drawing the market and the replication's
  // shared objects, and running its arms.
  double setup_seconds = 0.0;
  double run_seconds = 0.0;
};

/// Markets already drawn, for units that share one: with `"market_sampling": "shared"` every
/// replication of a scenario runs on one market, drawn by the first unit that asks. One cache
/// serves one scenario point (a point that changes the market needs a cache of its own). Markets
/// of `"per_replication"` sampling are not kept: each belongs to one unit. Thread-safe.
class MarketCache {
 public:
  /// The market replication `replication` of `scenario` runs on. With parameter uncertainty a
  /// shared market is shared within a draw (`draw`): each draw's values make a market of their own.
  std::shared_ptr<const Market> market(const Scenario& scenario, std::uint64_t replication, std::uint64_t draw = 0);

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<const Market>> shared_;  // by draw
};

/// What the arms of one replication share, drawn before they run (set-up): its market, the
/// objects behaviour modules draw once per replication (agents/shared_resources.h: the social
/// graph), and the market's customer segments as strategies see them.
struct PreparedReplication {
  std::uint64_t replication = 0;
  /// The scenario this replication runs on when it is not the one given: a draw of a scenario with
  /// parameter uncertainty (draw_scenario). Null otherwise.
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const Market> market;
  std::unique_ptr<ReplicationResources> resources;
  std::vector<SegmentRange> segments;
  double setup_seconds = 0.0;  // measured
};

/// Draws (or takes from `cache`) the market of replication `replication` and its shared objects.
PreparedReplication prepare_replication(const Scenario& scenario, std::uint64_t replication,
                                        MarketCache* cache = nullptr);

/// Called after each window of a run with the number of windows it has done.
using WindowFn = std::function<void(std::size_t)>;

/// One arm of one replication, assembled from a scenario exactly as run_unit assembles it: its
/// strategies (instantiate_arm), behaviour modules, Simulation and RunCollector. For tests and
/// examples that look inside a run (its ledgers, holdouts, signals) instead of at its result:
///   ArmRun run(R"({"name": "t", "horizon_days": 5, ...})");
///   run.subscribe(recorder);
///   const RunResult r = run.run();
/// Neither copyable nor movable (the simulation refers to the market and the arm).
class ArmRun {
 public:
  /// Arm `arm` of replication `replication`, with a market and shared objects of its own.
  explicit ArmRun(const Scenario& scenario, std::size_t arm = 0, std::uint64_t replication = 0);
  /// The same from a scenario's JSON text (comments allowed; validated like a file, with
  /// `overrides` as `--set` assignments; errors name "<inline scenario>").
  explicit ArmRun(std::string_view scenario_json, std::size_t arm = 0, std::uint64_t replication = 0,
                  const std::vector<std::string>& overrides = {});
  /// Arm `arm` of a prepared replication (which must outlive it).
  ArmRun(const Scenario& scenario, const PreparedReplication& replication, std::size_t arm);
  ~ArmRun();
  ArmRun(const ArmRun&) = delete;
  ArmRun& operator=(const ArmRun&) = delete;

  const Scenario& scenario() const { return *scenario_; }
  const Market& market() const { return *market_; }
  Arm& arm() { return arm_; }
  Simulation& simulation() { return *simulation_; }
  /// What a strategy factory of seller `seller` is given in this run.
  BuildContext build_context(SellerId seller = 0) const;
  /// Adds a subscriber to the run's signals (before run()).
  void subscribe(RunObserver& observer) { simulation_->subscribe(observer); }
  /// Records every order line into the result's `transactions` (before run()).
  void record_transactions();
  /// Runs to the horizon (checking the run's invariants) and returns the collected result,
  /// timings included. Call once.
  RunResult run(const WindowFn& on_window = {});

 private:
  void build(const PreparedReplication& replication);
  /// The offline evaluation of the arm's recommender on the run's purchases (scenario /offline).
  std::vector<std::pair<std::string, double>> offline_scores() const;

  std::unique_ptr<Scenario> parsed_;  // the scenario, when given as text
  const Scenario* scenario_;
  std::size_t arm_index_;
  std::uint64_t replication_;
  std::unique_ptr<PreparedReplication> own_;  // when the run drew its own market
  std::shared_ptr<const Market> market_;
  std::vector<SegmentRange> segments_;
  Arm arm_;
  std::unique_ptr<RunCollector> collector_;
  std::unique_ptr<PurchaseRecorder> purchases_;  // with /offline: the run's purchases
  std::unique_ptr<TransactionRecorder> transactions_;
  std::unique_ptr<Simulation> simulation_;
};

/// Runs arm `arm` of a prepared replication (arms of one replication may run concurrently).
RunResult run_arm(const Scenario& scenario, const PreparedReplication& replication, std::size_t arm,
                  const WindowFn& on_window = {});

/// Runs a unit: prepares its replication, then runs its arms in parallel (oneTBB; whatever the
/// caller's limits allow). The deterministic part of the result depends only on the scenario and
/// the unit. `on_window` is called from worker threads.
UnitResult run_unit(const Scenario& scenario, const RunUnit& unit, MarketCache* cache = nullptr,
                    const WindowFn& on_window = {});

}  // namespace marketsim
