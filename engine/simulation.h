#pragma once
// One run: one market x one arm x one replication.
//
// Time advances in windows of 1 / windows_per_day days. Consumers are split into fixed shards
// (shard_size consumers each, set by the scenario, never by the thread count). In a window:
//   1. market events due before the window ends run in (time, priority, sequence) order
//      (deliveries, day starts and replenishment), then the strategies prepare prices, offers and
//      recommendations for the window;
//   2. every shard advances its consumers' visits through the window, in parallel. Shared state
//      (stock, budgets, popularity) is frozen meanwhile; a visit that ends in a choice leaves a
//      purchase intent;
//   3. intents of all shards are put into (time, consumer id) order (in parallel time slices) and
//      settled in that order on one thread: a sale if the product is in stock and its promotion's
//      budget still covers the discount, otherwise a lost sale (or a cancelled intent). Then
//      consumers learn from what they bought (shards in parallel), and the observer receives the
//      window's signals on an ordered task that overlaps the next window.
// The result depends only on the scenario and seed, never on the number of threads. Because stock
// is only checked at commit, a consumer may choose a product that sold out earlier in the same
// window; the choice then becomes a lost sale exactly as in sequential order, since the choice
// itself never looks at stock. A promotion stops at the first discount its budget cannot cover
// (later intents it would fund in the window are cancelled). What does lag by up to one window is
// a consumer's own learning between two of its visits in one window.
#include <tbb/task_group.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "agents/budget.h"
#include "market/market.h"
#include "engine/run_observer.h"
#include "market/sales_history.h"
#include "market/shown_set.h"
#include "sim/event_queue.h"
#include "sim/rng.h"
#include "sim/uninitialized.h"
#include "sim/visit_calendar.h"
#include "strategies/arm.h"

namespace marketsim {

/// Wall-clock seconds a run spent in each phase of its windows.
struct PhaseSeconds {
  double market_seconds = 0.0;  // events, replenishment, strategies preparing the window (serial)
  double visit_seconds = 0.0;   // shards advancing their consumers' visits (parallel)
  double commit_seconds = 0.0;  // merging and committing intents, collectors, learning
};

/// What identifies and shapes a run besides the market and the arm.
struct RunPlan {
  std::uint64_t seed = 0;
  std::uint64_t replication = 0;
  Day horizon_days = 30;
  std::size_t windows_per_day = 1;
  std::size_t shard_size = 65536;
};

class Simulation {
 public:
  Simulation(const Market& market, Arm& arm, const RunPlan& plan, RunObserver& observer);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Runs to the horizon, then checks the run's invariants (throws InvariantViolation).
  /// `on_window` is called after each window with the number of windows done.
  void run(const std::function<void(std::size_t)>& on_window = {});

  std::uint64_t visits() const { return total_visits_; }
  const PhaseSeconds& phase_seconds() const { return phases_; }
  std::size_t shards() const;
  std::size_t windows() const { return windows_; }

 private:
  struct Intent {
    Time time;
    ConsumerId consumer;
    ProductId product;
    std::uint32_t visit_index;
  };
  struct Shard;
  /// The order in which intents are committed: time, then consumer id (then visit index).
  /// A function object, so that sort and merge inline it.
  struct CommitOrder {
    bool operator()(const Intent& a, const Intent& b) const {
      if (a.time != b.time) return a.time < b.time;
      if (a.consumer != b.consumer) return a.consumer < b.consumer;
      return a.visit_index < b.visit_index;
    }
  };
  struct MarketEvent {
    enum class Kind { kDayStart, kDelivery } kind;
    ProductId product;
    Units quantity;
  };
  struct BeliefSlot {
    ProductId product;
    float mean;
    float variance;
  };

  void handle(const EventQueue<MarketEvent>::Event& event);
  void prepare_window(Day day, Time start, Time end);
  void advance(Shard& shard, std::size_t window);
  void visit(Shard& shard, ConsumerId c, Time t, std::uint32_t visit_index, CounterRng& rng);
  void commit(Day day, Time start, Time end);
  void order_intents(Time start, Time end);  // the shards' intents into merged_, in commit order
  void settle(Day day);                      // sales, lost sales and cancellations, in order
  void learn_from_sales();                   // consumers update beliefs and reference prices
  void learn(ConsumerId c, ProductId j, std::uint32_t visit_index, Money paid);
  double belief_mean(ConsumerId c, ProductId j) const;
  void check_invariants() const;

  const Market& market_;
  Arm& arm_;
  RunPlan plan_;
  RunObserver& observer_;
  std::size_t windows_;
  std::size_t products_;
  std::size_t categories_;

  // Consumers' changing state, indexed by consumer id.
  UninitializedVector<Time> next_visit_;          // first written by the parallel set-up
  UninitializedVector<std::uint32_t> visit_index_;
  std::vector<float> reference_index_;   // consumers x categories: reference price / list price
  std::vector<BeliefSlot> beliefs_;      // consumers x memory
  std::vector<std::uint32_t> beliefs_added_;
  StreamFamily visit_keys_;
  StreamFamily consumption_keys_;
  std::vector<Shard> shards_;

  // Inventory agent (per product).
  std::vector<Units> on_hand_, on_order_, initial_, received_, sold_;
  // Budget agent.
  BudgetLedger ledger_;
  Money sale_discounts_ = 0;  // the same discounts summed from the sale records, for reconciliation

  // The window's prices, as the strategies set them.
  std::vector<Money> price_, discount_, scratch_;
  std::vector<std::int32_t> promotion_;  // funding promotion per product, or -1
  std::vector<float> paid_;              // price - discount, currency units (for utilities)
  std::vector<double> list_;             // list price, currency units
  std::vector<float> deal_;              // 1 where a promotion tag shows

  SalesHistory history_;
  EventQueue<MarketEvent> events_;
  Day current_day_ = -1;
  std::uint64_t visits_today_ = 0;
  Units received_today_ = 0;
  std::uint64_t cancelled_today_ = 0;
  std::uint64_t total_visits_ = 0;
  std::vector<Intent> merged_;
  std::vector<std::size_t> bucket_counts_;      // per shard x time slice (commit scratch)
  std::vector<SaleRecord> sales_[2];            // the window's sales, for the observer
  std::vector<LostSaleRecord> lost_[2];         // the window's lost sales
  std::size_t window_ = 0;                      // the window being committed
  tbb::task_group observer_tasks_;              // delivers signals to the observer, in order
  std::vector<std::uint32_t> sale_visits_;      // visit index of each sale (learning streams)
  std::vector<std::size_t> learn_offsets_;      // sales grouped by shard, for parallel learning
  std::vector<std::size_t> learn_order_;
  bool learning_ = false;
  PhaseSeconds phases_;
};

}  // namespace marketsim
