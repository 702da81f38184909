#include "strategies/arm.h"

#include "sim/error.h"

namespace marketsim {
namespace {

template <typename Interface>
std::unique_ptr<Interface> make(Registry<Interface>& registry, const StrategySpec& spec,
                                const BuildContext& ctx) {
  const auto* info = registry.find(spec.name);
  if (info == nullptr) {
    throw Error("unknown " + registry.family() + " strategy \"" + spec.name +
                "\"; Valid values are: " + registry.names());
  }
  return info->make(spec.params, ctx);
}

}  // namespace

Arm instantiate_arm(const ArmSpec& spec, const BuildContext& ctx) {
  register_builtin_strategies();
  Arm arm;
  arm.pricing = make(pricing_registry(), spec.pricing, ctx);
  for (const auto& p : spec.promotions) arm.promotions.push_back(make(promotion_registry(), p, ctx));
  arm.recommender = make(recommender_registry(), spec.recommendation, ctx);
  arm.replenishment = make(replenishment_registry(), spec.replenishment, ctx);
  return arm;
}

}  // namespace marketsim
