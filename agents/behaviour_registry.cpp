#include <mutex>

#include "agents/behaviour.h"
#include "sim/error.h"

namespace marketsim {

// Registration functions of the built-in modules, one per implementation file.
void register_calendar();
void register_quality_learning();
void register_reference_price();
void register_basket();
void register_household_stock();
void register_quantity();
void register_loyalty();
void register_membership();
void register_engagement();
void register_word_of_mouth();
void register_clicks();
void register_lifecycle();

BehaviourRegistry& behaviour_registry() {
  static BehaviourRegistry r("behaviour", "module");
  return r;
}

void register_builtin_behaviours() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_calendar();
    register_quality_learning();
    register_reference_price();
    register_basket();
    register_household_stock();
    register_quantity();
    register_loyalty();
    register_membership();
    register_engagement();
    register_word_of_mouth();
    register_clicks();
    register_lifecycle();
  });
}

std::vector<std::unique_ptr<Behaviour>> instantiate_behaviours(const std::vector<ComponentSpec>& specs,
                                                               const BehaviourContext& ctx) {
  register_builtin_behaviours();
  std::vector<std::unique_ptr<Behaviour>> out;
  for (const auto& spec : specs) {
    const BehaviourInfo* info = behaviour_registry().find(spec.name);
    if (info == nullptr) {
      throw Error("unknown behaviour module \"" + spec.name + "\"; Valid values are: " +
                  behaviour_registry().names());
    }
    out.push_back(info->make(spec.params, ctx));
    out.back()->set_name(spec.name);
  }
  return out;
}

}  // namespace marketsim
