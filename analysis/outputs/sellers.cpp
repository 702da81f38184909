// Output "sellers.csv": each seller's totals per arm x replication, with its shares of the
// marketplace's units and revenue.
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_sellers_output() {
  add_output({"sellers.csv", "one row per arm x replication x seller: the metrics of its books and its shares",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,seller" << csv::metric_header() << csv::kShareHeader << "\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (std::size_t s = 0; s < r.seller_totals.size(); ++s) {
                    out << arm << "," << r.replication << "," << csv_field(o.scenario.market.sellers[s].name)
                        << csv::metric_fields(r.seller_totals[s]) << csv::share_fields(r.seller_totals[s], r.totals)
                        << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
