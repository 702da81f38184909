// Output "gauges.csv": every gauge of every behaviour module at each day's end.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_gauges_output() {
  add_output({"gauges.csv", "one row per arm x replication x day x gauge: the modules' gauges at the day's end",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,day,warmup,gauge,value\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const DailyRow& d : r.daily) {
                    for (std::size_t g = 0; g < r.gauge_names.size() && g < d.gauges.size(); ++g) {
                      out << arm << "," << r.replication << "," << d.day << "," << (d.warmup ? 1 : 0) << ","
                          << csv_field(r.gauge_names[g]) << "," << csv::number(d.gauges[g]) << "\n";
                    }
                  }
                }
                return out.str();
              },
              Json::parse(R"({"behaviours": [{"name": "membership", "thresholds": [20, 80], "rates": [1, 1.5, 2], "window_days": 28, "period_days": 7}]})")});
}

}  // namespace marketsim
