// Output "orders.csv": the distribution of order values and basket sizes per arm, as the mean
// number of orders per replication in each bin with its 95% CI. Bins are 1 wide (a currency unit;
// a unit) up to the 99th percentile of every run's orders pooled (the same bins for every arm),
// then one open bin (bin_high empty) for the rest.
#include <algorithm>
#include <map>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "analysis/statistics.h"
#include "sim/text.h"

namespace marketsim {
namespace {

using Counts = std::vector<std::pair<std::int64_t, std::uint64_t>>;

void write_measure(std::ostringstream& out, const OutputContext& o, const char* measure,
                   const Counts& (*of)(const RunResult&)) {
  // The pooled distribution's 99th percentile: the last bin drawn one by one.
  std::map<std::int64_t, std::uint64_t> pooled;
  std::uint64_t total = 0;
  for (const RunResult& r : o.result.runs) {
    for (const auto& [v, n] : of(r)) {
      pooled[v] += n;
      total += n;
    }
  }
  if (total == 0) return;
  std::int64_t first = pooled.begin()->first, last = first;
  std::uint64_t cumulative = 0;
  for (const auto& [v, n] : pooled) {
    cumulative += n;
    last = v;
    if (static_cast<double>(cumulative) >= 0.99 * static_cast<double>(total)) break;
  }
  const bool open = pooled.rbegin()->first > last;
  const std::size_t bins = static_cast<std::size_t>(last - first + 1) + (open ? 1 : 0);
  const std::size_t arms = o.scenario.arms.size();
  const std::size_t reps = arms == 0 ? 0 : o.result.runs.size() / arms;
  for (std::size_t a = 0; a < arms; ++a) {
    // Per bin, the orders of each replication.
    std::vector<std::vector<double>> per(bins, std::vector<double>(reps, 0.0));
    for (std::size_t i = 0; i < reps; ++i) {
      for (const auto& [v, n] : of(o.result.runs[a * reps + i])) {
        const std::size_t bin = v > last ? bins - 1 : static_cast<std::size_t>(v - first);
        per[bin][i] += static_cast<double>(n);
      }
    }
    const std::string arm = csv_field(o.scenario.arms[a].name);
    for (std::size_t b = 0; b < bins; ++b) {
      const bool is_open = open && b == bins - 1;
      const std::int64_t low = is_open ? last + 1 : first + static_cast<std::int64_t>(b);
      const Interval m = mean_interval(per[b]);
      out << arm << "," << measure << "," << low << "," << (is_open ? std::string() : std::to_string(low + 1)) << ","
          << csv::number(m.mean) << "," << csv::number(m.low) << "," << csv::number(m.high) << "\n";
    }
  }
}

}  // namespace

void register_orders_output() {
  add_output({"orders.csv",
              "per arm, measure (order_value: subtotal after per-item discounts, in currency units; basket_units) "
              "and bin: mean orders per replication with its 95% CI",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,measure,bin_low,bin_high,orders_mean,ci_low,ci_high\n";
                write_measure(out, o, "order_value", [](const RunResult& r) -> const Counts& { return r.orders.order_value; });
                write_measure(out, o, "basket_units", [](const RunResult& r) -> const Counts& { return r.orders.basket_units; });
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
