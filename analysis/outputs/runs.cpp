// Output "runs.csv": one row per arm x replication, every metric's total.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "scenarios/uncertainty.h"
#include "sim/text.h"

namespace marketsim {

void register_runs_output() {
  add_output({"runs.csv", "one row per arm x replication: every metric's total over the measured days",
              [](const OutputContext& o) {
                // With parameter uncertainty, each row's draw and its drawn values follow the
                // replication (scenarios/uncertainty.h).
                const Uncertainty* u = o.scenario.uncertainty.get();
                std::ostringstream out;
                out << "arm,replication";
                if (u != nullptr) {
                  out << ",draw";
                  for (const UncertainValue& v : u->values) out << "," << csv_field(v.name);
                }
                out << csv::metric_header() << "\n";
                for (const RunResult& r : o.result.runs) {
                  out << csv_field(o.scenario.arms[r.arm].name) << "," << r.replication;
                  if (u != nullptr) {
                    const std::uint64_t draw = u->draw_of(r.replication);
                    out << "," << draw;
                    for (const double v : u->values_of_draw(o.scenario.seed, draw)) out << "," << csv::number(v);
                  }
                  out << csv::metric_fields(r.totals) << "\n";
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
