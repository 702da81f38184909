#pragma once
// The products shown in one visit: recommendation slots first, then organic browsing.
#include <array>
#include <cstdint>

#include "market/catalog.h"
#include "sim/rng.h"

namespace marketsim {

class ShownSet {
 public:
  static constexpr std::size_t kCapacity = 64;

  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  bool full() const { return size_ == kCapacity; }
  ProductId operator[](std::size_t k) const { return items_[k]; }
  const ProductId* begin() const { return items_.data(); }
  const ProductId* end() const { return items_.data() + size_; }

  bool contains(ProductId j) const {
    for (std::size_t k = 0; k < size_; ++k) {
      if (items_[k] == j) return true;
    }
    return false;
  }
  /// Appends j; the caller keeps the set within kCapacity (validated from the scenario).
  void push(ProductId j) { items_[size_++] = j; }

  /// Appends `count` distinct products drawn uniformly from [0, products) among those not shown
  /// yet (rejection sampling: cheap while the set is small next to the catalog). The caller
  /// ensures size() + count <= min(kCapacity, products).
  void add_uniform(std::size_t count, std::size_t products, CounterRng& rng) {
    const std::size_t target = size_ + count;
    while (size_ < target) {
      const auto j = static_cast<ProductId>(rng.below(products));
      if (!contains(j)) push(j);
    }
  }

 private:
  std::array<ProductId, kCapacity> items_{};
  std::size_t size_ = 0;
};

}  // namespace marketsim
