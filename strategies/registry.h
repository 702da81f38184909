#pragma once
// The strategy registries: one per family, each entry {name, description, declared parameters,
// factory}. Registries live behind function-local statics and are filled by an explicit
// register_builtin_strategies() call (not by static constructors the linker may drop).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/error.h"
#include "sim/params.h"
#include "strategies/context.h"
#include "strategies/pricing.h"
#include "strategies/promotion.h"
#include "strategies/recommender.h"
#include "strategies/replenishment.h"

namespace marketsim {

template <typename Interface>
struct StrategyInfo {
  std::string name;
  std::string description;
  ParamSchema params;
  /// Builds the strategy from validated parameters (defaults filled in).
  std::function<std::unique_ptr<Interface>(const Json& params, const BuildContext& ctx)> make;
};

template <typename Interface>
class Registry {
 public:
  explicit Registry(std::string family) : family_(std::move(family)) {}
  void add(StrategyInfo<Interface> info) {
    for (auto& e : entries_) {
      if (e.name == info.name) {
        e = std::move(info);
        return;
      }
    }
    entries_.push_back(std::move(info));
  }
  const StrategyInfo<Interface>* find(const std::string& name) const {
    for (const auto& e : entries_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
  /// "\"a\", \"b\"": the registered names, for error messages.
  std::string names() const {
    std::string out;
    for (const auto& e : entries_) out += (out.empty() ? "\"" : ", \"") + e.name + "\"";
    return out;
  }
  const std::vector<StrategyInfo<Interface>>& entries() const { return entries_; }
  const std::string& family() const { return family_; }

 private:
  std::string family_;
  std::vector<StrategyInfo<Interface>> entries_;
};

Registry<PricingStrategy>& pricing_registry();
Registry<PromotionStrategy>& promotion_registry();
Registry<Recommender>& recommender_registry();
Registry<ReplenishmentPolicy>& replenishment_registry();

/// Registers every built-in strategy; idempotent and cheap to call again.
void register_builtin_strategies();

// Registration functions of the built-in strategies, one per implementation file.
void register_fixed_pricing();
void register_no_promotion();
void register_percent_off();
void register_random_recommender();
void register_popular_plus_random();
void register_order_up_to();
void register_s_S();

}  // namespace marketsim
