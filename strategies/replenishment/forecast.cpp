// Daily demand forecasting (forecast.h): moving average, Holt-Winters with a weekly profile, the
// one-step error, and promotion lifts learnt per depth bucket, per offer and per category.
#include "strategies/replenishment/forecast.h"

#include <boost/math/distributions/normal.hpp>
#include <stdexcept>
#include <utility>

namespace marketsim {
namespace {

constexpr double kMinProfile = 0.05;

std::size_t weekday(Day day) {
  return static_cast<std::size_t>(((day % HoltWinters::kSeason) + HoltWinters::kSeason) % HoltWinters::kSeason);
}

}  // namespace

MovingAverage::MovingAverage(std::size_t window, double prior) : ring_(window == 0 ? 1 : window, 0.0), prior_(prior) {}

void MovingAverage::observe(double demand) {
  if (count_ == ring_.size()) {
    sum_ -= ring_[next_];
  } else {
    ++count_;
  }
  ring_[next_] = demand;
  sum_ += demand;
  next_ = (next_ + 1) % ring_.size();
  if (next_ == 0) {
    // Once per window, the sum afresh: no rounding drift however long the run.
    sum_ = 0.0;
    for (std::size_t i = 0; i < count_; ++i) sum_ += ring_[i];
  }
}

HoltWinters::HoltWinters(SmoothingConstants constants, double initial_level)
    : c_(constants), level_(std::max(0.0, initial_level)) {
  profile_.fill(1.0);
}

void HoltWinters::advance_to(Day day) {
  while (last_ + 1 < day) {
    level_ = std::max(0.0, level_ + trend_);
    ++last_;
  }
}

void HoltWinters::skip(Day day) {
  if (day <= last_) return;
  advance_to(day + 1);
}

void HoltWinters::observe(Day day, double demand) {
  if (day <= last_) throw std::invalid_argument("HoltWinters: days must be observed in increasing order");
  advance_to(day);
  ++observed_;
  last_ = day;
  if (observed_ <= kSeason) {
    // The first week: the level is the mean of the days observed so far.
    level_ += (demand - level_) / static_cast<double>(observed_);
    return;
  }
  const std::size_t w = weekday(day);
  const double previous = level_ + trend_;  // l_{t-1} + b_{t-1}
  const double factor = profile_[w];        // s_{t-m}
  const double level = std::max(0.0, c_.alpha * demand / factor + (1.0 - c_.alpha) * previous);
  trend_ = c_.beta * (level - level_) + (1.0 - c_.beta) * trend_;
  // Nothing to learn about the weekday from a zero level: its factor stays.
  const double ratio = previous > 0.0 ? std::min(static_cast<double>(kSeason), demand / previous) : factor;
  profile_[w] = std::max(kMinProfile, c_.gamma * ratio + (1.0 - c_.gamma) * factor);
  level_ = level;
  renormalise();
}

void HoltWinters::renormalise() {
  double sum = 0.0;
  for (double s : profile_) sum += s;
  const double mean = sum / static_cast<double>(kSeason);
  if (mean == 1.0 || !(mean > 0.0)) return;
  for (double& s : profile_) s /= mean;
  level_ *= mean;
  trend_ *= mean;
}

double HoltWinters::forecast(Day day) const {
  const double h = static_cast<double>(std::max<Day>(1, day - last_));
  return std::max(0.0, (level_ + h * trend_) * profile_[weekday(day)]);
}

BaselineForecast::BaselineForecast(const BaselineSettings& s)
    : method_(s.method),
      ma_(s.window, s.prior),
      hw_(s.smoothing, s.prior),
      error_weight_(s.error_weight),
      mse_(s.prior_variance) {}

double BaselineForecast::forecast(Day day) const {
  return method_ == ForecastMethod::kMovingAverage ? ma_.forecast() : hw_.forecast(day);
}

void BaselineForecast::observe(Day day, double demand) {
  const bool prior_only = method_ == ForecastMethod::kMovingAverage ? ma_.observed() == 0 : hw_.observed() == 0;
  if (!prior_only) {
    const double error = demand - forecast(day);
    ++errors_;
    const double w = std::max(error_weight_, 1.0 / static_cast<double>(errors_ + 1));
    mse_ = (1.0 - w) * mse_ + w * error * error;
  }
  if (method_ == ForecastMethod::kMovingAverage) {
    ma_.observe(demand);
  } else {
    hw_.observe(day, demand);
  }
}

void BaselineForecast::skip(Day day) {
  if (method_ == ForecastMethod::kExponentialSmoothing) hw_.skip(day);
}

DepthBuckets::DepthBuckets(std::vector<double> upper_edges) : edges_(std::move(upper_edges)) {
  if (edges_.empty()) throw std::invalid_argument("depth buckets: at least one upper edge");
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    if (!(edges_[i] > 0.0) || (i > 0 && !(edges_[i] > edges_[i - 1]))) {
      throw std::invalid_argument("depth buckets: upper edges must be positive and strictly increasing");
    }
  }
}

std::size_t DepthBuckets::of(double depth) const {
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    if (depth <= edges_[i]) return i;
  }
  return edges_.size() - 1;
}

Lift choose_lift(const LiftStats& offer, const LiftStats& category, double depth, const LiftSettings& s) {
  const double prior = prior_lift(s.prior_elasticity, depth);
  const auto shrunk = [&](const LiftStats& st) {
    const double n = static_cast<double>(st.days);
    return (n * st.ratio() + s.pseudo_count * prior) / (n + s.pseudo_count);
  };
  if (offer.days >= s.min_history && offer.baseline > 0.0) return {shrunk(offer), LiftSource::kOffer};
  if (category.days >= s.min_history && category.baseline > 0.0) return {shrunk(category), LiftSource::kCategory};
  return {prior, LiftSource::kPrior};
}

SellerForecast::SellerForecast(const BaselineSettings& baseline, std::vector<std::uint32_t> category_of_offer,
                               bool promotion_aware, DepthBuckets buckets, LiftSettings lift)
    : offers_(category_of_offer.size(), BaselineForecast(baseline)),
      category_(std::move(category_of_offer)),
      promotion_aware_(promotion_aware),
      buckets_(std::move(buckets)),
      lift_(lift),
      offer_lifts_(category_.size(), std::vector<LiftStats>(buckets_.size())) {
  std::uint32_t categories = 0;
  for (std::uint32_t c : category_) categories = std::max(categories, c + 1);
  category_lifts_.assign(categories, std::vector<LiftStats>(buckets_.size()));
}

void SellerForecast::observe(std::size_t k, Day day, double demand, double depth) {
  if (promotion_aware_ && depth > 0.0) {
    const double expected = offers_[k].forecast(day);
    const std::size_t bucket = buckets_.of(depth);
    offer_lifts_[k][bucket].add(demand, expected);
    category_lifts_[category_[k]][bucket].add(demand, expected);
    offers_[k].skip(day);
  } else {
    offers_[k].observe(day, demand);
  }
}

void SellerForecast::skip(std::size_t k, Day day) { offers_[k].skip(day); }

Lift SellerForecast::lift(std::size_t k, double depth) const {
  if (!promotion_aware_ || !(depth > 0.0)) return {};
  const std::size_t bucket = buckets_.of(depth);
  return choose_lift(offer_lifts_[k][bucket], category_lifts_[category_[k]][bucket], depth, lift_);
}

const LiftStats& SellerForecast::category_stats(std::uint32_t category, std::size_t bucket) const {
  static const LiftStats kNone;
  return category < category_lifts_.size() ? category_lifts_[category][bucket] : kNone;
}

double service_level_z(double service_level) {
  return boost::math::quantile(boost::math::normal_distribution<double>(0.0, 1.0), service_level);
}

}  // namespace marketsim
