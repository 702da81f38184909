// Output "daily.csv": one row per arm x replication x day, every metric's daily value.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_daily_output() {
  add_output({"daily.csv", "one row per arm x replication x day: every metric's value on the day",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,day,warmup" << csv::metric_header() << "\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const DailyRow& d : r.daily) {
                    out << arm << "," << r.replication << "," << d.day << "," << (d.warmup ? 1 : 0)
                        << csv::metric_fields(d.values) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
