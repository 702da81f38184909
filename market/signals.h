#pragma once
// Named events: what a run publishes besides its records and books — a price changed, a budget
// ran out, a coupon was redeemed, a model was retrained. A source (the engine, a strategy, a
// behaviour module) declares each of its events by name once, at set-up, and emits occurrences by
// the index it got; the engine delivers a window's occurrences with its records (WindowRecords::
// events), in a deterministic order, to every subscriber: collectors count them per day by name
// (RunResult::events, events.csv), strategies may read them. A new source needs no edit where it
// is consumed (ns-3's trace sources: declared once by name, any number of sinks).
//
// Gauges (a figure of a source's state at each day's end) are the other kind of signal: behaviour
// modules and strategies declare them by name too (Behaviour::gauges, Strategy::gauges) and they
// reach subscribers in DayRecord::gauges (gauges.csv, gauge metrics).
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "market/population.h"
#include "sim/time.h"

namespace marketsim {

inline constexpr std::uint32_t kNoSeller = UINT32_MAX;
inline constexpr ConsumerId kNoConsumer = std::numeric_limits<ConsumerId>::max();

/// One occurrence of a named event.
struct EventRecord {
  Time time;
  std::uint32_t event;   // index into the run's event names (EventBoard::names)
  std::uint32_t seller;  // the seller it concerns, or kNoSeller
  ConsumerId consumer;   // the consumer it concerns, or kNoConsumer
  double value;          // what it carries (a price, an amount: currency units), NaN for nothing
};

/// A run's event names and the occurrences of the window being run. Declaring is for set-up;
/// emitting is for the serial phases (preparing a window, settlement, observing); behaviour hooks,
/// which run in parallel, emit through their ShardContext instead.
class EventBoard {
 public:
  /// The index of event `name`, declared on first use (the same name: the same index).
  std::uint32_t declare(std::string_view name) {
    for (std::size_t k = 0; k < names_.size(); ++k) {
      if (names_[k] == name) return static_cast<std::uint32_t>(k);
    }
    names_.emplace_back(name);
    return static_cast<std::uint32_t>(names_.size() - 1);
  }
  const std::vector<std::string>& names() const { return names_; }

  /// An occurrence of event `event` at time t.
  void emit(std::uint32_t event, Time t, double value = std::numeric_limits<double>::quiet_NaN(),
            std::uint32_t seller = kNoSeller, ConsumerId consumer = kNoConsumer) {
    pending_.push_back(EventRecord{t, event, seller, consumer, value});
  }
  /// The occurrences emitted since the engine last took them.
  std::vector<EventRecord>& pending() { return pending_; }

 private:
  std::vector<std::string> names_;
  std::vector<EventRecord> pending_;
};

/// Where a strategy emits its declared events (Strategy::events): the engine's board, the board's
/// index of each of them, and the seller it belongs to. Unattached (outside a run, in unit tests),
/// emitting does nothing.
class EventPort {
 public:
  EventPort() = default;
  EventPort(EventBoard* board, std::vector<std::uint32_t> indices, std::uint32_t seller)
      : board_(board), indices_(std::move(indices)), seller_(seller) {}
  /// Event k of the strategy's events() at time t.
  void emit(std::size_t k, Time t, double value = std::numeric_limits<double>::quiet_NaN(),
            ConsumerId consumer = kNoConsumer) const {
    if (board_ != nullptr && k < indices_.size()) board_->emit(indices_[k], t, value, seller_, consumer);
  }

 private:
  EventBoard* board_ = nullptr;
  std::vector<std::uint32_t> indices_;
  std::uint32_t seller_ = kNoSeller;
};

}  // namespace marketsim
