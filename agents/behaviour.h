#pragma once
// Behaviour modules: how consumers behave, one module per mechanism of MODEL.md (quality learning,
// reference prices, and whatever comes next: stockpiling, churn, word of mouth, ...). A module is
// a registered family like the strategies ({name, description, declared parameters, factory}),
// chosen and configured per scenario under /market/behaviours, instantiated once per run.
//
// A module keeps its per-consumer state in columns it declares (sim/columns.h) and works in
// hooks called on batches, stage by stage, never once per consumer per visit:
//   intensity   candidate visits of a batch: multiply each one's visit intensity (thinning);
//   utility     visits of a batch with their shown offers: add the module's term to utilities;
//   basket      visits of a batch: how many items each basket may take; lines: their quantities;
//   settled     a shard's lines of the window just settled, in commit order (learning);
//   daily       a shard at the end of each day (decay, consumption, churn hazard);
//   messages    a shard's consumer-to-consumer messages of the window, in delivery order;
//   commands    a shard's commands of the window of the kinds it handles, in issue order.
// Hooks of different shards run concurrently: a hook writes only its shard's columns, the batch
// it is given and its shard's outbox, and draws randomness only from its own streams
// (ShardContext::stream), so the result does not depend on the number of threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "market/catalog.h"
#include "market/commands.h"
#include "market/market_spec.h"
#include "market/offers.h"
#include "market/population.h"
#include "market/records.h"
#include "market/signals.h"
#include "sim/columns.h"
#include "sim/registry.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace marketsim {

class ReplicationResources;

/// The hooks a module implements, as bits of Behaviour::stages().
enum Stage : unsigned {
  kStageIntensity = 1u << 0,
  kStageUtility = 1u << 1,
  kStageBasket = 1u << 2,
  kStageSettled = 1u << 3,
  kStageDaily = 1u << 4,
  kStageMessages = 1u << 5,
  kStageCommands = 1u << 6,
};

/// A message from one consumer to another (word of mouth, referrals). Sent during a window's
/// hooks, delivered at the window's end to the recipient's shard, ordered by (time, sender,
/// sequence) whatever the thread count, to the receiving module's messages() hook (modules in
/// scenario order). A module's messages to itself have kinds, values and data of its own
/// definition; a message to another module (ShardContext::send_to) has one of the kinds below.
struct Message {
  Time time;
  ConsumerId sender;
  ConsumerId recipient;
  std::uint32_t sequence;  // order of sending within the sender's shard
  std::uint16_t module;    // the receiving module (the sending one, unless sent with send_to)
  std::uint16_t kind;
  float value;
  std::uint32_t data;
};

/// The kinds of the messages one module sends to another, which both must agree on (from 0x8000
/// up; below are a module's own kinds to itself).
enum MessageKind : std::uint16_t {
  /// Word of mouth about quality: the sender experienced product `data` (a ProductId) as quality
  /// `value` (utility units, the scale of the catalogue's true quality). Sent by word_of_mouth
  /// to quality_learning, which treats it as a second-hand observation of the product's quality.
  kMessageHeardQuality = 0x8001,
  /// A consumption experience's surprise: the consumer bought product `data` and experienced it
  /// `value` = x - mu above its belief's mean before the experience (utility units). Sent by
  /// quality_learning to engagement for each line sold.
  kMessageQualitySurprise = 0x8002,
  /// A price paid against the reference: `value` = ln(paid / reference price) of a line of
  /// product `data`. Sent by reference_price to engagement for each line sold.
  kMessagePricePaid = 0x8003,
};

/// The run's modules by name, given to every module once they are all instantiated
/// (Behaviour::connect): a module that sends messages to another looks its index up here.
class ModuleDirectory {
 public:
  explicit ModuleDirectory(std::vector<std::string> names) : names_(std::move(names)) {}
  /// The index of the run's module named `name`, or nothing when the run has no such module.
  std::optional<std::uint16_t> find(std::string_view name) const {
    for (std::size_t m = 0; m < names_.size(); ++m) {
      if (names_[m] == name) return static_cast<std::uint16_t>(m);
    }
    return std::nullopt;
  }

 private:
  std::vector<std::string> names_;  // in scenario (hook) order
};

/// What the engine does for hooks on a shard's visit calendar (implemented by the engine).
class CalendarControl {
 public:
  /// Consumer c leaves the visit calendar (churned): no visit until it re-enters.
  virtual void leave(ConsumerId c) = 0;
  /// Consumer c re-enters: its next candidate visit is drawn from time t on (or from the start of
  /// the next window not yet simulated, whichever is later).
  virtual void enter(ConsumerId c, Time t) = 0;
  /// Consumer c's intensity bound (Behaviour::consumer_bound) may have risen at time t: when the
  /// bound from t on (or the start of the next window not yet simulated) exceeds the one its
  /// pending candidate visit was drawn at, that candidate is drawn again at the new bound (else
  /// it stands: its bound still holds). Memoryless: the law of the visits does not change. No-op
  /// when churned.
  virtual void redraw(ConsumerId c, Time t) = 0;
  virtual bool active(ConsumerId c) const = 0;
  /// Asks the cache for the engine's rows of consumer c that redraw reads (a hook redrawing
  /// consumers at random calls it a few consumers ahead, so the misses overlap). No effect on
  /// results.
  virtual void prefetch(ConsumerId /*c*/) const {}

 protected:
  ~CalendarControl() = default;
};

/// What a hook sees of one shard: its consumers [begin, end), its columns, its outbox, its
/// calendar, and the calling module's random streams.
class ShardContext {
 public:
  ShardContext(std::size_t index, ConsumerId begin, ConsumerId end, const ColumnStore& columns,
               std::vector<Message>& outbox, CalendarControl& calendar, StreamFamily streams,
               std::uint16_t module)
      : index_(index),
        begin_(begin),
        end_(end),
        columns_(&columns),
        outbox_(&outbox),
        calendar_(&calendar),
        streams_(streams),
        module_(module) {}

  std::size_t index() const { return index_; }
  ConsumerId begin() const { return begin_; }
  ConsumerId end() const { return end_; }
  bool owns(ConsumerId c) const { return c >= begin_ && c < end_; }

  /// The shard's part of a column: element k of consumer c is at [(c - begin()) * width + k].
  template <typename T>
  T* column(Column<T> column) const {
    return columns_->data(index_, column);
  }
  /// Consumer c's elements of a column (c must belong to the shard).
  template <typename T>
  T* row(Column<T> column, ConsumerId c) const {
    return columns_->data(index_, column) + static_cast<std::size_t>(c - begin_) * column.width;
  }

  /// A stream of the calling module for consumer c, starting at `counter`: (seed, replication,
  /// module, consumer) keyed, so every module draws its own numbers.
  CounterRng stream(ConsumerId c, std::uint64_t counter) const { return CounterRng(streams_.key(c), counter); }

  /// Sends a message from `sender` (a consumer of this shard) to `recipient` (any consumer), for
  /// the calling module.
  void send(Time time, ConsumerId sender, ConsumerId recipient, std::uint16_t kind, float value,
            std::uint32_t data = 0) const {
    send_to(module_, time, sender, recipient, kind, value, data);
  }
  /// The same, for the run's module `module` (its index from ModuleDirectory::find); `kind` is
  /// one of MessageKind. A module without a messages() hook drops what it receives.
  void send_to(std::uint16_t module, Time time, ConsumerId sender, ConsumerId recipient, std::uint16_t kind,
               float value, std::uint32_t data = 0) const {
    outbox_->push_back(Message{time, sender, recipient, static_cast<std::uint32_t>(outbox_->size()),
                               module, kind, value, data});
  }

  CalendarControl& calendar() const { return *calendar_; }

  /// Emits event k of the calling module's event_names() (market/signals.h) at time t, about
  /// consumer c of this shard (or kNoConsumer). The run delivers a window's events from every
  /// shard in shard order, each shard's in the order emitted. Outside a run: nothing.
  void emit(std::size_t k, Time t, double value, ConsumerId c = kNoConsumer) const {
    if (events_ != nullptr && k < event_count_) {
      events_->push_back(EventRecord{t, event_indices_[k], kNoSeller, c, value});
    }
  }
  /// Set by the engine: the shard's event buffer and the board's index of each of the module's
  /// events.
  void attach_events(std::vector<EventRecord>* out, const std::uint32_t* indices, std::size_t count) {
    events_ = out;
    event_indices_ = indices;
    event_count_ = count;
  }

 private:
  std::size_t index_;
  ConsumerId begin_;
  ConsumerId end_;
  const ColumnStore* columns_;
  std::vector<Message>* outbox_;
  CalendarControl* calendar_;
  StreamFamily streams_;
  std::uint16_t module_;
  std::vector<EventRecord>* events_ = nullptr;
  const std::uint32_t* event_indices_ = nullptr;
  std::size_t event_count_ = 0;
};

/// A utility module hides a shown offer from the choice (the consumer did not click it) by setting
/// its utility to kUnclicked: its logit weight (exp clamped at -87) is too small for the draw ever
/// to reach it. The platform log counts the shown offers left above kUnclicked / 2 as clicked.
inline constexpr float kUnclicked = -1e30f;

/// Candidate visits (intensity stage): multiply multiplier[i] by the module's intensity
/// multiplier for consumer[i] at time[i]. The engine accepts the candidate with probability
/// (product of the multipliers) / (product of the modules' bounds for the window).
struct IntensityBatch {
  const ShardContext& shard;
  std::span<const ConsumerId> consumer;
  std::span<const Time> time;
  std::span<double> multiplier;
};

/// Visits with their shown offers (utility and basket stages). Visit v's slots are
/// [first_slot[v], first_slot[v + 1]); price[s] is what the consumer would pay for one unit of
/// offer[s] (seller's price after per-item promotions and the consumer's own offers, currency
/// units); utility[s] starts at a + theta.phi - beta * price + gamma * deal and modules add their
/// terms.
struct VisitBatch {
  const ShardContext& shard;
  std::span<const ConsumerId> consumer;
  std::span<const Time> time;
  std::span<const std::uint32_t> visit;
  std::span<const std::uint32_t> first_slot;
  std::span<const OfferId> offer;
  std::span<const float> price;
  std::span<float> utility;
  /// Basket stage only: how many items each visit's basket may take (engine default 1). A basket
  /// repeats the logit choice without the items already taken until the outside option wins or
  /// the basket is full.
  std::span<std::uint8_t> max_lines;
  /// Visit v's first placed[v] slots are the offers the seller placed (recommendations and
  /// featured offers); the rest of its slots came from organic browsing.
  std::span<const std::uint8_t> placed = {};
};

/// Chosen lines before settlement (basket stage): set each line's quantity (engine default 1;
/// modules run in scenario order, each seeing the quantities the earlier ones set). price[l] is
/// what the consumer pays for one unit (currency units). (consumer, visit, line) identifies a
/// line for the whole run, the same in every arm: a module keys a line's draws on it.
struct LineBatch {
  const ShardContext& shard;
  std::span<const ConsumerId> consumer;
  std::span<const Time> time;
  std::span<const OfferId> offer;
  std::span<const float> price;
  std::span<std::uint16_t> quantity;
  /// The consumer's visit index of each line (LineRecord::visit: keys the visit's streams).
  std::span<const std::uint32_t> visit = {};
  /// Each line's position in its order (0: the basket's first choice).
  std::span<const std::uint8_t> line = {};
};

/// A shard's lines of the settled window, in commit order (sold and lost lines).
struct SettledBatch {
  const ShardContext& shard;
  std::span<const LineRecord> lines;
};

/// A shard at the end of a day.
struct DayBatch {
  const ShardContext& shard;
  Day day;
};

/// The messages for the module's consumers of a shard, in delivery order.
struct MessageBatch {
  const ShardContext& shard;
  std::span<const Message> messages;
};

/// The commands for a shard's consumers of the kinds the module handles, in issue order.
struct CommandBatch {
  const ShardContext& shard;
  std::span<const Command> commands;
};

class Behaviour {
 public:
  virtual ~Behaviour() = default;
  /// The registered name it was built under (keys its random streams).
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// The hooks it implements (Stage bits); the engine calls no other.
  virtual unsigned stages() const = 0;
  /// The command kinds its commands() hook wants (bits command_bit(kind), market/commands.h).
  virtual std::uint64_t commands_handled() const { return 0; }
  /// Called once per run, before declare(), with the run's modules: a module that sends messages
  /// to another (ShardContext::send_to) resolves its index here; an absent module is not an error
  /// (the sender then sends nothing to it).
  virtual void connect(const ModuleDirectory& modules) { (void)modules; }
  /// Declares its per-consumer columns; called once per run, before the first window.
  virtual void declare(ColumnLayout& layout) { (void)layout; }
  /// Bytes per consumer a run of the module holds outside its columns (a social graph), for the
  /// memory estimate before a run.
  virtual double bytes_per_consumer_outside_columns() const { return 0.0; }
  /// An upper bound, valid for every consumer in every arm, of its intensity multiplier over
  /// [start, end). Must depend only on parameters and time (not on state), so that every arm
  /// draws the same candidate visits.
  virtual double intensity_bound(Time start, Time end) const {
    (void)start;
    (void)end;
    return 1.0;
  }
  /// The number of equal parts of a day over which its intensity_bound is tight (a calendar with
  /// an hour-of-day profile: 24); 0 when once per window is enough. The engine asks for bounds
  /// over parts of a window this fine (the least common multiple of the modules' and the windows'
  /// parts per day), so that a multiplier that is piecewise constant on them is thinned by its
  /// own value and draws no candidate visits it then rejects.
  virtual std::size_t bound_parts_per_day() const { return 0; }
  /// Whether it also bounds its multiplier per consumer (consumer_bound).
  virtual bool has_consumer_bound() const { return false; }
  /// A factor of consumer c's bound from time t on, given its state at t: the engine draws c's
  /// candidate visits after t at rate visit_rate * (product of the intensity_bound of the parts)
  /// * (product of the consumer_bound factors, taken when the previous candidate was drawn), so
  /// intensity_bound(...) * consumer_bound(c, t) must bound c's multiplier at every time after t
  /// until the module calls CalendarControl::redraw(c, ...) (e.g. a notification that raises it).
  /// State-dependent: arms draw the same candidates only for consumers whose factor is the same.
  virtual double consumer_bound(const ShardContext& shard, ConsumerId c, Time t) const {
    (void)shard;
    (void)c;
    (void)t;
    return 1.0;
  }
  /// A capability the module offers besides its hooks (ns-3's GetObject<T>): the module as a T
  /// when it implements that interface, else null. A new capability is an interface of its own
  /// (a header beside the module offering it); this class never changes for it.
  template <typename T>
  const T* capability() const {
    return dynamic_cast<const T*>(this);
  }
  virtual void intensity(IntensityBatch& batch) const { (void)batch; }
  virtual void utility(VisitBatch& batch) const { (void)batch; }
  virtual void basket(VisitBatch& batch) const { (void)batch; }
  virtual void quantities(LineBatch& batch) const { (void)batch; }
  virtual void settled(const SettledBatch& batch) const { (void)batch; }
  virtual void daily(const DayBatch& batch) const { (void)batch; }
  virtual void messages(const MessageBatch& batch) const { (void)batch; }
  virtual void commands(const CommandBatch& batch) const { (void)batch; }

  /// Named events it emits from its hooks (ShardContext::emit(k, ...) for event k), e.g.
  /// {"churned"}; the run names them "MODULE.EVENT" (market/signals.h).
  virtual std::vector<std::string> event_names() const { return {}; }

  /// Gauges: figures of the module's state it reports at every day's end (after the daily hooks),
  /// each a sum over consumers, e.g. {"churned", "engagement_sum"}. The run names them
  /// "MODULE.GAUGE" in DayRecord::gauges; metrics read them by name (a mean is two gauges).
  virtual std::vector<std::string> gauges() const { return {}; }
  /// Adds the shard's part of each gauge, in gauges() order, to `sums` (called once per shard per
  /// day; the engine adds the shards' parts in shard order, so the sums do not depend on threads).
  virtual void gauge(const DayBatch& batch, std::span<double> sums) const {
    (void)batch;
    (void)sums;
  }

 private:
  std::string name_;
};

/// What a behaviour factory may use: the market's description, catalog and offers.
struct BehaviourContext {
  const MarketSpec& spec;
  const Catalog& catalog;
  const Offers& offers;
  /// The replication's shared objects (agents/shared_resources.h), drawn once for all arms; null
  /// where there are none (a module then draws its own).
  ReplicationResources* shared = nullptr;
};

using BehaviourInfo = ComponentInfo<Behaviour, BehaviourContext>;
using BehaviourRegistry = Registry<Behaviour, BehaviourContext>;

BehaviourRegistry& behaviour_registry();

/// Registers every built-in behaviour module; idempotent.
void register_builtin_behaviours();

/// Instantiates the scenario's modules, in order.
std::vector<std::unique_ptr<Behaviour>> instantiate_behaviours(const std::vector<ComponentSpec>& specs,
                                                               const BehaviourContext& ctx);

}  // namespace marketsim
