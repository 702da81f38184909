#pragma once
// The inventory agent of a run: stock per offer (each seller holds its own stock of each product
// it offers), with deliveries in the pipeline. Units are conserved: for every offer,
// initial + received - sold = on hand, checked at the end of every run.
#include <cstdint>
#include <string>
#include <vector>

#include "market/offers.h"

namespace marketsim {

struct Inventory {
  std::vector<Units> on_hand, on_order, initial, received, sold;

  explicit Inventory(std::size_t offers)
      : on_hand(offers, 0), on_order(offers, 0), initial(offers, 0), received(offers, 0), sold(offers, 0) {}

  void receive(OfferId o, Units q) {
    on_hand[o] += q;
    on_order[o] -= q;
    received[o] += q;
  }
  /// Units of o that an order for `wanted` can have: all of them, or what is on hand.
  Units available(OfferId o, Units wanted) const {
    return wanted < on_hand[o] ? wanted : (on_hand[o] > 0 ? on_hand[o] : 0);
  }
  /// Sells `units` of o (at most available()).
  void sell(OfferId o, Units units) {
    on_hand[o] -= units;
    sold[o] += units;
  }
  /// The first offer whose units are not conserved, or -1.
  std::int64_t unconserved() const {
    for (std::size_t o = 0; o < on_hand.size(); ++o) {
      if (initial[o] + received[o] - sold[o] != on_hand[o] || on_hand[o] < 0) return static_cast<std::int64_t>(o);
    }
    return -1;
  }
};

}  // namespace marketsim
