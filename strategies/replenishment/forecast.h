#pragma once
// Daily demand forecasting for the replenishment strategy "forecast" (forecast_policy.cpp), as
// plain classes that can be tested alone. Demand is in units per day (PlatformLog::demand: what
// consumers asked for, sold or not); days are Day numbers, observed in increasing order.
//
//  - MovingAverage: the mean of the last `window` observed days.
//  - HoltWinters: Holt-Winters' method with an additive trend and a multiplicative weekly (m = 7)
//    profile, the component form of Hyndman & Athanasopoulos, Forecasting: Principles and
//    Practice (3rd ed., 2021), section 8.3 ("Holt-Winters' multiplicative method"):
//      level    l_t = alpha * y_t / s_{t-m} + (1 - alpha) * (l_{t-1} + b_{t-1})
//      trend    b_t = beta * (l_t - l_{t-1}) + (1 - beta) * b_{t-1}          (FPP's beta*)
//      profile  s_t = gamma * y_t / (l_{t-1} + b_{t-1}) + (1 - gamma) * s_{t-m}
//      forecast y_{t+h|t} = (l_t + h * b_t) * s(weekday of t + h)
//  - BaselineForecast: either of them plus the forecast's own one-step-ahead error.
//  - DepthBuckets, LiftStats, choose_lift(): the promotion lift, learnt per depth bucket.
//  - SellerForecast: one seller's offers, with the promotion lifts pooled per category.
//  - horizon_demand(), safety_stock(), service_level_z(): the order-up-to level's pieces.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace marketsim {

/// The mean of the last `window` observed days (the prior until a day is observed).
class MovingAverage {
 public:
  MovingAverage(std::size_t window, double prior);
  void observe(double demand);
  /// The forecast of any future day.
  double forecast() const { return count_ == 0 ? prior_ : sum_ / static_cast<double>(count_); }
  std::size_t observed() const { return count_; }

 private:
  std::vector<double> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  double sum_ = 0.0;
  double prior_;
};

/// Smoothing constants of HoltWinters, each in [0, 1]. beta = 0 keeps the initial (zero) trend,
/// gamma = 0 keeps the initial (flat) profile.
struct SmoothingConstants {
  double alpha = 0.2;
  double beta = 0.0;
  double gamma = 0.1;
};

/// Holt-Winters (additive trend, multiplicative 7-day profile), see the file's comment. The state
/// describes the end of day last_day() (-1 before any day). Days not observed (skip(), or a gap
/// before an observed day) are missing observations: the state moves to its own prediction
/// (level += trend, trend and profile unchanged), as the state space form treats a missing value
/// (Hyndman, Koehler, Ord & Snyder, Forecasting with Exponential Smoothing, 2008).
///
/// Initialisation: the level starts at `initial_level` (a prior) and, over the first 7 observed
/// days, is the mean of the days observed so far, with no trend and a flat profile; the
/// recursions run from the 8th observed day. This is the usual heuristic start (level = the mean
/// of the first season; Hyndman et al. 2008 on initialisation) without its first-week profile,
/// which daily counts make too noisy: gamma learns the profile. A prior far from the offer's
/// demand therefore costs a day, not the weeks alpha would take to forget it.
///
/// Two guards the textbook form lacks, for the near-zero counts of slow-moving offers:
///  - the level is kept >= 0 and the ratio y_t / (l_{t-1} + b_{t-1}) of the profile update is
///    capped at 7 (no weekday's factor can exceed 7 when the factors average 1);
///  - after each update the profile is renormalised to average 1 and the level and trend are
///    scaled by the same factor, which leaves every forecast unchanged (Archibald & Koehler,
///    Normalization of seasonal factors in Winters' methods, IJF 19(1), 2003); factors are kept
///    >= 0.05 so that dividing by them stays finite.
class HoltWinters {
 public:
  static constexpr int kSeason = 7;
  HoltWinters(SmoothingConstants constants, double initial_level);
  /// Observes day `day` (> last_day(); days in between are missing observations).
  void observe(Day day, double demand);
  /// Day `day` (> last_day()) is a missing observation, and so are the days before it.
  void skip(Day day);
  /// The forecast of day `day`: h = day - last_day() steps ahead (h >= 1; a day already
  /// observed gets the one-step forecast of its weekday).
  double forecast(Day day) const;
  double level() const { return level_; }
  /// Days observed so far (missing ones not counted).
  std::int64_t observed() const { return observed_; }
  double trend() const { return trend_; }
  /// The profile factor of weekday k = day mod 7.
  double profile(int k) const { return profile_[static_cast<std::size_t>(k)]; }
  Day last_day() const { return last_; }

 private:
  void advance_to(Day day);  // missing observations up to day - 1
  void renormalise();
  SmoothingConstants c_;
  double level_;
  double trend_ = 0.0;
  std::array<double, kSeason> profile_;
  Day last_ = -1;
  std::int64_t observed_ = 0;
};

enum class ForecastMethod { kMovingAverage, kExponentialSmoothing };

/// What a BaselineForecast is made of.
struct BaselineSettings {
  ForecastMethod method = ForecastMethod::kExponentialSmoothing;
  std::size_t window = 14;                // moving average: days averaged
  SmoothingConstants smoothing = {};      // exponential smoothing
  double error_weight = 0.1;              // weight of the newest squared error, (0, 1]
  double prior = 0.0;                     // the forecast before any observation, units/day
  double prior_variance = 0.0;            // the squared error before any observation
};

/// A daily forecast with its one-step-ahead error: each observed day's error y_t - forecast(t)
/// (made before y_t is seen) updates an exponentially weighted mean of squared errors,
///   mse <- (1 - w_n) * mse + w_n * e^2,  w_n = max(error_weight, 1 / (n + 1)),
/// where n counts the errors so far and the prior variance counts as one observation (so the
/// first errors are averaged equally with it, and the weight settles at error_weight). Errors
/// count from the second observed day: the first day's is the prior's miss, not the method's.
class BaselineForecast {
 public:
  explicit BaselineForecast(const BaselineSettings& s);
  void observe(Day day, double demand);
  /// A day the baseline does not see (a promoted day): no error, the state moves on.
  void skip(Day day);
  double forecast(Day day) const;
  /// Root mean square of the one-step errors (the prior's square root before any).
  double error_sd() const { return std::sqrt(mse_); }
  std::int64_t errors() const { return errors_; }
  const HoltWinters* holt_winters() const {
    return method_ == ForecastMethod::kExponentialSmoothing ? &hw_ : nullptr;
  }

 private:
  ForecastMethod method_;
  MovingAverage ma_;
  HoltWinters hw_;
  double error_weight_;
  double mse_;
  std::int64_t errors_ = 0;
};

/// Depth buckets by upper edges e_0 < e_1 < ... : bucket i holds depths in (e_{i-1}, e_i]
/// (e_{-1} = 0); a depth above the last edge falls in the last bucket.
class DepthBuckets {
 public:
  explicit DepthBuckets(std::vector<double> upper_edges);
  std::size_t of(double depth) const;
  std::size_t size() const { return edges_.size(); }
  const std::vector<double>& edges() const { return edges_; }

 private:
  std::vector<double> edges_;
};

/// Promoted days of one bucket: the demand seen and what the baseline forecast for those days.
struct LiftStats {
  double actual = 0.0;
  double baseline = 0.0;
  std::int64_t days = 0;
  void add(double demand, double baseline_forecast) {
    actual += demand;
    baseline += baseline_forecast;
    ++days;
  }
  /// The ratio estimate sum(actual) / sum(baseline) (only meaningful when baseline > 0).
  double ratio() const { return actual / baseline; }
};

/// How lifts are learnt and shrunk.
struct LiftSettings {
  double prior_elasticity = 4.0;  // prior lift = exp(prior_elasticity * depth)
  double pseudo_count = 2.0;      // k: learnt lift = (n * ratio + k * prior) / (n + k)
  std::int64_t min_history = 3;   // promoted days a bucket needs before its own lift is used
};

/// The prior lift of a promotion of depth `depth` (a share of price): exp(elasticity * depth).
inline double prior_lift(double elasticity, double depth) { return std::exp(elasticity * depth); }

/// Where a lift comes from.
enum class LiftSource { kNone, kOffer, kCategory, kPrior };

struct Lift {
  double value = 1.0;
  LiftSource source = LiftSource::kNone;
};

/// The lift of a day promoted at `depth` > 0: the offer's own bucket when it holds at least
/// min_history promoted days, else the category's pooled bucket when it does, else the prior;
/// a learnt ratio is shrunk towards the prior: (n * ratio + k * prior) / (n + k).
Lift choose_lift(const LiftStats& offer, const LiftStats& category, double depth, const LiftSettings& s);

/// The forecasts of one seller's offers (local index k = 0 .. offers - 1), each with its own
/// baseline; with `promotion_aware`, promoted days (depth > 0) are kept out of the baseline
/// (skipped, see BaselineForecast::skip) and teach the lift of their depth bucket instead, per
/// offer and pooled per category (sums over the category's offers: a ratio of sums).
class SellerForecast {
 public:
  SellerForecast(const BaselineSettings& baseline, std::vector<std::uint32_t> category_of_offer, bool promotion_aware,
                 DepthBuckets buckets, LiftSettings lift);
  /// Observes offer k's demand on day `day`, a day promoted at `depth` (0: none).
  void observe(std::size_t k, Day day, double demand, double depth);
  /// Day `day` of offer k is unknown (it left the log): a missing observation.
  void skip(std::size_t k, Day day);
  double baseline(std::size_t k, Day day) const { return offers_[k].forecast(day); }
  /// The lift of offer k on a day promoted at `depth` (1, source kNone, when depth <= 0 or the
  /// forecast is not promotion-aware).
  Lift lift(std::size_t k, double depth) const;
  /// Baseline times lift.
  double forecast(std::size_t k, Day day, double depth) const { return baseline(k, day) * lift(k, depth).value; }
  double error_sd(std::size_t k) const { return offers_[k].error_sd(); }
  const BaselineForecast& offer(std::size_t k) const { return offers_[k]; }
  const LiftStats& offer_stats(std::size_t k, std::size_t bucket) const { return offer_lifts_[k][bucket]; }
  const LiftStats& category_stats(std::uint32_t category, std::size_t bucket) const;
  std::size_t offers() const { return offers_.size(); }
  bool promotion_aware() const { return promotion_aware_; }

 private:
  std::vector<BaselineForecast> offers_;
  std::vector<std::uint32_t> category_;
  bool promotion_aware_;
  DepthBuckets buckets_;
  LiftSettings lift_;
  std::vector<std::vector<LiftStats>> offer_lifts_;     // [offer][bucket]
  std::vector<std::vector<LiftStats>> category_lifts_;  // [category][bucket]
};

/// The sum of daily forecasts f(d), f(d + 1), ... over `horizon` >= 0 days from day d, the last
/// day counted for its share when the horizon is fractional: sum_k min(1, horizon - k) * f(d + k).
template <typename F>
double horizon_demand(F&& f, Day d, double horizon) {
  double sum = 0.0;
  for (Day k = 0; static_cast<double>(k) < horizon; ++k) {
    const double share = std::min(1.0, horizon - static_cast<double>(k));
    sum += share * f(d + k);
  }
  return sum;
}

/// Safety stock z * sqrt(H * sigma_d^2 + dbar^2 * sigma_L^2) for demand over H = L + R days with
/// daily forecast error sd sigma_d, mean daily forecast dbar and lead time sd sigma_L (days): the
/// standard deviation of demand over a random lead time (Silver, Pyke & Thomas, Inventory and
/// Production Management in Supply Chains, 4th ed., 2017), with the review period added to L.
inline double safety_stock(double z, double horizon, double sigma_d, double dbar, double sigma_l) {
  return z * std::sqrt(horizon * sigma_d * sigma_d + dbar * dbar * sigma_l * sigma_l);
}

/// z = Phi^-1(service_level), the standard normal quantile (Boost.Math), 0 < service_level < 1.
double service_level_z(double service_level);

}  // namespace marketsim
