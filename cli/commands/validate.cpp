// Command "validate": checks a scenario and its overrides without drawing the market; prints the
// run's memory estimate and expected visits.
#include <algorithm>
#include <thread>

#include "analysis/resources.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "scenarios/scenario.h"
#include "sim/text.h"

namespace marketsim {
namespace {

int command_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const RunArgs r = parse_run_args(args, false);
  const Scenario sc = load_scenario(r.scenario, r.overrides);
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  const ResourceEstimate estimate = estimate_resources(sc, threads);
  const std::optional<double> available = available_memory_bytes();
  out << one_line(r.scenario) << ": valid — " << json_quoted(sc.name) << ", " << sc.market.products()
      << " products, " << sc.market.consumers() << " consumers, " << sc.arms.size() << " arms (baseline "
      << json_quoted(sc.arms[sc.baseline].name) << "), " << sc.replications << " replications, "
      << sc.horizon_days << " days; a run needs about " << format_bytes(estimate.total_bytes)
      << " of memory on " << threads << " threads"
      << (available && estimate.total_bytes > *available ? " (more than the " + format_bytes(*available) +
                                                               " available here: `run` would refuse it)"
                                                         : std::string())
      << " and simulates about " << format_count(estimate.expected_visits) << " visits\n";
  return kExitOk;
}

}  // namespace

void register_validate_command() {
  add_command({"validate", "validate SCENARIO [--set /json/pointer=VALUE]...",
               "check a scenario and its overrides without running it; print the run's memory and visits",
               command_validate,
               {{"{scenario}"}, {"{scenario}", "--set", "/horizon_days=10"}}});
}

}  // namespace marketsim
