#pragma once
// The signals a run emits to its subscribers. The engine never computes a metric: collectors in
// analysis/ subscribe to these and turn them into numbers. A run may have any number of
// subscribers; each receives every signal, one call at a time (on a task of its own that
// overlaps the next window, never concurrently with another signal), in a deterministic order:
// after each window its settled orders and lines (market/records.h) in commit order; after the
// last window of a day, the day's books. Strategies receive the same signals synchronously
// (strategies/strategy.h).
#include "market/platform_log.h"
#include "market/records.h"

namespace marketsim {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  /// What it needs the platform to log (per-offer exposures and considered exposures: DayRecord::exposures and
  /// considered); asked when it subscribes, before the run.
  virtual LogNeeds needs() const { return {}; }
  /// A window's settled orders and lines, in (time, consumer, visit, line) order.
  virtual void on_window(const WindowRecords& records) { (void)records; }
  /// The end of a day: visits, conversions and every seller's books for the day.
  virtual void on_day_end(const DayRecord& day) { (void)day; }
};

}  // namespace marketsim
