#pragma once
// The signals a run emits. The engine never computes a metric: collectors in analysis/ subscribe
// to these and turn them into numbers. Signals arrive one call at a time (possibly on a worker
// thread, never concurrently), in a deterministic order:
// after each window, its sales in (time, consumer id) order and then its lost sales in the same
// order (on_commit); after the last window of a day, on_day_end.
#include <cstdint>
#include <span>

#include "market/catalog.h"
#include "market/population.h"
#include "sim/money.h"
#include "sim/time.h"

namespace marketsim {

struct SaleRecord {
  Time time;
  Day day;
  ConsumerId consumer;
  ProductId product;
  Money list_price;   // cents
  Money price_paid;   // cents, after the seller's price and promotions
  Money discount;     // cents charged to the promotion's budget (0 when none)
  Money unit_cost;    // cents
  int promotion;      // index of the funding promotion in the arm, or -1
};

struct LostSaleRecord {
  Time time;
  Day day;
  ConsumerId consumer;
  ProductId product;
};

struct DayRecord {
  Day day;
  std::uint64_t visits;          // visits that started on the day
  Units stock_on_hand;           // all products, at the end of the day
  Units units_received;          // deliveries that arrived at the start of the day
  std::uint64_t budget_cancelled;  // purchase intents dropped because their promotion's budget ran out
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_sale(const SaleRecord&) {}
  virtual void on_lost_sale(const LostSaleRecord&) {}
  /// A window's committed sales and lost sales; by default forwarded one by one. Collectors with
  /// per-consumer state override it to work on the batch (prefetching ahead).
  virtual void on_commit(std::span<const SaleRecord> sales, std::span<const LostSaleRecord> lost) {
    for (const SaleRecord& s : sales) on_sale(s);
    for (const LostSaleRecord& l : lost) on_lost_sale(l);
  }
  virtual void on_day_end(const DayRecord&) {}
};

}  // namespace marketsim
