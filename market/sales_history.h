#pragma once
// What the shop's own logs show, day by day: units sold and sales lost per product. Strategies
// (popularity, forecasts) read it; they never see consumers' traits or beliefs.
#include <cstdint>
#include <vector>

#include "market/catalog.h"
#include "sim/time.h"

namespace marketsim {

class SalesHistory {
 public:
  explicit SalesHistory(std::size_t products) : products_(products) {}

  /// Opens day d (days are opened in order, starting at 0).
  void begin_day(Day d) {
    while (static_cast<Day>(units_.size()) <= d) {
      units_.emplace_back(products_, 0);
      lost_.emplace_back(products_, 0);
    }
  }
  void add_sale(Day d, ProductId j, std::uint32_t units = 1) { units_[static_cast<std::size_t>(d)][j] += units; }
  void add_lost_sale(Day d, ProductId j) { lost_[static_cast<std::size_t>(d)][j] += 1; }

  /// Days opened so far.
  Day days() const { return static_cast<Day>(units_.size()); }
  std::uint32_t units(Day d, ProductId j) const { return units_[static_cast<std::size_t>(d)][j]; }
  std::uint32_t lost(Day d, ProductId j) const { return lost_[static_cast<std::size_t>(d)][j]; }
  /// Demand = units sold + sales lost to stock-outs.
  std::uint32_t demand(Day d, ProductId j) const { return units(d, j) + lost(d, j); }
  const std::vector<std::uint32_t>& units_on(Day d) const { return units_[static_cast<std::size_t>(d)]; }
  std::size_t products() const { return products_; }

 private:
  std::size_t products_;
  std::vector<std::vector<std::uint32_t>> units_;
  std::vector<std::vector<std::uint32_t>> lost_;
};

}  // namespace marketsim
