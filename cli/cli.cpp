// marketsim_main: dispatches to the registered commands (cli/command.h), prints the usage built
// from their synopses, and maps errors to one line and an exit code.
#include "cli/cli.h"

#include "analysis/report.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

std::string usage() {
  std::string text = "marketsim — discrete-event, agent-based market simulation\n\nUsage:\n";
  for (const CommandInfo& c : command_registry()) text += "  marketsim " + c.synopsis + "\n";
  text += "  marketsim --help | --version\n\nExit codes: 0 success, 2 bad input, 1 internal error, 130 SIGINT, 143 SIGTERM.\n";
  return text;
}

}  // namespace

int marketsim_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    register_builtin_commands();
    if (args.empty()) {
      err << usage();
      return kExitBadInput;
    }
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "--help" || command == "-h" || command == "help") {
      out << usage() << "\n" << run_options() << "\n";
      return kExitOk;
    }
    if (command == "--version") {
      out << "marketsim " << marketsim_version() << " (" << marketsim_commit() << ")\n";
      return kExitOk;
    }
    for (const CommandInfo& c : command_registry()) {
      if (c.name == command) return c.run(rest, out, err);
    }
    std::string valid;
    for (const CommandInfo& c : command_registry()) valid += (valid.empty() ? "" : ", ") + c.name;
    throw UsageError("unknown command " + json_quoted(command) + "; Valid values are: " + valid);
  } catch (const ScenarioError& e) {
    err << "error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const UsageError& e) {
    err << "error: " << e.what() << " (see marketsim --help)\n";
    return kExitBadInput;
  } catch (const RangeError& e) {
    err << "error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const InvariantViolation& e) {
    err << "internal error: invariant violated: " << e.what() << "\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    err << "internal error: " << one_line(e.what()) << "\n";
    return kExitInternal;
  }
}

}  // namespace marketsim
