#pragma once
// The signals a run emits. The engine never computes a metric: collectors in analysis/ subscribe
// to these and turn them into numbers. Signals arrive on one thread, in a deterministic order
// (sales and lost sales in (time, consumer id) order within a window; day ends in day order).
#include <cstdint>

#include "agents/catalog.h"
#include "agents/population.h"
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
  virtual void on_day_end(const DayRecord&) {}
};

}  // namespace marketsim
