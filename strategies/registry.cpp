#include "strategies/registry.h"

#include <mutex>

namespace marketsim {

StrategyRegistry<PricingStrategy>& pricing_registry() {
  static StrategyRegistry<PricingStrategy> r("pricing", "strategy");
  return r;
}
PromotionRegistry& promotion_registry() {
  static PromotionRegistry r("promotion", "strategy");
  return r;
}

bool PromotionRegistry::shared_param(const std::string& name) {
  for (const ParamSpec& spec : campaign_params()) {
    if (spec.name == name) return true;
  }
  return false;
}

void PromotionRegistry::add(Info info) {
  for (const ParamSpec& spec : info.params) {
    if (shared_param(spec.name)) {
      throw Error("promotion \"" + info.name + "\" declares \"" + spec.name +
                  "\", a parameter every promotion shares (strategies/campaign.h)");
    }
  }
  info.params.insert(info.params.end(), campaign_params().begin(), campaign_params().end());
  info.make = [make = std::move(info.make)](const Json& params, const BuildContext& ctx) {
    std::unique_ptr<PromotionStrategy> promotion = make(params, ctx);
    promotion->set_campaign(parse_campaign(params, promotion->span(), promotion->capability<ScalableDepth>() != nullptr));
    return promotion;
  };
  StrategyRegistry<PromotionStrategy>::add(std::move(info));
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
    register_dynamic_pricing();
    register_competitor_reactive();
    register_rule_pricing();
    register_thompson_pricing();
    register_gallego_van_ryzin();
    register_no_promotion();
    register_percent_off();
    register_coupon();
    register_notify();
    register_threshold();
    register_bogo();
    register_bundle();
    register_gift();
    register_flash_sale();
    register_festival();
    register_member_price();
    register_points();
    register_random_recommender();
    register_popular_plus_random();
    register_popular_recommender();
    register_item_cf();
    register_user_cf();
    register_als_recommender();
    register_segment_popular();
    register_linucb();
    register_rerank();
    register_order_up_to();
    register_s_S();
    register_forecast();
    register_base_stock();
    register_r_Q();
    register_no_replenishment();
  });
}

}  // namespace marketsim
