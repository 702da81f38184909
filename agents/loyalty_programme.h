#pragma once
// What a loyalty programme module (membership) offers the rest of a run: its tiers and its points
// account. A module offers them by implementing these interfaces besides Behaviour; whoever needs
// them asks the run's modules for the capability (Behaviour::capability<T>(), ns-3's
// GetObject<T>), so Behaviour itself names neither tiers nor points.
#include <cstdint>

#include "agents/behaviour.h"

namespace marketsim {

/// The commands a loyalty programme module handles: points granted (value: points) and a tier set
/// (value: the tier).
inline CommandKind grant_points_command() {
  static const CommandKind k = command_kind("grant_points");
  return k;
}
inline CommandKind set_tier_command() {
  static const CommandKind k = command_kind("set_tier");
  return k;
}
inline void grant_points(CommandSink& sink, ConsumerId consumer, std::int64_t points, Money cost = 0) {
  static const CostKind fee = cost_kind("fee");
  sink.issue(grant_points_command(), consumer, cost, fee, points);
}
inline void set_tier(CommandSink& sink, ConsumerId consumer, std::int64_t tier) {
  static const CostKind fee = cost_kind("fee");
  sink.issue(set_tier_command(), consumer, 0, fee, tier);
}

/// Membership tiers a module keeps: member prices ask for them.
class TierSource {
 public:
  /// Consumer c's tier (0: no status); c belongs to `shard`.
  virtual int tier(const ShardContext& shard, ConsumerId c) const = 0;

 protected:
  ~TierSource() = default;
};

/// Loyalty points a module keeps: a points promotion redeems them at settlement (on one thread).
class PointsAccount {
 public:
  /// What one point is worth, in cents.
  virtual double point_value_cents() const = 0;
  /// Consumer c's balance (points); c belongs to `shard`.
  virtual std::int64_t balance(const ShardContext& shard, ConsumerId c) const = 0;
  /// Takes `points` from consumer c's balance (never below 0).
  virtual void redeem(const ShardContext& shard, ConsumerId c, std::int64_t points) const = 0;

 protected:
  ~PointsAccount() = default;
};

}  // namespace marketsim
