#pragma once
// The command-line front end as a function, so that bench/ drives exactly the ordinary
// `marketsim run` path.
#include <ostream>
#include <string>
#include <vector>

namespace marketsim {

/// Exit codes: 0 success, 2 bad input (scenario, flags), 1 internal error. A `run` that SIGINT or
/// SIGTERM stops does not return: the process exits 130 or 143 (cli/signals.h).
int marketsim_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace marketsim
