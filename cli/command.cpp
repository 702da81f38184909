#include "cli/command.h"

#include <mutex>

namespace marketsim {

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

void add_command(CommandInfo info) {
  std::vector<CommandInfo>& r = command_registry();
  for (CommandInfo& e : r) {
    if (e.name == info.name) {
      e = std::move(info);
      return;
    }
  }
  r.push_back(std::move(info));
}

void register_builtin_commands() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_run_command();
    register_validate_command();
    register_list_command();
  });
}

}  // namespace marketsim
