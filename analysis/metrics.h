#pragma once
// The metrics collected per run: daily series and run totals.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"

namespace marketsim {

enum Metric : std::size_t {
  kVisits,
  kConversions,
  kUnits,
  kRevenue,
  kCogs,
  kGrossProfit,
  kPromotionSpend,
  kLostSales,
  kFillRate,
  kStockOnHand,
  kActiveCustomers,
  kRepeatRate,
  kBudgetCancelled,
  kMetricCount
};

struct MetricInfo {
  const char* name;
  const char* description;
};

/// Names and one-line descriptions of every metric, indexed by Metric.
const std::array<MetricInfo, kMetricCount>& metric_info();

using MetricValues = std::array<double, kMetricCount>;

/// One day of one run. Money in currency units (exact to the cent).
struct DailyRow {
  Day day;
  bool warmup;
  MetricValues values;  // kRepeatRate is not a daily metric and stays NaN
};

/// One cell of a cohort table: of the `size` consumers whose first purchase (after warm-up) fell in
/// week `cohort_week`, `buyers` bought again in week cohort_week + week_offset.
struct CohortRow {
  int cohort_week;
  std::uint64_t size;
  int week_offset;
  std::uint64_t buyers;
};

struct RunResult {
  std::size_t arm = 0;
  std::uint64_t replication = 0;
  MetricValues totals{};  // over the measured days (after warm-up)
  std::vector<DailyRow> daily;
  std::vector<CohortRow> cohorts;
  std::uint64_t visits_simulated = 0;  // including warm-up
  double simulation_seconds = 0.0;
  double market_seconds = 0.0;  // phases of the windows (see PhaseSeconds)
  double visit_seconds = 0.0;
  double commit_seconds = 0.0;
  std::size_t shards = 0;
};

}  // namespace marketsim
