// Replenishment "order_up_to" (REFERENCE_MARKET.md): forecast f = mean daily demand (units sold +
// lost sales) over the last min(d, forecast_days) days; level S = ceil(cover * f * (L + R)), with R
// the review period (review_days; 0 under continuous review); at each review, order S - position
// when positive (position = on hand + on order - back-orders). Periodic review orders only on its
// review days (every day by default). Initial stock uses the prior forecast
// f0 = initial_demand_per_visit * expected visits per day / offers in the marketplace.
#include <algorithm>
#include <cmath>

#include "strategies/registry.h"
#include "strategies/replenishment/review.h"

namespace marketsim {
namespace {

class OrderUpTo final : public ReplenishmentPolicy {
 public:
  OrderUpTo(Day forecast_days, double cover, Review review, std::int64_t lead_time, double prior_forecast)
      : forecast_days_(forecast_days),
        cover_(cover),
        review_(review),
        horizon_(static_cast<double>(lead_time) + review.period()),
        prior_forecast_(prior_forecast) {}

  LogNeeds needs() const override { return LogNeeds{.lookback_days = forecast_days_}; }

  Units initial_stock(OfferId) const override { return level(prior_forecast_); }
  Review review() const override { return review_; }

  Units order_quantity(const InventoryView& v) override {
    // Periodic review orders only on its review days, whoever asks.
    if (review_.kind == Review::Kind::kPeriodic && !review_.due(v.day)) return 0;
    const Day days = std::min(v.day, forecast_days_);
    if (days <= 0) return 0;
    std::uint64_t demand = 0;
    for (Day d = v.day - days; d < v.day; ++d) demand += v.log.demand(d, v.offer);
    const Units target = level(static_cast<double>(demand) / static_cast<double>(days));
    const Units position = v.position();
    return target > position ? target - position : 0;
  }

 private:
  Units level(double forecast) const {
    return static_cast<Units>(std::ceil(cover_ * forecast * horizon_));
  }
  Day forecast_days_;
  double cover_;
  Review review_;
  double horizon_;  // L + R, days
  double prior_forecast_;
};

}  // namespace

void register_order_up_to() {
  replenishment_registry().add({
      "order_up_to",
      "Forecast-driven order-up-to: level = ceil(cover * forecast * (lead time + review period)), ordered on "
      "review days.",
      with_review({
          {.name = "forecast_days", .type = ParamType::kInteger, .default_value = 7, .min = 1,
           .max = 365, .description = "days of demand averaged into the forecast"},
          {.name = "cover", .type = ParamType::kNumber, .default_value = 1.5, .min = 0.0,
           .max = 100.0, .description = "safety multiplier on forecast demand over the horizon"},
          {.name = "initial_demand_per_visit", .type = ParamType::kNumber, .default_value = 0.3,
           .min = 0.0, .max = 1.0,
           .description = "prior units per visit that sets the initial forecast"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        const double prior = p["initial_demand_per_visit"].get<double>() *
                             ctx.expected_visits_per_day /
                             static_cast<double>(ctx.offers.size());
        return std::make_unique<OrderUpTo>(p["forecast_days"].get<Day>(), p["cover"].get<double>(),
                                           parse_review(p), ctx.lead_time_days, prior);
      },
      examples_from(R"([{"forecast_days": 5, "cover": 1.5, "review_days": 2, "initial_demand_per_visit": 0.3}])"),
  });
}

}  // namespace marketsim
