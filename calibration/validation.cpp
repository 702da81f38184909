// Measures of a hold-out check (calibration/validation.h).
#include "calibration/validation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace marketsim {

const std::array<const char*, kMeasures>& measure_names() {
  static const std::array<const char*, kMeasures> names = {"revenue", "orders", "units", "active_customers", "new_customers"};
  return names;
}

std::vector<WeekValues> weekly_measures(const std::vector<PurchaseLine>& lines, std::int64_t first, std::size_t weeks) {
  std::vector<WeekValues> out(weeks, WeekValues{});
  std::vector<std::unordered_set<std::uint64_t>> orders(weeks), active(weeks);
  std::unordered_set<std::uint64_t> seen;
  const auto end = first + 7 * static_cast<std::int64_t>(weeks);
  for (const PurchaseLine& l : lines) {
    const bool is_new = seen.insert(l.customer).second;
    const auto day = static_cast<std::int64_t>(std::floor(l.time));
    if (day < first || day >= end) continue;
    const auto w = static_cast<std::size_t>((day - first) / 7);
    out[w][0] += l.revenue;
    orders[w].insert(l.order);
    out[w][2] += l.quantity;
    active[w].insert(l.customer);
    if (is_new) out[w][4] += 1.0;
  }
  for (std::size_t w = 0; w < weeks; ++w) {
    out[w][1] = static_cast<double>(orders[w].size());
    out[w][3] = static_cast<double>(active[w].size());
  }
  return out;
}

std::vector<double> repeat_curve(const std::vector<PurchaseLine>& lines, const std::vector<std::int64_t>& month_starts,
                                 std::int64_t to, std::size_t months) {
  const auto month_of = [&](double t) -> std::ptrdiff_t {
    const auto day = static_cast<std::int64_t>(std::floor(t));
    const auto it = std::upper_bound(month_starts.begin(), month_starts.end(), day);
    return (it - month_starts.begin()) - 1;  // -1 before the first month; >= size - 1 after the last
  };
  const auto n_months = static_cast<std::ptrdiff_t>(month_starts.size()) - 1;
  std::unordered_map<std::uint64_t, std::ptrdiff_t> cohort;
  std::unordered_map<std::uint64_t, std::set<std::ptrdiff_t>> bought;
  for (const PurchaseLine& l : lines) {
    const std::ptrdiff_t m = month_of(l.time);
    if (m < 0 || m >= n_months) continue;
    cohort.try_emplace(l.customer, m);
    bought[l.customer].insert(m);
  }
  std::vector<double> buyers(months, 0.0), size(months, 0.0);
  for (const auto& [customer, m] : cohort) {
    if (m == 0) continue;  // the log's first month: the shop's existing customers
    for (std::size_t k = 1; k <= months; ++k) {
      const std::ptrdiff_t later = m + static_cast<std::ptrdiff_t>(k);
      if (later >= n_months || month_starts[static_cast<std::size_t>(later) + 1] - 1 > to) break;  // month incomplete
      size[k - 1] += 1.0;
      if (bought[customer].count(later)) buyers[k - 1] += 1.0;
    }
  }
  std::vector<double> out(months, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < months; ++k) {
    if (size[k] > 0.0) out[k] = buyers[k] / size[k];
  }
  return out;
}

namespace {
constexpr std::array<double, 6> kLineEdges = {2, 6, 11, 21, 41, 81};            // lower edges of bins 2..7
constexpr std::array<double, 5> kValueEdges = {100, 200, 400, 800, 1600};       // lower edges of bins 2..6
}  // namespace

const std::vector<std::string>& basket_bin_names() {
  static const std::vector<std::string> names = {"lines 1",          "lines 2-5",       "lines 6-10",      "lines 11-20",
                                                 "lines 21-40",      "lines 41-80",     "lines 81+",       "value <100",
                                                 "value 100-200",    "value 200-400",   "value 400-800",   "value 800-1600",
                                                 "value 1600+"};
  return names;
}

std::size_t basket_bins() { return kLineEdges.size() + 1; }

std::vector<double> basket_shares(const std::vector<PurchaseLine>& lines, std::int64_t from, std::int64_t to) {
  struct OrderSum {
    double lines = 0.0, value = 0.0;
  };
  std::unordered_map<std::uint64_t, OrderSum> orders;
  for (const PurchaseLine& l : lines) {
    const auto day = static_cast<std::int64_t>(std::floor(l.time));
    if (day < from || day > to) continue;
    OrderSum& o = orders[l.order];
    o.lines += 1.0;
    o.value += l.revenue;
  }
  std::vector<double> out(basket_bin_names().size(), 0.0);
  for (const auto& [id, o] : orders) {
    (void)id;
    const auto lb = static_cast<std::size_t>(std::upper_bound(kLineEdges.begin(), kLineEdges.end(), o.lines) - kLineEdges.begin());
    const auto vb = static_cast<std::size_t>(std::upper_bound(kValueEdges.begin(), kValueEdges.end(), o.value) - kValueEdges.begin());
    out[lb] += 1.0;
    out[basket_bins() + vb] += 1.0;
  }
  if (!orders.empty()) {
    for (double& v : out) v /= static_cast<double>(orders.size());
  }
  return out;
}

double interval_score(double low, double high, double y, double alpha) {
  return (high - low) + (2.0 / alpha) * std::max(0.0, low - y) + (2.0 / alpha) * std::max(0.0, y - high);
}

double sample_quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace marketsim
