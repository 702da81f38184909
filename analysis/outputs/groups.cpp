// Output "groups.csv": for every run of an arm with consumer groups (strategies/consumer_groups.h),
// per group and line metric over the measured days: the group's consumers, the metric's total,
// and its mean and standard deviation per consumer (what an A/B test compares between groups).
#include <cmath>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_groups_output() {
  add_output({"groups.csv",
              "one row per arm x replication x consumer group x metric (units, revenue, gross_profit from order "
              "lines) of arms with \"groups\": consumers, total, mean and sd per consumer over the measured days",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,group,consumers,metric,total,per_consumer,per_consumer_sd\n";
                static const char* const kMetrics[3] = {"units", "revenue", "gross_profit"};
                for (const RunResult& r : o.result.runs) {
                  if (r.group_days.empty()) continue;
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  const Day last = r.group_days.back().day;
                  for (const GroupDayRow& g : r.group_days) {
                    if (g.day != last) continue;
                    const double n = static_cast<double>(g.consumers);
                    for (std::size_t m = 0; m < 3; ++m) {
                      const double mean = n > 0 ? g.sum[m] / n : std::nan("");
                      const double var = n > 1 ? std::max(0.0, (g.sum_squares[m] - n * mean * mean) / (n - 1)) : std::nan("");
                      out << arm << "," << r.replication << "," << csv_field(r.group_names[g.group]) << "," << g.consumers << ","
                          << kMetrics[m] << "," << csv::number(g.sum[m]) << "," << csv::number(mean) << ","
                          << csv::number(std::sqrt(var)) << "\n";
                    }
                  }
                }
                return out.str();
              },
              Json::parse(R"({"arm": {"groups": [{"name": "treatment", "share": 0.5}]}})")});
}

}  // namespace marketsim
