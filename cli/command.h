#pragma once
// Subcommands as registered entries: {name, synopsis, description, run}. A new command (sweep,
// optimize, report, calibrate, lab) is a file in cli/commands/ plus a registry line
// (register_builtin_commands); marketsim_main (cli/cli.cpp) dispatches by name, builds the usage
// text from the synopses, and maps errors to exit codes. A command that runs simulations goes
// through the run unit (experiments/), never a loop of its own.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace marketsim {

/// Exit codes: 0 success, 2 bad input (scenario, flags), 1 internal error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

struct CommandInfo {
  std::string name;
  /// Its usage after "marketsim " (continuation lines indented to line up), e.g.
  /// "validate SCENARIO [--set /json/pointer=VALUE]...".
  std::string synopsis;
  std::string description;  // one line
  /// Runs it on the arguments after its name; returns the exit code. Throws ScenarioError,
  /// UsageError or RangeError for bad input (exit 2), anything else for an internal error.
  std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)> run;
  /// Example argument lists (after the name), at least one per command, each exiting 0: the
  /// conformance suite (tests/test_conformance.cpp) runs them, "{scenario}" standing for a tiny
  /// scenario file, "{sweep}" for a sweep of two points over it, "{optimize}" for an optimisation
  /// of it (a few evaluations), "{abtest}" for an A/B test design over it (a few tests), "{log}" for a tiny transaction log (recommend-eval), "{fit}" for
  /// `calibrate`'s output directory on that log, and "{dir}" for a fresh output
  /// directory, "{run}" for the output directory of a run of that scenario.
  std::vector<std::vector<std::string>> examples = {};
};

/// The registered commands, in registration order (the order of the usage text). Adding an entry
/// of an existing name replaces it.
std::vector<CommandInfo>& command_registry();
void add_command(CommandInfo info);
/// Registers the built-in commands; idempotent.
void register_builtin_commands();

// Registration functions of the built-in commands, one per file in cli/commands/.
void register_run_command();
void register_validate_command();
void register_list_command();
void register_sweep_command();
void register_report_command();
void register_optimize_command();
void register_abtest_command();
void register_recommend_eval_command();
void register_calibrate_command();
void register_validate_fit_command();

}  // namespace marketsim
