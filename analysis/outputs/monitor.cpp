// Output "monitor.csv": every check of a promotion's monitoring rule.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_monitor_output() {
  add_output({"monitor.csv", "one row per check of a promotion's monitoring rule: what it saw and did",
              [](const OutputContext& o) {
                const Scenario& sc = o.scenario;
                std::ostringstream out;
                out << "arm,replication,day,warmup,seller,promotion,name,rule,metric,value,action\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(sc.arms[r.arm].name);
                  for (const MonitorRow& m : r.monitor) {
                    out << arm << "," << r.replication << "," << m.day << "," << (m.warmup ? 1 : 0) << ","
                        << csv_field(sc.market.sellers[m.seller].name) << "," << m.promotion << ","
                        << csv_field(sc.arms[r.arm].sellers[m.seller].promotions[m.promotion].name) << ","
                        << m.rule << "," << m.metric << "," << csv::number(m.value) << "," << m.action << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({"arm": {"promotions": [{"name": "percent_off", "depth": 0.2, "start": 2, "end": 12, "budget": 5000, "monitor": [{"after_day": 2, "if": "spend_to_date", "above": 300, "action": "scale_depth", "factor": 0.5}]}]}})")});
}

}  // namespace marketsim
