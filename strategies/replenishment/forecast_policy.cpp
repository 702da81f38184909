// Replenishment "forecast": an order-up-to policy on a daily demand forecast with a safety stock
// from the forecast's own error (MODEL.md "Inventory"). At a review of day d, with mean lead time
// L, lead time sd sigma_L and review period R (0 under continuous review), H = L + R:
//   S  = sum of the forecasts of days d, d + 1, ... over H days (the last day for its share)
//        + z * sqrt(H * sigma_d^2 + dbar^2 * sigma_L^2),
// dbar = that sum / H, sigma_d = the root mean square of the forecast's one-step errors
// (exponentially weighted, forecast.h BaselineForecast); order max(0, ceil(S) - position).
// Forecasts (forecast.h): "moving_average", "exponential_smoothing" (Holt-Winters, weekly
// profile) or "promotion_aware" (a baseline fitted on days without promotion, times the lift of
// each future day the seller's promotion plan discounts, learnt per depth bucket for the offer,
// else pooled over the seller's offers of its category, else a prior exp(elasticity * depth)).
// On promoted days of the horizon the error sd scales with the lift: sigma_d^2 = error sd^2 *
// the horizon's mean squared lift.
//
// The prior lift exp(e * depth) has price elasticity e at small depths. Its default e = 4 is about
// 1.5 times the mean price elasticity of the meta-analysis of Bijmolt, van Heerde & Pieters (New
// empirical generalizations on the determinants of price elasticity, JMR 42(2), 2005: -2.62 over
// 1,851 estimates), because a temporary price cut lifts sales by more than the regular elasticity
// implies: brand switching, purchase acceleration and stockpiling (Blattberg, Briesch & Fox, How
// promotions work, Marketing Science 14(3), 1995), and reference-price effects that make the
// immediate-term elasticity exceed the long-term one (Fibich, Gavious & Lowengart, JAMS 33(1),
// 2005). It gives 2.2 times the baseline at 20% off, 3.3 at 30%.
//
// State: per offer (forecast, error, lifts) and per category (pooled lifts), brought up to the
// day before the review at the seller's first review of a day, for every offer of the seller at
// once (so that the category pools do not depend on the order of the reviews), from the log's
// days since the last update. Days the log no longer holds are missing observations.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/concat.h"
#include "strategies/registry.h"
#include "strategies/replenishment/forecast.h"
#include "strategies/replenishment/review.h"

namespace marketsim {
namespace {

/// ceil(x) as units, at least 0; 1e-9 below an integer counts as the integer (rounding noise of
/// the sums must not order one unit more).
Units whole_units(double x) { return x > 0.0 ? static_cast<Units>(std::ceil(x - 1e-9)) : 0; }

class ForecastPolicy final : public ReplenishmentPolicy {
 public:
  ForecastPolicy(SellerForecast forecast, OfferId first_offer, double z, Review review, double build_lead_time,
                 double prior)
      : forecast_(std::move(forecast)), first_offer_(first_offer), z_(z), review_(review) {
    // Initial stock: the prior forecast f0 over H0 = L + R days (L the market's lead time, no
    // lead time variance known at build) plus the safety stock of a Poisson error sd sqrt(f0).
    const double horizon = build_lead_time + review_.period();
    const double safety = marketsim::safety_stock(z_, horizon, std::sqrt(prior), prior, 0.0);
    initial_ = whole_units(prior * horizon + safety);
    safety_.assign(forecast_.offers(), whole_units(safety));
  }

  LogNeeds needs() const override {
    // The forecasts keep their state between reviews, so the log has to hold only the days since
    // the last update (a review period) and a week's slack.
    const Day period = review_.kind == Review::Kind::kPeriodic ? static_cast<Day>(review_.days) : 1;
    return LogNeeds{.lookback_days = period + 7};
  }
  Review review() const override { return review_; }
  Units initial_stock(OfferId) const override { return initial_; }
  Units safety_stock(OfferId offer) const override {
    const std::size_t k = offer - first_offer_;
    return offer >= first_offer_ && k < safety_.size() ? safety_[k] : 0;
  }

  Units order_quantity(const InventoryView& v) override {
    if (v.offer < first_offer_ || v.offer - first_offer_ >= forecast_.offers()) {
      throw std::out_of_range(cat("forecast replenishment: offer ", std::to_string(v.offer), " is not the seller's"));
    }
    const std::size_t k = v.offer - first_offer_;
    catch_up(v.log, v.day, v.plan);
    const double lead = v.lead_time_mean > 0.0 ? v.lead_time_mean : static_cast<double>(v.lead_time_days);
    const double horizon = lead + review_.period();
    const auto depth = [&](Day t) { return v.plan != nullptr ? v.plan->depth(v.offer, t) : 0.0; };
    const double demand = horizon_demand([&](Day t) { return forecast_.forecast(k, t, depth(t)); }, v.day, horizon);
    const auto lift_squared = [&](Day t) {
      const double l = forecast_.lift(k, depth(t)).value;
      return l * l;
    };
    const double mean_lift_squared =
        horizon > 0.0 ? horizon_demand(lift_squared, v.day, horizon) / horizon : lift_squared(v.day);
    const double dbar = horizon > 0.0 ? demand / horizon : forecast_.forecast(k, v.day, depth(v.day));
    const double sigma_d = forecast_.error_sd(k) * std::sqrt(mean_lift_squared);
    const double safety = marketsim::safety_stock(z_, horizon, sigma_d, dbar, v.lead_time_sd);
    safety_[k] = whole_units(safety);
    const Units target = whole_units(demand + safety);
    const Units position = v.position();
    return target > position ? target - position : 0;
  }

 private:
  /// Observes every offer's days from the last update to day - 1.
  void catch_up(const PlatformLog& log, Day day, const PromotionPlan* plan) {
    if (day <= next_day_) return;
    const Day first = log.first_day();
    for (std::size_t k = 0; k < forecast_.offers(); ++k) {
      const auto offer = static_cast<OfferId>(first_offer_ + k);
      for (Day t = next_day_; t < day; ++t) {
        if (t < first || t >= log.days()) {
          forecast_.skip(k, t);
        } else {
          const double depth = plan != nullptr ? plan->depth(offer, t) : 0.0;
          forecast_.observe(k, t, static_cast<double>(log.demand(t, offer)), depth);
        }
      }
    }
    next_day_ = day;
  }

  SellerForecast forecast_;
  OfferId first_offer_;
  double z_;
  Review review_;
  Units initial_ = 0;
  std::vector<Units> safety_;  // per offer: the last planned safety stock, rounded up
  Day next_day_ = 0;           // the first day not yet observed
};

ForecastMethod method_named(const std::string& name) {
  return name == "moving_average" ? ForecastMethod::kMovingAverage : ForecastMethod::kExponentialSmoothing;
}

}  // namespace

void register_forecast() {
  replenishment_registry().add({
      "forecast",
      "Forecast-driven order-up-to: level = forecast demand over L + R + z * sqrt((L + R) * sigma_d^2 + dbar^2 * "
      "sigma_L^2); forecasts by moving average, Holt-Winters with a weekly profile, or promotion-aware lifts.",
      with_review({
          {.name = "method", .type = ParamType::kString, .default_value = "exponential_smoothing",
           .description = "the daily forecast: \"moving_average\", \"exponential_smoothing\" (Holt-Winters, additive "
                          "trend, multiplicative weekly profile) or \"promotion_aware\" (a baseline times learnt "
                          "promotion lifts)",
           .choices = {"moving_average", "exponential_smoothing", "promotion_aware"}},
          {.name = "baseline", .type = ParamType::kString, .default_value = "exponential_smoothing",
           .description = "promotion_aware: the baseline fitted on days without promotion",
           .choices = {"moving_average", "exponential_smoothing"}},
          {.name = "window", .type = ParamType::kInteger, .default_value = 14, .min = 1, .max = 365,
           .description = "moving_average: days averaged (observed days; promotion_aware: days without promotion)"},
          {.name = "alpha", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0, .max = 1.0,
           .description = "exponential_smoothing: level smoothing constant", .min_exclusive = true},
          {.name = "beta", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1.0,
           .description = "exponential_smoothing: trend smoothing constant (0: no trend)"},
          {.name = "gamma", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1.0,
           .description = "exponential_smoothing: weekly profile smoothing constant (0: no profile)"},
          {.name = "error_weight", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1.0,
           .description = "weight of the newest squared one-step error in the error's exponentially weighted mean",
           .min_exclusive = true},
          {.name = "z", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 10.0,
           .description = "safety factor (absent: from service_level; neither: service level 0.95)", .optional = true},
          {.name = "service_level", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.5, .max = 0.9999,
           .description = "cycle service level alpha: z = Phi^-1(alpha) (not with z)", .optional = true},
          {.name = "depth_buckets", .type = ParamType::kNumberList,
           .default_value = Json::array({0.1, 0.2, 0.3, 0.5, 1.0}), .min = 0.0, .max = 1.0,
           .description = "promotion_aware: upper edges of the depth buckets lifts are learnt in, increasing",
           .min_exclusive = true},
          {.name = "min_history", .type = ParamType::kInteger, .default_value = 3, .min = 1, .max = 1e6,
           .description = "promotion_aware: promoted days an offer's (else the category's) bucket needs before its "
                          "learnt lift is used"},
          {.name = "prior_elasticity", .type = ParamType::kNumber, .default_value = 4.0, .min = 0.0, .max = 20.0,
           .description = "promotion_aware: prior lift = exp(prior_elasticity * depth)"},
          {.name = "prior_days", .type = ParamType::kNumber, .default_value = 2.0, .min = 0.0, .max = 1e6,
           .description = "promotion_aware: the prior lift's weight in promoted days (pseudo-count) when a learnt "
                          "lift is shrunk towards it"},
          {.name = "initial_demand_per_visit", .type = ParamType::kNumber, .default_value = 0.3, .min = 0.0,
           .max = 1.0, .description = "prior units per visit that sets the initial forecast"},
      }),
      [](const Json& p, const BuildContext& ctx) {
        if (p.contains("z") && p.contains("service_level")) {
          throw ParamError("service_level", "give z or service_level, not both");
        }
        const double z = p.contains("z") ? p["z"].get<double>()
                                         : service_level_z(p.value("service_level", 0.95));
        const auto edges = p["depth_buckets"].get<std::vector<double>>();
        if (edges.empty()) throw ParamError("depth_buckets", "needs at least one upper edge");
        for (std::size_t i = 1; i < edges.size(); ++i) {
          if (!(edges[i] > edges[i - 1])) {
            throw ParamError(cat("/depth_buckets/", std::to_string(i)), "must be greater than the edge before it");
          }
        }
        const std::string method = p["method"].get<std::string>();
        const bool promotion_aware = method == "promotion_aware";
        const double offers = static_cast<double>(ctx.offers.size());
        const double prior =
            offers > 0.0 ? p["initial_demand_per_visit"].get<double>() * ctx.expected_visits_per_day / offers : 0.0;
        BaselineSettings baseline;
        baseline.method = method_named(promotion_aware ? p["baseline"].get<std::string>() : method);
        baseline.window = p["window"].get<std::size_t>();
        baseline.smoothing = {.alpha = p["alpha"].get<double>(), .beta = p["beta"].get<double>(),
                              .gamma = p["gamma"].get<double>()};
        baseline.error_weight = p["error_weight"].get<double>();
        baseline.prior = prior;
        baseline.prior_variance = prior;  // Poisson demand: variance = mean
        std::vector<std::uint32_t> categories;
        for (OfferId o = ctx.offers.begin(ctx.seller); o < ctx.offers.end(ctx.seller); ++o) {
          categories.push_back(ctx.catalog.category[ctx.offers.product[o]]);
        }
        const LiftSettings lift{.prior_elasticity = p["prior_elasticity"].get<double>(),
                                .pseudo_count = p["prior_days"].get<double>(),
                                .min_history = p["min_history"].get<std::int64_t>()};
        return std::make_unique<ForecastPolicy>(
            SellerForecast(baseline, std::move(categories), promotion_aware, DepthBuckets(edges), lift),
            ctx.offers.begin(ctx.seller), z, parse_review(p), static_cast<double>(ctx.lead_time_days), prior);
      },
      examples_from(R"([
        {"method": "moving_average", "window": 7, "z": 1.28, "review_days": 2},
        {"method": "exponential_smoothing", "alpha": 0.3, "beta": 0.05, "gamma": 0.1, "service_level": 0.95},
        {"method": "promotion_aware", "baseline": "moving_average", "window": 7, "depth_buckets": [0.1, 0.25, 1.0],
         "min_history": 2, "review": "continuous",
         "requires": {"arm": {"promotions": [{"name": "percent_off", "products": {"categories": ["a"]}, "depth": 0.2,
                                              "start": 4, "end": 10, "budget": 400}]}}}
      ])"),
  });
}

}  // namespace marketsim
