#include "strategies/registry.h"

#include <mutex>

namespace marketsim {

StrategyRegistry<PricingStrategy>& pricing_registry() {
  static StrategyRegistry<PricingStrategy> r("pricing", "strategy");
  return r;
}
StrategyRegistry<PromotionStrategy>& promotion_registry() {
  static StrategyRegistry<PromotionStrategy> r("promotion", "strategy");
  return r;
}
StrategyRegistry<Recommender>& recommender_registry() {
  static StrategyRegistry<Recommender> r("recommendation", "strategy");
  return r;
}
StrategyRegistry<ReplenishmentPolicy>& replenishment_registry() {
  static StrategyRegistry<ReplenishmentPolicy> r("replenishment", "strategy");
  return r;
}

void register_builtin_strategies() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_fixed_pricing();
    register_no_promotion();
    register_percent_off();
    register_coupon();
    register_notify();
    register_random_recommender();
    register_popular_plus_random();
    register_order_up_to();
    register_s_S();
  });
}

}  // namespace marketsim
