// Metrics "revenue_per_impression" and "contribution_per_impression": the marketplace's revenue
// and contribution (gross profit - promotion costs that are not discounts) per offer shown
// (every shown slot: recommendations, featured and mechanics' offers, browsing;
// DayRecord::slot_impressions), in currency; the totals are ratios of sums over the measured days.
// With ctr and conversion_per_impression they are the funnel's value per impression that
// recommenders are compared by (a list that converts more of what it shows earns more per slot).
#include <limits>

#include "analysis/metric.h"

namespace marketsim {
namespace {

class PerImpression final : public MetricCollector {
 public:
  explicit PerImpression(const MetricContext& ctx) : warmup_(ctx.warmup_days) {}

  void on_day_end(const DayRecord& day, std::span<double> values) override {
    double shown = 0;
    for (std::uint64_t n : day.slot_impressions) shown += static_cast<double>(n);
    const auto revenue = static_cast<double>(day.market.revenue) / 100.0;
    const auto contribution = static_cast<double>(day.market.revenue - day.market.cogs - day.market.promotion_costs()) / 100.0;
    values[0] = shown > 0 ? revenue / shown : std::numeric_limits<double>::quiet_NaN();
    values[1] = shown > 0 ? contribution / shown : std::numeric_limits<double>::quiet_NaN();
    if (day.day >= warmup_) {
      shown_ += shown;
      revenue_ += revenue;
      contribution_ += contribution;
    }
  }

  void totals(std::span<double> totals) const override {
    totals[0] = shown_ > 0 ? revenue_ / shown_ : std::numeric_limits<double>::quiet_NaN();
    totals[1] = shown_ > 0 ? contribution_ / shown_ : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  Day warmup_;
  double shown_ = 0, revenue_ = 0, contribution_ = 0;
};

}  // namespace

void register_per_impression_metrics() {
  metric_registry().push_back(
      CollectorInfo{"per_impression",
                    "revenue and contribution per offer shown",
                    kSignalDays,
                    {MetricInfo{.name = "revenue_per_impression", .description = "revenue per offer shown (currency)",
                                .unit = MetricUnit::kCount, .totaling = Totaling::kCollector},
                     MetricInfo{.name = "contribution_per_impression",
                                .description = "contribution (gross profit - promotion costs) per offer shown (currency)",
                                .unit = MetricUnit::kCount, .totaling = Totaling::kCollector}},
                    {},
                    [](const MetricContext& ctx) { return std::make_unique<PerImpression>(ctx); }}
          .with_breakdown(kBreakdownTotal, "impressions are counted by slot for the whole market, not by seller, category or segment")
          .with_example("{}"));
}

}  // namespace marketsim
