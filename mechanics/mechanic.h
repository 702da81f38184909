#pragma once
// Promotion mechanics: state and rules that promotions share and the engine runs without knowing
// what they mean (a coupon wallet, points paid at checkout, member prices, wish lists). A
// promotion names the mechanics it needs (Strategy::mechanics()); a run builds each named one
// once, from the mechanic registry, in registry order (which is also the order of its hooks), and
// attaches it (attach()): it finds the promotions that implement its capability among the arm's
// and the behaviour modules offering what it needs (Behaviour::capability<T>()).
//
// What the engine stores without knowing it: one MechanicShard per shard (make_shard), and a bit
// per consumer saying the consumer holds some of the mechanic's state (MechanicHost::hold).
// What the engine asks, in generic terms, at fixed points of a window:
//   prepare     serial, after every seller's prices and per-item discounts: what the mechanic
//               does in this window (Use: shows offers, prices every visit, watches visits,
//               settles every order); the per-item discounts of promotions it claims() come to it
//               (take_item_discounts) instead of being public.
//   command     serial, each command of a kind it handles, in issue order; commands_done after.
//   show        a visit's slots after the featured ones (consumer's own offers).
//   price       the prices a visit's shown offers have for this consumer (its own offers).
//   observe     a batch of visits after utilities (what they looked at and liked).
//   line_discount  settlement, a line of an offer it prices: the discount and its funder.
//   settle      settlement, an order of one seller after its order-level rules: a "held" stage
//               (what the consumer holds: at most one applies per seller and order, subject to
//               the stacking rules' "coupons") or a "tender" stage (paid like cash, last).
//   end_day     serial, at each day's end (expiries); check at the run's end (invariants).
// Costs and counts go to the seller's books by name (cost_kind, book_counter), events by name.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "agents/behaviour.h"
#include "agents/budget.h"
#include "market/commands.h"
#include "market/shown_set.h"
#include "sim/params.h"
#include "sim/rng.h"

namespace marketsim {

struct SellerStrategies;
class PromotionStrategy;

/// One shard's part of a mechanic's state; touched by the shard's thread during visits and
/// serially otherwise.
class MechanicShard {
 public:
  virtual ~MechanicShard() = default;
};

/// What the engine lets one mechanic read and do.
class MechanicHost {
 public:
  virtual ~MechanicHost() = default;
  virtual const Catalog& catalog() const = 0;
  virtual const Offers& offers() const = 0;
  /// The arm's sellers (a mechanic looks for promotions implementing its capability).
  virtual std::span<SellerStrategies> sellers() = 0;
  /// The run's behaviour modules, and module m's view of shard `shard`.
  virtual std::size_t modules() const = 0;
  virtual Behaviour& module(std::size_t m) = 0;
  virtual ShardContext module_context(std::size_t shard, std::size_t m) = 0;
  /// The first module offering capability T and its index ({nullptr, 0}: none).
  template <typename T>
  std::pair<const T*, std::size_t> module_with() {
    for (std::size_t m = 0; m < modules(); ++m) {
      if (const T* t = module(m).capability<T>()) return {t, m};
    }
    return {nullptr, 0};
  }
  virtual std::size_t shard_of(ConsumerId c) const = 0;
  /// Whether consumer c is held out of seller s's promotion p; whether p acts in this window.
  virtual bool held_out(SellerId s, std::size_t p, ConsumerId c) const = 0;
  virtual bool live(SellerId s, std::size_t p) const = 0;
  virtual BudgetLedger& ledger(SellerId s) = 0;
  /// Seller s's books of the day being run.
  virtual SellerBooks& books(SellerId s) = 0;
  /// The window's prices and public per-item discounts, per offer (cents).
  virtual std::span<const Money> prices() const = 0;
  virtual std::span<const Money> discounts() const = 0;
  /// Records a per-consumer event in the platform log (if the log keeps them).
  virtual void log(const ConsumerEvent& e) = 0;
  /// Emits the mechanic's k-th event (Mechanic::event_names()).
  virtual void emit(std::size_t k, Time t, double value, SellerId s, ConsumerId c) = 0;
  /// Says whether consumer c holds state of this mechanic: a holder's visits and orders go through
  /// its price() and settle() hooks (others' only in windows whose Use says every one does).
  virtual void hold(ConsumerId c, bool holds) = 0;
};

/// A consumer's visit as price() sees it: the shown offers of the visit, the unit price of each
/// before the consumer's own offers (the window's, less the per-item discount it sees), and the
/// price it sees (currency units; the mechanic lowers it where its offer is better).
struct VisitPrices {
  ConsumerId consumer;
  Time time;
  std::span<const OfferId> offer;
  std::span<const Money> unit;
  std::span<float> price;
};

/// A batch of visits after utilities (observe()): visit v's slots are [first_slot[v],
/// first_slot[v + 1]) of offer and utility.
struct VisitsView {
  std::size_t visits;
  std::span<const ConsumerId> consumer;
  std::span<const Time> time;
  std::span<const std::uint32_t> visit;
  std::span<const std::uint64_t> key;
  std::span<const std::uint32_t> first_slot;
  std::span<const OfferId> offer;
  std::span<const float> utility;
};

/// One seller's part of an order at settlement, after its order-level rules: the lines, what is
/// left of them, and how a mechanic takes money off them.
class OrderSettlement {
 public:
  virtual Time time() const = 0;
  virtual ConsumerId consumer() const = 0;
  virtual SellerId seller() const = 0;
  /// The seller's lines of the order (indices of records).
  virtual std::span<const std::size_t> lines() const = 0;
  /// The lines promotion p may discount (exclusive groups: not those a mate discounted per item).
  virtual std::span<const std::size_t> lines_for(std::size_t p) = 0;
  virtual const LineRecord& record(std::size_t r) const = 0;
  /// What is left to pay of the given lines (cents).
  virtual Money remaining(std::span<const std::size_t> lines) const = 0;
  /// Whether promotion p may not take more off: an order-level rule of its exclusive group did.
  virtual bool blocked(std::size_t p) const = 0;
  /// Charges `amount` to promotion p's budget (false, nothing charged, when it is stopped or
  /// cannot pay it).
  virtual bool charge(std::size_t p, Money amount) = 0;
  /// Takes `discount` off the lines, shared in proportion to what is left of each (the remainder
  /// on the last), booked as an order discount.
  virtual void take(Money discount, std::span<const std::size_t> lines) = 0;

 protected:
  ~OrderSettlement() = default;
};

class Mechanic {
 public:
  virtual ~Mechanic() = default;
  /// Its registered name (salts its streams).
  const std::string& name() const { return name_; }
  void set_name(std::string name) {
    name_ = std::move(name);
    salt_ = name_hash(name_);
  }
  /// Its stream for visit `visit` of the consumer whose visit key is `consumer_key`
  /// (VisitsView::key).
  CounterRng visit_stream(std::uint64_t consumer_key, std::uint32_t visit) const {
    return plugin_stream(consumer_key, visit, salt_);
  }

  /// Finds its promotions and modules; `host` outlives the run.
  virtual void attach(MechanicHost& host) { host_ = &host; }
  /// Its state for consumers [begin, end) (nullptr: none).
  virtual std::unique_ptr<MechanicShard> make_shard(ConsumerId begin, ConsumerId end) {
    (void)begin;
    (void)end;
    return nullptr;
  }
  /// The events it emits, by full name ("coupon.issued").
  virtual std::vector<std::string> event_names() const { return {}; }
  /// The command kinds it handles.
  virtual std::vector<CommandKind> commands_handled() const { return {}; }

  /// Whether the per-item discounts of promotion p of seller s are its to give (not public).
  virtual bool claims(SellerId s, std::size_t p, const PromotionStrategy& promotion) const {
    (void)s;
    (void)p;
    (void)promotion;
    return false;
  }
  /// Per-item discounts of a claimed promotion for the window: on the seller's offers from
  /// `first` (prices as the seller set them).
  virtual void take_item_discounts(SellerId s, std::size_t p, OfferId first,
                                   std::span<const Money> price, std::span<const Money> discount) {
    (void)s, (void)p, (void)first, (void)price, (void)discount;
  }

  /// Opens the window [start, end), before the sellers' prices and discounts.
  virtual void open_window(Time start, Time end) {
    (void)start;
    (void)end;
  }
  /// What it does in a window, said by prepare().
  struct Use {
    bool show = false;         // show(): adds offers to visits
    bool price_all = false;    // price(): every visit, not only holders'
    bool line_prices = false;  // line_discount(): settlement asks for every line
    bool observe = false;      // observe(): sees every batch of visits
    bool settle_all = false;   // settle(): every order, not only holders'
    Use& operator|=(const Use& o) {
      show |= o.show, price_all |= o.price_all, line_prices |= o.line_prices;
      observe |= o.observe, settle_all |= o.settle_all;
      return *this;
    }
  };
  /// Prepares the window [start, end), after the sellers' prices and discounts are set.
  virtual Use prepare(Time start, Time end) {
    (void)start;
    (void)end;
    return {};
  }
  /// Applies one command of a kind it handles (serial, issue order; its cost already charged).
  virtual void command(MechanicShard& shard, const Command& cmd) {
    (void)shard;
    (void)cmd;
  }
  /// After the window's commands.
  virtual void commands_done() {}

  virtual void show(MechanicShard& shard, ConsumerId c, Time t, ShownSet& shown) {
    (void)shard, (void)c, (void)t, (void)shown;
  }
  virtual void price(MechanicShard& shard, const VisitPrices& visit) {
    (void)shard;
    (void)visit;
  }
  virtual void observe(MechanicShard& shard, const VisitsView& visits) {
    (void)shard;
    (void)visits;
  }
  /// A line of offer o (seller s) for consumer c with the funder and unit discount settlement
  /// has so far: sets its own where it gives this consumer more; whether it did.
  virtual bool line_discount(MechanicShard& shard, SellerId s, OfferId o, ConsumerId c,
                             std::int32_t& promotion, Money& unit_discount) {
    (void)shard, (void)s, (void)o, (void)c, (void)promotion, (void)unit_discount;
    return false;
  }

  enum class Stage : std::uint8_t { kHeld, kTender };
  virtual Stage stage() const { return Stage::kTender; }
  /// Held stage, "exclusive" stacking: what the best of the consumer's held items would take off
  /// this order now (compared with the order-level rules' total before anything is charged).
  virtual Money held_value(MechanicShard& shard, OrderSettlement& order) {
    (void)shard;
    (void)order;
    return 0;
  }
  /// Takes its part off one seller's part of an order.
  virtual void settle(MechanicShard& shard, OrderSettlement& order) {
    (void)shard;
    (void)order;
  }

  /// At a day's end (`now`: the day's end).
  virtual void end_day(Time now) { (void)now; }
  /// At the run's end: throws InvariantViolation when its books do not balance.
  virtual void check() const {}

 protected:
  MechanicHost& host() const { return *host_; }

 private:
  std::string name_;
  std::uint64_t salt_ = 0;
  MechanicHost* host_ = nullptr;
};

/// The mechanic registry: name -> factory (no parameters: promotions carry those).
struct MechanicInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Mechanic>()> make;
  /// The command kinds it keeps (a run given one without the mechanic says which to name).
  std::vector<std::string> commands = {};
};
/// The registered mechanics, built-in ones first (mechanics/registry.cpp: one line each).
std::vector<MechanicInfo>& mechanic_registry();
/// Adds a mechanic (replacing one of the same name; a new one goes last): the registry's order is
/// the order of the hooks. Not while runs are being built.
void register_mechanic(MechanicInfo info);
/// The registered mechanic called `name`, or nullptr.
const MechanicInfo* find_mechanic(const std::string& name);

}  // namespace marketsim
