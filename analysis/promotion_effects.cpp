#include "analysis/promotion_effects.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace marketsim {

std::optional<PromotionWindow> promotion_window(const ArmSpec& arm, Day horizon_days, Day after_days) {
  double start = std::numeric_limits<double>::infinity();
  double end = -std::numeric_limits<double>::infinity();
  for (const SellerStrategySpec& seller : arm.sellers) {
    for (const ComponentSpec& p : seller.promotions) {
      // Its own window (start, end) within its campaign's span (campaign_start, campaign_end).
      if (!p.params.is_object()) continue;
      const auto number = [&](const char* key) -> std::optional<double> {
        if (!p.params.contains(key) || !p.params[key].is_number()) return std::nullopt;
        return p.params[key].get<double>();
      };
      std::optional<double> own_start = number("start"), own_end = number("end");
      if (!own_start || !own_end) own_start = own_end = std::nullopt;
      const std::optional<double> campaign_start = number("campaign_start"), campaign_end = number("campaign_end");
      if (!own_end && !campaign_end) continue;
      const double s = std::max(own_start.value_or(0.0), campaign_start.value_or(0.0));
      const double e = own_end && campaign_end ? std::min(*own_end, *campaign_end) : own_end ? *own_end : *campaign_end;
      if (!(e <= static_cast<double>(horizon_days))) continue;  // never ends within the run: no "after"
      start = std::min(start, s);
      end = std::max(end, e);
    }
  }
  if (!(end > start)) return std::nullopt;
  PromotionWindow w;
  w.start = static_cast<Day>(std::floor(start));
  w.end = static_cast<Day>(std::ceil(end));
  w.after_end = std::min<Day>(w.end + after_days, horizon_days);
  return w;
}

std::optional<PromotionEffects> promotion_effects(const Scenario& sc, const ExperimentResult& result,
                                                  std::size_t arm, Day after_days) {
  if (arm == sc.baseline) return std::nullopt;
  const auto window = promotion_window(sc.arms[arm], sc.horizon_days, after_days);
  if (!window) return std::nullopt;
  const std::size_t units = metric_index("units");
  const auto sum = [&](const RunResult& run, Day from, Day to) {
    double u = 0.0;
    for (const DailyRow& d : run.daily) u += (d.day >= from && d.day < to) ? d.values[units] : 0.0;
    return u;
  };
  const auto reps = static_cast<std::size_t>(sc.replications);
  std::vector<double> bump, dip, share;
  for (std::size_t r = 0; r < reps; ++r) {
    const RunResult& a = result.runs[arm * reps + r];
    const RunResult& b = result.runs[sc.baseline * reps + r];
    bump.push_back(sum(a, window->start, window->end) - sum(b, window->start, window->end));
    dip.push_back(sum(b, window->end, window->after_end) - sum(a, window->end, window->after_end));
    share.push_back(bump.back() != 0.0 ? dip.back() / bump.back() : std::nan(""));
  }
  return PromotionEffects{*window, mean_interval(bump), mean_interval(dip), mean_interval(share)};
}

}  // namespace marketsim
