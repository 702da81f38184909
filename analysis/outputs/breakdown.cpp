// Output "breakdown.csv": the metrics that break down by order line, per seller x category x
// segment cell.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_breakdown_output() {
  add_output({"breakdown.csv", "one row per arm x replication x seller x category x segment: line metrics",
              [](const OutputContext& o) {
                const std::vector<std::size_t> line_metrics = breakdown_metrics();
                const MarketSpec& ms = o.scenario.market;
                std::ostringstream out;
                out << "arm,replication,seller,category,segment" << csv::metric_header(&line_metrics) << "\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const BreakdownRow& b : r.breakdown) {
                    out << arm << "," << r.replication << "," << csv_field(ms.sellers[b.seller].name) << ","
                        << csv_field(ms.categories[b.category].name) << "," << csv_field(ms.segments[b.segment].name)
                        << csv::metric_fields(b.values) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
