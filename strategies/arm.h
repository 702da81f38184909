#pragma once
// An arm: one counterfactual world. Every seller of the market runs its own strategies in it, one
// per family (any number of promotions).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/params.h"
#include "strategies/consumer_groups.h"
#include "strategies/registry.h"
#include "strategies/stacking.h"

namespace marketsim {

/// A strategy chosen in a scenario: its registered name and validated parameters.
using StrategySpec = ComponentSpec;

/// One entry of a seller's replenishment: a policy for the offers (and warehouses) it picks. The
/// first entry that picks a (warehouse, offer) plans it; each warehouse runs its own instance.
struct PlannerRule {
  Json products = "all";                // a validated product selector
  std::vector<std::string> warehouses;  // warehouse names (empty: every warehouse)
  StrategySpec policy;
};

/// The strategies one seller runs in one arm.
struct SellerStrategySpec {
  StrategySpec pricing;
  std::vector<StrategySpec> promotions;
  StrategySpec recommendation;
  std::vector<PlannerRule> replenishment;  // at least one; "replenishment" as one object is one rule for all
  /// The seller's stock points (set by the loader from /market/sellers): each runs its own
  /// instance of every rule.
  std::size_t warehouses = 1;
  Stacking stacking;  // how its promotions' discounts combine
  /// Its pricing's PricingStrategy::fixed_price_factor(), recorded by the loader.
  std::optional<double> fixed_price_factor;
};

struct ArmSpec {
  std::string name;
  bool baseline = false;
  std::vector<SellerStrategySpec> sellers;  // one per market seller, in the market's order
  std::vector<ConsumerGroup> groups;        // its consumer groups (strategies/consumer_groups.h)
};

/// One seller's strategies, instantiated for one run (strategies may keep state).
struct SellerStrategies {
  std::unique_ptr<PricingStrategy> pricing;
  std::vector<std::unique_ptr<PromotionStrategy>> promotions;
  std::unique_ptr<Recommender> recommender;
  /// Its planners: rule r's instance for warehouse w at r * warehouses + w.
  std::vector<std::unique_ptr<ReplenishmentPolicy>> replenishment;
  std::vector<PlannerRule> rules;  // what each rule plans
  std::size_t warehouses = 1;
  Stacking stacking;

  /// Every strategy of the seller, in family order (pricing, promotions, recommendation,
  /// replenishment): the order in which they receive signals.
  std::vector<Strategy*> all() const;
};

/// The strategies of one arm, instantiated for one run.
struct Arm {
  std::vector<SellerStrategies> sellers;
  std::vector<ConsumerGroup> groups;
};

/// Builds every seller's strategies through the registries (names were validated by the loader).
/// `ctx` is the build context of seller 0; each seller gets its own copy with its id.
Arm instantiate_arm(const ArmSpec& spec, const BuildContext& ctx);

/// Builds one strategy through its family's registry.
template <typename Interface>
std::unique_ptr<Interface> make_strategy(const StrategyRegistry<Interface>& registry, const StrategySpec& spec,
                                         const BuildContext& ctx);

}  // namespace marketsim
