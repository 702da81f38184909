#pragma once
// A seller's replenishment lead time (MODEL.md "Inventory"): a fixed number of days or a
// distribution (gamma by mean and sd, uniform on [min, max], empirical values with weights). An
// order placed at time t arrives at t + L exactly. L is drawn from the stream of
// (seed, replication, offer, Purpose::kLeadTime) at a counter keyed by the order time, so two arms
// that order the same offer at the same time draw the same lead time (common random numbers),
// whatever else they do.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include <boost/random/gamma_distribution.hpp>

#include "sim/rng.h"
#include "sim/time.h"

namespace marketsim {

class LeadTime {
 public:
  enum class Kind { kFixed, kGamma, kUniform, kEmpirical };

  static LeadTime fixed(double days) {
    LeadTime l;
    l.kind_ = Kind::kFixed;
    l.a_ = days;
    return l;
  }
  /// Gamma with the given mean > 0 and sd > 0 (shape (mean/sd)^2, scale sd^2/mean).
  static LeadTime gamma(double mean, double sd) {
    LeadTime l;
    l.kind_ = Kind::kGamma;
    l.a_ = mean;
    l.b_ = sd;
    return l;
  }
  static LeadTime uniform(double min, double max) {
    LeadTime l;
    l.kind_ = Kind::kUniform;
    l.a_ = min;
    l.b_ = max;
    return l;
  }
  /// values[i] days with probability weights[i] / sum(weights) (weights >= 0, not all 0).
  static LeadTime empirical(std::vector<double> values, const std::vector<double>& weights) {
    LeadTime l;
    l.kind_ = Kind::kEmpirical;
    double total = 0.0;
    for (double w : weights) total += w;
    double running = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      running += weights[i];
      l.cumulative_.push_back(running / total);
      l.a_ += values[i] * weights[i] / total;
    }
    double var = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) var += (values[i] - l.a_) * (values[i] - l.a_) * weights[i] / total;
    l.b_ = std::sqrt(var);
    l.values_ = std::move(values);
    return l;
  }

  Kind kind() const { return kind_; }
  double mean() const {
    switch (kind_) {
      case Kind::kUniform: return (a_ + b_) / 2.0;
      default: return a_;
    }
  }
  double sd() const {
    switch (kind_) {
      case Kind::kFixed: return 0.0;
      case Kind::kUniform: return (b_ - a_) / std::sqrt(12.0);
      default: return b_;
    }
  }
  /// The lead time of an order placed at `order_time` from the offer's stream key.
  double draw(std::uint64_t offer_key, Time order_time) const {
    if (kind_ == Kind::kFixed) return a_;
    CounterRng rng(mix64(offer_key ^ std::bit_cast<std::uint64_t>(order_time)));
    switch (kind_) {
      case Kind::kGamma: {
        const double shape = (a_ / b_) * (a_ / b_);
        return boost::random::gamma_distribution<double>(shape, b_ * b_ / a_)(rng);
      }
      case Kind::kUniform: return a_ + (b_ - a_) * rng.uniform();
      case Kind::kEmpirical: {
        const double u = rng.uniform();
        const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
        const auto i = std::min(static_cast<std::size_t>(it - cumulative_.begin()), values_.size() - 1);
        return values_[i];
      }
      case Kind::kFixed: break;
    }
    return a_;
  }

 private:
  Kind kind_ = Kind::kFixed;
  double a_ = 0.0, b_ = 0.0;
  std::vector<double> values_, cumulative_;
};

}  // namespace marketsim
