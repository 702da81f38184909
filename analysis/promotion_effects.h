#pragma once
// Promotion effects of an arm against the baseline, from daily units (MODEL.md "Choice":
// stockpiling lowers purchases after a promotion ends):
//   bump                extra units during the promotion window, arm - baseline;
//   dip                 units lost in the `after_days` days after it, baseline - arm;
//   pull_forward_share  dip / bump.
// Each per replication (common random numbers), then a mean and confidence interval over the
// replications. The window is [earliest start, latest end) of the arm's promotions that declare
// both a "start" and a finite "end" (percent_off), whole days; the after window is clipped to
// the horizon.
#include <optional>

#include "analysis/experiment_result.h"
#include "analysis/statistics.h"
#include "scenarios/scenario.h"

namespace marketsim {

struct PromotionWindow {
  Day start;      // first day of the promotion
  Day end;        // first day after it
  Day after_end;  // first day after the after window
};

struct PromotionEffects {
  PromotionWindow window;
  Interval bump;
  Interval dip;
  Interval pull_forward_share;
};

/// The arm's promotion window, or nullopt when it has no promotion with a start and an end
/// within the horizon.
std::optional<PromotionWindow> promotion_window(const ArmSpec& arm, Day horizon_days, Day after_days = 28);

/// Effects of arm `arm` against the scenario's baseline (nullopt: no promotion window, or the
/// arm is the baseline).
std::optional<PromotionEffects> promotion_effects(const Scenario& scenario, const ExperimentResult& result,
                                                  std::size_t arm, Day after_days = 28);

}  // namespace marketsim
