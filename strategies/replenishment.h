#pragma once
#include "market/catalog.h"
#include "market/sales_history.h"
#include "sim/time.h"

namespace marketsim {

/// The state of one product's inventory when a replenishment decision is taken.
struct InventoryView {
  ProductId product;
  Day day;                  // the day starting now; history holds days 0 .. day - 1 complete
  Units on_hand;
  Units on_order;           // ordered, not yet delivered
  std::int64_t lead_time_days;
  const SalesHistory& history;
};

/// Decides, at the start of every day d >= 1 and for every product, how many units to order;
/// orders arrive lead_time_days later at the start of the day.
class ReplenishmentPolicy {
 public:
  virtual ~ReplenishmentPolicy() = default;
  /// Stock of product j at time 0.
  virtual Units initial_stock(ProductId j) const = 0;
  /// Units to order now (0 for none).
  virtual Units order_quantity(const InventoryView& view) const = 0;
};

}  // namespace marketsim
