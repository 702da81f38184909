#include "strategies/arm.h"

#include "sim/error.h"

namespace marketsim {

template <typename Interface>
std::unique_ptr<Interface> make_strategy(const StrategyRegistry<Interface>& registry, const StrategySpec& spec,
                                         const BuildContext& ctx) {
  const auto* info = registry.find(spec.name);
  if (info == nullptr) {
    throw Error("unknown " + registry.family() + " strategy \"" + spec.name +
                "\"; Valid values are: " + registry.names());
  }
  std::unique_ptr<Interface> made = info->make(spec.params, ctx);
  made->set_name(spec.name);
  return made;
}

template std::unique_ptr<PricingStrategy> make_strategy(const StrategyRegistry<PricingStrategy>&,
                                                        const StrategySpec&, const BuildContext&);
template std::unique_ptr<PromotionStrategy> make_strategy(const StrategyRegistry<PromotionStrategy>&,
                                                          const StrategySpec&, const BuildContext&);
template std::unique_ptr<Recommender> make_strategy(const StrategyRegistry<Recommender>&, const StrategySpec&,
                                                    const BuildContext&);
template std::unique_ptr<ReplenishmentPolicy> make_strategy(const StrategyRegistry<ReplenishmentPolicy>&,
                                                            const StrategySpec&, const BuildContext&);

std::vector<Strategy*> SellerStrategies::all() const {
  std::vector<Strategy*> out{pricing.get()};
  for (const auto& p : promotions) out.push_back(p.get());
  out.push_back(recommender.get());
  for (const auto& r : replenishment) out.push_back(r.get());
  return out;
}

Arm instantiate_arm(const ArmSpec& spec, const BuildContext& ctx) {
  register_builtin_strategies();
  Arm arm;
  arm.groups = spec.groups;
  for (std::size_t s = 0; s < spec.sellers.size(); ++s) {
    BuildContext seller_ctx = ctx;
    seller_ctx.seller = static_cast<SellerId>(s);
    const SellerStrategySpec& ss = spec.sellers[s];
    SellerStrategies out;
    out.pricing = make_strategy(pricing_registry(), ss.pricing, seller_ctx);
    for (std::size_t p = 0; p < ss.promotions.size(); ++p) {
      BuildContext promotion_ctx = seller_ctx;
      promotion_ctx.promotion = static_cast<std::int32_t>(p);
      out.promotions.push_back(make_strategy(promotion_registry(), ss.promotions[p], promotion_ctx));
    }
    out.recommender = make_strategy(recommender_registry(), ss.recommendation, seller_ctx);
    for (const PlannerRule& rule : ss.replenishment) {
      for (std::size_t w = 0; w < ss.warehouses; ++w) {
        out.replenishment.push_back(make_strategy(replenishment_registry(), rule.policy, seller_ctx));
      }
    }
    out.warehouses = ss.warehouses;
    out.rules = ss.replenishment;
    out.stacking = ss.stacking;
    arm.sellers.push_back(std::move(out));
  }
  return arm;
}

}  // namespace marketsim
