// Output "runs.csv": one row per arm x replication, every metric's total.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_runs_output() {
  add_output({"runs.csv", "one row per arm x replication: every metric's total over the measured days",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication" << csv::metric_header() << "\n";
                for (const RunResult& r : o.result.runs) {
                  out << csv_field(o.scenario.arms[r.arm].name) << "," << r.replication
                      << csv::metric_fields(r.totals) << "\n";
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
