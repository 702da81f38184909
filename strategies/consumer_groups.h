#pragma once
// An arm's consumer groups (an A/B test's treatment and control, a staged roll-out): consumers
// split at random by a hash of (seed, replication, consumer) into named groups with given shares,
// the rest in the implicit group "others". A promotion scoped to a group ("group": NAME, a
// campaign parameter: strategies/campaign.h) reaches only that group's consumers, the way a
// holdout keeps consumers out (the engine keeps the others out of it: engine/campaigns.cpp), and
// the run reports its line metrics per group (RunResult::group_days, groups.csv). Every promotion
// of a run sees the same split, unlike holdouts, which are drawn per promotion.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "market/population.h"
#include "sim/rng.h"

namespace marketsim {

struct ConsumerGroup {
  std::string name;
  double share = 0.0;  // of all consumers, in (0, 1]; the groups' shares sum to at most 1
};

/// The name of the implicit group of the consumers in none of an arm's groups.
inline constexpr const char* kOtherConsumers = "others";

/// Which group each consumer is in, for one run.
class GroupAssignment {
 public:
  GroupAssignment() = default;
  GroupAssignment(const std::vector<ConsumerGroup>& groups, std::uint64_t seed, std::uint64_t replication)
      : keys_(seed, replication, Purpose::kGroup) {
    double cumulative = 0.0;
    for (const ConsumerGroup& g : groups) {
      cumulative += g.share;
      bounds_.push_back(cumulative);
    }
  }
  /// The arm's groups plus the implicit "others".
  std::size_t groups() const { return bounds_.size() + 1; }
  bool any() const { return !bounds_.empty(); }
  /// Consumer c's group: an index into the arm's groups, or groups() - 1 for "others".
  std::size_t of(ConsumerId c) const {
    const double u = static_cast<double>(keys_.key(c) >> 11) * 0x1.0p-53;
    std::size_t g = 0;
    while (g < bounds_.size() && !(u < bounds_[g])) ++g;
    return g;
  }

 private:
  StreamFamily keys_{0, 0, Purpose::kGroup};
  std::vector<double> bounds_;  // cumulative shares
};

}  // namespace marketsim
