// Output "events.csv": the named events of every run (market/signals.h), counted per day.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_events_output() {
  add_output({"events.csv", "one row per arm x replication x day x named event that occurred: count and value sum",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,day,warmup,event,count,value_sum\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const EventDayRow& e : r.events) {
                    out << arm << "," << r.replication << "," << e.day << "," << (e.warmup ? 1 : 0) << ","
                        << csv_field(r.event_names[e.event]) << "," << e.count << "," << csv::number(e.value_sum)
                        << "\n";
                  }
                }
                return out.str();
              },
              // A coupon to every consumer every third day: coupon.issued (and redeemed) rows.
              Json::parse(R"({"arm": {"promotions": [{"name": "coupon", "value": 1, "every": 3}]}})")});
}

}  // namespace marketsim
