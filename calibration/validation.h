#pragma once
// A hold-out check of a fitted market (`marketsim validate-fit`): the log's weeks after the fit
// against the same weeks of replications simulated from the log's first day, measured the same
// way on both sides.
//
//   weeks     Monday to Sunday; only weeks wholly inside [from, to] are scored;
//   measures  per week: revenue (what customers paid), orders, units, active customers (with an
//             order in the week), new customers (their first order ever, in the log or the run,
//             falls in the week);
//   band      the [min, max] of the replications' values of a week; `inside` when the observed
//             value lies in it;
//   interval  the 90% interval score of Gneiting and Raftery (2007, JASA 102(477), eq. 43):
//             (u - l) + (2 / 0.1) (l - y)+ + (2 / 0.1) (y - u)+, for the fit's interval (the 5th and
//             95th percentiles of the replications) and for a naive benchmark: a constant with the
//             training weeks' spread (their mean, and their 5th and 95th percentiles);
//   cohorts   customers by the calendar month of their first order (the log's first month left out:
//             its "new" customers are the shop's existing ones); the share of a cohort ordering
//             again k = 1, 2, ... months later, pooled over the cohorts whose month k ends by `to`;
//   baskets   lines per order and order value over the hold-out's orders, as shares by bin.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace marketsim {

/// One purchase line, on either side: time in days since the log's first date.
struct PurchaseLine {
  double time = 0.0;
  std::uint64_t customer = 0;
  std::uint64_t order = 0;  // lines of an order share it (and its customer and time)
  std::uint32_t quantity = 0;
  double revenue = 0.0;     // currency
};

inline constexpr std::size_t kMeasures = 5;
/// revenue, orders, units, active_customers, new_customers.
const std::array<const char*, kMeasures>& measure_names();

using WeekValues = std::array<double, kMeasures>;

/// The measures of `weeks` consecutive weeks from day `first` (a Monday) of lines in time order
/// (new customers: first line ever among `lines`).
std::vector<WeekValues> weekly_measures(const std::vector<PurchaseLine>& lines, std::int64_t first, std::size_t weeks);

/// The pooled repeat curve: entry k - 1 is the share of cohort customers ordering again k months
/// after their cohort month, over cohorts whose month k ends on or before day `to` (NaN where no
/// cohort qualifies). `month_starts`: the day of each calendar month's first day from the log's
/// first month on, plus the day after the last (ascending).
std::vector<double> repeat_curve(const std::vector<PurchaseLine>& lines, const std::vector<std::int64_t>& month_starts,
                                 std::int64_t to, std::size_t months);

/// Shares of the orders with time in [from, to + 1) by lines per order (bins: 1, 2-5, 6-10, 11-20,
/// 21-40, 41-80, 81+) and by order value (bins: < 100, 100-200, 200-400, 400-800, 800-1600,
/// 1600+); first the basket bins, then the value bins.
std::vector<double> basket_shares(const std::vector<PurchaseLine>& lines, std::int64_t from, std::int64_t to);
const std::vector<std::string>& basket_bin_names();  // "lines 1", ..., "value 1600+"
std::size_t basket_bins();                           // how many of them are lines bins

/// Gneiting and Raftery's interval score of [low, high] at level 1 - alpha for the value y.
double interval_score(double low, double high, double y, double alpha = 0.1);

/// The q-quantile (linear interpolation between order statistics) of v.
double sample_quantile(std::vector<double> v, double q);

}  // namespace marketsim
