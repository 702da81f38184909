#include "cli/command.h"

#include <mutex>

#include "sim/registry.h"

namespace marketsim {

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

void add_command(CommandInfo info) { add_or_replace(command_registry(), std::move(info)); }

void register_builtin_commands() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_run_command();
    register_sweep_command();
    register_optimize_command();
    register_abtest_command();
    register_recommend_eval_command();
    register_calibrate_command();
    register_validate_fit_command();
    register_report_command();
    register_validate_command();
    register_list_command();
  });
}

}  // namespace marketsim
