#pragma once
// One run: one market x one arm x one replication.
//
// Time advances in windows of 1 / windows_per_day days. Consumers are split into fixed shards
// (shard_size consumers each, set by the scenario, never by the thread count). In a window:
//   1. market events due before the window ends run in (time, priority, sequence) order
//      (deliveries, day starts and replenishment); every seller's strategies prepare prices,
//      offers and recommendations and issue commands, which are applied at once in issue order
//      (costs charged, then handed to the mechanics and behaviour modules that handle them);
//   2. every shard advances its consumers through the window, in parallel, in batches: candidate
//      visits (thinned by the intensity modules), shown offers, utilities (the engine's base term,
//      then each utility module's), logit choices (repeated for baskets), quantities. Shared state
//      (stock, budgets, popularity) is frozen meanwhile; a visit that chooses leaves an order;
//   3. the orders of all shards are put into (time, consumer, visit, line) order (in parallel
//      time slices) and settled in that order on one thread: per line, a sale if the offer is in
//      stock and its promotion's budget still covers the discount, otherwise lost units (or a
//      cancelled line); then order-level rules and what the promotion mechanics take off (as the
//      seller's stacking rules combine them: strategies/stacking.h; mechanics/mechanic.h). Then modules learn from the settled
//      lines (shards in parallel), run their daily hooks at a day's end, and receive the
//      window's consumer-to-consumer messages; strategies observe the window; subscribers receive
//      its signals on an ordered task that overlaps the next window.
// The result depends only on the scenario and seed, never on the number of threads or the shard
// size. Because stock is only checked at settlement, a consumer may choose an offer that sold out
// earlier in the same window; the choice then becomes a lost sale exactly as in sequential order,
// since the choice itself never looks at stock. A promotion stops at the first discount its
// budget cannot cover (later lines it would fund in the window are cancelled); one whose day's
// allowance (daily cap, pacing) cannot cover it pauses likewise until the next day. Each day's
// allowances are set before its first window; monitoring rules run at each day's end
// (engine/campaigns.cpp). What does lag by up to one window is a consumer's own learning between
// two of its visits in one window.
#include <tbb/task_group.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "agents/behaviour.h"
#include "agents/budget.h"
#include "agents/inventory.h"
#include "market/lead_time.h"
#include "strategies/replenishment.h"
#include "engine/run_observer.h"
#include "mechanics/mechanic.h"
#include "market/market.h"
#include "market/platform_log.h"
#include "market/records.h"
#include "sim/columns.h"
#include "sim/event_queue.h"
#include "sim/rng.h"
#include "strategies/arm.h"

namespace marketsim {

struct VisitScratch;

/// Wall-clock seconds a run spent in each phase of its windows.
struct PhaseSeconds {
  double market_seconds = 0.0;  // events, replenishment, strategies, commands (serial)
  double visit_seconds = 0.0;   // shards advancing their consumers' visits (parallel)
  double commit_seconds = 0.0;  // ordering and settling orders, modules' learning, messages
  double training_seconds = 0.0;  // recommenders' prepare(): training on the log, per-consumer lists
                                  // (serial part of the window, counted apart from market_seconds)
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
  /// `behaviours` are the run's own instances of the scenario's modules, in hook order.
  Simulation(const Market& market, Arm& arm, std::vector<std::unique_ptr<Behaviour>> behaviours,
             const RunPlan& plan);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Adds a subscriber to the run's signals (before run()); what it needs logged is logged.
  void subscribe(RunObserver& observer);

  /// Runs to the horizon, then checks the run's invariants (throws InvariantViolation).
  /// `on_window` is called after each window with the number of windows done.
  void run(const std::function<void(std::size_t)>& on_window = {});

  std::uint64_t visits() const { return total_visits_; }
  /// Candidate visits drawn before thinning (equal to visits() without intensity modules).
  std::uint64_t candidate_visits() const { return total_candidates_; }
  const PhaseSeconds& phase_seconds() const { return phases_; }
  std::size_t shards() const;
  std::size_t windows() const { return windows_; }
  /// Bytes of per-consumer state the run declared (engine and modules), per consumer.
  std::size_t column_bytes_per_consumer() const { return layout_.bytes_per_consumer(); }
  /// The declared columns (owner, name, bytes).
  const ColumnLayout& columns() const { return layout_; }
  /// The engine's own columns, which every run declares before its modules' (for estimates).
  static ColumnLayout engine_columns();
  /// Commands not applied because their consumer is in the issuing promotion's holdout.
  std::uint64_t commands_held_out() const { return commands_held_out_; }
  /// Seller s's budget ledger (an account per promotion, with its day history).
  const BudgetLedger& ledger(SellerId s) const { return ledgers_[s]; }
  /// Consumers in the holdout of seller s's promotion p.
  std::uint64_t held_out_consumers(SellerId s, std::size_t p) const { return campaigns_[s][p].held_out; }
  /// Whether consumer c is in the holdout of seller s's promotion p.
  /// (Or outside the consumer group the promotion is scoped to: strategies/consumer_groups.h.)
  bool held_out(std::size_t s, std::size_t p, ConsumerId c) const {
    const CampaignRun& run = campaigns_[s][p];
    if (run.group != kNoGroup && groups_.of(c) != run.group) return true;
    return run.holdout > 0.0 && static_cast<double>(run.holdout_keys.key(c) >> 11) * 0x1.0p-53 < run.holdout;
  }
  /// The run's consumer groups (its arm's).
  const GroupAssignment& groups() const { return groups_; }

 private:
  struct Shard;
  struct OrderLine {
    Time time;
    ConsumerId consumer;
    std::uint32_t visit;
    OfferId offer;
    std::uint16_t quantity;
    std::uint8_t line;
    std::uint8_t slot;  // LineRecord::slot
  };
  /// The order in which chosen lines are settled: time, consumer id, visit, line.
  struct CommitOrder {
    bool operator()(const OrderLine& a, const OrderLine& b) const {
      if (a.time != b.time) return a.time < b.time;
      if (a.consumer != b.consumer) return a.consumer < b.consumer;
      if (a.visit != b.visit) return a.visit < b.visit;
      return a.line < b.line;
    }
  };
  struct MarketEvent {
    enum class Kind { kDayStart } kind;
    OfferId offer;
    Units quantity;
  };
  /// A seller's supply side (engine/replenishment.cpp): what its unmet demand does, and its
  /// warehouses' transfer rule.
  struct Supply {
    bool backorders = false;
    Money backorder_cost = 0;
    double cancel_rate = 0.0;
    double transfer_ratio = 0.0;  // 0: no transfers
    double transfer_days = 1.0;
    Money transfer_cost = 0;
  };
  /// One of a seller's warehouses (engine/replenishment.cpp). The slot of offer
  /// o here is base + (o - the seller's first offer); a seller's first warehouse's slots are its
  /// offers.
  struct Depot {
    std::size_t seller = 0;
    std::size_t base = 0;
    Units capacity = 0;      // on hand + on order per offer at most (0: no cap)
    Money fallback_cost = 0; // per unit its region gets from a fallback warehouse
    std::vector<std::size_t> fallback;  // depot indices, in the order they are tried
    std::unique_ptr<PlatformLog> log;   // its routed demand (null: the market's log, for a seller's only warehouse)
  };
  /// What a back-ordered line was sold at (fixed when ordered), by WaitingLine::ref.
  struct WaitingTerms {
    std::int32_t promotion;
    Money price;
    Money unit_discount;
    Money unit_cost;
  };
  class SellerPlan;
  /// Bits of the engine's per-consumer flags column.
  /// Bits of the engine's per-consumer flags column; the kHolds bits say the consumer holds state
  /// of a promotion mechanic (mechanic m: hold_bit_[m]).
  enum Flag : std::uint8_t { kChurned = 1, kFiled = 2, kHeldOut = 8, kHolds = 4 | 16 | 32 | 64 | 128 };
  /// promotion_[o] of an offer whose discount several promotions fund ("sum" stacking).
  static constexpr std::int32_t kMultiFunded = -2;
  /// What the engine keeps of each promotion's campaign in a run (engine/campaigns.cpp).
  struct CampaignRun {
    double holdout = 0.0;
    StreamFamily holdout_keys{0, 0, Purpose::kHoldout};
    std::size_t group = kNoGroup;  // the consumer group it is scoped to
    std::uint64_t held_out = 0;  // consumers in the holdout (or outside its group)
    bool live = true;            // acting in the window being run (in its span, not stopped)
    bool lift = false;           // tracks treated and holdout revenue (lift_per_spend)
    bool forecast = false;       // tracks the seller's revenue before and during the campaign
    Money treated_revenue = 0, holdout_revenue = 0;  // the seller's, since the campaign's first day
    Money pre_revenue = 0, campaign_revenue = 0;     // the seller's, before / since its first day
    std::vector<char> fired;     // per monitoring rule
    bool exhausted = false;      // its budget's exhaustion was signalled
  };

  // simulation.cpp: set-up, the window loop, market events, strategies.
  void handle(const EventQueue<MarketEvent>::Event& event);
  void prepare_window(Day day, Time start, Time end);
  std::optional<DayRecord> end_window(std::size_t w, Day day, Time start, Time end, bool day_ends);
  ShardContext context(Shard& shard, std::size_t module);
  // visits.cpp: the visit pipeline of a shard.
  void advance(Shard& shard, std::size_t window);
  void thin(Shard& shard, std::size_t window);
  void visit_batch(Shard& shard);
  void choose_baskets(Shard& shard, std::span<float> weights_of_slots);
  /// Visit v's slots [first, end): the prices the consumer's own offers give it (mechanics' price
  /// hooks); `held`: the consumer is held out of some promotion.
  void personal_prices(Shard& shard, std::size_t v, std::uint32_t first, std::uint32_t end, bool held);
  /// Prices and base utilities of the shown offers (slots already filled) for a visit of a
  /// consumer held out of some promotion.
  [[gnu::noinline]] void held_out_utilities(Shard& shard, std::size_t visit, std::uint32_t first_slot,
                                            std::uint32_t end_slot);
  /// The next candidate visit after t, `base_gap` being an Exp(rate) draw in intensity time.
  Time next_candidate(Time t, double base_gap) const {
    return unit_bound_ ? t + base_gap : next_candidate_thinned(t, base_gap);
  }
  Time next_candidate_thinned(Time t, double base_gap) const;
  /// The part (index into part_bound_) of a candidate at time t of window w.
  std::size_t part_of(Time t, std::size_t w) const;
  /// The first time of part p (the least t that part_of places in it), computed once.
  Time first_time_of_part(std::size_t p) const;
  Time part_start(std::size_t p) const { return part_start_[p]; }
  void compute_bounds();
  void enter_calendar(Shard& shard, ConsumerId c, Time t);
  /// Draws consumer c's next candidate from t (its stream for `stage` at its visit index) and
  /// files it.
  /// `factor`: the consumer's bound factor at max(t, earliest entry) when the caller has it (else
  /// negative: computed here).
  void file_candidate(Shard& shard, ConsumerId c, Time t, VisitStage stage, float factor = -1.0f);
  // Spend unlocks while a basket is built (visits.cpp): the rules of visit v; the weights of its
  // slots with what each would unlock; the spend of the item taken at `slot` (the visit's k-th).
  std::size_t open_unlocks(VisitScratch& b, std::size_t v, const float* weights, std::size_t count) const;
  void unlock_weights(VisitScratch& b, std::size_t v, float* weights, std::size_t count) const;
  void take_unlocked(VisitScratch& b, std::size_t slot, std::size_t k) const;
  /// The product of the modules' consumer_bound factors for c at t (1 without such modules).
  double consumer_factor(Shard& shard, ConsumerId c, Time t);
  /// The least float >= x (a bound factor kept in a float column stays a bound).
  static float float_at_least(double x) {
    const auto f = static_cast<float>(x);
    return static_cast<double>(f) >= x ? f : std::nextafter(f, std::numeric_limits<float>::infinity());
  }
  // settlement.cpp: ordering and settling orders.
  void order_lines(Time start, Time end);
  void settle();
  void settle_order(std::size_t first, std::size_t last);
  /// Funds a line of a multi-funded offer or of a held-out consumer: sets the funding promotion
  /// and unit discount; false when a funder cannot pay (the line is cancelled).
  bool fund_line(std::size_t s, OfferId o, ConsumerId c, Units quantity, std::int32_t& promotion,
                 Money& unit_discount);
  void apply_order_rules(std::size_t first_record, const OrderLine& head);
  class SellerOrder;
  /// Whether line record r carries a per-item discount of seller s's promotion q.
  bool funded_by(const LineRecord& r, std::size_t s, std::size_t q) const;
  // replenishment.cpp: reviews, orders and deliveries, back-orders, the day's stock alerts.
  void set_up_supply();
  /// The review of a slot at time t of day d: places the order its planner asks for (capped by
  /// its warehouse's capacity).
  void review_slot(std::size_t slot, Day d, Time t);
  /// Where consumer c's line for `wanted` units of seller s's offer o can be served now: sets
  /// `slot` to the consumer's warehouse's slot and returns the units available there and in its
  /// fallbacks (those in fallback_take_). Sellers with several warehouses only.
  Units routed_stock(std::size_t s, OfferId o, ConsumerId c, Units wanted, std::size_t& slot);
  /// Ships `units` of a routed line: from its slot first, then its fallbacks (booked with their cost).
  void ship_routed(std::size_t s, OfferId o, std::size_t slot, Units units, SellerBooks& books);
  /// The routed demand log of a slot's warehouse (null: the seller has one warehouse, whose
  /// demand is the market log's).
  PlatformLog* routed_log(std::size_t slot) { return depots_[slot_depot_[slot]].log.get(); }
  /// The day's transfers between warehouses (sellers with a transfer rule).
  void transfer_day(Day d);
  /// Units on hand per offer over its seller's warehouses (what strategies see as stock).
  std::span<const Units> offer_stock();
  /// The periodic reviews of day d's start.
  void review_day(Day d);
  /// Receives the shipments arriving at or before t (strictly before t when `before`), in
  /// arrival order, and fills back-orders from them.
  void receive_until(Time t, bool before = false);
  /// A line's back-ordered units: queued with their terms (the caller charged the budget).
  void backorder_line(std::size_t s, OfferId o, std::size_t slot, const OrderLine& l, Units units,
                      std::int32_t promotion, Money unit_discount, Money unit_cost);
  /// The day's end: back-order costs, cancellations, ready offers, the per-offer alerts.
  void close_stock_day(Day d, std::size_t batch, std::vector<SellerBooks>& books);
  // campaigns.cpp: campaign terms, holdouts, daily allowances, monitoring rules.
  void open_campaigns();
  void begin_campaign_day(Day day);
  /// The discount consumer c (held out of some promotion) gets on offer o.
  Money visible_discount(OfferId o, ConsumerId c) const;
  /// Resolves seller s's per-item parts under "sum" stacking into discounts and funders.
  void sum_item_parts(std::size_t s, std::span<const Money> price, std::span<Money> discount);
  void track_campaigns(std::size_t batch, Day day);
  void monitor_campaigns(Day day, std::span<const SellerBooks> books, std::size_t batch);
  // consumers.cpp: commands, modules' hooks after settlement, messages.
  void apply_commands(Time start);
  void run_settled_hooks();
  void run_daily_hooks(Day day);
  void read_gauges(Day day, std::size_t batch);
  void deliver_messages();
  // invariants.cpp
  void check_invariants() const;

  const Market& market_;
  Arm& arm_;
  std::vector<Strategy*> strategies_;  // every seller's, in seller and family order (signals)
  std::vector<std::unique_ptr<Behaviour>> behaviours_;
  RunPlan plan_;
  std::vector<RunObserver*> observers_;
  std::size_t windows_;
  std::size_t offers_;
  std::size_t sellers_;
  bool single_shop_;  // one seller offering every product: offer j is product j

  // Per-consumer state: declared columns, partitioned by shard.
  ColumnLayout layout_;
  std::unique_ptr<ColumnStore> columns_;
  Column<Time> next_visit_;        // the consumer's next candidate visit
  Column<std::uint32_t> visit_index_;  // the index of that candidate (keys its streams)
  Column<std::uint8_t> flags_;     // Flag bits
  StreamFamily visit_keys_;
  std::vector<StreamFamily> module_streams_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // Modules by stage, in scenario order (indices into behaviours_).
  std::vector<std::size_t> intensity_modules_, utility_modules_, basket_modules_, settled_modules_,
      daily_modules_, message_modules_, command_modules_, consumer_bound_modules_;
  Column<float> bound_factor_;  // with consumer_bound modules: the factor of the pending candidate
  std::uint64_t commands_handled_ = 0;  // union of the modules' command kinds (command_bit)
  // With modules whose hooks read per-consumer columns during a visit: advance() asks the cache
  // for a candidate's rows of every column ahead of its batch's stages.
  bool prefetch_columns_ = false;
  // Gauges: per module with gauges, its first index into gauge_names_; per shard, its parts.
  std::vector<std::pair<std::size_t, std::size_t>> gauge_modules_;  // (module, first gauge)
  std::vector<std::string> gauge_names_;     // the modules' gauges, then the strategies'
  std::size_t module_gauges_ = 0;            // how many of gauge_names_ are the modules'
  std::vector<std::pair<const Strategy*, std::size_t>> gauge_strategies_;  // (strategy, first gauge)
  // Named events (market/signals.h): the board (names, and what the serial phases emitted), the
  // board's index of each module's events, the engine's own events, and each window's events in
  // delivery order (double-buffered like lines_).
  EventBoard event_board_;
  std::vector<std::vector<std::uint32_t>> module_events_;
  struct EngineEvents {
    std::uint32_t price_changed, budget_exhausted, command_cost;
  } engine_events_{};
  std::vector<EventRecord> window_events_[2];
  std::vector<std::uint64_t> day_events_;  // with event rules: each event's occurrences on the day
  std::vector<Money> posted_price_;
  std::vector<std::int64_t> day_stock_[2];  // the day's end stock per offer (double-buffered)
  std::vector<Money> day_price_[2], day_discount_[2];  // the day's end prices and discounts per offer
  // The day's impressions and (with a click model) clicks by slot, summed over shards at each
  // commit; double-buffered copies for the day's record.
  std::array<std::uint64_t, kSlotPositions> slot_impressions_today_{}, slot_clicks_today_{};
  std::array<std::uint64_t, kSlotPositions> day_slot_impressions_[2]{}, day_slot_clicks_[2]{};
  bool click_model_ = false;  // a module of the run models clicks (agents/click_model.h)
  // Recommendation exposures and lists' pairs (LogNeeds::recommendations): the day's so far, and
  // the finished day's (double-buffered for subscribers).
  bool track_recommendations_ = false;
  std::vector<std::uint32_t> recommended_today_, day_recommended_[2];
  std::uint64_t list_pairs_today_ = 0, diverse_pairs_today_ = 0;
  std::vector<std::uint32_t> day_exposures_[2], day_considered_[2];  // the day's, per offer (double-buffered)  // each offer's price in the previous window (-1 before the first)
  void declare_signals();
  /// Starts counting recommendation exposures and lists' pairs (LogNeeds::recommendations).
  void track_recommendations(bool on);
  /// Gathers the window's events (the serial phases', then each shard's), in time order.
  void gather_events(std::size_t batch, Time end);
  std::vector<double> gauge_values_[2];  // double-buffered like day_books_: observers overlap the next window
  std::vector<std::vector<double>> shard_gauges_;
  // The intensity bound (product of the intensity modules' bounds) per part of a window, and its
  // integral: windows are cut into parts_per_window_ equal parts, parts_per_day_ a day, so that
  // bounds that change within a day (an hour-of-day profile) are tight.
  std::size_t parts_per_window_ = 1;
  std::size_t parts_per_day_ = 1;
  std::vector<double> part_bound_;
  std::vector<double> part_start_;      // parts + 1 entries: first_time_of_part
  std::vector<double> bound_integral_;  // at each part's start, in intensity time
  // Guide table of bound_integral_: guide_[g] is the part holding intensity time g / inverse_step_.
  std::vector<std::uint32_t> guide_;
  double inverse_step_ = 0.0;
  bool unit_bound_ = true;              // every bound is 1: candidate visits are visits

  // Inventory agent (per slot: offer x warehouse) and budget agents (per seller, an account per
  // promotion).
  Inventory inventory_;
  std::vector<Supply> supply_;                        // per seller
  std::vector<std::unique_ptr<PromotionPlan>> plans_;  // per seller: its promotion calendar (SellerPlan)
  std::vector<Depot> depots_;                         // every seller's warehouses, seller by seller
  std::vector<std::size_t> first_depot_;              // per seller: its first warehouse in depots_
  std::vector<std::vector<std::uint8_t>> region_;     // per seller: each consumer's warehouse (empty: one warehouse)
  bool routed_ = false;                               // some seller has several warehouses
  std::size_t slots_ = 0;
  std::vector<OfferId> slot_offer_;                   // per slot
  std::vector<std::uint32_t> slot_depot_;             // per slot: index into depots_
  std::vector<std::uint32_t> slot_warehouse_;         // per slot: the warehouse's index within its seller
  std::vector<std::uint32_t> slot_planner_;           // per slot: index into its seller's replenishment
  std::vector<std::uint16_t> slot_lead_;              // per slot: index into lead_times_
  std::vector<Review> slot_review_;                   // per slot: when its planner reviews
  static constexpr Day kTransferDays = 7;             // the transfer rule's demand window, days
  std::vector<LeadTime> lead_times_;
  StreamFamily lead_keys_{0, 0, Purpose::kLeadTime};  // entity: the slot
  std::vector<std::pair<std::size_t, Units>> fallback_take_;  // routed_stock's fallback slots and units
  std::vector<Units> offer_stock_;                    // offer_stock()'s sums (sellers with several warehouses)
  bool continuous_review_ = false;                    // some planner reviews after each line
  StreamFamily cancel_keys_{0, 0, Purpose::kBackorder};  // entity: the consumer
  std::vector<WaitingTerms> waiting_terms_;           // by WaitingLine::ref
  std::vector<std::int64_t> short_today_, lost_today_, backordered_today_;  // per slot, today
  std::vector<std::int64_t> day_short_[2], day_lost_[2], day_backordered_[2], day_waiting_[2], day_safety_[2],
      day_slot_stock_[2];
  std::vector<BudgetLedger> ledgers_;
  std::vector<std::vector<CampaignRun>> campaigns_;  // [seller][promotion]
  bool holdouts_ = false;                             // some promotion has a holdout (or a group)
  static constexpr std::size_t kNoGroup = static_cast<std::size_t>(-1);
  GroupAssignment groups_;                            // the arm's consumer groups
  bool special_funding_ = false;                      // holdouts or "sum" stacking: see fund_line
  bool campaign_tracking_ = false;                    // some promotion has monitoring rules
  std::vector<MonitorRecord> monitor_records_[2];     // double-buffered like day_books_
  std::vector<std::vector<Money>> item_parts_;        // "sum" sellers: [local offer * promotions + p]
  std::vector<std::vector<Money>> recorded_day_spend_;  // [seller][day]: the books' discounts + costs
  std::vector<std::pair<std::size_t, Money>> rule_values_;  // settlement scratch: (promotion, value)
  std::vector<std::size_t> group_records_;           // settlement scratch: an exclusive group's lines
  std::vector<std::size_t> scoped_records_;           // settlement scratch: a scoped rule's lines
  // Spend unlocks (OrderRule::spend_tiers): every promotion with spend tiers, with the
  // offers its rule covers; those live in the current window.
  struct SpendUnlock {
    SellerId seller;
    std::uint32_t promotion;
    const SpendTiers* tiers;
    std::vector<char> covers;  // per offer (of every seller: another seller's are 0)
  };
  std::vector<SpendUnlock> unlocks_;
  // Quantity limits and featured slots (QuantityLimit, FeaturedSlots): whether any promotion of the
  // arm has limits; per [seller][promotion] its order rule and its limit (null: none); per seller,
  // the window's featured offers and slots.
  bool caps_ = false;
  std::vector<std::vector<OrderRule*>> order_rule_of_;
  std::vector<std::vector<QuantityLimit*>> limit_of_;
  // Promotion mechanics (engine/mechanics.cpp), in registry order: each one's host (a MechanicPort),
  // events, flag bit and what it does in the window; per command kind and per [seller][promotion]
  // (per-item discounts it takes) the mechanic, or -1.
  class MechanicPort;
  std::vector<std::unique_ptr<Mechanic>> mechanics_;
  std::vector<std::unique_ptr<MechanicHost>> mechanic_ports_;
  std::vector<std::vector<std::uint32_t>> mechanic_events_;
  std::vector<std::uint8_t> hold_bit_;
  std::vector<bool> sticky_bit_;                 // a bit several mechanics share: never cleared
  std::uint64_t holders_ = 0;                    // consumers' mechanic bits set (0: settlement skips)
  std::vector<Mechanic::Use> use_;
  Mechanic::Use any_use_;                        // the union of use_
  std::vector<std::int32_t> command_mechanic_;
  std::vector<std::vector<std::int32_t>> item_taker_;
  std::uint64_t unowned_ = 0;                    // command kinds known to need no mechanic
  void open_mechanics();
  void prepare_mechanics(Time start, Time end);
  /// A command no mechanic or module of the run handles: an error when a mechanic keeps its kind.
  void unhandled(const Command& cmd);
  /// Shard's state of mechanic m (an empty one for mechanics keeping none).
  MechanicShard& mechanic_state(Shard& shard, std::size_t m);
  /// Whether mechanic m applies to a consumer with `flags` in this window for `all` (a Use field).
  bool applies(std::size_t m, std::uint8_t flags, bool all) const { return all || (flags & hold_bit_[m]) != 0; }
  // Promotions that bring traffic (VisitTraffic), and their product at time t.
  std::vector<const VisitTraffic*> traffic_promotions_;
  double traffic_at(Time t) const {
    double f = 1.0;
    for (const VisitTraffic* p : traffic_promotions_) f *= p->traffic(day_of(t));
    return f;
  }
  std::vector<std::vector<OfferId>> featured_;
  std::vector<std::size_t> featured_slots_;
  bool any_featured_ = false;
  /// Units of a line of offer o (seller s, for consumer c) its funder's cap still allows.
  Units capped_available(std::size_t s, OfferId o, ConsumerId c, Units available);
  std::vector<std::uint32_t> live_unlocks_;
  std::vector<OrderLineView> group_view_;
  std::vector<Money> holding_cost_, order_cost_;  // per seller, cents
  std::vector<Money> list_total_;                 // per seller: its offers' list prices summed, cents
  bool order_rules_ = false;                       // some promotion has an order-level rule

  // The window's prices, as the sellers' strategies set them (per offer).
  std::vector<Money> price_, discount_, scratch_;
  std::vector<std::int32_t> promotion_;  // funding promotion (within the seller) per offer, or -1
  std::vector<float> paid_;              // price - discount, currency units (for utilities)
  std::vector<float> deal_;              // 1 where a promotion tag shows
  std::vector<float> waiting_;           // per offer: what waiting for an announced discount is worth (currency)
  bool any_waiting_ = false;             // some offer's waiting_ is above 0 this window

  PlatformLog log_;
  EventQueue<MarketEvent> events_;
  std::vector<Command> commands_;  // issued while preparing the window, applied at its start
  std::uint64_t commands_held_out_ = 0;
  std::uint64_t visits_today_ = 0;
  std::uint64_t conversions_today_ = 0;
  // The day's visits and conversions by segment, and the two batches' copies (DayRecord).
  std::vector<std::uint64_t> segment_visits_today_, segment_conversions_today_;
  std::vector<std::uint64_t> day_segment_visits_[2], day_segment_conversions_[2];
  std::vector<SellerBooks> books_today_;
  std::uint64_t total_visits_ = 0;
  std::uint64_t total_candidates_ = 0;
  std::vector<OrderLine> merged_;
  std::vector<std::size_t> bucket_counts_;      // per shard x time slice (commit scratch)
  // Double-buffered signals: subscribers may still be reading the previous window's.
  std::vector<LineRecord> lines_[2];
  std::vector<OrderRecord> orders_[2];
  std::vector<SellerBooks> day_books_[2];
  std::vector<OrderLineView> order_view_;       // settlement scratch
  std::vector<std::size_t> view_records_;
  std::size_t window_ = 0;                      // the window being committed
  tbb::task_group observer_tasks_;              // delivers signals to subscribers, in order
  std::vector<std::size_t> group_offsets_;      // the window's lines grouped by shard
  std::vector<LineRecord> grouped_lines_;
  std::vector<Message> messages_;               // the window's messages, in delivery order
  // Sums of the records, for reconciliation with the ledgers (per seller, cents).
  std::vector<Money> recorded_discounts_, recorded_costs_;
  PhaseSeconds phases_;
};

}  // namespace marketsim
