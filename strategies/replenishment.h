#pragma once
// Replenishment policies (MODEL.md "Inventory"): the seller's inventory planner for each of its
// offers. The engine's inventory agent (agents/inventory.h) keeps the stock, the orders in
// transit and the back-orders; a policy only decides, when it reviews an offer, how many units to
// order. When it reviews is its own declaration (review()):
//  - periodic review: at the start of days review_offset + k * review_days (k >= 0, day >= 1);
//  - continuous review: after each settled line that lowers the offer's inventory position, at
//    that line's time (settlement is sequential, so this does not depend on the window length).
// The position is on hand + on order - back-orders. Deliveries arrive at order time + the lead
// time drawn for (offer, order time) (agents/lead_time.h).
#include <cstdint>
#include <limits>

#include "market/catalog.h"
#include "market/offers.h"
#include "market/platform_log.h"
#include "sim/time.h"
#include "strategies/strategy.h"

namespace marketsim {

/// When a policy reviews its offers.
struct Review {
  enum class Kind { kPeriodic, kContinuous };
  Kind kind = Kind::kPeriodic;
  std::int64_t days = 1;    // periodic: review every `days` days (R)
  std::int64_t offset = 0;  // periodic: the first review day (mod days); day 0 never reviews

  /// Whether day d >= 1 starts with a periodic review.
  bool due(Day d) const {
    if (kind != Kind::kPeriodic || d < 1) return false;
    return ((d - offset) % days + days) % days == 0;
  }
  /// The review period R of the safety-stock formula (0 under continuous review).
  double period() const { return kind == Kind::kPeriodic ? static_cast<double>(days) : 0.0; }
};

/// The seller's own promotion calendar as its planner knows it: the per-item depth (a share of
/// the price, 0 for none) its promotions plan for an offer on a day, past or future. Built by the
/// engine from the seller's promotions' windows and planned depths.
class PromotionPlan {
 public:
  virtual ~PromotionPlan() = default;
  virtual double depth(OfferId offer, Day day) const = 0;
};

/// The state of one offer's inventory when a replenishment decision is taken.
struct InventoryView {
  OfferId offer;            // global offer id (the log is indexed by it)
  ProductId product;
  Day day;                  // the day of the review; the log holds the days before it complete
  Units on_hand;
  Units on_order;           // ordered, not yet delivered
  std::int64_t lead_time_days;  // the mean lead time, rounded up (for policies that take a number)
  const PlatformLog& log;
  Units backorders = 0;     // units ordered by consumers and waiting for stock
  Time time = 0.0;          // the review's time (the day's start, or the line's under continuous review)
  double lead_time_mean = 0.0;  // days
  double lead_time_sd = 0.0;    // days (0: a fixed lead time)
  std::uint32_t category = 0;   // the product's category (for pooled learning)
  const PromotionPlan* plan = nullptr;  // the seller's promotion calendar (null: none known)

  /// On hand + on order - back-orders.
  Units position() const { return on_hand + on_order - backorders; }
};

/// Decides, when it reviews an offer (review()), how many units to order.
class ReplenishmentPolicy : public Strategy {
 public:
  /// Stock of the offer at time 0.
  virtual Units initial_stock(OfferId offer) const = 0;
  /// Units to order now (0 for none). Called at each review, for each of the seller's offers in
  /// order (periodic) or for the offer a line lowered (continuous); a policy may keep state.
  virtual Units order_quantity(const InventoryView& view) = 0;
  /// When it reviews (default: periodic, every day).
  virtual Review review() const { return {}; }
  /// The safety stock it last planned for the offer (0 when it plans none): the stock alerts
  /// (stockouts.csv) count the days on hand ends below it.
  virtual Units safety_stock(OfferId offer) const {
    (void)offer;
    return 0;
  }
};

}  // namespace marketsim
