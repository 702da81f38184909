// The run unit: a replication's set-up (market, shared objects), one arm's run, and a unit's runs.
// This file is the one place that assembles Market -> BuildContext -> Arm -> Simulation ->
// RunCollector; everything else (the experiment loop, tests, benchmarks) goes through it.
#include "experiments/run_unit.h"

#include <cmath>
#include <tbb/parallel_for.h>

#include <chrono>

#include "scenarios/uncertainty.h"
#include "sim/error.h"

namespace marketsim {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The market stream of replication r: its own, or the one every replication shares.
std::uint64_t market_replication(const Scenario& sc, std::uint64_t r) {
  return sc.market.sampling == MarketSampling::kShared ? kAllReplications : r;
}

}  // namespace

std::shared_ptr<const Market> MarketCache::market(const Scenario& sc, std::uint64_t replication, std::uint64_t draw) {
  if (sc.market.sampling != MarketSampling::kShared) {
    return std::make_shared<const Market>(build_market(sc.market, sc.seed, replication));
  }
  const std::lock_guard<std::mutex> lock(mutex_);  // the first caller draws, the others wait
  std::shared_ptr<const Market>& shared = shared_[draw];
  if (!shared) shared = std::make_shared<const Market>(build_market(sc.market, sc.seed, kAllReplications));
  return shared;
}

PreparedReplication prepare_replication(const Scenario& given, std::uint64_t replication, MarketCache* cache) {
  const auto start = Clock::now();
  PreparedReplication p;
  p.replication = replication;
  std::uint64_t draw = 0;
  if (given.uncertainty) {  // the replication's draw of the uncertain values
    p.scenario = std::make_shared<const Scenario>(draw_scenario(given, replication));
    draw = given.uncertainty->draw_of(replication);
  }
  const Scenario& sc = p.scenario ? *p.scenario : given;
  p.market = cache != nullptr ? cache->market(sc, replication, draw)
                              : std::make_shared<const Market>(
                                    build_market(sc.market, sc.seed, market_replication(sc, replication)));
  // The replication's shared objects (the social graph): instantiating the modules once files
  // what they share; every arm's run of the replication then finds it.
  p.resources = std::make_unique<ReplicationResources>(sc.seed, replication);
  instantiate_behaviours(sc.market.behaviours,
                         BehaviourContext{p.market->spec, p.market->catalog, p.market->offers, p.resources.get()});
  p.segments = sc.market.segment_ranges();
  p.setup_seconds = seconds_since(start);
  return p;
}

ArmRun::ArmRun(const Scenario& scenario, std::size_t arm, std::uint64_t replication)
    : scenario_(&scenario), arm_index_(arm), replication_(replication) {
  own_ = std::make_unique<PreparedReplication>(prepare_replication(scenario, replication));
  build(*own_);
}

ArmRun::ArmRun(std::string_view scenario_json, std::size_t arm, std::uint64_t replication,
               const std::vector<std::string>& overrides)
    : parsed_(std::make_unique<Scenario>(check_scenario_text(scenario_json, "<inline scenario>", overrides))),
      scenario_(parsed_.get()),
      arm_index_(arm),
      replication_(replication) {
  own_ = std::make_unique<PreparedReplication>(prepare_replication(*scenario_, replication));
  build(*own_);
}

ArmRun::ArmRun(const Scenario& scenario, const PreparedReplication& replication, std::size_t arm)
    : scenario_(&scenario), arm_index_(arm), replication_(replication.replication) {
  build(replication);
}

ArmRun::~ArmRun() = default;

BuildContext ArmRun::build_context(SellerId seller) const {
  const Scenario& sc = *scenario_;
  return BuildContext{market_->catalog,
                      market_->offers,
                      seller,
                      static_cast<std::int64_t>(std::ceil(sc.market.lead_time(seller).mean())),
                      sc.market.expected_visits_per_day(),
                      sc.market.consumers(),
                      segments_,
                      sc.seed,
                      replication_};
}

void ArmRun::build(const PreparedReplication& replication) {
  if (replication.scenario) scenario_ = replication.scenario.get();  // a draw of an uncertain scenario
  const Scenario& sc = *scenario_;
  if (arm_index_ >= sc.arms.size()) {
    throw Error("arm " + std::to_string(arm_index_) + " of a scenario with " + std::to_string(sc.arms.size()) +
                " arms");
  }
  market_ = replication.market;
  segments_ = replication.segments;
  arm_ = instantiate_arm(sc.arms[arm_index_], build_context(0));
  collector_ = std::make_unique<RunCollector>(
      MetricContext{*market_, sc.horizon_days, sc.warmup_days, sc.arms[arm_index_].groups, sc.seed, replication_,
                    sc.lifetime_value});
  const BehaviourContext behaviours{market_->spec, market_->catalog, market_->offers, replication.resources.get()};
  simulation_ = std::make_unique<Simulation>(
      *market_, arm_, instantiate_behaviours(sc.market.behaviours, behaviours),
      RunPlan{sc.seed, replication_, sc.horizon_days, sc.windows_per_day, sc.shard_size});
  simulation_->subscribe(*collector_);
  if (sc.offline) {
    purchases_ = std::make_unique<PurchaseRecorder>();
    simulation_->subscribe(*purchases_);
  }
}

RunResult ArmRun::run(const WindowFn& on_window) {
  const auto start = Clock::now();
  simulation_->run(on_window);
  RunResult r;
  r.arm = arm_index_;
  r.replication = replication_;
  r.visits_simulated = simulation_->visits();
  r.candidate_visits = simulation_->candidate_visits();
  r.shards = simulation_->shards();
  r.column_bytes_per_consumer = simulation_->column_bytes_per_consumer();
  r.timings.market_seconds = simulation_->phase_seconds().market_seconds;
  r.timings.visit_seconds = simulation_->phase_seconds().visit_seconds;
  r.timings.commit_seconds = simulation_->phase_seconds().commit_seconds;
  r.timings.training_seconds = simulation_->phase_seconds().training_seconds;
  r.timings.simulation_seconds = seconds_since(start);
  collector_->finish(r);
  if (purchases_) r.offline = offline_scores();
  if (transactions_) r.transactions = transactions_->take();
  return r;
}

std::vector<std::pair<std::string, double>> ArmRun::offline_scores() const {
  const Scenario& sc = *scenario_;
  const OfflineSetup setup{market_->catalog, market_->offers, 0, sc.market.consumers(), segments_, sc.seed, replication_,
                           sc.offline->until, sc.horizon_days - 1, sc.offline->ks};
  const OfflineScores s = evaluate_recommender(sc.arms[arm_index_].sellers[0].recommendation, setup, purchases_->purchases());
  std::vector<std::pair<std::string, double>> out;
  if (!s.ranked) return out;
  out.emplace_back("users", static_cast<double>(s.consumers.size()));
  for (const std::size_t k : s.ks) {
    const auto name = [&](const char* measure) {
      std::string n = measure;
      n += '@';
      n += std::to_string(k);
      return n;
    };
    out.emplace_back(name("precision"), s.mean_precision(k));
    out.emplace_back(name("recall"), s.mean_recall(k));
    out.emplace_back(name("ndcg"), s.mean_ndcg(k));
  }
  return out;
}

void TransactionRecorder::on_window(const WindowRecords& records) {
  for (const LineRecord& l : records.lines) {
    if (l.quantity == 0) continue;
    lines_.push_back(TransactionLine{l.time, l.consumer, l.product, l.seller, l.quantity, l.unit_paid(), l.order_discount});
  }
}

void ArmRun::record_transactions() {
  if (transactions_) return;
  transactions_ = std::make_unique<TransactionRecorder>();
  simulation_->subscribe(*transactions_);
}

RunResult run_arm(const Scenario& scenario, const PreparedReplication& replication, std::size_t arm,
                  const WindowFn& on_window) {
  ArmRun run(scenario, replication, arm);
  return run.run(on_window);
}

UnitResult run_unit(const Scenario& scenario, const RunUnit& unit, MarketCache* cache, const WindowFn& on_window) {
  std::vector<std::size_t> arms = unit.arms;
  if (arms.empty()) {
    for (std::size_t a = 0; a < scenario.arms.size(); ++a) arms.push_back(a);
  }
  const PreparedReplication replication = prepare_replication(scenario, unit.replication, cache);
  UnitResult out;
  out.replication = unit.replication;
  out.setup_seconds = replication.setup_seconds;
  out.runs.resize(arms.size());
  std::vector<ColumnSpec> columns;
  const auto start = Clock::now();
  tbb::parallel_for(std::size_t{0}, arms.size(), [&](std::size_t k) {
    ArmRun run(scenario, replication, arms[k]);
    if (unit.transactions) run.record_transactions();
    if (k == 0) columns = run.simulation().columns().specs();
    out.runs[k] = run.run(on_window);
  });
  out.run_seconds = seconds_since(start);
  out.columns = std::move(columns);
  return out;
}

}  // namespace marketsim
