#pragma once
#include "market/catalog.h"
#include "market/offers.h"
#include "market/platform_log.h"
#include "sim/time.h"
#include "strategies/strategy.h"

namespace marketsim {

/// The state of one offer's inventory when a replenishment decision is taken.
struct InventoryView {
  OfferId offer;            // global offer id (the log is indexed by it)
  ProductId product;
  Day day;                  // the day starting now; the log holds days before it complete
  Units on_hand;
  Units on_order;           // ordered, not yet delivered
  std::int64_t lead_time_days;
  const PlatformLog& log;
};

/// Decides, at the start of every day d >= 1 and for each of the seller's offers, how many units
/// to order; orders arrive lead_time_days later at the start of the day.
class ReplenishmentPolicy : public Strategy {
 public:
  /// Stock of the offer at time 0.
  virtual Units initial_stock(OfferId offer) const = 0;
  /// Units to order now (0 for none).
  virtual Units order_quantity(const InventoryView& view) const = 0;
};

}  // namespace marketsim
