#pragma once
// What every strategy (pricing, promotion, recommendation, replenishment) may do besides its
// family's job: declare what it reads from the platform log, subscribe to the run's signals, and
// publish signals of its own (named events and gauges, market/signals.h). Signals reach
// strategies synchronously, after each window is settled and before the next one is prepared, in
// seller and family order.
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "market/platform_log.h"
#include "market/records.h"
#include "market/signals.h"
#include "sim/columns.h"

namespace marketsim {

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// The registered name it was built under (set by instantiate_arm); names its signals.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// What it reads from the platform log (lookback days, exposures, per-consumer events).
  virtual LogNeeds needs() const { return {}; }
  /// A window's settled orders and lines, and the window's events (by name: records.event_names).
  virtual void observe(const WindowRecords&) {}
  /// The end of a day (the day's books).
  virtual void observe_day(const DayRecord&) {}

  /// The events it publishes, by name ("retrained", "price_moved"); the run names them
  /// "STRATEGY.EVENT" (its registered name first). It emits event k with events().emit(k, ...)
  /// from its serial hooks (prepare, act, observe; never from another thread).
  virtual std::vector<std::string> event_names() const { return {}; }
  const EventPort& events() const { return events_; }
  /// Set by the engine before the first window.
  void attach_events(EventPort port) { events_ = std::move(port); }

  /// The promotion mechanics it needs (mechanics/mechanic.h: "coupon" for a promotion issuing
  /// coupons, ...), by registered name; the run builds each named one once.
  virtual std::vector<std::string> mechanics() const { return {}; }

  /// Per-consumer state it keeps (a recommender's top-K list, a wallet): columns declared like a
  /// behaviour module's (sim/columns.h, owner: its name), stored and sharded by the engine,
  /// counted in the memory estimate and in bytes per consumer. Called once per run before the
  /// first window; the engine then gives the rows (attach_rows) to read and write from its serial
  /// hooks, or from recommend() for the visiting consumer (a shard's thread: its own consumer only).
  virtual void declare(ColumnLayout& layout) { (void)layout; }
  /// Bytes per consumer it holds outside columns (an estimate, e.g. coupons in wallets), for the
  /// memory estimate before a run.
  virtual double bytes_per_consumer_outside_columns() const { return 0.0; }
  const ConsumerRows& rows() const { return rows_; }
  void attach_rows(ConsumerRows rows) { rows_ = rows; }

  /// Gauges: figures of its state at every day's end, by name; the run names them
  /// "SELLER.STRATEGY.GAUGE" (DayRecord::gauges, gauges.csv). gauge() writes them, in
  /// gauge_names() order, after the day's books are closed.
  virtual std::vector<std::string> gauge_names() const { return {}; }
  virtual void gauge(Day day, std::span<double> values) const {
    (void)day;
    (void)values;
  }

 private:
  std::string name_;
  EventPort events_;
  ConsumerRows rows_;
};

}  // namespace marketsim
