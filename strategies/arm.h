#pragma once
// An arm: a named bundle of strategies, one per family (any number of promotions).
#include <memory>
#include <string>
#include <vector>

#include "sim/params.h"
#include "strategies/registry.h"

namespace marketsim {

/// A strategy chosen in a scenario: its registered name and validated parameters.
struct StrategySpec {
  std::string name;
  Json params;  // defaults filled in
};

struct ArmSpec {
  std::string name;
  bool baseline = false;
  StrategySpec pricing;
  std::vector<StrategySpec> promotions;
  StrategySpec recommendation;
  StrategySpec replenishment;
};

/// The strategies of one arm, instantiated for one run (strategies may keep state).
struct Arm {
  std::unique_ptr<PricingStrategy> pricing;
  std::vector<std::unique_ptr<PromotionStrategy>> promotions;
  std::unique_ptr<Recommender> recommender;
  std::unique_ptr<ReplenishmentPolicy> replenishment;
};

/// Builds the arm's strategies through the registries (names were validated by the loader).
Arm instantiate_arm(const ArmSpec& spec, const BuildContext& ctx);

}  // namespace marketsim
