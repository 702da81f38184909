#pragma once
// The strategy registries (sim/registry.h): one per family, each entry {name, description,
// declared parameters, factory}, filled by an explicit register_builtin_strategies() call.
#include "sim/error.h"
#include "sim/params.h"
#include "sim/registry.h"
#include "strategies/context.h"
#include "strategies/pricing.h"
#include "strategies/promotion.h"
#include "strategies/recommender.h"
#include "strategies/replenishment.h"

namespace marketsim {

template <typename Interface>
using StrategyInfo = ComponentInfo<Interface, BuildContext>;
template <typename Interface>
using StrategyRegistry = Registry<Interface, BuildContext>;

/// The promotion registry: add() appends the parameters every promotion shares (strategies/
/// campaign.h: budget, daily_cap, pacing, campaign span, holdout, monitor) to the entry's schema
/// and wraps its factory so that the built promotion carries its Campaign. An entry may not
/// declare a shared parameter itself.
class PromotionRegistry : public StrategyRegistry<PromotionStrategy> {
 public:
  using StrategyRegistry<PromotionStrategy>::StrategyRegistry;
  void add(Info info);
  /// Whether `name` is one of the shared parameters (for listings).
  static bool shared_param(const std::string& name);
};

StrategyRegistry<PricingStrategy>& pricing_registry();
PromotionRegistry& promotion_registry();
StrategyRegistry<Recommender>& recommender_registry();
StrategyRegistry<ReplenishmentPolicy>& replenishment_registry();

/// Registers every built-in strategy; idempotent and cheap to call again.
void register_builtin_strategies();

// Registration functions of the built-in strategies, one per implementation file.
void register_fixed_pricing();
void register_dynamic_pricing();
void register_competitor_reactive();
void register_rule_pricing();
void register_thompson_pricing();
void register_gallego_van_ryzin();
void register_no_promotion();
void register_percent_off();
void register_coupon();
void register_notify();
void register_threshold();
void register_bogo();
void register_bundle();
void register_gift();
void register_flash_sale();
void register_festival();
void register_member_price();
void register_points();
void register_random_recommender();
void register_popular_plus_random();
void register_popular_recommender();
void register_item_cf();
void register_user_cf();
void register_als_recommender();
void register_segment_popular();
void register_linucb();
void register_rerank();
void register_order_up_to();
void register_s_S();
void register_forecast();
void register_base_stock();
void register_r_Q();
void register_no_replenishment();

}  // namespace marketsim
