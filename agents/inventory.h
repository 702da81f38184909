#pragma once
// The inventory agent of a run (MODEL.md "Inventory"): per stock point (each seller holds its own
// stock of each product it offers in each of its warehouses: a "slot"; with one warehouse per
// seller the slots are the offers) the units on hand, the replenishment orders and transfers in
// transit (a list with arrival times, so orders may cross) and the consumers' lines waiting for
// stock (back-orders). The engine drives it (engine/settlement.cpp, engine/replenishment.cpp) and
// so does the module harness of the inventory tests (tests/inventory_harness.h): both use these
// rules.
//
// Units are conserved: for every slot, initial + received - shipped - transferred out = on hand
// >= 0, and ordered + transferred in = received + in transit; checked at the end of every run
// (unconserved()).
//
// Back-orders: a line that finds too little stock under unmet demand "backorder" waits for the
// rest in its offer's queue; arrivals fill the queue first-come first-served (lines join it in
// settlement order: time, consumer, visit, line) before the stock is free to sell, and a waiting
// line may be cancelled. What a waiting line carries besides its units (its price, its discount,
// its budget charge) is the caller's: `ref` indexes it.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "market/offers.h"
#include "sim/time.h"

namespace marketsim {

/// A replenishment order or a transfer in transit.
struct Shipment {
  Time arrival;
  std::uint64_t sequence;  // order of placement: equal arrival times arrive in this order
  std::size_t slot;        // where it arrives
  Units units;
  bool transfer = false;   // sent from another warehouse (not ordered from the supplier)
};

/// A consumer's line waiting for stock.
struct WaitingLine {
  Time time;                // when the consumer ordered
  std::uint32_t consumer;
  std::uint32_t ref;        // the caller's record of the line (price, discount, ...)
  Units units;              // units still owed
};

class Inventory {
 public:
  explicit Inventory(std::size_t slots)
      : on_hand(slots, 0),
        on_order(slots, 0),
        backordered(slots, 0),
        initial(slots, 0),
        received(slots, 0),
        sold(slots, 0),
        ordered(slots, 0),
        transferred_in(slots, 0),
        transferred_out(slots, 0),
        waiting_(slots) {}

  // Per slot. sold counts units shipped to consumers (at once, or to a waiting line on arrival);
  // on_order counts orders and transfers on their way in.
  std::vector<Units> on_hand, on_order, backordered, initial, received, sold, ordered, transferred_in, transferred_out;

  /// On hand + on order - back-orders: what a policy compares with its levels.
  Units position(std::size_t o) const { return on_hand[o] + on_order[o] - backordered[o]; }

  /// Places a replenishment order of q > 0 units of o arriving at `arrival`.
  void place(std::size_t o, Units q, Time arrival) {
    on_order[o] += q;
    ordered[o] += q;
    transit_.push(Shipment{arrival, next_sequence_++, o, q});
  }
  /// Sends q units on hand at `from` (at most what is on hand) to `to`, arriving at `arrival`.
  void transfer(std::size_t from, std::size_t to, Units q, Time arrival) {
    on_hand[from] -= q;
    transferred_out[from] += q;
    on_order[to] += q;
    transferred_in[to] += q;
    transit_.push(Shipment{arrival, next_sequence_++, to, q, true});
  }
  /// The earliest arrival in transit (+infinity when none).
  Time next_arrival() const {
    return transit_.empty() ? std::numeric_limits<Time>::infinity() : transit_.top().arrival;
  }
  bool in_transit() const { return !transit_.empty(); }
  /// Removes and returns the earliest shipment, putting its units on hand (before back-orders are
  /// filled: call fill() next). The transit list must not be empty.
  Shipment receive_next() {
    const Shipment s = transit_.top();
    transit_.pop();
    on_hand[s.slot] += s.units;
    on_order[s.slot] -= s.units;
    received[s.slot] += s.units;
    return s;
  }
  /// Ships what is on hand to o's waiting lines, oldest first; calls shipped(line, units) for each
  /// line served (units > 0; the line leaves the queue once it is owed nothing).
  template <typename Shipped>
  void fill(std::size_t o, Shipped&& shipped) {
    std::deque<WaitingLine>& q = waiting_[o];
    while (!q.empty() && on_hand[o] > 0) {
      WaitingLine& w = q.front();
      const Units n = w.units < on_hand[o] ? w.units : on_hand[o];
      on_hand[o] -= n;
      sold[o] += n;
      backordered[o] -= n;
      w.units -= n;
      shipped(static_cast<const WaitingLine&>(w), n);
      if (w.units == 0) q.pop_front();
    }
  }

  /// Units of o that an order for `wanted` can have now: all of them, or what is on hand once the
  /// waiting lines are served (they come first).
  Units available(std::size_t o, Units wanted) const {
    const Units free = backordered[o] > 0 ? 0 : on_hand[o];
    return wanted < free ? wanted : (free > 0 ? free : 0);
  }
  /// Sells `units` of o (at most available()).
  void sell(std::size_t o, Units units) {
    on_hand[o] -= units;
    sold[o] += units;
  }
  /// Puts a consumer's line in o's queue for `units` units.
  void backorder(std::size_t o, const WaitingLine& line) {
    backordered[o] += line.units;
    waiting_[o].push_back(line);
  }
  /// The lines waiting for o, oldest first.
  const std::deque<WaitingLine>& waiting(std::size_t o) const { return waiting_[o]; }
  /// Cancels the waiting lines of o for which cancel(line) is true (in queue order); returns the
  /// units cancelled. cancel may record the line before it leaves.
  template <typename Cancel>
  Units cancel_if(std::size_t o, Cancel&& cancel) {
    std::deque<WaitingLine>& q = waiting_[o];
    Units gone = 0;
    const auto kept = std::remove_if(q.begin(), q.end(), [&](const WaitingLine& w) {
      if (!cancel(w)) return false;
      gone += w.units;
      return true;
    });
    q.erase(kept, q.end());
    backordered[o] -= gone;
    return gone;
  }

  /// The first slot whose units are not conserved, or -1.
  std::int64_t unconserved() const {
    std::vector<Units> transit(on_hand.size(), 0);
    auto copy = transit_;
    while (!copy.empty()) {
      transit[copy.top().slot] += copy.top().units;
      copy.pop();
    }
    for (std::size_t o = 0; o < on_hand.size(); ++o) {
      Units waiting = 0;
      for (const WaitingLine& w : waiting_[o]) waiting += w.units;
      if (initial[o] + received[o] - sold[o] - transferred_out[o] != on_hand[o] || on_hand[o] < 0 ||
          ordered[o] + transferred_in[o] != received[o] + transit[o] ||
          on_order[o] != transit[o] || waiting != backordered[o] || backordered[o] < 0) {
        return static_cast<std::int64_t>(o);
      }
    }
    return -1;
  }

 private:
  struct Later {
    bool operator()(const Shipment& a, const Shipment& b) const {
      if (a.arrival != b.arrival) return a.arrival > b.arrival;
      return a.sequence > b.sequence;
    }
  };
  std::priority_queue<Shipment, std::vector<Shipment>, Later> transit_;
  std::uint64_t next_sequence_ = 0;
  std::vector<std::deque<WaitingLine>> waiting_;
};

}  // namespace marketsim
