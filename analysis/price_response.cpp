#include "analysis/price_response.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "analysis/metric.h"

namespace marketsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// β: the segments' lognormal mean price sensitivities, weighted by their visits a day.
double mean_price_sensitivity(const MarketSpec& market) {
  double weighted = 0.0, weight = 0.0;
  for (const SegmentSpec& s : market.segments) {
    const double visits = static_cast<double>(s.consumers) * s.visit_rate *
                          std::exp(s.visit_rate_log_sd * s.visit_rate_log_sd / 2.0);
    weighted += visits * s.price_sensitivity_median *
                std::exp(s.price_sensitivity_log_sd * s.price_sensitivity_log_sd / 2.0);
    weight += visits;
  }
  return weight > 0 ? weighted / weight : kNaN;
}

}  // namespace

std::vector<PriceResponse> price_response(const Scenario& sc, const ExperimentResult& result) {
  std::vector<PriceResponse> out;
  const std::size_t reps = static_cast<std::size_t>(sc.replications);
  const std::size_t units = metric_index("units"), revenue = metric_index("revenue"),
                    profit = metric_index("gross_profit"), orders = metric_index("conversions"),
                    visits = metric_index("visits");
  const auto run = [&](std::size_t arm, std::size_t rep) -> const RunResult& { return result.runs[arm * reps + rep]; };
  const double beta = mean_price_sensitivity(sc.market);
  for (std::size_t s = 0; s < sc.market.sellers.size(); ++s) {
    std::map<double, std::size_t> ladder;  // price factor -> first arm with it
    for (std::size_t a = 0; a < sc.arms.size(); ++a) {
      const std::optional<double> factor = sc.arms[a].sellers[s].fixed_price_factor;
      if (factor) ladder.emplace(*factor, a);
    }
    if (ladder.size() < 2) continue;
    PriceResponse response{s, beta, {}, {}};
    std::vector<std::size_t> arms;
    std::vector<double> factors;
    for (const auto& [factor, arm] : ladder) {
      factors.push_back(factor);
      arms.push_back(arm);
    }
    const auto seller = [&](std::size_t arm, std::size_t rep, std::size_t m) { return run(arm, rep).seller_totals[s][m]; };
    const auto over_reps = [&](const auto& value) {
      std::vector<double> v(reps);
      for (std::size_t r = 0; r < reps; ++r) v[r] = value(r);
      return mean_interval(v);
    };
    for (std::size_t k = 0; k < arms.size(); ++k) {
      const std::size_t a = arms[k];
      const std::size_t lo = k == 0 ? 0 : k - 1, hi = k + 1 == arms.size() ? k : k + 1;
      PriceRung rung{a, factors[k], {}, {}, {}, {}, {}, {}, {}};
      rung.units = over_reps([&](std::size_t r) { return seller(a, r, units); });
      rung.revenue = over_reps([&](std::size_t r) { return seller(a, r, revenue); });
      rung.gross_profit = over_reps([&](std::size_t r) { return seller(a, r, profit); });
      const auto share = [&](std::size_t r) {
        const double v = run(a, r).totals[visits];
        return v > 0 ? seller(a, r, orders) / v : kNaN;
      };
      const auto per_unit = [&](std::size_t r) {
        const double q = seller(a, r, units);
        return q > 0 ? seller(a, r, revenue) / q : kNaN;
      };
      rung.orders_per_visit = over_reps(share);
      rung.revenue_per_unit = over_reps(per_unit);
      rung.measured_elasticity = over_reps([&](std::size_t r) {
        const double q_hi = seller(arms[hi], r, units), q_lo = seller(arms[lo], r, units);
        if (q_hi <= 0 || q_lo <= 0) return kNaN;
        return (std::log(q_hi) - std::log(q_lo)) / (std::log(factors[hi]) - std::log(factors[lo]));
      });
      rung.logit_elasticity = over_reps([&](std::size_t r) { return -beta * per_unit(r) * (1.0 - share(r)); });
      response.rungs.push_back(rung);
    }
    std::size_t best_by_mean = 0;
    for (std::size_t k = 1; k < response.rungs.size(); ++k) {
      if (response.rungs[k].revenue.mean > response.rungs[best_by_mean].revenue.mean) best_by_mean = k;
    }
    for (std::size_t a = 0; a < sc.arms.size(); ++a) {
      if (sc.arms[a].sellers[s].fixed_price_factor) continue;
      const auto regret = [&](std::size_t m) {
        return over_reps([&](std::size_t r) {
          double best = -std::numeric_limits<double>::infinity();
          for (std::size_t k : arms) best = std::max(best, seller(k, r, m));
          return best - seller(a, r, m);
        });
      };
      response.regrets.push_back(PriceRegret{a, best_by_mean, regret(revenue), regret(profit)});
    }
    out.push_back(std::move(response));
  }
  return out;
}

}  // namespace marketsim
