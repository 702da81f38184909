#pragma once
// Turns a run's signals into its daily series, totals and cohort table.
#include <cstdint>
#include <vector>

#include "engine/run_observer.h"
#include "analysis/metrics.h"
#include "sim/uninitialized.h"

namespace marketsim {

class RunCollector final : public RunObserver {
 public:
  RunCollector(std::size_t consumers, Day horizon_days, Day warmup_days);

  void on_window(const WindowRecords& records) override;
  void on_day_end(const DayRecord& day) override;

  /// Fills `result` (totals, daily rows, cohorts) once the run has ended.
  void finish(RunResult& result) const;

 private:
  Day horizon_;
  Day warmup_;
  int weeks_;
  struct ConsumerRecord {
    std::uint64_t weeks_bought;  // bit w = bought in measured week w
    Day last_day;                // last day with a purchase
  };
  UninitializedVector<ConsumerRecord> consumers_;  // all a sale touches, in one cache line
  void on_sale(const LineRecord& line);
  MetricValues today_{};
  std::vector<DailyRow> daily_;
};

}  // namespace marketsim
