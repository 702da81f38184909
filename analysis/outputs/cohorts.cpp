// Output "cohorts.csv": first-purchase cohorts and how many of each bought again in later periods.
#include <cmath>
#include <cstdint>
#include <sstream>

#include "analysis/output_registry.h"
#include "analysis/outputs/csv.h"
#include "sim/text.h"

namespace marketsim {

void register_cohorts_output() {
  add_output({"cohorts.csv",
              "weekly and monthly first-purchase cohorts: buyers again in each later period (complete: 0 when the "
              "horizon cuts the period short)",
              [](const OutputContext& o) {
                std::ostringstream out;
                out << "arm,replication,period,cohort,cohort_size,offset,buyers,rate,complete\n";
                const std::int64_t measured = o.scenario.horizon_days - o.scenario.warmup_days;
                for (const RunResult& r : o.result.runs) {
                  const std::string arm = csv_field(o.scenario.arms[r.arm].name);
                  for (const CohortRow& c : r.cohorts) {
                    const double rate = c.size > 0 ? static_cast<double>(c.buyers) / static_cast<double>(c.size)
                                                   : std::nan("");
                    // Periods count from the end of warm-up; the last may end after the horizon.
                    const std::int64_t length = c.period == "week" ? 7 : 30;
                    const bool complete = (static_cast<std::int64_t>(c.cohort) + c.offset + 1) * length <= measured;
                    out << arm << "," << r.replication << "," << c.period << "," << c.cohort << "," << c.size << ","
                        << c.offset << "," << c.buyers << "," << csv::number(rate) << "," << (complete ? 1 : 0) << "\n";
                  }
                }
                return out.str();
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
