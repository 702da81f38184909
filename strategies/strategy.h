#pragma once
// What every strategy (pricing, promotion, recommendation, replenishment) may do besides its
// family's job: declare what it reads from the platform log, and subscribe to the run's signals.
// Signals reach strategies synchronously, after each window is settled and before the next one
// is prepared, in seller and family order.
#include "market/platform_log.h"
#include "market/records.h"

namespace marketsim {

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// What it reads from the platform log (lookback days, exposures, per-consumer events).
  virtual LogNeeds needs() const { return {}; }
  /// A window's settled orders and lines.
  virtual void observe(const WindowRecords&) {}
  /// The end of a day (the day's books).
  virtual void observe_day(const DayRecord&) {}
};

}  // namespace marketsim
