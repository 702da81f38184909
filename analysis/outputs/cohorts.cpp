// Output "cohorts.csv": first-purchase cohorts and how many of each bought again in later periods.
#include <cmath>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_cohorts_output() {
  add_output({"cohorts.csv", "weekly and monthly first-purchase cohorts: buyers again in each later period",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,period,cohort,cohort_size,offset,buyers,rate\n";
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const CohortRow& c : r.cohorts) {
                    const double rate = c.size > 0 ? static_cast<double>(c.buyers) / static_cast<double>(c.size)
                                                   : std::nan("");
                    out << arm << "," << r.replication << "," << c.period << "," << c.cohort << "," << c.size << ","
                        << c.offset << "," << c.buyers << "," << csv::number(rate) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
