#pragma once
// The offers shown in one visit: each seller's recommendation slots first, then organic browsing.
#include <array>
#include <cstdint>

#include "market/offers.h"
#include "sim/rng.h"

namespace marketsim {

class ShownSet {
 public:
  /// Most offers one visit shows (recommendation, featured and browse slots together). 255: the
  /// largest that keeps a slot index, and kBrowsedSlot beyond it, in a byte (market/records.h);
  /// wholesale baskets of a hundred lines need a visit to show a few hundred offers.
  static constexpr std::size_t kCapacity = 255;

  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  bool full() const { return size_ == kCapacity; }
  OfferId operator[](std::size_t k) const { return items_[k]; }
  const OfferId* begin() const { return items_.data(); }
  const OfferId* end() const { return items_.data() + size_; }

  bool contains(OfferId o) const {
    for (std::size_t k = 0; k < size_; ++k) {
      if (items_[k] == o) return true;
    }
    return false;
  }
  /// Appends o; the caller keeps the set within kCapacity (validated from the scenario).
  void push(OfferId o) { items_[size_++] = o; }

  /// Appends `count` distinct offers drawn uniformly from [first, first + n) among those not shown
  /// yet (rejection sampling: cheap while the set is small next to the range). The caller ensures
  /// size() + count <= kCapacity and that the range holds `count` offers not shown yet.
  void add_uniform(std::size_t count, OfferId first, std::size_t n, CounterRng& rng) {
    const std::size_t target = size_ + count;
    while (size_ < target) {
      const auto o = static_cast<OfferId>(first + rng.below(n));
      if (!contains(o)) push(o);
    }
  }

 private:
  std::array<OfferId, kCapacity> items_{};
  std::size_t size_ = 0;
};

}  // namespace marketsim
