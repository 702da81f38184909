// Output "summary.json": the scenario as resolved, each arm's totals and paired differences with
// their intervals, price ladders, and what the run measured of the machine ("performance").
#include "analysis/output_registry.h"

namespace marketsim {

void register_summary_output() {
  add_output({"summary.json", "the resolved scenario, every arm's metrics and paired differences with 95% CIs, "
                              "price response, and performance (timings, memory: this machine's)",
              [](const OutputContext& o) {
                return summary_json(o.scenario, o.summary, o.performance, &o.result).dump(2) + "\n";
              },
              Json::parse(R"({})")});
}

}  // namespace marketsim
