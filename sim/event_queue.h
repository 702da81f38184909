#pragma once
// The kernel's event list: events are totally ordered by (time, priority, sequence number), so
// events at the same time run by priority and, at equal priority, in the order they were
// scheduled; ties therefore replay identically on every machine and thread count.
//
// Only market-level events (day starts, deliveries, campaign phases) live here. Consumer visits
// are far more numerous and are scheduled through VisitCalendar's window buckets instead.
#include <cstdint>
#include <queue>
#include <vector>

#include "sim/time.h"

namespace marketsim {

/// Priorities of events that share a time; lower runs first.
enum class EventPriority : int {
  kDelivery = 0,    // stock arriving at the start of a day
  kDayStart = 10,   // replenishment decisions, strategy preparation
  kDefault = 100,
};

template <typename Payload>
class EventQueue {
 public:
  struct Event {
    Time time;
    int priority;
    std::uint64_t sequence;
    Payload payload;
  };

  /// Schedules `payload` at `time`; returns its sequence number.
  std::uint64_t schedule(Time time, EventPriority priority, Payload payload) {
    return schedule(time, static_cast<int>(priority), std::move(payload));
  }
  std::uint64_t schedule(Time time, int priority, Payload payload) {
    const std::uint64_t seq = next_sequence_++;
    heap_.push(Event{time, priority, seq, std::move(payload)});
    return seq;
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  /// The earliest event; the queue must not be empty.
  const Event& top() const { return heap_.top(); }
  /// Removes and returns the earliest event; the queue must not be empty.
  Event pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.time != b.time) return a.time > b.time;
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.sequence > b.sequence;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace marketsim
