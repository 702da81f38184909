#include "strategies/registry.h"

#include <mutex>

namespace marketsim {

Registry<PricingStrategy>& pricing_registry() {
  static Registry<PricingStrategy> r("pricing");
  return r;
}
Registry<PromotionStrategy>& promotion_registry() {
  static Registry<PromotionStrategy> r("promotion");
  return r;
}
Registry<Recommender>& recommender_registry() {
  static Registry<Recommender> r("recommendation");
  return r;
}
Registry<ReplenishmentPolicy>& replenishment_registry() {
  static Registry<ReplenishmentPolicy> r("replenishment");
  return r;
}

void register_builtin_strategies() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_fixed_pricing();
    register_no_promotion();
    register_percent_off();
    register_random_recommender();
    register_popular_plus_random();
    register_order_up_to();
    register_s_S();
  });
}

}  // namespace marketsim
