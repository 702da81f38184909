// Output "breakdown.csv": every metric broken down along the dimensions it declares
// (MetricInfo::breakdown). One row per arm x replication x row of the breakdown: first the
// seller x category x segment cells, then rows that span a dimension (`*`: seller x category,
// seller, segment), last the run's total (`*,*,*`). The metric columns are those of runs.csv; a
// metric has values only in the rows of its own kind, the other fields are empty, so a column
// summed over a run's rows is the run's total for every metric that adds up.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_breakdown_output() {
  add_output({"breakdown.csv",
              "one row per arm x replication x breakdown row: seller x category x segment cells, then rows with `*` for "
              "a dimension (seller x category, seller, segment), then the run's total (*,*,*); every metric as a column, "
              "with values in the rows of its breakdown (marketsim list metrics), empty elsewhere",
              [](const OutputContext& o) {
                const MarketSpec& ms = o.scenario.market;
                const auto name = [](std::uint32_t i, const auto& items) {
                  return i == kBreakdownAll ? std::string("*") : csv_field(items[i].name);
                };
                std::ostringstream out;
                out << "arm,replication,seller,category,segment" << csv::metric_header() << "\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const BreakdownRow& b : r.breakdown) {
                    out << arm << "," << r.replication << "," << name(b.seller, ms.sellers) << ","
                        << name(b.category, ms.categories) << "," << name(b.segment, ms.segments)
                        << csv::metric_fields(b.values) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
